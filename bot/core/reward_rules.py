"""What a program promises per referral and per milestone, as the program file writes it.

Amounts are effective-dated: the friend's signup date picks the one in force, and the ledger
records which, so a change of terms never changes what was already promised.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Literal

from babel.numbers import is_currency
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.language import LANGUAGES

Unit = Literal["money", "credit", "storage", "points", "perk"]
Side = Literal["referrer", "friend"]
# A perk in words: one text, or one per language ({ en = "...", ko = "..." }).
Perk = str | dict[str, str]

_PLACES = 4  # the ledger stores amounts in 1/10,000ths: exact sums, atomic caps in SQL


def to_units(amount: Decimal) -> int:
    return int(amount.scaleb(_PLACES))


def from_units(units: int) -> Decimal:
    value = Decimal(units).scaleb(-_PLACES)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _places_ok(value: Decimal | None, what: str) -> None:
    if value is not None and value != value.quantize(Decimal(1).scaleb(-_PLACES)):
        raise ValueError(f"{what} {value} has more than {_PLACES} decimal places")


def _check_perk(perk: Perk | None) -> Perk | None:
    if isinstance(perk, dict):
        unknown = sorted(set(perk) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"perk languages must be among {', '.join(LANGUAGES)}: {unknown}")
        if "en" not in perk:
            raise ValueError("perk needs an `en` text, the fallback for other languages")
        if not all(text.strip() for text in perk.values()):
            raise ValueError("perk texts must not be empty")
    elif perk is not None and not perk.strip():
        raise ValueError("perk must not be empty")
    return perk


def perk_label(perk: Perk) -> str:
    """How the ledger keeps a perk: JSON of its texts by language, so it renders in any."""
    texts = {"en": perk} if isinstance(perk, str) else perk
    return json.dumps(texts, ensure_ascii=False, sort_keys=True)


def perk_text(label: str, lang: str) -> str:
    texts: dict[str, str] = json.loads(label)
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Amount(_Strict):
    """An amount in force from a date on (the friend's signup date decides which applies)."""

    since: date = date(1970, 1, 1)
    amount: Decimal = Field(ge=0)

    @field_validator("amount")
    @classmethod
    def _places(cls, value: Decimal) -> Decimal:
        _places_ok(value, "amount")
        return value


class RewardRule(_Strict):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    side: Side
    unit: Unit
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # money, credit
    storage_unit: Literal["MB", "GB"] = "MB"
    perk: Perk | None = None  # unit = perk: what the person gets, in words
    amounts: tuple[Amount, ...] = ()
    cap: Decimal | None = Field(default=None, gt=0)  # total per person under this rule

    @field_validator("perk")
    @classmethod
    def _perk(cls, value: Perk | None) -> Perk | None:
        return _check_perk(value)

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        if value is not None and not is_currency(value):
            raise ValueError(f"unknown currency {value!r} (use an ISO 4217 code such as USD)")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> RewardRule:
        if self.unit in ("money", "credit") and self.currency is None:
            raise ValueError(f"reward {self.id!r}: unit {self.unit!r} needs a currency, e.g. USD")
        if self.unit == "perk" and not self.perk:
            raise ValueError(f"reward {self.id!r}: unit 'perk' needs `perk`, what is given")
        if self.unit != "perk" and not self.amounts:
            raise ValueError(f"reward {self.id!r}: needs at least one [[rewards.amounts]]")
        dates = [a.since for a in self.amounts]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError(
                f"reward {self.id!r}: amounts must have distinct, rising `since` dates"
            )
        _places_ok(self.cap, f"reward {self.id!r}: cap")
        whole = self.unit in ("points", "perk")
        if whole and any(a.amount != a.amount.to_integral_value() for a in self.amounts):
            raise ValueError(f"reward {self.id!r}: {self.unit} amounts must be whole numbers")
        return self

    def amount_on(self, day: date) -> tuple[int, Decimal] | None:
        """(version, amount) of the rule in force on that day; version = index of the amount.

        A perk without amounts is one perk, always; None when no amount was in force yet."""
        if self.unit == "perk" and not self.amounts:
            return (0, Decimal(1))
        found = None
        for version, amount in enumerate(self.amounts):
            if amount.since <= day:
                found = (version, amount.amount)
        return found

    @property
    def measure(self) -> str | None:
        """The currency (money, credit) or storage unit (MB, GB) the amounts are in."""
        if self.unit == "storage":
            return self.storage_unit
        return self.currency if self.unit in ("money", "credit") else None

    @property
    def label(self) -> str | None:
        return None if self.perk is None else perk_label(self.perk)


class Milestone(_Strict):
    count: int = Field(gt=0)
    perk: Perk

    @field_validator("perk")
    @classmethod
    def _perk(cls, value: Perk) -> Perk:
        _check_perk(value)
        return value

    @property
    def rule_id(self) -> str:
        return f"milestone-{self.count}"

    def text(self, lang: str) -> str:
        return perk_text(perk_label(self.perk), lang)
