"""Lists cut to fit a message: routine replies stay within two SMS segments.

Lines come in order of importance; what does not fit is summed up as "...and 3 more".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.sms_text import sms_segments

SEGMENTS = 2


def fit(
    lines: Sequence[str],
    *,
    keep: int,
    more: Callable[[int], str],
    tail: Sequence[str] = (),
    segments: int = SEGMENTS,
) -> list[str]:
    """The leading lines that fit, the first `keep` always, then `tail`; `more(n)` says that n
    lines were left out."""

    def fits(candidate: Sequence[str]) -> bool:
        return sms_segments("\n".join([*candidate, *tail])) <= segments

    if fits(lines):
        return [*lines, *tail]
    for n in range(len(lines) - 1, keep - 1, -1):
        cut = [*lines[:n], more(len(lines) - n)]
        if fits(cut):
            return [*cut, *tail]
    return [*lines[:keep], more(len(lines) - keep), *tail]
