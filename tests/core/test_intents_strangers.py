"""What people the bot has never met write (tests/core/data/fresh/round9.tsv), one rule a test:
an opt-out said without punctuation or as "lose my number", a 停止 that stops something else,
a count said to be wrong, someone else's count (in Korean and Chinese too), and a code split
with a dot."""

from __future__ import annotations

import pytest

from bot.core.codes import normalize_code
from bot.core.intents import Grammar, default_locales_dir


@pytest.fixture(scope="module")
def grammar() -> Grammar:
    return Grammar.load(default_locales_dir())


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # voice typing drops the full stop before a closing "stop"
        ("who gave you this number stop", "stop"),
        ("i didnt sign up for these stop", "stop"),
        ("no thank you stop", "stop"),
        ("ok enough stop", "stop"),
        ("you have to stop", "stop"),
        # one reminder, one message: still the messages
        ("please stop the reminder", "stop"),
        ("quit sending me that message", "stop"),
        ("delete my number please", "stop"),
        ("i am done with these messages", "stop"),
        ("end all texts", "stop"),
        ("i do not want to receive texts anymore", "stop"),
        ("mute", "stop"),
        ("이제 문자 안 보내 주셨으면 해요", "stop"),
        ("請停止", "stop"),
        ("문자가 너무 자주 와요 그만", "stop"),  # a closing 그만 after another sentence
        ("停止吧", "stop"),
        # a visit, the offer's end, a link that broke: no opt-out
        ("i'll stop by your shop", "unknown"),
        ("stop at the front desk", "unknown"),
        ("when will they end the promo", "offer"),
        ("what's the end date", "offer"),
        ("do codes stop working", "offer"),
        ("where should i start", "help"),
        ("이벤트 언제까지 해요 그만 물어볼게요", "offer"),
        ("why did the texts stop", "unknown"),  # someone missing the messages
        ("did it stop?", "unknown"),
        ("我的連結停止運作", "link"),
        ("链接停止运作了", "link"),
        ("優惠什麼時候停止", "offer"),
        ("优惠什么时候停止", "offer"),
        # a STOP pressed by mistake keeps the messages coming
        ("我剛剛不小心按了停止", "start"),
        ("不小心点了停止", "start"),
    ],
)
def test_opt_outs_said_every_way_and_stops_that_are_none(
    grammar: Grammar, text: str, intent: str
) -> None:
    assert grammar.read(text).intent == intent


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("the count is wrong", {"about": "count"}),
        ("my referrals look off", {"about": "count"}),
        ("추천 수가 틀렸어요", {"about": "count"}),
        ("왜 아직 0명이에요", {"about": "count"}),
        ("推薦人數錯了", {"about": "count"}),
        ("推荐人数不对", {"about": "count"}),
        ("your app doesn't work", {}),
        ("so frustrating, nothing works", {}),
    ],
)
def test_a_count_said_to_be_wrong_is_a_complaint(
    grammar: Grammar, text: str, args: dict[str, str]
) -> None:
    reading = grammar.read(text)
    assert (reading.intent, reading.args) == ("complaint", args)


@pytest.mark.parametrize(
    ("text", "intent", "tone"),
    [
        # someone else's: not understood, with the tone that says why (the flow tells them)
        ("how many friends did maria refer", "unknown", "others"),
        ("how many referrals does my husband have", "unknown", "others"),
        ("my dad's referral count", "unknown", "others"),
        ("언니는 몇 명 추천했어요?", "unknown", "others"),
        ("우리 누나가 몇 명 초대했나요?", "unknown", "others"),
        ("민수는 몇 명 추천했어?", "unknown", "others"),
        ("제 친구가 몇 명 추천했는지 알 수 있나요?", "unknown", "others"),
        ("엄마의 추천 현황 좀 알려줘", "unknown", "others"),
        ("我姐姐推荐了多少人?", "unknown", "others"),
        ("我朋友邀请了多少人？", "unknown", "others"),
        ("我老公的推荐人数是多少", "unknown", "others"),
        ("我姊姊推薦了多少人？", "unknown", "others"),
        ("我老公的推薦人數是多少", "unknown", "others"),
        # the asker's own, however it is put
        ("how many friends did i refer", "count", None),
        ("how many people has my link brought in", "count", None),
        ("any sign ups from my code?", "count", None),
        ("has my brother used my link", "count", None),
        ("what's my score", "count", None),
        ("동생이 제 링크로 가입했는데 안 보여요", "count", None),  # a sign-up that does not show
        ("제가 몇 명 추천했나요?", "count", None),
        ("친구 몇 명 추천했어요?", "count", None),  # how many friends I referred
        ("친구가 몇 명 가입했어요?", "count", None),  # friends who joined: mine
        ("지금까지 몇 명 추천했어요?", "count", None),
        ("我推荐了多少人", "count", None),
        ("我邀请了几个朋友", "count", None),
        ("我推薦了多少人", "count", None),
        ("我弟弟用了我的链接吗", "count", None),  # what came of the link, not the link
        ("我弟弟用了我的連結嗎", "count", None),
    ],
)
def test_the_bot_counts_only_the_askers_own_referrals(
    grammar: Grammar, text: str, intent: str, tone: str | None
) -> None:
    reading = grammar.read(text)
    assert (reading.intent, reading.tone) == (intent, tone)


