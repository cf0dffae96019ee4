"""Lists cut to fit a message: routine replies stay within two SMS segments.

Lines come in order of importance; what does not fit is summed up as "...and 3 more", where 3
is the friends (or rewards) left out, headings not counted.
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
    weights: Sequence[int] | None = None,
    unlisted: int = 0,
) -> list[str]:
    """The leading lines that fit, the first `keep` always, then `tail`; `more(n)` says how
    many were left out. `weights`: what each line stands for (a friend 1, a heading 0), so n
    counts friends, not lines; `unlisted`: those left out before any line was written."""
    weight = list(weights) if weights is not None else [1] * len(lines)

    def fits(candidate: Sequence[str]) -> bool:
        return sms_segments("\n".join([*candidate, *tail])) <= segments

    def cut(n: int) -> list[str]:
        left = sum(weight[n:]) + unlisted
        return [*lines[:n], more(left)] if left else list(lines[:n])

    whole = cut(len(lines))
    if fits(whole):
        return [*whole, *tail]
    for n in range(len(lines) - 1, keep - 1, -1):
        if n > keep and weight[n - 1] == 0:
            continue  # never a heading with nothing under it
        candidate = cut(n)
        if fits(candidate):
            return [*candidate, *tail]
    return [*cut(keep), *tail]
