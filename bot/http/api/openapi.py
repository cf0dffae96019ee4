"""The OpenAPI 3.1 document of `/api/v1`, from the same pydantic models the routes validate
and answer with, so a generated client (or schemathesis) sends what the API accepts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bot.core.resources import ParticipantOut
from bot.core.store.database import MAX_ID
from bot.http.api.events import EventIn, EventOut
from bot.http.api.outbox import RetryIn, RetryOut
from bot.http.api.shapes import (
    Decision,
    DetailQuery,
    Error,
    FunnelQuery,
    IssueIn,
    ParticipantPage,
    ParticipantsQuery,
    ReferralPage,
    ReferralsQuery,
    RewardPage,
    RewardsQuery,
    VoidIn,
)
from bot.services.report_json import ReportOut

REF = "#/components/schemas/{model}"
INPUTS: tuple[type[BaseModel], ...] = (EventIn, VoidIn, IssueIn, RetryIn)
OUTPUTS: tuple[type[BaseModel], ...] = (
    EventOut, ParticipantOut, ParticipantPage, ReferralPage, RewardPage, Decision, ReportOut,
    RetryOut, Error,
)  # fmt: skip


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]


ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}


def _operation(
    summary: str,
    answer: type[BaseModel],
    *,
    query: tuple[type[BaseModel], ...] = (),
    path: bool = False,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    refusals: tuple[int, ...] = (),
) -> dict[str, Any]:
    errors = {
        401: "missing or wrong bearer token",
        404: "no such object",
        409: "the object's state does not allow it (the error says why)",
        422: "invalid input; `fields` names each problem",
    }
    responses: dict[str, Any] = {"200": {"description": "done", "content": _json(answer)}}
    for code in (401, 422, *refusals):
        responses[str(code)] = {"description": errors[code], "content": _json(Error)}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    parameters = [ID] if path else []
    for model in query:
        parameters += _parameters(model)
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": _json(body)}
    return operation


def _components() -> dict[str, Any]:
    pairs = [(m, "validation") for m in INPUTS] + [(m, "serialization") for m in OUTPUTS]
    _, top = models_json_schema(pairs, ref_template=REF, by_alias=True)  # type: ignore[arg-type]
    return dict(top.get("$defs", {}))


def openapi_document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/v1/events": {
            "post": _operation(
                "Report a signup, purchase or refund (idempotent by key)",
                EventOut,
                body=EventIn,
                refusals=(409,),
            )
        },
        "/api/v1/participants": {
            "get": _operation(
                "Participants, newest first",
                ParticipantPage,
                query=(ParticipantsQuery,),
            )
        },
        "/api/v1/participants/{id}": {
            "get": _operation(
                "One participant", ParticipantOut, path=True, query=(DetailQuery,), refusals=(404,)
            )
        },
        "/api/v1/referrals": {
            "get": _operation("Referrals, newest first", ReferralPage, query=(ReferralsQuery,))
        },
        "/api/v1/rewards": {
            "get": _operation("The reward ledger, newest first", RewardPage, query=(RewardsQuery,))
        },
        "/api/v1/reports/funnel": {
            "get": _operation("The funnel for a period", ReportOut, query=(FunnelQuery,))
        },
        "/api/v1/outbox/retry": {
            "post": _operation(
                "Send dead (or skipped) messages again now: one by id, or all, maybe of a channel",
                RetryOut,
                body=RetryIn,
                body_required=False,
                refusals=(404, 409),
            )
        },
    }
    for action, summary, body in (
        ("approve", "Approve a pending reward (a held one: vouch for its referral)", None),
        ("void", "Void a pending or approved reward; the customer is told why", VoidIn),
        ("issue", "Record that an approved reward was paid out", IssueIn),
    ):
        paths[f"/api/v1/rewards/{{id}}/{action}"] = {
            "post": _operation(
                summary,
                Decision,
                path=True,
                body=body,
                body_required=action == "void",
                refusals=(404, 409),
            )
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "referral-bot API", "version": "1"},
        "components": {
            "schemas": _components(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }
