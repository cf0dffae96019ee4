"""The reward ledger: one row per promise, its history appended, caps enforced by the database.

`UNIQUE (referral_id, side, rule_id)` makes a promise once however often its cause repeats;
state changes are conditional UPDATEs (`WHERE status = ...`), so nothing is approved, issued
or voided twice. Caps are kept in `reward_totals.py`, fraud flags in `flags.py`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.core.clock import to_micros
from bot.core.reward_rules import from_units, to_units
from bot.core.store.database import Connection
from bot.core.store.flags import Flags
from bot.core.store.reward_record import COLUMNS, STATUSES, Reward, reward_of
from bot.core.store.reward_totals import Totals
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets


class Rewards:
    def __init__(self, conn: Connection, events: WebhookEvents | None = None) -> None:
        self._conn = conn
        self._events = events or WebhookEvents(conn, WebhookTargets())
        self.flags = Flags(conn)
        self.totals = Totals(conn)

    async def create(
        self,
        *,
        referral_id: int,
        participant_id: int,
        side: str,
        kind: str,
        rule_id: str,
        rule_version: int,
        unit: str,
        measure: str | None,
        label: str | None,
        amount: Decimal,
        held: str | None,
        hold_until: datetime,
        at: datetime,
        actor: str,
    ) -> Reward | None:
        """A pending promise, its first ledger entry written by `actor`; None when this
        referral, side and rule already have one. On PostgreSQL one statement writes both (a
        round trip less for each reward of a signup)."""
        insert = (
            "INSERT INTO rewards (referral_id, participant_id, side, kind, rule_id, rule_version, "
            "unit, measure, label, amount, status, held, hold_until, created_at, updated_at, "
            "channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, "
            "(SELECT channel FROM referrals WHERE id = ?)) ON CONFLICT DO NOTHING RETURNING id"
        )
        entry: list[object] = [to_units(amount), held, actor, to_micros(at)]
        together = self._conn.dialect == "postgres"
        if together:
            insert = (
                f"WITH r AS ({insert}), e AS (INSERT INTO reward_entries "
                "(reward_id, status, amount, reason, actor, at) "
                "SELECT id, 'pending', ?::bigint, ?::text, ?::text, ?::bigint FROM r) "
                "SELECT id FROM r"
            )
        row = await self._conn.fetchone(
            insert,
            referral_id,
            participant_id,
            side,
            kind,
            rule_id,
            rule_version,
            unit,
            measure,
            label,
            to_units(amount),
            held,
            to_micros(hold_until),
            to_micros(at),
            to_micros(at),
            referral_id,  # its referral's channel, copied for the reports
            *(entry if together else ()),
        )
        if row is None:
            return None
        reward = Reward(
            id=int(row[0]),
            referral_id=referral_id,
            participant_id=participant_id,
            side=side,
            kind=kind,
            rule_id=rule_id,
            rule_version=rule_version,
            unit=unit,
            measure=measure,
            label=label,
            amount=from_units(to_units(amount)),
            status="pending",
            held=held,
            reason=None,
            hold_until=hold_until,
            created_at=at,
            updated_at=at,
        )
        if not together:
            await self.append(reward, actor=actor, at=at)
        await self._events.reward("reward.created", reward, at=at)
        return reward

    async def shrink(self, reward_id: int, amount: Decimal) -> Reward:
        """A grant cut down to what fit under the cap, before anyone has seen it."""
        row = await self._conn.fetchone(
            f"UPDATE rewards SET amount = ? WHERE id = ? RETURNING {COLUMNS}",
            to_units(amount),
            reward_id,
        )
        assert row is not None
        return reward_of(row)

    async def move(
        self,
        reward_id: int,
        *,
        to: str,
        only_from: tuple[str, ...],
        at: datetime,
        actor: str,
        reason: str | None = None,
        note: str | None = None,
    ) -> Reward | None:
        """Change state only from the given ones (None otherwise), and append the entry;
        `note` goes on the entry alone (a payout's reference). On PostgreSQL one statement
        does both, as `create` does."""
        marks = ", ".join("?" for _ in only_from)
        update = (
            "UPDATE rewards SET status = ?, reason = ?, held = CASE WHEN ? = 'voided' THEN held "
            f"ELSE NULL END, updated_at = ? WHERE id = ? AND status IN ({marks}) "
            f"RETURNING {COLUMNS}"
        )
        together = self._conn.dialect == "postgres"
        if together:  # the entry's reason as `append` picks it: the note, the reason, the hold
            update = (
                f"WITH m AS ({update}), e AS (INSERT INTO reward_entries "
                "(reward_id, status, amount, reason, actor, at) SELECT id, status, amount, "
                "COALESCE(NULLIF(?::text, ''), NULLIF(reason, ''), held), ?::text, ?::bigint "
                f"FROM m) SELECT {COLUMNS} FROM m"
            )
        row = await self._conn.fetchone(
            update,
            to,
            reason,
            to,
            to_micros(at),
            reward_id,
            *only_from,
            *((note, actor, to_micros(at)) if together else ()),
        )
        if row is None:
            return None
        reward = reward_of(row)
        if not together:
            await self.append(reward, actor=actor, at=at, note=note)
        if to in ("approved", "voided", "issued"):
            await self._events.reward(f"reward.{to}", reward, at=at)  # type: ignore[arg-type]
        return reward

    async def unhold(self, reward_id: int, *, at: datetime) -> Reward | None:
        row = await self._conn.fetchone(
            "UPDATE rewards SET held = NULL, updated_at = ? WHERE id = ? AND status = 'pending' "
            f"RETURNING {COLUMNS}",
            to_micros(at),
            reward_id,
        )
        return None if row is None else reward_of(row)

    async def append(
        self, reward: Reward, *, actor: str, at: datetime, note: str | None = None
    ) -> None:
        await self._conn.execute(
            "INSERT INTO reward_entries (reward_id, status, amount, reason, actor, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            reward.id,
            reward.status,
            to_units(reward.amount),
            note or reward.reason or reward.held,
            actor,
            to_micros(at),
        )

    async def get(self, reward_id: int) -> Reward | None:
        row = await self._conn.fetchone(f"SELECT {COLUMNS} FROM rewards WHERE id = ?", reward_id)
        return None if row is None else reward_of(row)

    async def due(self, now: datetime, *, limit: int) -> list[Reward]:
        """Pending rewards whose hold is over and that no reviewer needs to see."""
        rows = await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM rewards WHERE status = 'pending' AND hold_until <= ? "
            "AND held IS NULL ORDER BY hold_until, id LIMIT ?",
            to_micros(now),
            limit,
        )
        return [reward_of(r) for r in rows]

    async def of_referral(self, referral_id: int) -> list[Reward]:
        rows = await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM rewards WHERE referral_id = ? ORDER BY id", referral_id
        )
        return [reward_of(r) for r in rows]

    async def of_participant(self, participant_id: int, *, limit: int = 1000) -> list[Reward]:
        rows = await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM rewards WHERE participant_id = ? ORDER BY id DESC LIMIT ?",
            participant_id,
            limit,
        )
        return [reward_of(r) for r in rows]

    async def listing(
        self, *, status: str | None = None, limit: int = 100, before: int | None = None
    ) -> list[Reward]:
        """Newest first; `before` pages by id, so pages stay put while rewards are added."""
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if before is not None:
            where.append("id < ?")
            params.append(before)
        rows = await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM rewards WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            *params,
            limit,
        )
        return [reward_of(r) for r in rows]

    async def of_referrals(self, referral_ids: list[int]) -> dict[int, list[Reward]]:
        """The rewards of a page of referrals, in one query."""
        found: dict[int, list[Reward]] = {i: [] for i in referral_ids}
        if not referral_ids:
            return found
        marks = ", ".join("?" for _ in referral_ids)
        rows = await self._conn.fetchall(
            f"SELECT {COLUMNS} FROM rewards WHERE referral_id IN ({marks}) ORDER BY id",
            *referral_ids,
        )
        for row in rows:
            reward = reward_of(row)
            found[reward.referral_id].append(reward)
        return found

    async def entries(self, reward_id: int) -> list[tuple[str, Decimal, str | None, str]]:
        """(status, amount, reason, actor) in the order they happened."""
        rows = await self._conn.fetchall(
            "SELECT status, amount, reason, actor FROM reward_entries WHERE reward_id = ? "
            "ORDER BY id",
            reward_id,
        )
        return [(r[0], from_units(int(r[1])), r[2], r[3]) for r in rows]


__all__ = ["STATUSES", "Reward", "Rewards"]
