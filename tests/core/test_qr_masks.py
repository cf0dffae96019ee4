"""The mask we put on a code is the one segno's own search picks, so the image is segno's.

segno scores all eight masks module by module; qr_masks scores them bit-parallel. Any difference
in a rule (or a tie broken otherwise) would show up as another mask on some of these codes.
"""

from __future__ import annotations

import random
import string

import pytest
import segno
from segno import encoder  # segno's scoring itself, as the reference (never used by the bot)

from bot.core.qr_layout import format_modules
from bot.core.qr_masks import penalties, remasked
from bot.core.qr_png import matrix_rows


def _corpus() -> list[str]:
    rng = random.Random(15)
    code = string.ascii_uppercase + string.digits
    links = [f"https://ref.example/r/{''.join(rng.choices(code, k=8))}" for _ in range(300)]
    landing = "https://shop.example.com/welcome?ref={}&utm_source=telegram&utm_campaign={}"
    links += [landing.format(rng.randrange(10**9), "spring-" * k) for k in range(0, 45, 3)]
    links += ["推荐朋友，领取奖励 " * k + "https://ref.example/r/K7Q2M9XA" for k in range(1, 16, 2)]
    return links


def _segnos(code: segno.QRCode) -> tuple[int, tuple[int, ...]]:
    return code.mask, matrix_rows(code.matrix)


CORPUS = _corpus()


def test_every_link_gets_segnos_mask_and_matrix() -> None:
    wrong, versions = [], set()
    for link in CORPUS:
        theirs = segno.make(link, error="m")
        versions.add(theirs.version)
        ours = remasked(segno.make(link, error="m", mask=0))
        if (ours.mask, ours.rows) != _segnos(theirs):
            wrong.append(link)
    assert wrong == []
    assert len(versions) >= 10


# Each version 1-16; then where the layout changes: more alignment patterns (21, 28, 35), the
# odd spacing of 32, and the largest.
@pytest.mark.parametrize("version", [*range(1, 17), 20, 21, 27, 28, 32, 35, 40])
def test_every_version_from_any_starting_mask(version: int) -> None:
    rng = random.Random(version)
    text = "".join(rng.choices(string.printable[:95], k=6 * version))
    error = "lmqh"[version % 4]
    drawn = segno.make(text, error=error, version=version, mask=version % 8)
    ours = remasked(drawn)
    assert (ours.mask, ours.rows) == _segnos(segno.make(text, error=error, version=version))


@pytest.mark.parametrize("link", [*CORPUS[:10], *CORPUS[-8:]])
def test_each_masks_score_is_segnos(link: str) -> None:
    theirs = []
    for mask in range(8):
        # segno scores a mask before it writes the format and version modules: they are light
        matrix = [bytearray(row) for row in segno.make(link, error="m", mask=mask).matrix]
        size = len(matrix)
        for _, (i, j) in format_modules(size):
            matrix[i][j] = 0
        if size >= 45:
            for i in range(6):
                for j in range(size - 11, size - 8):
                    matrix[i][j] = matrix[j][i] = 0
        theirs.append(encoder.evaluate_mask(matrix, size, size))
    assert penalties(segno.make(link, error="m", mask=0)) == tuple(theirs)


def test_a_micro_qr_code_is_not_scored_by_these_rules() -> None:
    with pytest.raises(ValueError, match="Micro"):
        remasked(segno.make("hi", error="m", mask=0))
