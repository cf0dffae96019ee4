"""A program file as the business reads it: who gets what and when, and the rules around it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.core.i18n import Catalogs
from bot.core.program import BUILT_IN_LANDING, NO_SUPPORT, Program, RewardRule, Side
from bot.core.reward_text import describe, minimum_purchase

_EPOCH = date(1970, 1, 1)
SIDES: dict[Side, str] = {"referrer": "The referrer", "friend": "The friend"}


def program_lines(program: Program, catalogs: Catalogs) -> list[str]:
    """The whole program, one fact a line, in English."""
    lines = [program.name, "", f"Rewards ({_when(program, catalogs)}):"]
    for side, who in SIDES.items():
        rules = program.rules_for(side)
        if not rules:
            lines.append(f"  {who} gets nothing.")
        for rule in rules:
            lines.extend(f"  {who} {text}" for text in _rule(rule, catalogs))
    for milestone in program.milestones:
        lines.append(
            f"  At {milestone.count} friends, the referrer also gets {milestone.text('en')}."
        )
    hold = (
        f"held {program.hold_days} days, then approved" if program.hold_days else "approved at once"
    )
    quiet = program.quiet_hours
    quiet_text = (
        "none"
        if quiet.start == quiet.end
        else f"{quiet.start:%H:%M}-{quiet.end:%H:%M} in each person's time zone"
    )
    lines += [
        f"  Rewards are {hold}.",
        "",
        f"Attribution window: {program.attribution_days} days from the click",
        f"Quiet hours: {quiet_text} (default zone {program.default_time_zone})",
        f"Proactive messages: at most {program.max_proactive_per_week} a person a week",
        f"Landing page: {program.landing_url or BUILT_IN_LANDING}",
        f"Support contact: {program.support or NO_SUPPORT}",
        f"Fraud limits: {program.fraud.signups_per_code_per_hour} signups a code an hour, "
        f"{program.fraud.signups_per_network_per_day} a network a day",
    ]
    if program.messages:
        langs = ", ".join(f"{lang} ({len(texts)})" for lang, texts in program.messages.items())
        lines.append(f"Own messages: {langs}")
    return lines


def _when(program: Program, catalogs: Catalogs) -> str:
    if program.qualifying_event == "signup":
        return "when the friend signs up"
    if program.min_purchase:
        # As the chat says it ("spend $1,000.00 or more"), not the file's bare 1000.
        return f"when the friend buys for at least {minimum_purchase(catalogs, 'en', program)}"
    return "when the friend buys"


def _rule(rule: RewardRule, catalogs: Catalogs) -> list[str]:
    """`gets $20.00, $10.00 from 2027-01-01 (at most $100.00 in all)  [referrer-cash]`."""

    def words(amount: Decimal) -> str:
        return describe(
            catalogs, "en", unit=rule.unit, measure=rule.measure, label=rule.label, amount=amount
        )

    steps = [
        words(a.amount) + ("" if a.since == _EPOCH else f" from {a.since.isoformat()}")
        for a in rule.amounts
    ] or [words(Decimal(1))]  # a perk without amounts: given once
    cap = "" if rule.cap is None else f" (at most {words(rule.cap)} in all)"
    return [f"gets {', '.join(steps)}{cap}  [{rule.id}]"]
