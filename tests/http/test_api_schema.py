"""Schemathesis against the published OpenAPI document: generated requests, valid and not,
to the real app over HTTP. 0 server errors; every answer matches the documented schema; what the
document allows is accepted, and what it forbids is refused, but for the few rules no schema
can state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.http.api.openapi import openapi_document
from tests.http.served import TOKEN, served

# The token as the document's bearer scheme: schemathesis sends it with every case, and knows
# which cases it left out of (those must be 401).
config = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearer": {"bearer": TOKEN}}}})
schema = schemathesis.openapi.from_dict(openapi_document(), config=config)
CASES = 25  # per operation: bounded, so the suite stays a few seconds long

# What a schema cannot say, each refused in its own words: whether a phone number is assigned
# (the numbering plans), a time against the server's clock, one query parameter against another.
UNSTATED = {
    ("friend.phone", "not a phone number in E.164 form (+ and country code)"),
    ("occurred_at", "in the future: no later than a day after now (2026-11-27T12:00:00.000Z)"),
    ("query.to", "is before from"),
}


def unstated(response: schemathesis.Response) -> bool:
    """A 422 that names only rules no schema states."""
    if response.status_code != 422:
        return False
    fields = {(f["field"], f["message"]) for f in response.json()["fields"]}
    return bool(fields) and fields <= UNSTATED


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    with served(f"sqlite:///{folder / 'bot.db'}") as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_documented_promises(case: schemathesis.Case, base_url: str) -> None:
    # An unknown id (404) or a reward's state (409) are facts no schema states either, and
    # schemathesis expects them.
    response = case.call(base_url=base_url)
    excluded = [positive_data_acceptance] if unstated(response) else []
    case.validate_response(response, excluded_checks=excluded)
