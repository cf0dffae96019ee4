"""Point a Twilio number (or Messaging Service) at this deployment, and say what changed.

Incoming texts reach `PUBLIC_BASE_URL/twilio/sms`. Delivery reports reach `/twilio/status`:
for a number, every message the bot sends names that URL itself (a number's own
`StatusCallback` is for voice calls); a Messaging Service gets it as its `StatusCallback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from bot.channels.sms_http import SdkHttp
from bot.channels.sms_webhook import INBOUND_PATH, STATUS_PATH
from bot.core.config import Settings


class SetupError(Exception):
    """Twilio said no or could not be reached, or the settings name something the account
    does not have."""


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True, slots=True)
class TwilioSetup:
    account: str  # the account's friendly name
    target: str  # "number +14155550199" or "Messaging Service MG..."
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()


def make_client(settings: Settings, http: SdkHttp) -> Client:
    """The SDK client of these settings (`twilio setup`, `doctor`), on the fake or proxy
    TWILIO_API_BASE_URL names."""
    client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http)
    if settings.twilio_api_base_url:  # a fake or a proxy serves both domains we call
        client.api.base_url = settings.twilio_api_base_url.rstrip("/")
        client.messaging.base_url = settings.twilio_api_base_url.rstrip("/")
    return client


async def point_twilio(settings: Settings) -> TwilioSetup:
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise SetupError("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio Console > Account)")
    base = settings.public_base_url.rstrip("/")
    http = SdkHttp(timeout=15)
    client = make_client(settings, http)
    try:
        account = await client.api.v2010.accounts(settings.twilio_account_sid).fetch_async()
        if settings.twilio_messaging_service_sid:
            return await _service(client, str(account.friendly_name), settings, base)
        if settings.twilio_from_number:
            return await _number(client, str(account.friendly_name), settings, base)
        raise SetupError("set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
    except TwilioRestException as exc:
        raise SetupError(said(exc)) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # no answer at all
        why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise SetupError(f"could not reach Twilio ({why}); nothing was changed") from exc
    finally:
        await http.close()


async def _number(client: Client, account: str, settings: Settings, base: str) -> TwilioSetup:
    number = settings.twilio_from_number or ""
    found = await client.incoming_phone_numbers.list_async(phone_number=number, limit=2)
    if not found:
        raise SetupError(f"TWILIO_FROM_NUMBER {number} is not a number of this Twilio account")
    record: Any = found[0]
    wanted = {"sms_url": base + INBOUND_PATH, "sms_method": "POST"}
    changes = _changes(record, wanted)
    if any(c.changed for c in changes):
        await client.incoming_phone_numbers(record.sid).update_async(**wanted)
    note = f"delivery reports: {base + STATUS_PATH}, named by every message the bot sends"
    return TwilioSetup(account, f"number {number}", changes, (note,))


async def _service(client: Client, account: str, settings: Settings, base: str) -> TwilioSetup:
    sid = settings.twilio_messaging_service_sid or ""
    record: Any = await client.messaging.v1.services(sid).fetch_async()
    wanted: dict[str, Any] = {
        "inbound_request_url": base + INBOUND_PATH,
        "inbound_method": "POST",
        "status_callback": base + STATUS_PATH,
        "use_inbound_webhook_on_number": False,  # else a number's own URL wins over ours
    }
    changes = _changes(record, wanted)
    if any(c.changed for c in changes):
        await client.messaging.v1.services(sid).update_async(**wanted)
    return TwilioSetup(account, f"Messaging Service {sid} ({record.friendly_name})", changes)


def _changes(record: Any, wanted: dict[str, Any]) -> tuple[Change, ...]:
    return tuple(
        Change(name, _text(getattr(record, name, None)), _text(value))
        for name, value in wanted.items()
    )


def _text(value: object) -> str:
    if value is None or value == "":
        return "(none)"
    return str(value).lower() if isinstance(value, bool) else str(value)


def said(exc: TwilioRestException) -> str:
    if exc.status == 401:
        return "Twilio refused TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (20003: Authenticate)"
    if exc.status == 404:
        return f"Twilio has no such resource: {exc.uri} (check the SIDs and the number)"
    return f"Twilio answered {exc.status} ({exc.code}): {exc.msg}"
