"""A referral link as a QR code image (PNG), for Telegram and Slack."""

from __future__ import annotations

from functools import lru_cache

from bot.core.qr_masks import remasked
from bot.core.qr_png import matrix_png, matrix_rows


# The same link is drawn again and again: a referrer asking for their link, every visitor to their
# landing page. Uncached ~0.9 ms of CPU a code (segno alone: ~5).
@lru_cache(maxsize=1024)
def qr_png(link: str, *, scale: int = 8) -> bytes:
    """A PNG of `link`; medium error correction survives a phone photo of a screen.

    The image is the one segno draws by itself, mask included. segno is told a mask only to skip
    its own search (8 masks scored module by module, half a code's cost); qr_masks then puts on
    the mask that search would have chosen.
    """
    import segno  # at the first code drawn: a process that draws none keeps it out

    code = segno.make(link, error="m", mask=0)
    if code.is_micro:  # a link of a dozen bytes: tiny, and its masks are scored by other rules
        code = segno.make(link, error="m")
        rows = matrix_rows(code.matrix)
    else:
        rows = remasked(code).rows
    return matrix_png(rows, len(code.matrix), scale=scale, border=4)
