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
