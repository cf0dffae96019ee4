"""A visitor's language: the page's switcher, else their browser's Accept-Language header."""

from __future__ import annotations

_ALIASES = {
    "en": "en",
    "ko": "ko",
    "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-hans": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "zh": "zh-Hans",
}


def _tag(tag: str) -> str | None:
    tag = tag.strip().lower().replace("_", "-")
    parts = tag.split("-")
    for length in (3, 2, 1):
        candidate = "-".join(parts[:length])
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    if parts[0] == "zh" and len(parts) > 1:
        return "zh-Hant" if parts[-1] in ("tw", "hk", "mo", "hant") else "zh-Hans"
    return None


def from_accept_language(header: str | None, default: str = "en") -> str:
    """The best of our languages by the header's q-values; malformed parts are ignored."""
    if not header:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang = _tag(tag)
        if lang is not None and quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else default


def visitor_language(asked: str | None, header: str | None) -> str:
    """The language a visitor picked with the page's switcher (`?lang=`), else their browser's."""
    if asked:
        picked = _tag(asked[:20])
        if picked is not None:
            return picked
    return from_accept_language(header)
