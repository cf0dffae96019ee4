"""Transcripts: what people are told about rewards, and what `REWARDS` and `COUNT` answer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import ReferralBot
from bot.core.clock import FakeClock
from bot.core.program import ProgramError
from bot.core.store import Store
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import (
    EXAMPLES,
    code_of,
    program_file,
    refund,
    release,
    running,
    signup,
)

NOON_IN_CALIFORNIA = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


async def test_alice_shares_bob_joins_and_the_reward_clears_after_the_hold(
    cash: tuple[ReferralBot, Conversation], clock: FakeClock
) -> None:
    bot, chat = cash
    t = bot.catalogs.text
    await chat.say("alice", "LINK")
    welcome = await chat.say("bob", f"JOIN {await code_of(bot, 'alice')}")
    assert welcome == t("en", "join.welcome_reward", referrer="alice", reward="$20.00")
    assert chat.inbox("alice")[-1] == (
        t("en", "thanks.signup", count=1, friend="bob")
        + "\nYou earned $20.00, pending until Dec 7, 2026."
    )
    assert await chat.say("alice", "REWARDS") == (
        "Your rewards:\n$20.00 - pending until Dec 7, 2026"
    )
    clock.set(datetime(2026, 12, 7, 19, 59, tzinfo=UTC))
    assert not (await release(bot)).approved  # a minute early
    clock.set(datetime(2026, 12, 7, 20, 0, tzinfo=UTC))
    await release(bot)
    assert chat.inbox("alice")[-1] == "Your reward of $20.00 is approved."
    assert chat.inbox("bob")[-1] == "Your reward of $20.00 is approved."
    assert await chat.say("alice", "what have I earned?") == "Your rewards:\n$20.00 - approved"


async def test_a_refund_inside_the_hold_voids_and_says_why(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    bot, chat = cash
    await chat.say("alice", "LINK")
    await chat.say("bob", f"JOIN {await code_of(bot, 'alice')}")
    await refund(bot, "bob")
    cancelled = "Your reward of $20.00 was cancelled: the purchase was refunded."
    assert chat.inbox("alice")[-1] == cancelled
    assert chat.inbox("bob")[-1] == cancelled
    assert await chat.say("alice", "REWARDS") == (
        "Your rewards:\n$20.00 - cancelled (the purchase was refunded)"
    )
    assert await chat.say("alice", "COUNT") == (
        "You've referred 1 friend.\nDidn't count:\nb**: the purchase was refunded"
    )
    assert not (await release(bot)).approved


async def test_a_friend_who_signed_up_before_a_change_keeps_the_old_amount(
    cash: tuple[ReferralBot, Conversation], clock: FakeClock
) -> None:
    bot, chat = cash
    await chat.say("alice", "LINK")
    code = await code_of(bot, "alice")
    clock.set(datetime(2026, 12, 28, 20, 0, tzinfo=UTC))
    await chat.say("bob", f"JOIN {code}")
    clock.set(datetime(2027, 1, 5, 20, 0, tzinfo=UTC))  # $10 from January 1st
    carol = await chat.say("carol", f"JOIN {code}")
    assert "$10.00" in carol
    assert await chat.say("alice", "REWARDS") == (
        "Your rewards:\n$20.00 - pending until Jan 11, 2027\n$10.00 - pending until Jan 19, 2027"
    )


async def test_on_new_years_eve_in_california_the_bot_promises_what_a_friend_joining_gets(
    cash: tuple[ReferralBot, Conversation], clock: FakeClock
) -> None:
    """The amounts step down on January 1st in the program's zone, not at midnight UTC."""
    bot, chat = cash
    clock.set(datetime(2027, 1, 1, 3, 0, tzinfo=UTC))  # 7 p.m. on Dec 31 in Los Angeles
    assert (await chat.say("alice", "LINK")).startswith(
        "Your friend gets $20.00, you get $20.00 when they sign up.\n"
    )
    assert (await chat.say("alice", "what do I get?")).startswith(
        "You get $20.00 for each friend you invite with your link, when they sign up.\n"
        "Your friend gets $20.00.\n"
    )
    code = await code_of(bot, "alice")
    assert await chat.say("bob", f"JOIN {code}") == (
        "Welcome! You joined through alice's invite, so you get $20.00."
    )


