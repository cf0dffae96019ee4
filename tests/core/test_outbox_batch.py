"""A cause's messages go into the outbox in one INSERT: each row as `enqueue` writes it, the
dedupe keys deciding which are new, within the batch as against rows queued before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import bot.core.store.outbox as outbox
from bot.core.messages import Address, Button, Outbound
from bot.core.store import Store
from bot.core.store.outbox import Queued

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ALICE = Address("sms", "+14155550100")


async def test_a_batch_queues_each_message_once_by_its_dedupe_key(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "BATCH", 2)  # three statements for five rows
    later = NOW + timedelta(hours=2)
    async with store.transaction() as tx:
        me = (await tx.participants.create(display_name="Alice", lang="en", at=NOW)).id
        before = await tx.outbox.enqueue(
            Outbound(ALICE, "Old news"), kind="news", due_at=NOW, at=NOW, dedupe_key="news:1"
        )
        new = await tx.outbox.enqueue_many(
            [
                Queued(
                    Outbound(ALICE, "Welcome!", (Button("Link", "LINK"),)), "reply", NOW, None, me
                ),
                Queued(Outbound(ALICE, "Thanks, Bob joined"), "thanks", NOW, "thanks:1", me),
                Queued(Outbound(ALICE, "Thanks again"), "thanks", NOW, "thanks:1", me),
                Queued(Outbound(ALICE, "Old news, again"), "news", NOW, "news:1", me),
                Queued(Outbound(ALICE, "Reminder"), "reminder", later, "remind:1", me),
            ],
            at=NOW,
        )
        rows = await tx.outbox.for_address(ALICE)
    assert before is not None and new == 3
    assert [(r.text, r.kind, r.dedupe_key, r.priority) for r in rows] == [
        ("Old news", "news", "news:1", 1),
        ("Welcome!", "reply", None, 0),
        ("Thanks, Bob joined", "thanks", "thanks:1", 1),
        ("Reminder", "reminder", "remind:1", 1),
    ]
    welcome, reminder = rows[1], rows[3]
    assert welcome.buttons == (Button("Link", "LINK"),) and welcome.participant_id == me
    assert reminder.due_at == reminder.first_due_at == later and reminder.created_at == NOW
