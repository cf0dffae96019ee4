from __future__ import annotations

import pytest

from bot.core.language import LANGUAGES, detect_language, is_decisive, scripts


def test_languages() -> None:
    assert LANGUAGES == ("en", "ko", "zh-Hant", "zh-Hans")


@pytest.mark.parametrize(
    ("text", "known", "expected"),
    [
        ("내 추천 링크 보내줘", None, "ko"),
        ("LINK 주세요", "en", "ko"),  # any Hangul decides
        ("ㅋㅋㅋ", None, "ko"),  # compatibility jamo alone
        ("推薦連結", None, "zh-Hant"),
        ("推荐链接", None, "zh-Hans"),
        ("推薦連結", "zh-Hans", "zh-Hant"),  # the script beats the stored language
        ("排行榜", "zh-Hant", "zh-Hant"),  # shared characters: the reader's variant
        ("你好", "zh-Hans", "zh-Hans"),
        ("你好", "en", "zh-Hans"),  # shared characters, no Chinese preference
        ("你好", None, "zh-Hans"),
        ("LINK", "ko", "ko"),  # a Latin keyword is not decisive
        ("JOIN K7Q2M9XA", "ko", "ko"),
        ("/start XVHRG1Y4 ABCDE2FG", "ko", "ko"),  # a command and codes are no sentence
        ("my link", "zh-Hant", "zh-Hant"),
        ("how many friends have I referred?", "ko", "en"),  # an English sentence is
        ("what's my link", "zh-Hans", "en"),
        ("LINK", "zh-Hant", "zh-Hant"),
        ("LINK", None, "en"),
        ("LINK", "fr", "en"),  # an unsupported stored language is ignored
        ("🎉", "ko", "ko"),
        ("", None, "en"),
        ("我的推薦碼和链接", None, "zh-Hant"),  # a mix: the majority of specific characters
    ],
)
def test_detect_language(text: str, known: str | None, expected: str) -> None:
    assert detect_language(text, known) == expected


def test_is_decisive() -> None:
    assert is_decisive("추천")
    assert is_decisive("排行榜 please")
    assert not is_decisive("LINK")
    assert not is_decisive("🎉 123")
    assert is_decisive("JOIN 친구") and is_decisive("내 링크 주세요 please")


def test_a_word_of_korean_or_chinese_in_an_english_sentence_leaves_it_english() -> None:
    assert not is_decisive("how many 🎉 friends 친구")
    assert detect_language("how many 🎉 friends 친구", "en") == "en"
    assert detect_language("what's my link 链接", None) == "en"
    assert detect_language("我的链接 please send", "en") == "zh-Hans"  # more Chinese than English


def test_scripts() -> None:
    assert scripts("LINK 주세요 連結") == {"latin", "hangul", "han"}
    assert scripts("?!") == frozenset()
