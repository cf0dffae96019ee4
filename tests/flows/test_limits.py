"""Transcripts: "is there a limit?" answered from the program: its cap in amount and in friends,
how much of it the asker has earned, its milestones; or plainly no limit."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store import Store
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import EXAMPLES, code_of, program_file, running

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


async def _bot(
    program: Path, store: Store, clock: FakeClock, channel: CollectingChannel
) -> tuple[ReferralBot, Conversation]:
    clock.set(NOON_IN_CALIFORNIA)
    return await running(program, store=store, clock=clock, channel=channel)


CAPPED = {
    "en": (
        "is there a limit?",
        "You can earn up to 16 GB in total: 500 MB for each friend, so 32 friends.\n"
        "So far you've earned 500 MB of 16 GB.\n"
        "You can keep inviting after that, and your friends still get 500 MB.",
    ),
    "ko": (
        "최대 몇 명까지",
        "최대 16GB까지 받을 수 있어요. 친구 한 명마다 500MB, 32명까지예요.\n"
        "지금까지 16GB 중 500MB 받았어요.\n"
        "그 뒤에도 계속 초대할 수 있고, 친구는 500MB 받아요.",
    ),
    "zh-Hans": (
        "推荐人数有上限吗",
        "你最多可得 16 GB：每位朋友 500 MB，也就是 32 位朋友。\n"
        "你目前已获得 16 GB 中的 500 MB。\n"
        "之后你仍可继续邀请，朋友仍可得 500 MB。",
    ),
    "zh-Hant": (
        "推薦人數有上限嗎",
        "你最多可得 16 GB：每位朋友 500 MB，也就是 32 位朋友。\n"
        "你目前已獲得 16 GB 中的 500 MB。\n"
        "之後你仍可繼續邀請，朋友仍可得 500 MB。",
    ),
}


@pytest.mark.parametrize("lang", sorted(CAPPED))
async def test_the_cap_is_said_in_amount_and_in_friends_with_what_is_earned(
    store: Store, clock: FakeClock, channel: CollectingChannel, lang: str
) -> None:
    bot, chat = await _bot(EXAMPLES / "capped_storage.toml", store, clock, channel)
    await chat.say("drew", "LINK", lang=lang)
    await chat.say("ana", f"JOIN {await code_of(bot, 'drew')}", lang=lang)
    question, answer = CAPPED[lang]
    assert await chat.say("drew", question, lang=lang) == answer


async def test_a_referrer_at_the_cap_hears_it_is_reached(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    text = (EXAMPLES / "capped_storage.toml").read_text(encoding="utf-8")
    bot, chat = await _bot(
        program_file(tmp_path, text.replace("cap = 16000", "cap = 1000")), store, clock, channel
    )
    await chat.say("drew", "LINK")
    for friend in ("ana", "ben"):
        await chat.say(friend, f"JOIN {await code_of(bot, 'drew')}")
    assert await chat.say("drew", "how many friends can I refer") == (
        "You can earn up to 1 GB in total: 500 MB for each friend, so 2 friends.\n"
        # the program file's own words for the cap (examples/capped_storage.toml)
        "You've earned the maximum 1 GB of bonus space. Thank you! Friends still get their 500 MB."
    )


NO_LIMIT = {
    "en": (
        "is there a cap",
        "There's no limit: invite as many friends as you like. You get $20.00 for each one, "
        "when they sign up.",
    ),
    "ko": (
        "추천 인원 제한 있어요?",
        "한도 없이 원하는 만큼 초대할 수 있어요. 친구가 가입하면 한 명마다 US$20.00 받아요.",
    ),
    "zh-Hans": (
        "最多可以推荐几个人",
        "没有上限，想邀请多少朋友都可以。每位朋友注册后，你都可得 US$20.00。",
    ),
    "zh-Hant": (
        "推薦有沒有限制",
        "沒有上限，想邀請多少朋友都可以。每位朋友註冊後，你都可得 US$20.00。",
    ),
}


@pytest.mark.parametrize("lang", sorted(NO_LIMIT))
async def test_a_program_without_a_cap_says_plainly_there_is_no_limit(
    store: Store, clock: FakeClock, channel: CollectingChannel, lang: str
) -> None:
    _, chat = await _bot(EXAMPLES / "two_sided_cash.toml", store, clock, channel)
    question, answer = NO_LIMIT[lang]
    assert await chat.say("alice", question, lang=lang) == answer


async def test_the_tiers_follow_no_limit(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    _, chat = await _bot(EXAMPLES / "tiers.toml", store, clock, channel)
    assert await chat.say("elon", "max referrals?") == (
        "There's no limit: invite as many friends as you like. You get 1,000 Supercharger miles "
        "for each one, when they spend $1,000.00 or more.\n"
        "At 5 friends: an invitation to the launch event.\n"
        "At 10 friends: access to the Founders special edition."
    )


async def test_a_program_rewarding_only_friends_has_no_limit_either(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    program = program_file(
        tmp_path,
        '[program]\nname = "Gift"\n\n[[rewards]]\nid = "welcome"\nside = "friend"\n'
        'unit = "credit"\ncurrency = "USD"\namounts = [{ amount = 10 }]\n',
    )
    _, chat = await _bot(program, store, clock, channel)
    assert await chat.say("alice", "can I refer unlimited friends?") == (
        "There's no limit: invite as many friends as you like, and each gets $10.00 credit."
    )


async def test_a_program_without_rewards_has_no_limit(conversation: Conversation) -> None:
    assert await conversation.say("alice", "是否有上限", lang="zh-Hans") == (
        "没有上限，想邀请多少朋友都可以。"
    )