async def test_rewards_speak_the_customers_language_and_currency_format(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    bot, chat = cash
    await chat.say("minsu", "LANG ko")
    await chat.say("bob", f"JOIN {await code_of(bot, 'minsu')}")
    assert await chat.say("minsu", "REWARDS") == (
        "내 보상:\nUS$20.00 - 대기 중 (2026. 12. 7. 확정 예정)"
    )
    await chat.say("lin", "LANG zh-Hant")
    await chat.say("ming", "LANG zh-Hant")
    welcome = await chat.say("ming", f"JOIN {await code_of(bot, 'lin')}")
    # The program file gives English and Korean their own wording; Chinese uses the catalog.
    assert welcome == bot.catalogs.text(
        "zh-Hant", "join.welcome_reward", referrer="lin", reward="US$20.00"
    )
    assert await chat.say("lin", "REWARDS") == "你的獎勵：\nUS$20.00（待確認，預計 2026年12月7日）"


async def test_a_signup_reported_by_the_business_tells_both_sides_in_the_brands_voice(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    bot, chat = cash
    await chat.say("alice", "LINK")
    await chat.say("bob", "hi")
    outcome = await signup(bot, "bob", await code_of(bot, "alice"))
    assert outcome.outcome == "counted"
    # The program file's own words for the friend (examples/two_sided_cash.toml):
    assert chat.inbox("bob")[-1] == "Welcome aboard! $20.00 is on its way to your account."
    assert chat.inbox("alice")[-1].endswith("\nYou earned $20.00, pending until Dec 7, 2026.")


async def test_count_says_who_is_held_for_review(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    text = (EXAMPLES / "two_sided_cash.toml").read_text(encoding="utf-8")
    text = text.replace("signups_per_code_per_hour = 10", "signups_per_code_per_hour = 1")
    clock.set(NOON_IN_CALIFORNIA)
    bot, chat = await running(
        program_file(tmp_path, text), store=store, clock=clock, channel=channel
    )
    await chat.say("alice", "LINK")
    code = await code_of(bot, "alice")
    await chat.say("bob", f"JOIN {code}")
    held_welcome = await chat.say("carol", f"JOIN {code}")
    assert held_welcome == (
        "Welcome! You joined through alice's invite.\n"
        "Your reward of $20.00 is in a routine check; we'll message you as soon as it's approved."
    )
    assert await chat.say("alice", "COUNT") == (
        # issue #12: each friend who counted is listed with their state
        "You've referred 2 friends.\nb**: reward pending until Dec 7, 2026\n"
        "Didn't count:\nca***: held for review"
    )
    assert await chat.say("alice", "REWARDS") == (
        "Your rewards:\n$20.00 - pending until Dec 7, 2026\n$20.00 - held for review"
    )


async def test_no_program_rewards_means_an_honest_empty_answer(
    conversation: Conversation, bot: ReferralBot
) -> None:
    await conversation.say("alice", "LINK")
    await conversation.say("bob", f"JOIN {await code_of(bot, 'alice')}")
    assert await conversation.say("alice", "REWARDS") == bot.catalogs.text("en", "rewards.empty")


async def test_a_program_with_nothing_to_earn_offers_no_rewards_button(
    conversation: Conversation, channel: CollectingChannel
) -> None:
    assert await conversation.say("alice", "how does it work?") == (
        "This program has no rewards: it's simply a way to share with friends. "
        "Text LINK for your link."
    )
    assert [b.value for b in channel.sent[-1].buttons] == ["LINK"]


async def test_a_program_with_rewards_offers_the_rewards_button_beside_the_offer(
    cash: tuple[ReferralBot, Conversation], channel: CollectingChannel
) -> None:
    _, chat = cash
    assert (await chat.say("alice", "how does it work?")).startswith("You get $20.00")
    assert [b.value for b in channel.sent[-1].buttons] == ["LINK", "REWARDS"]


async def test_a_bad_message_override_is_refused_at_start(
    store: Store, clock: FakeClock, channel: CollectingChannel, tmp_path: Path
) -> None:
    path = program_file(tmp_path, '[messages.en]\n"reward.approved" = "Approved: {amont}"\n')
    with pytest.raises(ProgramError, match=r"messages: override for 'reward\.approved' may only"):
        await running(path, store=store, clock=clock, channel=channel)


async def test_a_friend_asking_how_to_join_hears_what_joining_gets_them(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    bot, chat = cash
    assert await chat.say("bob", "how do I sign up?") == (
        bot.catalogs.text("en", "join.how") + "\nYou'll get $20.00 when you join."
    )


async def test_where_the_friends_reward_comes_with_a_purchase_the_how_to_says_so(
    store: Store, clock: FakeClock, channel: CollectingChannel
) -> None:
    bot, chat = await running(EXAMPLES / "tiers.toml", store=store, clock=clock, channel=channel)
    assert await chat.say("bob", "I have a code from a friend") == (
        bot.catalogs.text("en", "join.how")
        + "\nYou'll get 1,000 Supercharger miles when you spend $1,000.00 or more."
    )


async def test_asking_for_a_person_gives_the_programs_support_contact(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    assert await chat.say("alice", "I need to speak to customer service about my reward") == (
        "I'm the program's bot, so I can't hand you to a person here. You can reach the team at "
        "help@shop.example.com."
    )
    assert await chat.say("wei", "转人工") == (
        "我是推荐计划的机器人，无法在这里为你转接人工。你可以通过 help@shop.example.com 联系团队。"
    )


OFFER_IN_CHINESE = {
    "zh-Hans": "你邀请的每位朋友注册后，你都可得 US$20.00。\n朋友可得 US$20.00。\n"
    "奖励在 14 天后确认。\n朋友须在打开链接后 30 天内加入。",
    "zh-Hant": "你邀請的每位朋友註冊後，你都可得 US$20.00。\n朋友可得 US$20.00。\n"
    "獎勵在 14 天後確認。\n朋友須在打開連結後 30 天內加入。",
}


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh-Hans", "朋友注册也有奖励吗"),
        ("zh-Hant", "朋友也有回饋嗎"),
        ("zh-Hant", "朋友有冇獎勵？"),
    ],
)
async def test_asking_in_chinese_what_a_friend_gets_is_answered_with_the_offer(
    cash: tuple[ReferralBot, Conversation], lang: str, said: str
) -> None:
    """Not with the asker's own (empty) rewards: "朋友可得 US$20.00" is the line they asked for."""
    _, chat = cash
    assert await chat.say("wei", said, lang=lang) == OFFER_IN_CHINESE[lang]
