"""A QR code of a link as inline SVG (segno: pure Python, no image library, scales crisply)."""

from __future__ import annotations

from functools import lru_cache


# ~3 ms of CPU a code (segno scores all eight masks), and every visitor to a referrer's landing
# page asks for the same one.
@lru_cache(maxsize=1024)
def qr_svg(link: str) -> str:
    """SVG markup safe to embed: segno writes only path data derived from the link's bits."""
    import segno  # at the first landing page: a process that draws no code keeps it out

    return str(segno.make(link, error="m").svg_inline(scale=5, dark="#1d2430", light="#fff"))
