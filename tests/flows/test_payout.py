"""Transcripts: "when do I get paid?" answered from the ledger and the program's own rules, in
each language, on the person's own calendar; and a friend held for review told so, and told
again when a person approves their reward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store import Store, Tx
from bot.services.reward_decisions import decide
from bot.services.unit_of_work import Done
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import (
    EXAMPLES,
    code_of,
    program_file,
    purchase,
    release,
    running,
    signup,
    who,
)

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


async def _bot(
    example: str,
    store: Store,
    clock: FakeClock,
    channel: CollectingChannel,
    tmp_path: Path,
    *,
    per_hour: int | None = None,
) -> tuple[ReferralBot, Conversation]:
    """examples/<example>.toml; `per_hour`: the fraud limit on signups for one code an hour,
    so that the next friend past it is held for review."""
    clock.set(NOON_IN_CALIFORNIA)
    text = (EXAMPLES / f"{example}.toml").read_text(encoding="utf-8")
    if per_hour is not None and "[fraud]" in text:
        start = text.index("signups_per_code_per_hour = ")
        end = text.index("\n", start)
        text = f"{text[:start]}signups_per_code_per_hour = {per_hour}{text[end:]}"
    elif per_hour is not None:
        text += f"\n[fraud]\nsignups_per_code_per_hour = {per_hour}\n"
    return await running(program_file(tmp_path, text), store=store, clock=clock, channel=channel)


PENDING = {
    "en": (
        "when will I get my reward",
        "Your reward of $20.00 will be approved on Dec 7, 2026.\n"
        "Rewards are approved 14 days after your friends sign up: $20.00 for each.",
    ),
    "ko": (
        "보상은 언제 받아요?",
        "US$20.00 보상은 2026. 12. 8.에 승인돼요.\n"
        "친구가 가입하면 14일 뒤에 한 명마다 US$20.00 받아요.",
    ),
    "zh-Hans": (
        "奖励什么时候到账",
        "你的 US$20.00 奖励将于 2026年12月8日 审核通过。\n"
        "每位朋友注册后 14 天，你就可得 US$20.00。",
    ),
    "zh-Hant": (
        "獎勵幾時發",
        "你的 US$20.00 獎勵將於 2026年12月8日 核准。\n每位朋友註冊後 14 天，你就可得 US$20.00。",
    ),
}
ZONES = {
    "en": "America/Los_Angeles",
    "ko": "Asia/Seoul",
    "zh-Hans": "Asia/Shanghai",
    "zh-Hant": "Asia/Taipei",
}


@pytest.mark.parametrize("lang", sorted(PENDING))
async def test_a_referrer_hears_the_day_their_reward_is_approved_on_their_own_calendar(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path, lang: str
) -> None:
    """The hold ends at noon in California on Dec 7: already Dec 8 in Seoul, Shanghai, Taipei."""
    bot, chat = await _bot("two_sided_cash", store, clock, channel, tmp_path)
    await chat.say("alice", "LINK", lang=lang, time_zone=ZONES[lang])
    await chat.say("bob", f"JOIN {await code_of(bot, 'alice')}", lang=lang)
    question, answer = PENDING[lang]
    assert await chat.say("alice", question, lang=lang) == answer


async def test_nothing_pending_says_so_and_how_rewards_come(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    _, chat = await _bot("two_sided_cash", store, clock, channel, tmp_path)
    assert await chat.say("alice", "When do I get paid?") == (
        "You have no rewards waiting right now.\n"
        "Rewards are approved 14 days after your friends sign up: $20.00 for each."
    )


async def test_after_the_hold_the_reward_reads_approved(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    bot, chat = await _bot("two_sided_cash", store, clock, channel, tmp_path)
    await chat.say("alice", "LINK")
    for friend in ("bob", "carol"):
        await chat.say(friend, f"JOIN {await code_of(bot, 'alice')}")
    clock.advance(timedelta(days=14))
    await release(bot)  # the worker's sweep; each side is told of its approval
    assert await chat.say("alice", "when is my reward paid") == (
        "Approved already: $40.00.\n"
        "Rewards are approved 14 days after your friends sign up: $20.00 for each."
    )


async def test_without_a_hold_rewards_come_as_the_friend_joins(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    _, chat = await _bot("capped_storage", store, clock, channel, tmp_path)
    assert await chat.say("minsu", "리워드 언제 지급돼요", lang="ko") == (
        "지금 기다리는 보상은 없어요.\n친구가 가입하면 바로 한 명마다 500MB 받아요."
    )


async def test_in_a_purchase_program_each_side_hears_what_it_waits_for(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    bot, chat = await _bot("tiers", store, clock, channel, tmp_path)
    await chat.say("elon", "LINK")
    await chat.say("ana", f"JOIN {await code_of(bot, 'elon')}")
    assert await chat.say("elon", "when will I get my reward?") == (
        "You have no rewards waiting right now.\n"
        "Signed up but not bought yet: ana.\n"
        "Rewards are approved 7 days after your friends spend $1,000.00 or more: "
        "1,000 Supercharger miles for each."
    )
    # The friend hears their own reward, not the referrers' rule.
    assert await chat.say("ana", "when do I get my reward?") == (
        "You'll get 1,000 Supercharger miles when you spend $1,000.00 or more."
    )
    await purchase(bot, "ana", "1500")
    assert await chat.say("ana", "奖励什么时候到账", lang="zh-Hans") == (
        "你的 1,000 英里超级充电 奖励将于 2026年11月30日 审核通过。"
    )


async def test_a_program_without_rewards_says_so(conversation: Conversation) -> None:
    assert await conversation.say("alice", "when do I get paid?") == (
        "This program doesn't give rewards, but thank you for sharing!"
    )


HELD_WELCOME = {
    "en": "Welcome! You joined through alice's invite.\n"
    "Your reward of $20.00 is in a routine check; we'll message you as soon as it's approved.",
    "ko": "환영해요! alice님의 초대로 가입했어요.\n"
    "US$20.00 보상은 확인 절차를 거치고 있어요. 승인되면 바로 알려 드릴게요.",
    "zh-Hans": "欢迎！你通过alice的邀请加入了。\n"
    "你的 US$20.00 奖励正在例行审核，审核通过后会马上通知你。",
    "zh-Hant": "歡迎！你透過alice的邀請加入了。\n"
    "你的 US$20.00 獎勵正在例行審核，核准後會馬上通知你。",
}
APPROVED = {
    "en": "Your reward of $20.00 is approved.",
    "ko": "US$20.00 보상이 승인됐어요.",
    "zh-Hans": "你的 US$20.00 奖励已审核通过。",
    "zh-Hant": "你的 US$20.00 獎勵已核准。",
}


async def _approve_friends_reward(bot: ReferralBot, friend: str) -> None:
    """A reviewer approves the held reward, as `referral-bot rewards approve` does."""
    async with bot.store.transaction() as tx:
        person = await who(tx, friend)
        [reward] = await tx.rewards.of_participant(person.id)

    async def approve(tx: Tx, now: datetime) -> Done[None]:
        told = await decide(bot.context, tx, reward.id, "approve", actor="cli", now=now)
        return Done(None, told)

    await bot.work.run(approve)
    await bot.dispatcher.dispatch_due()


@pytest.mark.parametrize("lang", sorted(HELD_WELCOME))
async def test_a_friend_held_for_review_is_told_and_then_hears_the_approval(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path, lang: str
) -> None:
    bot, chat = await _bot("two_sided_cash", store, clock, channel, tmp_path, per_hour=1)
    await chat.say("alice", "LINK", lang=lang)
    code = await code_of(bot, "alice")
    await chat.say("bob", f"JOIN {code}", lang=lang)
    assert await chat.say("carol", f"JOIN {code}", lang=lang) == HELD_WELCOME[lang]
    checking = HELD_WELCOME[lang].splitlines()[1]
    question = PENDING[lang][0]
    assert await chat.say("carol", question, lang=lang) == checking
    await _approve_friends_reward(bot, "carol")
    assert chat.inbox("carol")[-1] == APPROVED[lang]


async def test_a_friend_reported_by_the_business_and_held_hears_it_is_checked(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    bot, chat = await _bot("two_sided_cash", store, clock, channel, tmp_path, per_hour=1)
    await chat.say("alice", "LINK")
    code = await code_of(bot, "alice")
    await chat.say("bob", "hi")
    await chat.say("carol", "hi")
    await signup(bot, "bob", code)
    assert (await signup(bot, "carol", code)).outcome == "counted"
    assert chat.inbox("carol")[-1] == (
        "Your reward of $20.00 is in a routine check; we'll message you as soon as it's approved."
    )


async def test_a_held_friend_of_a_purchase_program_hears_the_check_with_what_to_do(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    bot, chat = await _bot("tiers", store, clock, channel, tmp_path, per_hour=1)
    await chat.say("elon", "LINK")
    code = await code_of(bot, "elon")
    await chat.say("ana", f"JOIN {code}")
    assert await chat.say("ben", f"JOIN {code}") == (
        "Welcome! You joined through elon's invite.\n"
        "You'll get 1,000 Supercharger miles when you spend $1,000.00 or more.\n"
        "Your sign-up is in a routine check; we'll message you as soon as your reward is approved."
    )
    await purchase(bot, "ben", "1200")  # bought: the reward is made, and checked
    assert chat.inbox("ben")[-1] == (
        "Your reward of 1,000 Supercharger miles is in a routine check; "
        "we'll message you as soon as it's approved."
    )
    assert await chat.say("ben", "when do I get my reward?") == (
        "Your reward of 1,000 Supercharger miles is in a routine check; "
        "we'll message you as soon as it's approved."
    )
    await _approve_friends_reward(bot, "ben")
    assert chat.inbox("ben")[-1] == "Your reward of 1,000 Supercharger miles is approved."
