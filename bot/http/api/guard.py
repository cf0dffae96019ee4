"""What every `/api/v1` route does first: check the bearer token, read the body and the query
safely, and answer errors as JSON that names the field.

A body that does not parse, nests deeper than any real request, or carries a number too long to
be one is refused with 422 before any model sees it: never a 500.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.core.store.database import MAX_ID, row_id

MAX_DEPTH = 20
MAX_NUMBER_CHARS = 40
M = TypeVar("M", bound=BaseModel)


class Refusal(Exception):
    """An answer other than 200, as JSON: `{"error": ..., "fields": [{field, message}]}`."""

    def __init__(self, status: int, error: str, fields: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.fields = [{"field": f, "message": m} for f, m in fields]

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        body = {"error": self.error, "fields": self.fields}
        return JSONResponse(body, status_code=self.status, headers=headers)


def field_errors(exc: ValidationError, *, where: str = "") -> list[tuple[str, str]]:
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier():  # a model-level check naming its field: "code: ..."
            field, message = ".".join(part for part in (field, head) if part), rest
        out.append((".".join(p for p in (where, field) if p) or "(body)", message))
    return out


def bearer(token: str | None) -> Callable[[Request], None]:
    def check(request: Request) -> None:
        if token is None:
            raise Refusal(401, "the API is off: set REFERRAL_API_TOKEN")
        if not bearer_is(request, token):
            raise Refusal(401, "bearer token required")

    return check


def bearer_is(request: Request, token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        value.strip().encode(), token.encode()
    )


def _number(text: str) -> object:
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"a number of {len(text)} characters")
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


async def read_json(request: Request, *, optional: bool = False) -> Any:
    raw = await request.body()
    if optional and not raw:  # no body at all; a blank one is not JSON
        return {}
    try:
        value = json.loads(raw, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and bad UTF-8 are ValueErrors
        raise Refusal(422, "the body is not valid JSON", [("(body)", str(exc)[:200])]) from exc
    if _depth(value) > MAX_DEPTH:
        raise Refusal(422, "the body is not valid JSON", [("(body)", "nested too deeply")])
    return value


def parse(model: type[M], value: Any, *, error: str, where: str = "") -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise Refusal(422, error, field_errors(exc, where=where)) from exc


def query(model: type[M], request: Request) -> M:
    return parse(model, dict(request.query_params), error="invalid query", where="query")


def path_id(request: Request) -> int:
    """Every id the document allows (1 to 2**63-1, a BIGINT) is looked up: an unknown one is 404."""
    found = row_id(request.path_params["id"])
    if found is not None:
        return found
    raise Refusal(422, "invalid path", [("id", f"a whole number from 1 to {MAX_ID}")])
