from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.normalize import clean, fold, split_scripts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＬＩＮＫ　ｐｌｅａｓｅ？", "LINK please?"),  # full-width forms and ideographic space
        ("ST\u200bOP", "STOP"),  # zero-width space
        ("\u202eSTOP\u202c", "STOP"),  # right-to-left override
        ("\u2066link\u2069 \u200e\u200f", "link"),  # isolates and direction marks
        ("\ufeffhelp", "help"),  # byte-order mark
        ("JOIN\x00 K7Q2M9XA\x07", "JOIN K7Q2M9XA"),  # NUL and BEL
        ("\x00\x01 LINK\x1f", "LINK"),  # C0 controls around a keyword
        # Terminal escape sequences go whole, as a paste from a terminal brings them:
        ("\x1b[0mLINK", "LINK"),  # SGR reset: not "[0mLINK"
        ("\x1b[1;31mSTOP\x1b[0m", "STOP"),  # bold red
        ("\x1b[38;5;208mhow many\x1b[m friends", "how many friends"),  # 256 colours
        ("\x1b[?25l\x1b[2K\x1b[1Gcount\x1b[?25h", "count"),  # cursor hidden, line erased
        ("\x1b]0;~/shop\x07LINK", "LINK"),  # OSC window title, ended by BEL
        ("\x1b]8;;https://x.example\x1b\\my link\x1b]8;;\x1b\\", "my link"),  # OSC 8 hyperlink
        ("\x1b(BLINK\x1b7", "LINK"),  # charset and cursor save
        ("\x9b1mtop\x9b0m", "top"),  # CSI in its 8-bit C1 form
        ("\x1bPq#0\x1b\\count", "count"),  # DCS (sixel) to ST
        ("\x1b[1m링크\x1b[0m 주세요", "링크 주세요"),
        ("\x1bcount", "count"),  # a stray ESC before a word loses only itself
        ("\x1b]never ended LINK", "]never ended LINK"),  # nor an OSC that never ends
        ("  how\tmany\n\nfriends  ", "how many friends"),
        ("what’s my “code”", 'what\'s my "code"'),  # smart punctuation
        ("\u3164 hi", "hi"),  # Hangul filler, a favourite invisible character
        ("", ""),
    ],
)
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_fold_casefolds_after_cleaning() -> None:
    assert fold(" ＳＴＯＰ ") == "stop"
    assert fold("K7Q2-M9XA") == "k7q2-m9xa"


@pytest.mark.parametrize(
    ("folded", "expected"),
    [
        ("我個link", "我個 link"),  # Han is \w in Python: no \b before "link"
        ("send我link唔該", "send 我 link 唔該"),
        ("stop해주세요", "stop 해주세요"),
        ("邀请码qd854qhg", "邀请码 qd854qhg"),  # the code finder reads the text as sent
        ("推薦碼:k7q2m9xa", "推薦碼:k7q2m9xa"),
        ("추천 링크", "추천 링크"),
        ("send my link", "send my link"),
    ],
)
def test_latin_words_glued_to_han_or_hangul_are_spaced(folded: str, expected: str) -> None:
    assert split_scripts(folded) == expected


def test_keeps_korean_and_chinese() -> None:
    assert clean("추천 링크") == "추천 링크"
    assert clean("推薦連結，謝謝") == "推薦連結,謝謝"


@pytest.mark.parametrize(
    "text",
    ["x" * 10_000, "😀" * 3_000, "\ud800", "a\udfffb", "\x00" * 50, "\u202e" * 100, "🇰🇷\u200d👍🏽"],
)
def test_hostile_text_never_raises(text: str) -> None:
    assert isinstance(fold(text), str)


@given(st.text())
def test_any_text_is_cleaned_without_raising(text: str) -> None:
    cleaned = clean(text)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not any(ch in cleaned for ch in "\x00\x1b\x9b\u200b\u202e\u2066\ufeff")
