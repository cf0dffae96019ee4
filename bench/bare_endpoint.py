"""The floor for bench/webhooks.py: a bare Starlette endpoint that reads the form and answers
empty TwiML, served by the same uvicorn as `serve`; no signature, no database."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


async def sms(request: Request) -> Response:
    await request.form()
    return Response(EMPTY_TWIML, media_type="application/xml")


app = Starlette(routes=[Route("/twilio/sms", sms, methods=["POST"])])
