"""Rewards in words: "$20.00", "US$25.00 credit", "500 MB", "1,000 points", a perk's own text.

Numbers, currencies, units and dates are formatted by Babel for the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel import units

from bot.core.i18n import FALLBACK, Catalogs
from bot.core.program import Program
from bot.core.reward_rules import perk_text
from bot.core.store.records import Participant
from bot.core.store.rewards import Reward

_STORAGE = {"MB": "digital-megabyte", "GB": "digital-gigabyte"}


def minimum_purchase(catalogs: Catalogs, lang: str, program: Program) -> str:
    """The purchase that qualifies a friend, as money: "$1,000.00" (in the rewards' currency,
    else US dollars, the program's own unit for purchases)."""
    currency = next((r.currency for r in program.rewards if r.currency), "USD")
    return catalogs.format_currency(lang, program.min_purchase, currency)


def describe(
    catalogs: Catalogs,
    lang: str,
    *,
    unit: str,
    measure: str | None,
    label: str | None,
    amount: Decimal,
) -> str:
    if unit == "perk" and label is not None:
        return perk_text(label, lang)
    if unit == "points":
        return catalogs.text(lang, "unit.points", count=int(amount))
    if unit == "storage":
        return _storage(catalogs, lang, amount, measure or "MB")
    money = catalogs.format_currency(lang, amount, measure or "USD")
    return catalogs.text(lang, "unit.credit", amount=money) if unit == "credit" else money


def _storage(catalogs: Catalogs, lang: str, amount: Decimal, measure: str) -> str:
    if measure == "MB" and amount >= 1000:
        amount, measure = amount / 1000, "GB"  # 16,000 MB reads better as 16 GB
    locale = catalogs.by_tag.get(lang, catalogs.by_tag[FALLBACK]).locale
    return units.format_unit(amount, _STORAGE[measure], length="short", locale=locale)


def reward_text(catalogs: Catalogs, lang: str, reward: Reward) -> str:
    return describe(
        catalogs,
        lang,
        unit=reward.unit,
        measure=reward.measure,
        label=reward.label,
        amount=reward.amount,
    )


def summed(catalogs: Catalogs, lang: str, rewards: Iterable[Reward]) -> list[str]:
    """Rewards in words, amounts of one kind added up (three $20.00 read $60.00), then each
    perk by name, in the order given."""
    sums: dict[tuple[str, str | None, str | None], Decimal] = defaultdict(Decimal)
    perks: list[Reward] = []
    for r in rewards:
        if r.unit == "perk":
            perks.append(r)
        else:
            sums[(r.unit, r.measure, r.label)] += r.amount
    return [
        describe(catalogs, lang, unit=unit, measure=measure, label=label, amount=total)
        for (unit, measure, label), total in sums.items()
    ] + [reward_text(catalogs, lang, r) for r in perks]


def local_day(when: datetime, person: Participant, default_zone: str) -> date:
    """The calendar day a moment falls on where the person is (the program's zone if unknown)."""
    try:
        zone = ZoneInfo(person.time_zone or default_zone)
    except (ValueError, KeyError):
        zone = ZoneInfo(default_zone)
    return when.astimezone(zone).date()


def reason_text(catalogs: Catalogs, lang: str, reason: str | None) -> str:
    """A reason code in plain words; a reviewer's own words are passed on as written."""
    if reason in ("velocity", "network", "device"):
        reason = "held_for_review"
    key = f"reason.{reason}"
    return catalogs.text(lang, key) if key in catalogs.keys(FALLBACK) else (reason or "")
