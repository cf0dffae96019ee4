"""Property: whatever friends call themselves, no message to a referrer carries a URL but ours.

A display name comes from the friend's own profile ("www.win-cash.biz", "Reply STOP to
claim"); it reaches the referrer in thank-yous, counts and the leaderboard, only as a cleaned
first name.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import ReferralBot as Bot
from bot.core.messages import Address
from tests.fakes import Conversation

OURS = "https://ref.example/r/"
_URL = re.compile(
    r"[a-z][a-z0-9+.-]*://\S+|www\.\S+|\b[a-z0-9-]+\.(?:com|net|org|io|biz|ly|co|xyz|info|me|app|"
    r"link|click|top|shop|kr|tw|cn|hk)\b\S*",
    re.IGNORECASE,
)
_ids = itertools.count(1)


@dataclass(repr=False)
class Rig:
    """The bot and a conversation with it; a short repr, as Hypothesis prints its arguments."""

    bot: Bot
    chat: Conversation

    def __repr__(self) -> str:
        return "Rig()"


@pytest.fixture
def rig(bot: Bot, conversation: Conversation) -> Rig:
    return Rig(bot, conversation)


hostile = st.one_of(
    st.sampled_from(
        [
            "www.win-cash.biz",
            "Bob https://evil.example/claim",
            "bit.ly/free-prize",
            "Reply STOP to claim http://x.co",
            "Ann (ann@mail.com)",
            "+1 415 555 0100",
            "김민수 https://phish.kr",
            "李雷 www.phish.cn/领奖",
        ]
    ),
    st.builds(
        lambda name, url: f"{name} {url}",
        st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=8),
        st.from_regex(r"https?://[a-z]{1,10}\.(com|io|biz)/[a-z0-9]{0,8}", fullmatch=True),
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=25,
    print_blob=False,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(names=st.lists(hostile, min_size=1, max_size=3))
async def test_no_message_to_a_referrer_has_a_url_but_ours(rig: Rig, names: list[str]) -> None:
    bot, conversation = rig.bot, rig.chat
    referrer = f"referrer{next(_ids)}"
    await conversation.say(referrer, "LINK")
    async with bot.store.transaction() as tx:
        found = await tx.participants.by_address(Address("console", referrer))
    assert found is not None
    start = len(conversation.inbox(referrer))
    for name in names:
        await conversation.say(f"friend{next(_ids)}", f"JOIN {found[0].code}", name=name)
    for question in ("COUNT", "TOP", "REWARDS"):
        await conversation.say(referrer, question)
    told = conversation.inbox(referrer)[start:]
    assert told, "the referrer heard nothing"
    for text in told:
        for url in _URL.findall(text):
            assert url.startswith(OURS), (url, text)
