""" "Do my rewards expire?": the program file sets rewards no end date and nothing in the ledger
runs out with time, so the bot says so, with the friends' window to join, which does end."""

from __future__ import annotations

from bot.app import ReferralBot
from tests.fakes import Conversation


async def test_rewards_dont_expire_in_every_language(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    english = (
        "Rewards don't expire: the program sets no end date for what you earn.\n"
        "Friends must join within 30 days of opening your link."
    )
    assert await chat.say("alice", "do rewards expire?") == english
    assert await chat.say("alice", "when do my points expire") == english
    assert await chat.say("minsu", "보상 유효기간") == (
        "보상에는 유효기간이 없어요. 프로그램이 받은 보상에 만료일을 두지 않아요.\n"
        "친구는 링크를 연 뒤 30일 안에 가입해야 해요."
    )
    assert await chat.say("wei", "奖励会过期吗") == (
        "奖励不会过期：本计划没有为你获得的奖励设定截止日期。\n朋友须在打开链接后 30 天内加入。"
    )
    assert await chat.say("mei", "獎勵會過期嗎") == (
        "獎勵不會過期：本計畫沒有為你獲得的獎勵設定截止日期。\n朋友須在打開連結後 30 天內加入。"
    )


async def test_a_link_that_may_expire_is_still_the_offer_with_its_window(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    assert await chat.say("alice", "does my link expire") == (
        "You get $20.00 for each friend you invite with your link, when they sign up.\n"
        "Your friend gets $20.00.\n"
        "Rewards are confirmed after a 14-day hold.\n"
        "Friends must join within 30 days of opening your link."
    )


async def test_a_program_without_rewards_says_it_has_none_rather_than_that_they_last(
    conversation: Conversation,
) -> None:
    assert await conversation.say("alice", "do rewards expire?") == (
        "This program has no rewards: it's simply a way to share with friends. "
        "Text LINK for your link."
    )
