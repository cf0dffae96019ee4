"""What a Telegram `serve` holds before anyone writes to it: the libraries that only a typo, a
phone number, a page, a QR code, a scrape, a sign-in or an API call needs are imported then,
not at start (issue #15: each stays in a long-running process's memory once imported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ON_FIRST_USE = (
    "rapidfuzz",  # bot/core/spelling.py: the first word needing a guess
    "phonenumbers",  # bot/core/phones.py, bot/delivery/quiet_hours.py: the first number read
    "jinja2",  # bot/http/templating.py, bot/channels/web_page.py: the first page shown
    "segno",  # bot/core/qr.py, bot/http/qr.py: the first QR code drawn
    "prometheus_client",  # bot/core/metrics.py: the first count or scrape
    "argon2",  # bot/http/admin/passwords.py: the first sign-in
    "bot.http.api.events",  # bot/http/api/__init__.py: the first request a handler answers
    "bot.http.api.reads",
    "bot.http.api.decisions",
    "bot.http.api.outbox",
    "bot.http.api.openapi",
)

PROBE = """
import asyncio, sys
from bot.cli import serve
from bot.app import build, channels_from_settings
from bot.http.server import server_config
from bot.web import create_app

async def main() -> None:
    env = serve.settings()
    bot = await build(env, channels=channels_from_settings(env), web_chat=True)
    try:
        server_config(create_app(bot), env, host="127.0.0.1", port=8000, lifespan="on",
                      log_config=None, ws="none")
    finally:
        await bot.close()

asyncio.run(main())
print(*sorted(sys.modules))
"""


def test_a_telegram_serve_starts_without_what_only_first_use_needs(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "PUBLIC_BASE_URL": "https://ref.example",
        "TELEGRAM_BOT_TOKEN": "123456:test-token",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",  # never called: the lifespan is not run
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(done.stdout.split())
    assert "bot.channels.telegram" in loaded  # the probe built what `serve` builds
    held = sorted(
        name for name in ON_FIRST_USE
        if name in loaded or any(m.startswith(name + ".") for m in loaded)
    )  # fmt: skip
    assert held == []
