"""A visitor's language from their browser's Accept-Language header."""

from __future__ import annotations

from bot.core.language import language_of_tag


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
        lang = language_of_tag(tag)
        if lang is not None and quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else default
