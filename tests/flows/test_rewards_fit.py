"""Long answers are cut to two SMS segments, most important lines first, the rest counted."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import FakeClock
from bot.core.sms_text import sms_segments
from bot.core.store import Store
from bot.flows.fit import fit
from tests.fakes import CollectingChannel
from tests.flows.rewards_kit import EXAMPLES, code_of, purchase, running


def more(n: int) -> str:
    return f"...and {n} more"


def test_what_fits_is_kept_whole() -> None:
    assert fit(["a", "b"], keep=1, more=more, tail=["z"]) == ["a", "b", "z"]


def test_what_is_left_out_is_counted_in_friends_not_lines() -> None:
    lines = ["You've referred 4 friends.", "A: pending", "B: pending", "Didn't count:", "C: late"]
    weights = [0, 1, 1, 0, 1]
    assert fit(lines, keep=1, more=more, weights=weights, unlisted=2, segments=1) == [
        *lines, more(2)
    ]
    long_reason = [*lines[:4], "C: " + "x" * 150]
    cut = fit(long_reason, keep=1, more=more, weights=weights, segments=1)
    assert cut == ["You've referred 4 friends.", "A: pending", "B: pending", more(1)]  # no heading


def test_what_does_not_fit_is_counted_and_the_tail_stays() -> None:
    lines = ["head"] + [f"line {i} " + "x" * 40 for i in range(10)]
    cut = fit(lines, keep=1, more=more, tail=["the cap line"])
    assert cut[0] == "head" and cut[-1] == "the cap line"
    assert cut[-2] == more(len(lines) - len(cut) + 2)
    assert sms_segments("\n".join(cut)) <= 2


async def test_a_korean_traveller_with_many_pending_credits_gets_two_segments(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    bot, chat = await running(
        EXAMPLES / "one_sided_credit.toml", store=store, clock=clock, channel=channel
    )
    await chat.say("jiwoo", "LANG ko")
    code = await code_of(bot, "jiwoo")
    for i in range(12):
        await chat.say(f"guest{i}", f"JOIN {code}")
        await purchase(bot, f"guest{i}", "300")
        clock.advance(timedelta(days=1))
    reply = await chat.say("jiwoo", "REWARDS")
    lines = reply.split("\n")
    assert lines[0] == "내 보상:"
    assert lines[1] == "US$25.00 여행 크레딧 - 대기 중 (2026. 12. 7. 확정 예정)"
    assert lines[-1].startswith("...외 ") and lines[-1].endswith("건")
    assert sms_segments(reply) <= 2


async def test_eleven_friends_with_chinese_names_are_all_accounted_for_in_the_count(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    # Two Han names shrink a segment to 70 characters: most friends are summed up, and the
    # sum is of friends (2 shown + 9 more = 11), not of the lines left out.
    bot, chat = await running(
        EXAMPLES / "two_sided_cash.toml", store=store, clock=clock, channel=channel
    )
    await chat.say("alice", "LINK")
    await chat.say("bob", "LINK")
    await chat.say("国华", f"JOIN {await code_of(bot, 'bob')}")  # then alice's: didn't count
    code = await code_of(bot, "alice")
    names = ["阿明", "小红", "大伟", "丽丽", "志强", "美玲", "建国", "秀英", "小龙", "海燕", "国华"]
    for name in names:
        await chat.say(name, f"JOIN {code}")
    reply = await chat.say("alice", "COUNT")
    lines = reply.split("\n")
    assert lines[0] == "You've referred 10 friends."
    shown = [line for line in lines if "**" in line]
    assert lines[-1] == f"...and {11 - len(shown)} more" and shown
    assert sms_segments(reply) <= 2
