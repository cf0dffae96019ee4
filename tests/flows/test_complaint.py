"""Transcripts: a complaint is met with an apology, what the person's count or rewards say when
the complaint is about them, and the program's support contact; never a bare count or a shrug."""

from __future__ import annotations

import pytest

from bot.app import ReferralBot
from tests.fakes import Conversation
from tests.flows.rewards_kit import code_of

CONTACT = "help@shop.example.com"

# (language, the referrer's complaint about a friend who joined, the whole reply)
ABOUT_A_FRIEND = [
    (
        "en",
        "you guys suck, my friend signed up and I never got anything",
        f"I'm sorry about this. The team can look into it: {CONTACT}\n"
        "You've referred 1 friend.\nj***: reward pending until Dec 7, 2026",
    ),
    (
        "en",
        "I referred 3 people last month and the app shows 0, what's going on??",
        f"I'm sorry about this. The team can look into it: {CONTACT}\n"
        "You've referred 1 friend.\nj***: reward pending until Dec 7, 2026",
    ),
    (
        "ko",
        "친구가 가입했는데 보상이 안 들어왔어요 짜증나네요",
        f"불편을 드려 죄송해요. 담당 팀에서 확인해 드릴 수 있어요: {CONTACT}\n"
        "내 보상:\nUS$20.00 - 대기 중 (2026. 12. 7. 확정 예정)",
    ),
    (
        "zh-Hans",
        "我朋友注册了但是奖励一直没到，你们是不是骗人的",
        f"很抱歉给你带来不便。团队可以帮你查一下：{CONTACT}\n"
        "你的奖励：\nUS$20.00（待确认，预计 2026年12月7日）",
    ),
    (
        "zh-Hant",
        "我朋友註冊了但是我沒收到獎金，很生氣",
        f"很抱歉造成你的不便。團隊可以幫你查一下：{CONTACT}\n"
        "你的獎勵：\nUS$20.00（待確認，預計 2026年12月7日）",
    ),
]

# (language, complaints about nothing the bot can show, the reply to each)
ABOUT_NOTHING = [
    ("en", ("this is a scam", "I want to file a complaint"),
     f"I'm sorry about this. The team can look into it: {CONTACT}"),
    ("ko", ("사기 아니에요?", "불만 접수하고 싶어요"),
     f"불편을 드려 죄송해요. 담당 팀에서 확인해 드릴 수 있어요: {CONTACT}"),
    ("zh-Hans", ("太垃圾了", "我要投诉"), f"很抱歉给你带来不便。团队可以帮你查一下：{CONTACT}"),
    ("zh-Hant", ("你們是詐騙嗎", "我要投訴", "垃圾嘢"),
     f"很抱歉造成你的不便。團隊可以幫你查一下：{CONTACT}"),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "said", "reply"), ABOUT_A_FRIEND)
async def test_a_complaint_about_a_friend_gets_an_apology_the_status_and_the_contact(
    cash: tuple[ReferralBot, Conversation], lang: str, said: str, reply: str
) -> None:
    bot, chat = cash
    await chat.say("mina", "LINK", lang=lang)
    await chat.say("joon", f"JOIN {await code_of(bot, 'mina')}", lang=lang)
    assert await chat.say("mina", said, lang=lang) == reply


@pytest.mark.parametrize(("lang", "complaints", "reply"), ABOUT_NOTHING)
async def test_a_complaint_gets_an_apology_and_the_contact(
    cash: tuple[ReferralBot, Conversation], lang: str, complaints: tuple[str, ...], reply: str
) -> None:
    _, chat = cash
    for said in complaints:
        assert await chat.say("mina", said, lang=lang) == reply, said


async def test_without_a_support_contact_the_apology_comes_with_what_the_bot_can_do(
    conversation: Conversation, bot: ReferralBot
) -> None:
    assert await conversation.say("alice", "this is a scam") == (
        "I'm sorry about this.\nI'm the program's bot, so I can't hand you to a person here. "
        "I can send your link, tell you how many friends joined, show the leaderboard and "
        "your rewards."
    )
    code = await code_of(bot, "alice")
    assert await conversation.say("alice", "you guys suck, nobody signed up") == (
        f"I'm sorry about this.\nYou haven't referred anyone yet. Share your link: "
        f"https://ref.example/r/{code}"
    )
