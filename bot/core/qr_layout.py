"""Where a QR code's function patterns, format and version modules lie, as bits for qr_masks.

A size's layout is the same for every code, so it is worked out once (module by module, ~5 ms for
a version 3 code) and kept. Ints hold the matrix a row after another, each row followed by GUARD
light bits, the top-left module the highest bit; `cols` and `blank_cols` are the transpose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

GUARD = 4  # bits after each row: runs and patterns stop there, and a 4-module window fits in it

Module = tuple[int, int]  # (row, column)

# ISO/IEC 18004 Table 10 (i: row, j: column): a data module is flipped where the condition holds.
MASKS: tuple[Callable[[int, int], bool], ...] = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


@dataclass(frozen=True, slots=True)
class Layout:
    size: int
    valid: int  # every module
    padded: int  # the guard bits, and GUARD more above the top row: "light" for pattern windows
    blank: int  # format, version and dark modules: segno scores the masks with them light
    blank_cols: int
    fmt: tuple[tuple[int, int], ...]  # (bit of the format word, its module as a bit)
    fmt_modules: int
    rows: tuple[int, ...]  # per mask: the data modules it flips
    cols: tuple[int, ...]


@lru_cache(maxsize=64)
def layout_of(size: int) -> Layout:
    every = set(product(range(size), range(size)))
    data = every - _function_modules(size)
    blank = {module for _, module in format_modules(size)} | _version_modules(size)
    width = size + GUARD

    def bit(module: Module) -> int:
        return 1 << (size * width - 1 - (module[0] * width + module[1]))

    fmt = tuple((b, bit(m)) for b, m in format_modules(size) if m != (size - 8, 8))
    guards = int(("0" * size + "1" * GUARD) * size, 2)
    flips = [{(i, j) for i, j in data if mask(i, j)} for mask in MASKS]
    return Layout(
        size=size,
        valid=_pack(size, every),
        padded=guards | ((1 << GUARD) - 1) << size * width,
        blank=_pack(size, blank),
        blank_cols=_pack(size, _transposed(blank)),
        fmt=fmt,
        fmt_modules=sum({module for _, module in fmt}),  # (8, 8) is there twice
        rows=tuple(_pack(size, modules) for modules in flips),
        cols=tuple(_pack(size, _transposed(modules)) for modules in flips),
    )


def format_modules(size: int) -> list[tuple[int, Module]]:
    """7.9.1, in segno's order: each bit of the format word twice, then the dark module."""
    placed: list[tuple[int, Module]] = []
    for i in range(8):
        skip = int(i >= 6)  # the timing pattern's row and column
        placed += [(i, (i + skip, 8)), (14 - i, (8, i + skip))]
        placed += [(i, (8, size - 1 - i)), (14 - i, (size - 1 - i, 8))]
    return placed  # (size - 8, 8) takes bit 7 here, then is the dark module for good


def _version_modules(size: int) -> set[Module]:
    if size < 45:  # version 7 on
        return set()
    corner = set(product(range(6), range(size - 11, size - 8)))
    return corner | {(j, i) for i, j in corner}


def _function_modules(size: int) -> set[Module]:
    """Finders with their separators, timing, alignment, format and version modules."""
    taken: set[Module] = set()
    for top, left in ((0, 0), (0, size - 8), (size - 8, 0)):
        taken |= set(product(range(top, top + 8), range(left, left + 8)))
    taken |= {(6, k) for k in range(size)} | {(k, 6) for k in range(size)}
    centres = _alignment_centres(size)
    corners = {(6, 6), (6, centres[-1] if centres else 6), (centres[-1] if centres else 6, 6)}
    for row, col in product(centres, repeat=2):
        if (row, col) not in corners:
            taken |= set(product(range(row - 2, row + 3), range(col - 2, col + 3)))
    return taken | {module for _, module in format_modules(size)} | _version_modules(size)


def _alignment_centres(size: int) -> list[int]:
    """Annex E's table, as a rule: evenly spaced from the far edge, 6 first (version 2 on)."""
    version = (size - 17) // 4
    if version < 2:
        return []
    count = version // 7 + 2
    step = 26 if version == 32 else (version * 4 + count * 2 + 1) // (count * 2 - 2) * 2
    return [6, *sorted(size - 7 - k * step for k in range(count - 1))]


def _transposed(modules: set[Module]) -> set[Module]:
    return {(j, i) for i, j in modules}


def _pack(size: int, modules: set[Module]) -> int:
    lines = ("".join("1" if (i, j) in modules else "0" for j in range(size)) for i in range(size))
    return int("".join(line + "0" * GUARD for line in lines), 2)
