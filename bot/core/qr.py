"""A referral link as a QR code image (PNG), for Telegram, Slack and the landing page."""

from __future__ import annotations

import io
from functools import lru_cache

import segno


# ~5 ms of CPU a code (segno tries all eight masks, 2 ms; the PNG 1.4 ms), and the same link is
# drawn again and again: a referrer asking for their link, every visitor to their landing page.
@lru_cache(maxsize=1024)
def qr_png(link: str, *, scale: int = 8) -> bytes:
    """A PNG of `link`; medium error correction survives a phone photo of a screen."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
