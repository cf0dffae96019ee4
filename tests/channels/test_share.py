"""Sharing a link on SMS is the text itself (the share button is dropped), and the QR code is
a PNG of the link. Telegram's share sheet and Slack's copy block are in their transcripts."""

from __future__ import annotations

import io

import pytest

from bot.channels.sms import render
from bot.core.messages import Address, Button, Outbound
from bot.core.qr import qr_png

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def test_sms_text_carries_the_link_and_no_share_button() -> None:
    message = Outbound(
        Address("sms", "+14155550100"),
        "Here's your personal link: https://ref.example/r/K7Q2M9XA",
        (Button.share("Share", "https://ref.example/r/K7Q2M9XA"), Button("My referrals", "COUNT")),
    )
    assert render(message) == (
        "Here's your personal link: https://ref.example/r/K7Q2M9XA\nCOUNT: My referrals"
    )


def test_the_qr_code_is_a_png_of_the_link() -> None:
    png = qr_png("https://ref.example/r/K7Q2M9XA")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(io.BytesIO(png).getvalue()) > 100
