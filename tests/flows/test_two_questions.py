"""Two or three questions in one message: the answers, in the order asked, in one reply (one
outbox row, one text on SMS), with the buttons of all and none for what was just answered."""

from __future__ import annotations

import pytest

from bot.app import ReferralBot
from bot.channels.sms import render
from bot.core.sms_text import sms_segments
from tests.fakes import CollectingChannel, Conversation
from tests.flows.rewards_kit import code_of


async def ask(cash: tuple[ReferralBot, Conversation], who: str, text: str) -> tuple[str, str]:
    """What `who` is answered, and their code (to write the literal link)."""
    bot, chat = cash
    reply = await chat.say(who, text)
    return reply, await code_of(bot, who)


def link_reply(code: str) -> str:
    """The link, as LINK answers it in the two-sided cash program."""
    return (
        "Your friend gets $20.00, you get $20.00 when they sign up.\n"
        f"Here's your personal link: https://ref.example/r/{code}\n"
        f"Friends can also text JOIN {code} to sign up."
    )


async def test_the_link_and_the_count_come_in_one_reply_in_the_order_asked(
    cash: tuple[ReferralBot, Conversation], channel: CollectingChannel
) -> None:
    reply, code = await ask(cash, "alice", "what's my link and how many friends joined?")
    # the count leaves out the link the reply already has
    assert reply == link_reply(code) + "\nYou haven't referred anyone yet."
    [message] = channel.sent
    assert [(b.label, b.value) for b in message.buttons] == [
        ("Share", f"https://ref.example/r/{code}"),
        ("Leaderboard", "TOP"),
    ]


@pytest.mark.parametrize(
    ("who", "text", "answer"),
    [
        (
            "minsu",
            "링크랑 몇 명인지 알려줘",
            "친구가 가입하면 친구는 US$20.00, 회원님은 US$20.00 받아요.\n"
            "전용 추천 링크예요:\n"
            "https://ref.example/r/{code}\n"
            "친구가 이렇게 메시지를 보내도 가입할 수 있어요: JOIN {code}\n"
            "아직 추천한 친구가 없어요.",
        ),
        (
            "wei",
            "我的链接和邀请人数",
            "朋友可得 US$20.00，朋友注册后你可得 US$20.00。\n"
            "这是你的专属推荐链接：\n"
            "https://ref.example/r/{code}\n"
            "朋友也可以发消息“JOIN {code}”来加入。\n"
            "你还没有推荐任何朋友。",
        ),
    ],
)
async def test_korean_and_chinese_ask_for_the_link_and_the_count_together(
    cash: tuple[ReferralBot, Conversation],
    channel: CollectingChannel,
    who: str,
    text: str,
    answer: str,
) -> None:
    reply, code = await ask(cash, who, text)
    assert reply == answer.format(code=code)
    assert len(channel.sent) == 1


@pytest.mark.parametrize(
    ("text", "after", "buttons"),
    [
        (  # the second question asks when rewards come: that is its answer
            "how many joined and when do i get paid",
            "You have no rewards waiting right now.\n"
            "Rewards are approved 14 days after your friends sign up: $20.00 for each.",
            ["LINK", "TOP"],
        ),
        (  # the link, a fourth question, is offered, not answered: the count keeps it
            "count top rewards link",
            "No referrals yet. Be the first!\n"
            "No rewards yet: you get $20.00 for each friend who signs up with your link.",
            ["LINK"],
        ),
    ],
)
async def test_the_count_asked_first_shares_the_link_the_reply_has_not(
    cash: tuple[ReferralBot, Conversation],
    channel: CollectingChannel,
    text: str,
    after: str,
    buttons: list[str],
) -> None:
    reply, code = await ask(cash, "alice", text)
    count = f"You haven't referred anyone yet. Share your link: https://ref.example/r/{code}"
    assert reply == f"{count}\n{after}"
    [message] = channel.sent
    assert [b.value for b in message.buttons] == buttons


async def test_one_question_asked_twice_over_is_answered_once(
    cash: tuple[ReferralBot, Conversation], channel: CollectingChannel
) -> None:
    bot, chat = cash
    assert await chat.say("alice", "my link and code") == link_reply(await code_of(bot, "alice"))
    assert len(channel.sent) == 1


async def test_the_count_asked_first_leaves_the_link_to_the_answer_below_it(
    cash: tuple[ReferralBot, Conversation], channel: CollectingChannel
) -> None:
    reply, code = await ask(cash, "alice", "how many friends joined? and what's my link")
    assert reply == "You haven't referred anyone yet.\n" + link_reply(code)
    [message] = channel.sent
    assert [b.value for b in message.buttons] == ["TOP", f"https://ref.example/r/{code}"]


async def test_keywords_side_by_side_are_answered_in_the_order_typed(
    cash: tuple[ReferralBot, Conversation], channel: CollectingChannel
) -> None:
    reply, code = await ask(cash, "alice", "link count")
    assert reply == link_reply(code) + "\nYou haven't referred anyone yet."
    reply, code = await ask(cash, "bob", "count link")
    assert reply == "You haven't referred anyone yet.\n" + link_reply(code)
    reply, code = await ask(cash, "minsu", "링크 몇명")
    assert reply == (
        "친구가 가입하면 친구는 US$20.00, 회원님은 US$20.00 받아요.\n"
        "전용 추천 링크예요:\n"
        f"https://ref.example/r/{code}\n"
        f"친구가 이렇게 메시지를 보내도 가입할 수 있어요: JOIN {code}\n"
        "아직 추천한 친구가 없어요."
    )
    assert len(channel.sent) == 3  # one reply each, no "did you mean"


THREE = "\nYou haven't referred anyone yet.\nNo referrals yet. Be the first!"


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("link, count and leaderboard?", []),
        ("link count top rewards", [("Rewards", "REWARDS")]),  # a fourth: offered, not answered
    ],
)
async def test_three_questions_get_three_answers_in_one_sms_that_fits(
    cash: tuple[ReferralBot, Conversation],
    channel: CollectingChannel,
    text: str,
    offered: list[tuple[str, str]],
) -> None:
    reply, code = await ask(cash, "alice", text)
    assert reply == link_reply(code) + THREE
    [message] = channel.sent
    share = ("Share", f"https://ref.example/r/{code}")
    assert [(b.label, b.value) for b in message.buttons] == [*offered, share]
    keywords = "".join(f"\n{value}" for _, value in offered)
    assert render(message) == reply + keywords  # not clipped; the keywords add no segment
    assert sms_segments(render(message)) == sms_segments(reply) == 2