@pytest.mark.parametrize(
    ("text", "intent", "topic"),
    [
        ("how long do i have to redeem my points", "rewards", "expiry"),
        ("still no bonus", "rewards", "when"),
        ("no credit yet", "rewards", "when"),
        ("언제 입금돼요?", "rewards", "when"),
        ("my bonus is still showing as pending", "rewards", "when"),
        ("친구가 가입했는데 포인트가 안 들어왔어요", "rewards", "when"),
    ],
)
def test_when_rewards_come_and_how_long_they_last(
    grammar: Grammar, text: str, intent: str, topic: str
) -> None:
    reading = grammar.read(text)
    assert (reading.intent, reading.topic) == (intent, topic)


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("thanks for the bonus!", "thanks"),
        ("got my reward, thank you", "thanks"),
        ("cheers bro", "thanks"),
        ("wow thank u!!", "thanks"),
        ("thanks again", "thanks"),
    ],
)
def test_thanks_for_a_reward_is_small_talk(grammar: Grammar, text: str, tone: str) -> None:
    reading = grammar.read(text)
    assert (reading.intent, reading.tone) == ("help", tone)


def test_a_code_split_with_a_dot_is_the_code(grammar: Grammar) -> None:
    assert grammar.read("code k7q2.m9xa").args == {"code": "K7Q2M9XA"}
    assert grammar.read("my friend's code is K7Q2.M9XA thanks").args == {"code": "K7Q2M9XA"}
    assert normalize_code("k7q2.m9xa") == normalize_code("K7Q2 M9XA") == "K7Q2M9XA"
    assert grammar.read("open index.html").intent == "unknown"  # a file name is no code


def test_a_code_split_with_a_spaced_hyphen_is_the_code(grammar: Grammar) -> None:
    assert grammar.read("JOIN k7q2 - m9xa").args == {"code": "K7Q2M9XA"}


@pytest.mark.parametrize(
    ("text", "intent", "args"),
    [
        ("邀请码要在哪里输入", "join", {}),  # where a code goes: the join flow says how
        ("在哪裡輸入推薦碼", "join", {}),
        ("優惠到什麼時候", "offer", {}),  # the offer's end, no payday
        ("추천하면 얼마 받아요?", "offer", {}),
        ("제 링크 보내주시고 몇 명 가입했는지도 알려주세요", "link", {"also": "count"}),
    ],
)
def test_where_a_code_goes_when_the_offer_ends_and_two_asks_in_korean(
    grammar: Grammar, text: str, intent: str, args: dict[str, str]
) -> None:
    reading = grammar.read(text)
    assert (reading.intent, reading.args, reading.topic) == (intent, args, None)


@pytest.mark.parametrize(
    "text",
    ["do you sell gift cards?", "do you guys sell hoodies", "is the referral bonus taxable"],
)
def test_the_shops_own_business_and_taxes_are_no_balance_question(
    grammar: Grammar, text: str
) -> None:
    """Not understood, so the reply names the team's contact, where "You have no rewards
    waiting" answered a question nobody asked."""
    assert grammar.read(text).intent == "unknown"
    assert grammar.read("can i spend my credit on gift cards").intent == "rewards"
