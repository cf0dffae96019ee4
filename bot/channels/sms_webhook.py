"""Twilio's webhooks: inbound SMS and delivery status, each verified before anything else.

The signature covers the URL Twilio requested, so it is checked against `PUBLIC_BASE_URL` plus
the path and query, never against the URL this process saw behind a proxy, and over the whole
multi-value form, unknown parameters included. Twilio signatures carry no timestamp: the
engine's dedupe on MessageSid is the only replay defence. Inbound messages are answered at once
with empty TwiML; replies go out later through the outbox.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, cast
from urllib.parse import parse_qsl, urlparse

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.twiml.messaging_response import MessagingResponse

from bot.core.channel import Inbox
from bot.core.clock import Clock
from bot.core.messages import Inbound
from bot.core.phones import number_profile, sms_address

log = logging.getLogger(__name__)

INBOUND_PATH = "/twilio/sms"
STATUS_PATH = "/twilio/status"
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 200  # a real inbound SMS has ~20 fields plus 2 per media item (at most 10)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


class _Values(dict[str, list[str]]):
    """Every value of each key, read by RequestValidator through `getall` (its first choice:
    Starlette's FormData has only `getlist`, found after an AttributeError per key and a scan
    of the whole form each time; 28 -> 12 us for a Twilio body)."""

    def getall(self, name: str) -> list[str]:
        return self[name]


@lru_cache(maxsize=256)  # the same few webhook URLs on every request
def _signed_urls(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    return remove_port(parsed), add_port(parsed)


class _Verifier:
    """Says whether a request really comes from Twilio, as the public URL saw it."""

    def __init__(self, *, auth_token: str, public_base_url: str) -> None:
        self._validator: Any = RequestValidator(auth_token)
        self._base = public_base_url.rstrip("/")

    def _signed(self, url: str, pairs: list[tuple[str, str]], signature: str) -> bool:
        """RequestValidator.validate's rule (the URL as given or with its default port, since
        Twilio signs either way), one URL at a time: validate computes both signatures on
        every request, and the first is the one Twilio nearly always used."""
        values = _Values()
        for name, value in pairs:
            values.setdefault(name, []).append(value)
        for candidate in _signed_urls(url):
            computed = self._validator.compute_signature(candidate, values)
            if hmac.compare_digest(computed.encode(), signature.encode()):
                return True
        return False

    def public_url(self, path: str, query: str) -> str:
        return f"{self._base}{path}?{query}" if query else f"{self._base}{path}"

    async def form(self, request: Request, path: str) -> FormData | Response:
        """The verified form, or the response that refuses the request."""
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return PlainTextResponse("missing signature", status_code=403)
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != FORM:  # never parse multipart: it spools files to disk
            return PlainTextResponse("expected a form", status_code=415)
        # The standard library's parser over the body, already in memory (BodyLimit read it):
        # 13 us a Twilio body, against 35 us through Starlette's streaming form parser. Blank
        # values are kept: Twilio signs them. latin-1 keeps raw bytes as Starlette reads them.
        try:
            pairs = parse_qsl(
                (await request.body()).decode("latin-1"),
                keep_blank_values=True,
                max_num_fields=MAX_FIELDS,
            )
        except ValueError:  # more fields than any Twilio webhook has
            return PlainTextResponse("too many fields", status_code=400)
        # The raw query, as Starlette's request.url.query gives it, without building a URL.
        url = self.public_url(path, request.scope["query_string"].decode("latin-1"))
        # Every value of a repeated key is signed, as Twilio signs them.
        if not self._signed(url, pairs, signature):
            log.warning("refused a Twilio webhook with a bad signature for %s", url)
            return PlainTextResponse("invalid signature", status_code=403)
        return FormData(cast("list[tuple[str, str | UploadFile]]", pairs))  # list is invariant


_EMPTY_TWIML = str(MessagingResponse())  # the same for every message; ~0.05 ms to build


def _empty_twiml() -> Response:
    return Response(_EMPTY_TWIML, media_type="application/xml")


def _inbound(form: FormData, clock: Clock) -> Inbound | None:
    sender = sms_address(_field(form, "From"))
    event_id = _field(form, "MessageSid") or _field(form, "SmsSid")
    if sender is None or not event_id:
        return None
    body = _field(form, "Body")
    try:
        media = int(_field(form, "NumMedia") or "0")
    except ValueError:
        media = 0
    profile = replace(
        number_profile(sender.id),
        # Twilio's Advanced Opt-Out matched STOP/START/HELP and has answered the person itself.
        provider_confirms_optout=bool(_field(form, "OptOutType")),
        media_only=media > 0 and not body.strip(),
    )
    return Inbound(sender, body, event_id, clock.now(), profile)


def webhook_routes(
    inbox: Inbox, *, auth_token: str, public_base_url: str, clock: Clock
) -> Sequence[BaseRoute]:
    verifier = _Verifier(auth_token=auth_token, public_base_url=public_base_url)

    async def sms(request: Request) -> Response:
        form = await verifier.form(request, INBOUND_PATH)
        if isinstance(form, Response):
            return form
        inbound = _inbound(form, clock)
        if inbound is None:
            return PlainTextResponse("need From (E.164) and MessageSid", status_code=400)
        await inbox.message(inbound)
        return _empty_twiml()

    async def status(request: Request) -> Response:
        form = await verifier.form(request, STATUS_PATH)
        if isinstance(form, Response):
            return form
        sid = _field(form, "MessageSid") or _field(form, "SmsSid")
        state = (_field(form, "MessageStatus") or _field(form, "SmsStatus")).strip().lower()
        if not sid or not state:
            return PlainTextResponse("need MessageSid and MessageStatus", status_code=400)
        if error := _field(form, "ErrorCode"):
            log.info("Twilio reports %s for %s (error %s)", state, sid, error)
        await inbox.delivery_report("sms", sid, state)
        return Response(status_code=204)

    return (
        Route(INBOUND_PATH, sms, methods=["POST"]),
        Route(STATUS_PATH, status, methods=["POST"]),
    )
