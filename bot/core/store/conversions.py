"""Conversions the business reports (signup, purchase, refund), each processed once by its key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.clock import to_micros
from bot.core.store.database import Connection


@dataclass(frozen=True, slots=True)
class ConversionRow:
    id: int
    idempotency_key: str
    type: str
    outcome: str
    participant_id: int | None
    referral_id: int | None


class Conversions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def claim(
        self,
        *,
        idempotency_key: str,
        type: str,
        code: str | None,
        amount: str | None,
        currency: str | None,
        occurred_at: datetime,
        received_at: datetime,
        payload: dict[str, Any],
    ) -> int | None:
        """Record the event as being processed; None when the key was seen before."""
        row = await self._conn.fetchone(
            "INSERT INTO conversions (idempotency_key, type, code, amount, currency, outcome, "
            "occurred_at, received_at, payload) VALUES (?, ?, ?, ?, ?, 'processing', ?, ?, ?) "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
            idempotency_key,
            type,
            code,
            amount,
            currency,
            to_micros(occurred_at),
            to_micros(received_at),
            json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str),
        )
        return None if row is None else int(row[0])

    async def settle(
        self, row_id: int, *, outcome: str, participant_id: int | None, referral_id: int | None
    ) -> None:
        await self._conn.execute(
            "UPDATE conversions SET outcome = ?, participant_id = ?, referral_id = ? WHERE id = ?",
            outcome,
            participant_id,
            referral_id,
            row_id,
        )

    async def by_key(self, idempotency_key: str) -> ConversionRow | None:
        row = await self._conn.fetchone(
            "SELECT id, idempotency_key, type, outcome, participant_id, referral_id "
            "FROM conversions WHERE idempotency_key = ?",
            idempotency_key,
        )
        if row is None:
            return None
        return ConversionRow(
            int(row[0]),
            row[1],
            row[2],
            row[3],
            None if row[4] is None else int(row[4]),
            None if row[5] is None else int(row[5]),
        )

    async def payload_of(self, idempotency_key: str) -> dict[str, Any] | None:
        value = await self._conn.fetchval(
            "SELECT payload FROM conversions WHERE idempotency_key = ?", idempotency_key
        )
        return None if value is None else dict(json.loads(value))
