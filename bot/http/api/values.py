"""The values the API takes that JSON Schema types alone do not bound: each stated once, for
pydantic to check and for the OpenAPI document to say, so a client (or schemathesis) sending
what the document allows is never refused for it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from bot.core.normalize import WHITE_SPACE

DAY_FIRST = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def written_date(value: object) -> object:
    """A date or time as RFC 3339 text; pydantic alone would also read `0` as 1970-01-01."""
    if value is not None and not (isinstance(value, str) and DAY_FIRST.match(value)):
        raise ValueError("a date as YYYY-MM-DD, or a time as RFC 3339 (2026-11-30T09:00:00Z)")
    return value


Written = BeforeValidator(written_date)

# Every date the API takes is in these years, as a schema can say it (a pattern on the year
# written): no purchase happened before 2000, and at date.max a period's end would overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2099
IN_YEARS = r"^20[0-9]{2}-"
D = TypeVar("D", bound=date)


def in_years(value: D) -> D:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"a year from {FIRST_YEAR} to {LAST_YEAR}")
    return value


Day = Annotated[
    date,
    Written,
    AfterValidator(in_years),
    WithJsonSchema({"type": "string", "format": "date", "pattern": IN_YEARS}),
]
Moment = Annotated[
    datetime,
    Written,
    AfterValidator(in_years),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": IN_YEARS}),
]


# Bodies and queries are stripped of surrounding spaces before a length is checked, so a string
# that must say something says so in the schema too: "\n" has a length of 1 and is still blank.
NOT_BLANK = f"[^{WHITE_SPACE}]"


# Below 10^14 and to the ten-thousandth (finer than any currency), as a number or as text.
AMOUNT_TEXT = r"^[0-9]{1,14}(\.[0-9]{1,4})?$"
AMOUNT_LIMIT = 10**14


def amount_text(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(AMOUNT_TEXT, value):
        raise ValueError("an amount as a number or as text like 12.50 (4 decimals at most)")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(amount_text),
    Field(ge=0, lt=AMOUNT_LIMIT, multiple_of=Decimal("0.0001")),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": 0,
                    "exclusiveMaximum": AMOUNT_LIMIT,
                    "multipleOf": 0.0001,
                },
                {"type": "string", "pattern": AMOUNT_TEXT},
            ]
        }
    ),
]
