"""Customer rows from the business's CSV: validated one by one, each bad row kept with its reason.

Nothing is silently dropped: a row is either applied (created, updated, or found unchanged) or
rejected with a reason the business can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.language import LANGUAGES, language_of_tag
from bot.core.messages import Address
from bot.core.normalize import WHITE_SPACE
from bot.core.phones import phone_address

COLUMNS = (
    "name", "phone", "email", "telegram_id", "slack_id", "segment", "company",
    "account_manager", "customer_since", "language", "time_zone",
)  # fmt: skip
# one @, a dot after it, no spaces: a typo check
EMAIL_PATTERN = rf"^[^@{WHITE_SPACE}]+@[^@{WHITE_SPACE}]+\.[^@{WHITE_SPACE}]+$"
_EMAIL = re.compile(EMAIL_PATTERN)
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{1,20}:[UW][A-Z0-9]{2,20}$")
_LANGUAGE_NAMES = {
    "english": "en", "korean": "ko", "한국어": "ko", "kr": "ko",
    "traditional chinese": "zh-Hant", "繁體中文": "zh-Hant",
    "simplified chinese": "zh-Hans", "简体中文": "zh-Hans",
}  # fmt: skip


class Rejected(ValueError):
    """A row that cannot be applied; the message is its reason."""


@dataclass(frozen=True, slots=True)
class CustomerRow:
    line: int
    name: str
    addresses: tuple[Address, ...]
    segment: str
    company: str | None
    account_manager: str | None
    customer_since: datetime | None
    language: str | None
    time_zone: str | None


class StaffDirectory:
    """Account managers by Slack user id, or by email for those listed as `U123=ann@corp.com`."""

    def __init__(self, spec: str) -> None:
        self._emails: dict[str, str] = {}
        self.ids: frozenset[str] = frozenset()
        ids = set()
        for entry in (part.strip() for part in spec.split(",")):
            if not entry:
                continue
            user, _, email = entry.partition("=")
            ids.add(user.strip())
            if email:
                self._emails[email.strip().lower()] = user.strip()
        self.ids = frozenset(ids)

    def resolve(self, value: str) -> str:
        if _SLACK_USER.match(value):
            return value
        found = self._emails.get(value.lower())
        if found is None:
            raise Rejected(
                f"unknown account manager {value!r}: use a Slack user id or a staff email"
            )
        return found


def _language(value: str) -> str | None:
    if not value:
        return None
    if value in LANGUAGES:
        return value
    found = _LANGUAGE_NAMES.get(value.lower()) or language_of_tag(value)
    if found is None:
        raise Rejected(f"unknown language {value!r}: use en, ko, zh-Hant or zh-Hans")
    return found


def _zone(value: str) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Rejected(f"unknown time zone {value!r}: use an IANA name like Asia/Seoul") from exc
    return value


def _since(value: str, today: date) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError as exc:
        raise Rejected(f"customer_since {value!r} is not a date like 2024-03-31") from exc
    if day > today:  # a typo of the year, most likely; it would also hold back B2B asks
        raise Rejected(
            f"customer_since {value!r} is in the future (it is {today} at the latest, anywhere)"
        )
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _addresses(fields: dict[str, str], region: str | None) -> tuple[Address, ...]:
    found: list[Address] = []
    if fields["phone"]:
        phone = phone_address(fields["phone"], region=region)
        if phone is None:
            expected = "a number with its +country code"
            if region is not None:
                expected = f"a {region} number or one with its +country code"
            raise Rejected(f"phone {fields['phone']!r} is not {expected}")
        found.append(phone)
    if fields["email"]:
        if not _EMAIL.match(fields["email"]):
            raise Rejected(f"email {fields['email']!r} is not an email address")
        found.append(Address("email", fields["email"].lower()))
    if fields["telegram_id"]:
        if not fields["telegram_id"].isdigit():
            raise Rejected(f"telegram_id {fields['telegram_id']!r} is not a number")
        found.append(Address("telegram", fields["telegram_id"]))
    if fields["slack_id"]:
        if not _SLACK_ID.match(fields["slack_id"]):
            raise Rejected(f"slack_id {fields['slack_id']!r} is not TEAM:USER, like T01:U02")
        found.append(Address("slack", fields["slack_id"]))
    if not found:
        raise Rejected("no phone, email, telegram_id or slack_id to know the customer by")
    return tuple(found)


@dataclass(frozen=True, slots=True)
class RowRules:
    """What a row is judged by besides itself: staff, the home region of numbers, today."""

    staff: StaffDirectory
    today: date
    region: str | None = None  # ISO 3166 code: national numbers ("010-1234-5678") are from here


def parse_row(line: int, raw: dict[str, str], rules: RowRules) -> CustomerRow:
    """One CSV row as a customer, or `Rejected` with the reason."""
    staff = rules.staff
    fields = {column: (raw.get(column) or "").strip() for column in COLUMNS}
    segment = (fields["segment"] or "b2c").lower()
    if segment not in ("b2c", "b2b"):
        raise Rejected(f"segment {fields['segment']!r} is not b2c or b2b")
    manager = staff.resolve(fields["account_manager"]) if fields["account_manager"] else None
    if segment == "b2b" and manager is None:
        raise Rejected("a b2b customer needs an account_manager")
    return CustomerRow(
        line=line,
        name=fields["name"][:120],
        addresses=_addresses(fields, rules.region),
        segment=segment,
        company=fields["company"][:200] or None,
        account_manager=manager,
        customer_since=_since(fields["customer_since"], rules.today),
        language=_language(fields["language"]),
        time_zone=_zone(fields["time_zone"]),
    )
