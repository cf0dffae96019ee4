"""A visitor's language: the page's switcher, else their browser's Accept-Language header.

In the core (not in `http`) so the web chat channel and the landing page share it."""

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


def visitor_language(asked: str | None, header: str | None) -> str:
    """The language a visitor picked with the page's switcher (`?lang=`), else their browser's."""
    if asked:
        picked = language_of_tag(asked[:20])
        if picked is not None:
            return picked
    return from_accept_language(header)
