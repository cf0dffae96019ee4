"""Text normalisation: what a person typed, reduced to what they meant to type.

Chat text arrives with full-width forms, invisible bidi and zero-width marks, stray control
bytes and odd spacing. Matching works on the cleaned, case-folded form; nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible or hostile characters: C0/C1 controls, soft hyphen, Arabic letter mark, zero-width
# and bidi marks/overrides/isolates (U+200B-U+200F, U+202A-U+202E, U+2060-U+206F), BOM,
# Hangul fillers, interlinear annotation marks, variation selectors, lone surrogates and tags.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u115f\u1160\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ud800-\udfff"
    "\U000e0000-\U000e007f]+"
)
# Terminal escape sequences, whole (ECMA-48, https://ecma-international.org/publications-and-
# standards/standards/ecma-48/), as a paste from a terminal brings them: CSI (ESC [ or its C1
# form, parameters, intermediates, a final byte: colours, cursor moves), the string controls
# (OSC, DCS, SOS, PM, APC: a window title, a hyperlink) up to BEL or ST, and the escapes a
# terminal writes (ESC ( B, ESC 7, ESC =). None of our dependencies strips them and the grammar
# is small: written here. Removing only ESC would leave "[0m" in "\x1b[0mLINK". A stray ESC
# before a letter ("\x1bcount", though ESC c resets a terminal) or opening a string control
# that never ends loses only the ESC, not the words after it.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b(?:[ -/]+[0-~]|[78=>\\])"
)
_SPACE = re.compile(r"\s+")
# Unicode's White_Space, what pydantic strips, spelled out for patterns that other engines read
# too (JSON Schema's): `\s` is one set in Python, another in Rust and a third in ECMAScript.
WHITE_SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Phones' "smart punctuation" turns what's into what’s; NFKC leaves curly quotes alone.
_SINGLE_QUOTES = re.compile("[\u2018\u2019\u201b\u2032\u02bc]")
_DOUBLE_QUOTES = re.compile("[\u201c\u201d\u201e]")
# Han, Hangul and kana: Python's \w holds them, so \b finds no edge in 我個link or send我link.
_CJK = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff\uf900-\ufaff\U00020000-\U0003134f"
)
_SCRIPT_EDGE = re.compile(f"(?<=[{_CJK}])(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])(?=[{_CJK}])")


def visible(text: str) -> str:
    """The text without its invisible characters, nothing else changed: what a search matches
    (a name pasted with a stray NUL or a bidi mark still finds the name)."""
    return text if text.isascii() and text.isprintable() else _INVISIBLE.sub("", text)


def clean(text: str) -> str:
    """NFKC text without invisible characters, whitespace collapsed to single spaces.

    NFKC turns full-width forms (ＬＩＮＫ, ？) into ASCII. Invisible characters and terminal
    escape sequences are dropped rather than turned into spaces, so "ST\\u200bOP" still reads as
    STOP and "\\x1b[1mLINK\\x1b[0m" as LINK.
    """
    if text.isascii() and text.isprintable():  # the common case, and already normal
        return " ".join(text.split())
    text = _INVISIBLE.sub("", _ESCAPES.sub("", text))
    if not unicodedata.is_normalized("NFKC", text):
        # NFKC can yield invisible characters (U+3164 becomes the filler U+1160): strip again.
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _DOUBLE_QUOTES.sub('"', _SINGLE_QUOTES.sub("'", text))
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """The cleaned text, case-folded for matching (codes are ASCII, so nothing is lost)."""
    return clean(text).casefold()


def split_scripts(text: str) -> str:
    """The text with a space where Han, Hangul or kana meets a Latin letter or digit, so Latin
    words glued to Chinese or Korean are words: "STOP唔該" -> "STOP 唔該", "send我link" ->
    "send 我 link". For matching Latin words only; codes and URLs are found in the text as sent.
    """
    return text if text.isascii() else _SCRIPT_EDGE.sub(" ", text)
