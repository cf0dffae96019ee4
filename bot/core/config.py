"""Settings from the environment (12-factor); the program itself lives in its own file."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.phones import sms_address

WEBHOOK_SECRET_FORM = (
    "must be whsec_ followed by base64, as Standard Webhooks secrets are "
    "(a receiver's library makes one)"
)


TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def listening_url(host: str, port: int) -> str:
    """Where a browser on this machine finds a server listening on host:port."""
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::", "") else host
    return f"http://{shown}:{port}"


def _where_serve_listens(fields: dict[str, Any]) -> str:
    """PUBLIC_BASE_URL unset: `serve` listens on this machine's PORT, so `admin add`, `doctor`
    and the links name that, not 8000 whatever PORT says."""
    return listening_url("127.0.0.1", fields.get("port", 8000))


class Settings(BaseSettings):
    """Every variable of DESIGN.md, read once in `app.py` and passed down explicitly."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    database_url: str = "sqlite:///referral-bot.db"
    port: int = 8000
    public_base_url: str = Field(default_factory=_where_serve_listens)  # after port, which it reads
    referral_program: str | None = None
    referral_api_token: str | None = None
    # When set, /metrics wants it as a bearer token (Prometheus' `authorization` setting):
    # each scrape counts the program's rows in the database, so an open one is a lever.
    metrics_token: str | None = None
    # Signs dashboard sessions and web-chat cookies; one is made and kept in the database if unset.
    session_secret: str | None = None
    webhook_url: str | None = None  # comma-separated endpoints for the business's webhooks
    webhook_secret: str | None = None  # whsec_<base64>, as the Standard Webhooks spec has it

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str | None = None

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str | None = None

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_base_url: str | None = None
    slack_staff_users: str = Field(default="")
    slack_notify_channel: str | None = None

    # Proxies whose X-Forwarded-For names the client (uvicorn's setting, comma-separated IPs or
    # networks, "*" for any): the click record and the rate limits use that address.
    forwarded_allow_ips: str = "127.0.0.1,::1"
    # Slow clients (bot/http/slow_clients.py): seconds for a request's headers, and its body.
    http_header_timeout: float = Field(default=10.0, gt=0)
    http_body_timeout: float = Field(default=30.0, gt=0)
    # Provider pacing claimed in the database, shared by every process on it: auto (on with
    # PostgreSQL, off with SQLite), on, off. See bot/delivery/shared_pacing.py.
    shared_pacing: Literal["auto", "on", "off"] = "auto"

    # Multiplies every provider send timeout (bot/channels/send_timeouts.py); tests shrink the
    # timeouts and their fakes' delays together. Leave at 1 in production.
    provider_timeout_scale: float = Field(default=1.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _blank_public_url_is_unset(cls, values: Any) -> Any:
        """`PUBLIC_BASE_URL=` is no URL: links follow where `serve` listens, as when unset."""
        if isinstance(values, dict) and values.get("public_base_url") == "":
            return {k: v for k, v in values.items() if k != "public_base_url"}
        return values

    @field_validator("twilio_from_number")
    @classmethod
    def _e164_sender(cls, value: str | None) -> str | None:
        """ "+1 (415) 555-0199" is +14155550199, as Twilio lists the account's numbers; a number
        without its +country code cannot be told apart from another country's."""
        if not value or not value.strip():
            return None
        address = sms_address(value.strip())
        if address is None:
            raise ValueError(
                "not a phone number with its country code: "
                "write it as Twilio lists it, like +14155550199"
            )
        return address.id

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_token(cls, value: str | None) -> str | None:
        """Telegram's setWebhook refuses any other secret_token: `serve` would retry its
        registration for ever and no update would come."""
        if not value:
            return None
        if not TELEGRAM_SECRET.fullmatch(value):
            raise ValueError(
                "1 to 256 characters of A-Z a-z 0-9 _ -, as Telegram takes it "
                "(a space or other punctuation makes setWebhook refuse it)"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _standard_webhooks_secret(cls, value: str | None) -> str | None:
        """Refused here, by name, rather than by the signer's base64 error once serving."""
        if not value:
            return value
        try:  # what the standardwebhooks library reads: whsec_ optional, padding optional
            key = base64.b64decode(value.removeprefix("whsec_") + "==")
        except (binascii.Error, ValueError):
            key = b""
        if not key:
            raise ValueError(WEBHOOK_SECRET_FORM)
        return value
