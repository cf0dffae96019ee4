"""The words a careful reader of Korean and Chinese reads, each reply literal: no particle left
to guess after an amount or a contact (을(를), (으)로), the bot speaking to the customer, the
friend invited once, the asker's own leaderboard row written like every other row, and a space
on both sides of an amount in Chinese. The example programs give the amounts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.store import Store
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import EXAMPLES, code_of, running

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
Start = Callable[[str], Awaitable[tuple[ReferralBot, Conversation]]]


@pytest.fixture
async def start(store: Store, clock: FakeClock, channel: CollectingChannel) -> Start:
    """The bot running examples/<name>.toml, on a Monday noon in California."""
    clock.set(NOON_IN_CALIFORNIA)

    async def start(example: str) -> tuple[ReferralBot, Conversation]:
        return await running(
            EXAMPLES / f"{example}.toml", store=store, clock=clock, channel=channel
        )

    return start


async def test_the_korean_link_reply_says_what_each_side_gets_when_a_friend_joins(
    start: Start,
) -> None:
    bot, chat = await start("two_sided_cash")
    reply = await chat.say("minsu", "링크 주세요", lang="ko")
    code = await code_of(bot, "minsu")
    assert reply == (
        "친구가 가입하면 친구는 US$20.00, 회원님은 US$20.00 받아요.\n"
        "전용 추천 링크예요:\n"
        f"https://ref.example/r/{code}\n"
        f"친구가 이렇게 메시지를 보내도 가입할 수 있어요: JOIN {code}"
    )


async def test_the_korean_link_reply_of_a_one_sided_program_needs_no_particle(
    start: Start,
) -> None:
    _, chat = await start("one_sided_credit")
    reply = await chat.say("minsu", "LINK", lang="ko")
    assert reply.splitlines()[0] == (
        "친구가 US$75.00 이상 구매하면 한 명마다 US$25.00 여행 크레딧 받아요."
    )


async def test_the_korean_offer_names_the_friend_invited_once(start: Start) -> None:
    _, chat = await start("tiers")
    offer = await chat.say("minsu", "OFFER", lang="ko")
    assert offer.splitlines()[:2] == [
        "추천 링크로 초대한 친구가 US$1,000.00 이상 구매하면 한 명마다 슈퍼차저 1,000마일 받아요.",
        "친구는 슈퍼차저 1,000마일 받아요.",
    ]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Your friend doesn't get a reward from the program."),
        # was 朋友沒有計畫獎勵, "the friend has no plan reward"
        ("zh-Hant", "朋友不會獲得本計畫的獎勵。"),
        ("zh-Hans", "朋友不会获得本计划的奖励。"),
    ],
)
async def test_a_one_sided_offer_says_plainly_that_the_friend_gets_nothing(
    start: Start, lang: str, line: str
) -> None:
    _, chat = await start("one_sided_credit")
    assert (await chat.say("mei", "OFFER", lang=lang)).splitlines()[1] == line


async def test_korean_rewards_before_any_is_earned_read_without_a_particle(
    start: Start,
) -> None:
    _, chat = await start("one_sided_credit")
    assert await chat.say("minsu", "REWARDS", lang="ko") == (
        "이 프로그램은 구매 시 보상해요. 아직 받은 보상은 없어요. "
        "추천한 친구가 US$75.00 이상 구매하면 한 명마다 US$25.00 여행 크레딧 받아요."
    )


async def test_korean_rewards_of_a_signup_program_before_any_is_earned(start: Start) -> None:
    _, chat = await start("capped_storage")
    assert await chat.say("minsu", "REWARDS", lang="ko") == (
        "아직 보상이 없어요. 추천 링크로 친구가 가입하면 한 명마다 500MB 받아요."
    )


async def test_a_korean_friend_joining_a_purchase_program_reads_what_comes_next(
    start: Start,
) -> None:
    bot, chat = await start("tiers")
    await chat.say("elon", "LINK", lang="ko")
    assert await chat.say("minsu", f"가입 {await code_of(bot, 'elon')}", lang="ko") == (
        "환영해요! elon님의 초대로 가입했어요.\n"
        "US$1,000.00 이상 구매하면 슈퍼차저 1,000마일 받아요."
    )


async def test_a_korean_friend_asking_how_to_join_reads_what_joining_gets(
    start: Start,
) -> None:
    bot, chat = await start("capped_storage")
    assert await chat.say("minsu", "어떻게 가입해요?", lang="ko") == (
        bot.catalogs.text("ko", "join.how") + "\n가입하면 500MB 받아요."
    )


async def test_the_korean_support_reply_gives_the_contact_after_a_colon(start: Start) -> None:
    _, chat = await start("two_sided_cash")
    assert await chat.say("minsu", "상담원 연결해 주세요", lang="ko") == (
        "저는 추천 프로그램 봇이라 여기서 상담원에게 연결해 드릴 수는 없어요. "
        "담당 팀 연락처: help@shop.example.com"
    )


BOARDS = {
    "en": "Top referrers:\n1. U** - 3\n2. 김** (you) - 2\nYou're #2 with 2.",
    "ko": "추천 순위:\n1. U** — 3명\n2. 김** (나) — 2명\n현재 2위예요. 추천한 친구는 2명이에요.",
    "zh-Hans": "推荐排行榜：\n1. U** — 3 位\n2. 김**（你）— 2 位\n"
    "你目前排名第 2，推荐了 2 位朋友。",
    "zh-Hant": "推薦排行榜：\n1. U** — 3 位\n2. 김**（你）— 2 位\n"
    "你目前排名第 2，推薦了 2 位朋友。",
}


@pytest.mark.parametrize("lang", sorted(BOARDS))
async def test_the_askers_own_row_has_the_separator_and_unit_of_the_others(
    start: Start, lang: str
) -> None:
    bot, chat = await start("two_sided_cash")
    for referrer, friends in (("Una", 3), ("김민수", 2)):
        await chat.say(referrer, "LINK", lang=lang)
        code = await code_of(bot, referrer)
        for n in range(friends):
            await chat.say(f"{referrer}-friend{n}", f"JOIN {code}", lang=lang)
    assert await chat.say("김민수", "TOP", lang=lang) == BOARDS[lang]


async def test_english_rewards_say_what_a_referred_friend_must_spend(start: Start) -> None:
    _, chat = await start("tiers")
    assert await chat.say("elon", "REWARDS") == (
        "This program rewards purchases: nothing yet. You get 1,000 Supercharger miles for "
        "each friend you referred, when they spend $1,000.00 or more."
    )


@pytest.mark.parametrize(
    ("lang", "reads"),
    [
        pytest.param(
            "ko",
            "이 프로그램은 구매 시 보상해요. 아직 받은 보상은 없어요. "
            "추천한 친구가 US$1,000.00 이상 구매하면 한 명마다 슈퍼차저 1,000마일 받아요.",
            id="ko",
        ),
        pytest.param(
            "zh-Hans",
            "这个计划以购物计算奖励：目前还没有。"
            "你推荐的每位朋友首次消费满 US$1,000.00 后，你都可得 1,000 英里超级充电。",
            id="zh-Hans",
        ),
        pytest.param(
            "zh-Hant",
            "這個計畫以購物計算獎勵：目前還沒有。"
            "你推薦的每位朋友首次消費滿 US$1,000.00 後，你都可得 1,000 英里超級充電。",
            id="zh-Hant",
        ),
    ],
)
async def test_the_same_rewards_sentence_in_korean_and_chinese(
    start: Start, lang: str, reads: str
) -> None:
    _, chat = await start("tiers")
    assert await chat.say("elon", "REWARDS", lang=lang) == reads


async def test_chinese_puts_a_space_on_both_sides_of_the_minimum_purchase(
    start: Start,
) -> None:
    bot, chat = await start("tiers")
    link = await chat.say("elon", "LINK", lang="zh-Hans")
    assert link.splitlines()[0] == (
        "朋友可得 1,000 英里超级充电，朋友首次消费满 US$1,000.00 后你可得 1,000 英里超级充电。"
    )
    welcome = await chat.say("ming", f"加入 {await code_of(bot, 'elon')}", lang="zh-Hant")
    assert welcome.splitlines()[-1] == "你首次消費滿 US$1,000.00 後即可得到 1,000 英里超級充電。"


@pytest.mark.parametrize(
    ("lang", "reads"),
    [
        pytest.param("en", "Signed up but not bought yet: carol and bob.", id="en"),
        pytest.param("ko", "가입했지만 아직 구매 전인 친구: carol 및 bob", id="ko"),
        pytest.param("zh-Hans", "已注册但尚未购物的朋友：carol和bob", id="zh-Hans"),
    ],
)
async def test_friends_yet_to_buy_are_named_after_what_they_did(
    start: Start, clock: FakeClock, lang: str, reads: str
) -> None:
    """One name or several, the sentence stays right: the newest friend comes first."""
    bot, chat = await start("one_sided_credit")
    await chat.say("ana", "LINK", lang=lang)
    code = await code_of(bot, "ana")
    for friend in ("bob", "carol"):
        await chat.say(friend, f"JOIN {code}", lang=lang)
        clock.advance(timedelta(minutes=1))
    assert (await chat.say("ana", "REWARDS", lang=lang)).splitlines()[-1] == reads


async def test_a_korean_friend_who_joined_already_is_told_they_can_invite_too(
    start: Start,
) -> None:
    bot, chat = await start("two_sided_cash")
    await chat.say("elon", "LINK", lang="ko")
    await chat.say("minsu", f"가입 {await code_of(bot, 'elon')}", lang="ko")
    assert await chat.say("minsu", "어떻게 가입해요?", lang="ko") == (
        "이미 elon님의 초대로 가입하셨어요. 회원님도 친구를 초대하려면 LINK를 보내 보세요."
    )


async def test_without_a_support_contact_the_korean_bot_offers_the_referral_link(
    start: Start,
) -> None:
    _, chat = await start("capped_storage")
    assert await chat.say("minsu", "상담원 연결해 주세요", lang="ko") == (
        "저는 추천 프로그램 봇이라 여기서 상담원에게 연결해 드릴 수는 없어요. "
        "추천 링크 보내기, 가입한 친구 수, 순위, 보상 확인을 도와드릴 수 있어요."
    )
