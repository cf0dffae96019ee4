"""The program file's reward rules: effective dates, perks in several languages, and errors that
name the key and what is wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.core.program import ProgramError, load_program, parse_program
from bot.core.reward_rules import from_units, perk_label, perk_text, to_units

RULE = """
[[rewards]]
id = "cash"
side = "referrer"
unit = "money"
currency = "USD"
amounts = [{ amount = 20 }, { since = 2027-01-01, amount = 10 }]
"""


def test_the_amount_in_force_is_the_latest_that_started() -> None:
    rule = parse_program(RULE).rewards[0]
    assert rule.amount_on(date(2026, 12, 31)) == (0, Decimal(20))
    assert rule.amount_on(date(2027, 1, 1)) == (1, Decimal(10))
    late = parse_program(RULE.replace("{ amount = 20 }, ", "")).rewards[0]
    assert late.amount_on(date(2026, 12, 31)) is None  # nothing promised before it starts


def test_a_perk_is_one_perk_in_the_readers_language() -> None:
    program = parse_program(
        """
        [[rewards]]
        id = "vip"
        side = "friend"
        unit = "perk"
        perk = { en = "VIP boarding", ko = "우선 탑승" }
        """
    )
    rule = program.rewards[0]
    assert rule.amount_on(date(2020, 1, 1)) == (0, Decimal(1))
    assert rule.label is not None
    assert perk_text(rule.label, "ko") == "우선 탑승"
    assert perk_text(rule.label, "zh-Hans") == "VIP boarding"
    assert perk_text(perk_label("a mug"), "ko") == "a mug"


def test_amounts_survive_the_ledger_exactly() -> None:
    for text in ("0", "0.0001", "19.99", "16000", "1234567.8912"):
        assert from_units(to_units(Decimal(text))) == Decimal(text)
    assert str(from_units(to_units(Decimal("500")))) == "500"


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (
            RULE.replace('currency = "USD"', 'currency = "XYZ"'),
            "rewards[0].currency: unknown currency 'XYZ'",
        ),
        (RULE.replace('currency = "USD"\n', ""), "reward 'cash': unit 'money' needs a currency"),
        (
            RULE.replace("amount = 20 }", "amount = 20.00001 }"),
            "rewards[0].amounts[0].amount: amount 20.00001 has more than 4 decimal places",
        ),
        (
            RULE.replace("2027-01-01", "1960-01-01"),
            "amounts must have distinct, rising `since` dates",
        ),
        (
            RULE.replace("amount = 20 }", "amount = -1 }"),
            "rewards[0].amounts[0].amount: Input should be greater than or equal to 0",
        ),
        (
            RULE.replace('side = "referrer"', 'side = "both"'),
            "rewards[0].side: Input should be 'referrer' or 'friend'",
        ),
        (RULE + "cap = 0\n", "rewards[0].cap: Input should be greater than 0"),
        (
            '[[rewards]]\nid = "p"\nside = "friend"\nunit = "points"\namounts = [{ amount = 1.5 }]',
            "points amounts must be whole numbers",
        ),
        ('[[rewards]]\nid = "p"\nside = "friend"\nunit = "perk"', "unit 'perk' needs `perk`"),
        (
            '[[milestones]]\ncount = 5\nperk = { fr = "x" }',
            "milestones[0].perk: perk languages must be among",
        ),
        (
            '[[milestones]]\ncount = 5\nperk = "a"\n[[milestones]]\ncount = 5\nperk = "b"',
            "milestones must have distinct, rising counts",
        ),
        (
            '[program]\nqualifying_event = "click"',
            "qualifying_event: Input should be 'signup' or 'purchase'",
        ),
        (
            '[program]\nlanding_url = "shop.example.com"',
            "landing_url: 'shop.example.com' is not a web address",
        ),
        ("[program]\nhold_days = -1", "hold_days: Input should be greater than or equal to 0"),
        ("[program]\nattribution_days = 0", "attribution_days: Input should be greater than 0"),
        (
            "[fraud]\nsignups_per_code_per_hour = 0",
            "fraud.signups_per_code_per_hour: Input should be greater than 0",
        ),
        ("[program]\nbonus = 1", "bonus: Extra inputs are not permitted"),
        (RULE + RULE, "reward ids must be unique"),
    ],
)
def test_errors_name_the_key_and_what_is_wrong(toml: str, says: str) -> None:
    with pytest.raises(ProgramError, match=r"^program: ") as caught:
        parse_program(toml)
    assert says in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProgramError, match=r"REFERRAL_PROGRAM=.*nope\.toml: no such file"):
        load_program(str(tmp_path / "nope.toml"))
    assert load_program(None).rewards == ()  # the built-in default: counts, no rewards
