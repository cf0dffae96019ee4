"""`POST /api/v1/outbox/retry`: after an outage, send dead messages again, as
`referral-bot outbox retry` does (bot/services/outbox_retry.py is the one home of both)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request

from bot.core.store.database import MAX_ID
from bot.http.api.guard import Refusal, parse, read_json
from bot.services.outbox_retry import NotRetryable, retry_outbox
from bot.services.unit_of_work import UnitOfWork

ACTOR = "the API"
OutboxChannel = Literal["sms", "telegram", "slack", "web", "console", "webhook"]


class RetryIn(BaseModel):
    """One row by `id`, or every row with `status` (and `channel`)."""

    # The schema says what the check below does: an id goes alone (a null is as good as absent).
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "not": {
                "required": ["id"],
                "properties": {"id": {"type": "integer"}},
                "anyOf": [
                    {"required": [name], "properties": {name: {"type": "string"}}}
                    for name in ("status", "channel")
                ],
            }
        },
    )

    id: int | None = Field(default=None, ge=1, le=MAX_ID, description="one row (outbox list)")
    status: Literal["dead", "skipped"] | None = Field(
        default=None, description="every row with this status (default dead)"
    )
    channel: OutboxChannel | None = Field(default=None, description="only rows of this channel")

    @model_validator(mode="after")
    def _one_way(self) -> RetryIn:
        if self.id is not None and (self.status is not None or self.channel is not None):
            raise ValueError("id: give an id, or a status and maybe a channel, not both")
        return self


class RetryOut(BaseModel):
    retried: list[int] = Field(description="ids of the rows due again now")
    count: int = Field(ge=0)


class OutboxRetry:
    def __init__(self, *, work: UnitOfWork, kick: Callable[[], None]) -> None:
        self._work = work
        self._kick = kick

    async def post(self, request: Request) -> dict[str, object]:
        body = parse(RetryIn, await read_json(request, optional=True), error="invalid body")
        try:
            retried = await retry_outbox(
                self._work,
                row_id=body.id,
                status=body.status or "dead",
                channel=body.channel,
                actor=ACTOR,
            )
        except NotRetryable as exc:
            status = 404 if exc.status is None else 409
            raise Refusal(status, str(exc), [("id", str(exc))]) from exc
        if retried:
            self._kick()  # the dispatcher sends them now, at the provider's pace
        return RetryOut(retried=retried, count=len(retried)).model_dump(mode="json")
