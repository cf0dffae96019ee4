"""The data mask segno would choose for a QR code, found ~30x faster (ISO/IEC 18004 7.8.3).

segno tries all eight masks with the penalty rules in per-module Python (~2.5 ms of the ~5 ms a
link's QR cost). Here the whole matrix is one int, a row after another with GUARD light bits
between them, and each rule is a few shifts and ANDs over all rows at once (the columns: the same
on the transposed matrix). The scores are segno's own, quirks included (format and version
modules scored as light, a 1:1:3:1:1 overlapping one just counted skipped), so `remasked` gives
the very matrix `segno.make(content, error=...)` draws: the standard's best mask, not a fixed one
that can leave a code hard to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.qr_layout import GUARD, Layout, layout_of

if TYPE_CHECKING:
    import segno  # the codes' type only; bot/core/qr.py imports segno when it draws one

_ERROR_BITS = {"L": 0b01, "M": 0b00, "Q": 0b11, "H": 0b10}
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


@dataclass(frozen=True, slots=True)
class Remasked:
    mask: int
    rows: tuple[int, ...]  # one int a row, the leftmost module the top bit, dark = 1


def remasked(code: segno.QRCode) -> Remasked:
    """`code` (a QR code drawn with any mask) with the mask segno's own search would pick."""
    layout = layout_of(_size(code))
    rows, cols = _packed(code.matrix)
    best = _first_lowest(_penalties(rows, cols, code.mask, layout))
    word = _format_word(_ERROR_BITS[code.error], best)
    fmt_bits = 0
    for bit, module in layout.fmt:
        fmt_bits |= module if word >> bit & 1 else 0
    matrix = (rows ^ layout.rows[code.mask] ^ layout.rows[best]) & ~layout.fmt_modules | fmt_bits
    size, width = layout.size, layout.size + GUARD
    top, full = (size - 1) * width + GUARD, (1 << size) - 1
    return Remasked(best, tuple(matrix >> (top - i * width) & full for i in range(size)))


def penalties(code: segno.QRCode) -> tuple[int, ...]:
    """The eight masks' penalty scores, each the sum of segno's `mask_scores`."""
    return _penalties(*_packed(code.matrix), code.mask, layout_of(_size(code)))


def _size(code: segno.QRCode) -> int:
    if code.is_micro:
        raise ValueError("Micro QR codes choose their mask by other rules")
    return len(code.matrix)


def _penalties(rows: int, cols: int, mask: int, layout: Layout) -> tuple[int, ...]:
    plain_rows = (rows ^ layout.rows[mask]) & ~layout.blank
    plain_cols = (cols ^ layout.cols[mask]) & ~layout.blank_cols
    return tuple(
        _score(plain_rows ^ flip_rows, plain_cols ^ flip_cols, layout)
        for flip_rows, flip_cols in zip(layout.rows, layout.cols, strict=True)
    )


def _first_lowest(scores: Sequence[int]) -> int:
    return min(range(len(scores)), key=scores.__getitem__)  # of equal scores the first, as segno


def _score(dark: int, dark_cols: int, layout: Layout) -> int:
    width = layout.size + GUARD
    light, light_cols = dark ^ layout.valid, dark_cols ^ layout.valid
    score = _runs(dark) + _runs(light) + _runs(dark_cols) + _runs(light_cols)
    # N2: 3 for each 2x2 block of one colour
    blocks = dark & dark << 1 & dark << width & dark << width + 1
    blocks |= light & light << 1 & light << width & light << width + 1
    score += 3 * blocks.bit_count()
    score += _finders(dark, light, layout.padded) + _finders(dark_cols, light_cols, layout.padded)
    # N4: 10 for each 5% the dark share strays from half (segno's float arithmetic)
    share = float(dark.bit_count()) / (layout.size**2)
    return score + 10 * int(abs(share * 100 - 50) / 5)


def _runs(same: int) -> int:
    """N1: a run of 5 + k modules of one colour along a line costs 3 + k."""
    five = same & same << 1
    five &= five << 2
    five &= same << 4  # a module that starts five of its colour
    return five.bit_count() + 2 * (five & ~(five >> 1)).bit_count()


def _finders(dark: int, light: int, padded: int) -> int:
    """N3: 40 for each 1:1:3:1:1 with four light modules (or the edge) before or after it."""
    three = dark & dark << 1 & dark << 2
    found = dark & light << 1 & three << 2 & light << 5 & dark << 6
    if not found:
        return 0
    clear = light | padded
    clear &= clear >> 1
    clear &= clear >> 2  # this module and the three before it are light (or off the edge)
    counted = found & (clear >> 1 | clear << 10)
    # segno searches on 7 modules after a pattern it counted, so one overlapping it (4 or 6 on)
    # is skipped; skipping that may keep the next: settle it the way the sequential search does.
    skipped = 0
    while True:
        kept = counted & ~skipped
        after_kept = found & (kept >> 4 | kept >> 6)
        if after_kept == skipped:
            return 40 * kept.bit_count()
        skipped = after_kept


def _packed(matrix: Sequence[bytearray]) -> tuple[int, int]:
    """The matrix as one int by rows and one by columns, each line followed by GUARD light bits."""
    size, guard = len(matrix), bytes(GUARD)
    flat = b"".join(matrix)
    rows = b"".join(row + guard for row in matrix)
    cols = b"".join(flat[j::size] + guard for j in range(size))
    return int(rows.translate(_DIGITS), 2), int(cols.translate(_DIGITS), 2)


def _format_word(error: int, mask: int) -> int:
    """7.9.1: five bits of error level and mask, a BCH(15,5) remainder, XORed with 0x5412."""
    data = error << 3 | mask
    rest = data << 10
    for shift in range(4, -1, -1):
        if rest >> (shift + 10) & 1:
            rest ^= 0x537 << shift
    return (data << 10 | rest) ^ 0x5412
