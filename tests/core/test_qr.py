"""A link's QR PNG is the image segno draws for it: its mask, its modules, its size."""

from __future__ import annotations

import pytest
import segno

from bot.core.qr import qr_png
from tests.core.png_pixels import drawn, read_png


@pytest.mark.parametrize(
    "link",
    [
        "https://ref.example/r/K7Q2M9XA",
        "https://shop.example.com/welcome?ref=K7Q2M9XA&utm_source=telegram&utm_campaign=spring",
        "推荐朋友，领取奖励 https://ref.example/r/K7Q2M9XA",
        "https://a.b",  # short enough for a Micro QR code, which segno draws and scores itself
    ],
)
def test_the_png_shows_the_code_segno_makes_for_the_link(link: str) -> None:
    code = segno.make(link, error="m")
    assert read_png(qr_png(link)).pixels == drawn(code.matrix, scale=8, border=4)
    assert read_png(qr_png(link, scale=3)).pixels == drawn(code.matrix, scale=3, border=4)


def test_a_link_drawn_again_is_the_same_bytes_from_the_cache() -> None:
    link = "https://ref.example/r/CACHE001"
    assert qr_png(link) is qr_png(link)
