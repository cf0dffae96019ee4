"""Which of our four languages a message is written in, decided by its script."""

from __future__ import annotations

import re

import hanzidentifier  # type: ignore[import-untyped]

LANGUAGES = ("en", "ko", "zh-Hant", "zh-Hans")

# Syllables, conjoining and compatibility jamo (NFKC turns the latter into conjoining ones).
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7a3\ud7b0-\ud7ff]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def is_decisive(text: str) -> bool:
    """True when the script alone names the language (Hangul or Han present)."""
    return bool(_HANGUL.search(text) or _HAN.search(text))


def detect_language(text: str, known: str | None) -> str:
    """The message's language; `known` (the participant's stored one) breaks ties.

    Latin text is not decisive: "LINK" from a Korean participant is still Korean to us.
    """
    known = known if known in LANGUAGES else None
    if _HANGUL.search(text):
        return "ko"
    if not _HAN.search(text):
        return known or "en"
    variant = _chinese_variant(text)
    if variant is not None:
        return variant
    # Characters shared by both scripts (你好, 排行榜): keep a Chinese reader's own variant.
    return known if known in ("zh-Hant", "zh-Hans") else "zh-Hans"


def _chinese_variant(text: str) -> str | None:
    identity = hanzidentifier.identify(text)
    if identity == hanzidentifier.TRADITIONAL:
        return "zh-Hant"
    if identity == hanzidentifier.SIMPLIFIED:
        return "zh-Hans"
    if identity != hanzidentifier.MIXED:
        return None
    # A mix (a typo, or a copied word): the majority of variant-specific characters wins.
    votes = [hanzidentifier.identify(ch) for ch in set(text) if _HAN.match(ch)]
    trad = votes.count(hanzidentifier.TRADITIONAL)
    simp = votes.count(hanzidentifier.SIMPLIFIED)
    if trad == simp:
        return None
    return "zh-Hant" if trad > simp else "zh-Hans"
