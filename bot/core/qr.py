"""A referral link as a QR code image (PNG), for Telegram, Slack and the landing page."""

from __future__ import annotations

import io

import segno


def qr_png(link: str, *, scale: int = 8) -> bytes:
    """A PNG of `link`; medium error correction survives a phone photo of a screen."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
