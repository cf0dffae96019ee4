"""What `referral-bot doctor` looks at, one finding per line: configured or missing, the
database writable, the public URL reachable from here, and what each channel would do, its
provider asked whether it accepts our credentials."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

import httpx

from bot.core.config import Settings
from bot.core.plural import counted
from bot.core.program import ProgramError, load_program
from bot.core.store import DatabaseUnavailable, open_database
from bot.core.store.database import shown
from bot.core.store.migrate import available
from bot.core.store.sqlite import unborn_file
from bot.core.store.webhook_events import WebhookTargets

Verdict = Literal["ok", "off", "fix"]


@dataclass(frozen=True, slots=True)
class Finding:
    topic: str
    verdict: Verdict
    detail: str


class _Probe(Exception):
    """Raised inside the probe transaction so the database rolls the test write back."""


async def database(settings: Settings) -> Finding:
    url = settings.database_url
    unborn = _sqlite_file_to_come(url)
    if unborn is not None:  # doctor only looks: it creates no database
        return unborn
    try:
        db = await open_database(url)
    except Exception as exc:  # any driver's refusal is the finding
        cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) else None
        why = _why(cause or exc)  # the driver's own words, once
        return Finding("database", "fix", f"{shown(url)}: cannot open ({why})")
    try:
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE referral_bot_doctor_probe (x INTEGER)")
            raise _Probe
    except _Probe:
        pass
    except Exception as exc:
        await db.close()
        return Finding("database", "fix", f"{shown(url)}: not writable ({_why(exc)})")
    try:
        async with db.transaction() as conn:
            rows = await conn.fetchall("SELECT version FROM schema_migrations")
        pending = len({v for v, _, _ in available(db.dialect)} - {int(r[0]) for r in rows})
    except Exception:  # no schema_migrations table yet: a fresh database
        pending = len(available(db.dialect))
    finally:
        await db.close()
    schema = "schema up to date" if not pending else f"{counted(pending, 'migration')} to apply"
    return Finding("database", "ok", f"{shown(url)}: writable, {schema}")


def program(settings: Settings) -> Finding:
    if settings.referral_program is None:
        return Finding("program", "ok", "the built-in program (set REFERRAL_PROGRAM for yours)")
    try:
        loaded = load_program(settings.referral_program)
    except ProgramError as exc:
        return Finding("program", "fix", str(exc))
    return Finding("program", "ok", f"{settings.referral_program}: {loaded.name}")


async def public_url(settings: Settings, client: httpx.AsyncClient) -> Finding:
    base = settings.public_base_url.rstrip("/")
    try:
        answer = await client.get(base + "/healthz")
    except httpx.HTTPError as exc:
        hint = "; is `referral-bot serve` running there?" if "localhost" in base else ""
        return Finding("public URL", "fix", f"{base}: not reachable from here ({_why(exc)}){hint}")
    if answer.status_code != 200:
        return Finding("public URL", "fix", f"{base}/healthz answered {answer.status_code}")
    if not base.startswith("https://"):
        return Finding("public URL", "fix", f"{base}: reachable, but providers need https")
    return Finding("public URL", "ok", f"{base}: reachable (/healthz answered 200)")


def sms(settings: Settings) -> Finding:
    from bot.channels.sms_webhook import INBOUND_PATH, STATUS_PATH  # the SDKs load on demand

    base = settings.public_base_url.rstrip("/")
    sender = settings.twilio_from_number or settings.twilio_messaging_service_sid
    have = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": settings.twilio_auth_token,
        "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID": sender,
    }
    missing = [name for name, value in have.items() if not value]
    if len(missing) == len(have):
        return Finding(
            "sms", "off", "set " + ", ".join(have) + " (guide: `referral-bot docs twilio`)"
        )
    if missing:
        return Finding("sms", "fix", "also set " + ", ".join(missing))
    return Finding(
        "sms", "ok",
        f"texts from {sender}; Twilio posts to {base}{INBOUND_PATH}, reports to "
        f"{base}{STATUS_PATH} (`referral-bot twilio setup` points them here)",
    )  # fmt: skip


def telegram(settings: Settings) -> Finding:
    from bot.channels.telegram import WEBHOOK_PATH as TELEGRAM_PATH

    if not settings.telegram_bot_token:
        return Finding(
            "telegram", "off", "set TELEGRAM_BOT_TOKEN (guide: `referral-bot docs telegram`)"
        )
    if settings.telegram_webhook_secret:
        url = settings.public_base_url.rstrip("/") + TELEGRAM_PATH
        return Finding("telegram", "ok", f"webhook at {url}, checked with the secret")
    return Finding(
        "telegram", "ok", "long polling (set TELEGRAM_WEBHOOK_SECRET for a webhook instead)"
    )


def slack(settings: Settings) -> Finding:
    from bot.channels.slack import PATH as SLACK_PATH

    have = {"SLACK_BOT_TOKEN": settings.slack_bot_token,
            "SLACK_SIGNING_SECRET": settings.slack_signing_secret}  # fmt: skip
    missing = [name for name, value in have.items() if not value]
    if len(missing) == len(have):
        return Finding(
            "slack",
            "off",
            "set SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (guide: `referral-bot docs slack`)",
        )
    if missing:
        return Finding("slack", "fix", "also set " + ", ".join(missing))
    staff = len([u for u in settings.slack_staff_users.split(",") if u.strip()])
    cards = settings.slack_notify_channel or "no channel (SLACK_NOTIFY_CHANNEL)"
    url = settings.public_base_url.rstrip("/") + SLACK_PATH
    return Finding("slack", "ok", f"events, /referrals and buttons at {url}; {staff} staff; "
                                  f"referral cards to {cards}")  # fmt: skip


async def credentials(found: Finding, settings: Settings) -> Finding:
    """A channel set up (sms, telegram, slack): whether its provider accepts the credentials,
    asked once with a read that sends nothing (bot/channels/credentials.py)."""
    if found.verdict != "ok":
        return found
    from bot.channels import credentials as ask  # the providers' SDKs load on demand

    checked = await ask.BY_CHANNEL[found.topic](settings)
    if checked.accepted:
        return Finding(found.topic, "ok", f"{checked.said}; {found.detail}")
    if checked.accepted is None:
        return Finding(found.topic, "fix", checked.said)
    until = f"nothing is sent on {found.topic} until it accepts them"
    return Finding(found.topic, "fix", f"{checked.said}: {until}")


def api(settings: Settings) -> Finding:
    if not settings.referral_api_token:
        return Finding("api", "off", "/api/v1 answers 401 until REFERRAL_API_TOKEN is set")
    return Finding("api", "ok", "/api/v1 takes the bearer REFERRAL_API_TOKEN")


def webhooks(settings: Settings) -> Finding:
    """Both variables or no webhooks (bot.app.webhook_targets): one alone sends nothing."""
    urls = WebhookTargets.parse(settings.webhook_url, base_url=settings.public_base_url).urls
    if not urls and not settings.webhook_secret:
        return Finding(
            "webhooks", "off", "set WEBHOOK_URL and WEBHOOK_SECRET to send your CRM signed events"
        )
    if not settings.webhook_secret:
        return Finding("webhooks", "fix", "also set WEBHOOK_SECRET (whsec_ followed by base64): "
                                          "until then no webhook is sent")  # fmt: skip
    if not urls:
        return Finding("webhooks", "fix", "also set WEBHOOK_URL: until then no webhook is sent")
    endpoints = f"{counted(len(urls), 'endpoint')}: {', '.join(urls)}"
    return Finding("webhooks", "ok", f"signed events to {endpoints}")


def _sqlite_file_to_come(url: str) -> Finding | None:
    """A SQLite file that does not exist yet: whether it can be created where it is named."""
    file = unborn_file(url)
    if file is None:
        return None
    folder = next((p for p in file.parents if p.exists()), file.parent)
    if not os.access(folder, os.W_OK):
        return Finding("database", "fix", f"{file}: cannot create it in {folder}")
    return Finding(
        "database", "ok", f"{file} (not created yet: `serve` or `db upgrade` makes it, "
                          "and the other commands need it)"
    )  # fmt: skip


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__
