"""Transcripts: what the bot says when it can't do what was asked. A question it can't answer
gets the program's support contact when there is one; a language it doesn't write gets the ones
it does, in the language the person reads now."""

from __future__ import annotations

import pytest

from bot.app import ReferralBot
from tests.fakes import Conversation
from tests.flows.rewards_kit import who

UNSPOKEN = {
    "en": "Sorry, I only write in English, 한국어, 繁體中文 and 简体中文. "
    "Reply LANG en, LANG ko, LANG zh-Hant or LANG zh-Hans to choose.",
    "ko": "죄송해요, 답장은 English, 한국어, 繁體中文, 简体中文 중 하나로만 할 수 있어요. "
    "LANG en, LANG ko, LANG zh-Hant, LANG zh-Hans 중 하나를 보내 주세요.",
    "zh-Hans": "抱歉，我只会用 English、한국어、繁體中文和简体中文回复。"
    "请回复 LANG en、LANG ko、LANG zh-Hant 或 LANG zh-Hans 选择。",
    "zh-Hant": "抱歉，我只會用 English、한국어、繁體中文和简体中文回覆。"
    "請回覆 LANG en、LANG ko、LANG zh-Hant 或 LANG zh-Hans 選擇。",
}


async def test_a_question_the_bot_cant_answer_gets_the_support_contact(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    assert await chat.say("mina", "what time does the store close?") == (
        "Sorry, I didn't catch that. Try LINK, COUNT, TOP, REWARDS or HELP. "
        "Anything else: help@shop.example.com"
    )
    assert await chat.say("minsu", "오늘 날씨 어때요?") == (
        "죄송해요, 이해하지 못했어요. LINK, COUNT, TOP, REWARDS, HELP 중 하나를 보내 주세요. "
        "기타 문의: help@shop.example.com"
    )
    assert await chat.say("wei", "今天天气怎么样") == (
        "抱歉，我没看懂。可以试试发送 LINK、COUNT、TOP、REWARDS 或 HELP。"
        "其他问题：help@shop.example.com"
    )


async def test_without_a_support_contact_the_shrug_stays_as_it_was(
    conversation: Conversation,
) -> None:
    assert await conversation.say("alice", "what time does the store close?") == (
        "Sorry, I didn't catch that. Try LINK, COUNT, TOP, REWARDS or HELP."
    )


@pytest.mark.parametrize("lang", sorted(UNSPOKEN))
async def test_a_language_the_bot_doesnt_write_gets_the_ones_it_does_in_the_persons_own(
    cash: tuple[ReferralBot, Conversation], lang: str
) -> None:
    bot, chat = cash
    await chat.say("mina", "LANG " + lang, lang="en")
    for said in ("日本語", "español por favor", "Français?"):
        assert await chat.say("mina", said) == UNSPOKEN[lang], said
    async with bot.store.transaction() as tx:  # 日本語 is no reason to write Chinese to them
        assert (await who(tx, "mina")).lang == lang


async def test_another_persons_count_is_not_answered_with_the_askers_own(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    only_yours = "I can only tell you about your own referrals. Text COUNT to see yours."
    assert await chat.say("mina", "how many referrals does my husband have?") == only_yours
    assert await chat.say("mina", "how many did John refer") == only_yours
    own = await chat.say("mina", "how many friends did I refer?")
    assert own.startswith("You haven't referred anyone yet. Share your link: https://")


async def test_another_persons_count_in_korean_and_chinese_is_not_answered_with_the_askers_own(
    cash: tuple[ReferralBot, Conversation],
) -> None:
    _, chat = cash
    ko = "추천 현황은 본인 것만 알려 드릴 수 있어요. 내 현황은 COUNT를 보내 주세요."
    assert await chat.say("minsu", "언니는 몇 명 추천했어요?") == ko
    assert await chat.say("minsu", "민수님은 몇 명 초대했나요?") == ko
    assert (await chat.say("minsu", "제가 몇 명 추천했나요?")).startswith(
        "아직 추천한 친구가 없어요. 링크를 공유해 보세요: https://"
    )
    hans = "我只能告诉你自己的推荐情况。发 COUNT 查看你的推荐。"
    assert await chat.say("wei", "我姐姐推荐了多少人?") == hans
    assert await chat.say("wei", "我老公的推荐人数是多少") == hans
    assert not (await chat.say("wei", "我推荐了多少人")).startswith("我只能")
