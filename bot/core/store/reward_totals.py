"""What each person holds under each rule: the one row a cap is enforced on.

A grant adds to the row with one upsert that reads and writes the total, so concurrent grants
for one person queue on the row lock and none can pass the cap (PostgreSQL evaluates the
DO UPDATE on the row as the previous grant left it; SQLite runs one writer at a time).
"""

from __future__ import annotations

from decimal import Decimal

from bot.core.reward_rules import from_units, to_units
from bot.core.store.database import Connection

# How much of `amount` fits under `cap` given what is held already (SET sees the old values).
_FIT = (
    "CASE WHEN reward_totals.granted >= ? THEN 0 WHEN reward_totals.granted + ? > ? "
    "THEN ? - reward_totals.granted ELSE ? END"
)


class Totals:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def take(
        self, participant_id: int, rule_id: str, amount: Decimal, *, cap: Decimal | None
    ) -> Decimal:
        """Add up to `amount` to the person's total under the rule; returns what fit the cap.

        One upsert: a first grant inserts the row, later ones update it in place."""
        units = to_units(amount)
        if cap is None:
            fit, params, first = "?", [units], units
        else:
            c = to_units(cap)
            fit, params, first = _FIT, [c, units, c, c, units], min(units, c)
        got = await self._conn.fetchval(
            "INSERT INTO reward_totals (participant_id, rule_id, granted, last_grant) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (participant_id, rule_id) DO UPDATE SET "
            f"last_grant = {fit}, granted = reward_totals.granted + {fit} RETURNING last_grant",
            participant_id,
            rule_id,
            first,
            first,
            *params,
            *params,
        )
        return from_units(int(got))

    async def give_back(self, participant_id: int, rule_id: str, amount: Decimal) -> None:
        """A voided reward no longer counts toward the person's cap."""
        await self._conn.execute(
            "UPDATE reward_totals SET granted = granted - ? WHERE participant_id = ? "
            "AND rule_id = ?",
            to_units(amount),
            participant_id,
            rule_id,
        )

    async def of(self, participant_id: int, rule_id: str) -> Decimal:
        value = await self._conn.fetchval(
            "SELECT granted FROM reward_totals WHERE participant_id = ? AND rule_id = ?",
            participant_id,
            rule_id,
        )
        return from_units(int(value or 0))
