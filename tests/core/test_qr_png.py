"""Our PNG writer draws segno's matrix pixel for pixel, in a file the PNG format accepts."""

from __future__ import annotations

import io

import pytest
import segno

from bot.core.qr_png import matrix_png, matrix_rows
from tests.core.png_pixels import drawn, read_png

LINKS = ("https://ref.example/r/K7Q2M9XA", "https://example.com/landing?" + "utm=x&" * 40)


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize(("scale", "border"), [(8, 4), (1, 4), (3, 2), (5, 0)])
def test_the_png_is_the_matrix_scaled_with_a_light_border(
    link: str, scale: int, border: int
) -> None:
    code = segno.make(link, error="m")
    png = read_png(
        matrix_png(matrix_rows(code.matrix), len(code.matrix), scale=scale, border=border)
    )
    assert png.kinds == (b"IHDR", b"IDAT", b"IEND")
    assert png.pixels == drawn(code.matrix, scale=scale, border=border)


@pytest.mark.parametrize("link", LINKS)
def test_the_png_is_segnos_image_size_and_pixels(link: str) -> None:
    code = segno.make(link, error="m")
    saved = io.BytesIO()
    code.save(saved, kind="png", scale=8, border=4)
    theirs = read_png(saved.getvalue())
    ours = read_png(matrix_png(matrix_rows(code.matrix), len(code.matrix), scale=8, border=4))
    assert (ours.width, ours.height) == (theirs.width, theirs.height)
    assert (ours.width, ours.height) == code.symbol_size(scale=8, border=4)
    assert ours.pixels == theirs.pixels


def test_rows_read_segnos_matrix_leftmost_module_first() -> None:
    assert matrix_rows([bytearray(b"\x01\x00\x00"), bytearray(b"\x00\x01\x01")]) == (0b100, 0b011)
