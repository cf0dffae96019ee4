"""How much one dispatch pass claims of a paced channel: replies as the hold allows, proactive
rows only what the channel sends in a moment, so that a reply never waits behind a backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.program import Pacing
from bot.core.store.outbox import Claim
from bot.delivery.dispatch_plan import plan_claims
from bot.delivery.pacing import Pacer

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
HOLD = timedelta(seconds=1)  # serve's


def telegram_claims(per_second: float, *, hold: timedelta = HOLD, limit: int = 100) -> list[Claim]:
    pacing = Pacing(telegram_per_second=per_second)
    claims, _ = plan_claims({"telegram": None}, Pacer(), pacing, NOW, hold, limit)
    return claims


def proactive(claims: list[Claim]) -> int:
    [claim] = [c for c in claims if c.priority == 1]
    return claim.limit


def test_at_telegrams_30_a_second_a_pass_claims_one_reminder() -> None:
    assert proactive(telegram_claims(30)) == 1


def test_at_a_paid_broadcasts_1000_a_second_a_pass_claims_what_20_ms_send() -> None:
    assert proactive(telegram_claims(1000)) == 20


def test_with_the_pacing_lifted_a_pass_claims_a_whole_batch_of_reminders() -> None:
    assert proactive(telegram_claims(1_000_000, limit=100)) == 100


def test_without_a_hold_a_pass_claims_one_reminder_whatever_the_rate() -> None:
    # Rows beyond the hold would only go back to the outbox: no point claiming them.
    assert proactive(telegram_claims(1000, hold=timedelta(0))) == 1


def test_replies_are_claimed_as_the_hold_allows_beside_them() -> None:
    [replies] = [c for c in telegram_claims(30) if c.priority == 0]
    assert replies.limit == 31  # a second's worth at 30/s, and the one at its start
