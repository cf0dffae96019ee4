"""A referrer's counts on their own row (migration 0090): counted, waiting to qualify, refused,
kept by triggers with every referral row and checked against COUNT(*), on both dialects."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.messages import Address
from bot.core.store import Store
from bot.core.store.database import Connection, open_database
from bot.core.store.migrate import available, upgrade
from bot.core.store.records import Participant

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ODD = 'Al\u202eice "the \\ tester"\n🎉 김민수 \x07'


async def _truth(conn: Connection, referrer_id: int) -> tuple[int, int, int]:
    row = await conn.fetchone(
        "SELECT COUNT(*) FILTER (WHERE status <> 'rejected'), "
        "COUNT(*) FILTER (WHERE status = 'signed_up'), "
        "COUNT(*) FILTER (WHERE status = 'rejected') FROM referrals WHERE referrer_id = ?",
        referrer_id,
    )
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def _counts(p: Participant | None) -> tuple[int, int, int]:
    assert p is not None
    return p.referral_count, p.pending_count, p.rejected_count


async def test_every_referral_change_moves_the_referrers_counts(store: Store) -> None:
    async with store.transaction() as tx:
        alice = await tx.participants.create(display_name="Alice", lang="en", at=NOW)
        friends = [
            await tx.participants.create(display_name=f"f{i}", lang="en", at=NOW) for i in range(4)
        ]
        made = [
            await tx.referrals.create(
                referrer_id=alice.id, friend_id=f.id, code=alice.code, channel="sms", at=NOW
            )
            for f in friends[:3]
        ]
        await tx.referrals.create(
            referrer_id=alice.id,
            friend_id=friends[3].id,
            code=alice.code,
            channel="sms",
            at=NOW,
            status="rejected",
            reason="already_customer",
        )
        steps = [_counts(await tx.participants.get(alice.id))]
        first, second, _ = made
        assert first is not None and second is not None
        await tx.referrals.set_status(first.id, "qualified", at=NOW)
        steps.append(_counts(await tx.participants.get(alice.id)))
        await tx.referrals.set_status(first.id, "rewarded", at=NOW)
        steps.append(_counts(await tx.participants.get(alice.id)))
        await tx.referrals.set_status(second.id, "rejected", at=NOW, reason="suspected_fraud")
        steps.append(_counts(await tx.participants.get(alice.id)))
        truth = await _truth(tx.conn, alice.id)
        await tx.conn.execute("DELETE FROM referrals WHERE id = ?", second.id)
        after_delete = _counts(await tx.participants.get(alice.id))
        truth_after_delete = await _truth(tx.conn, alice.id)
    # (counted, waiting to qualify, refused)
    assert steps == [(3, 3, 1), (3, 2, 1), (3, 2, 1), (2, 1, 2)]
    assert steps[-1] == truth
    assert after_delete == truth_after_delete == (2, 1, 1)


async def test_the_migration_counts_the_referrals_already_there(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database from before 0090, with referrals in every state, gets its counts from the rows
    (and referral_count, kept by the store until then, is recounted too)."""
    import bot.core.store.migrate as migrate

    every = available
    monkeypatch.setattr(migrate, "available", lambda d: [m for m in every(d) if m[0] < 90])
    db = await open_database(database_url)
    try:
        await upgrade(db)
        async with db.transaction() as conn:
            for pid in (1, 2, 3, 4, 5):
                await conn.execute(
                    "INSERT INTO participants (id, code, display_name, lang, created_at, "
                    "referral_count) VALUES (?, ?, ?, 'en', 0, ?)",
                    pid,
                    f"CODE000{pid}",
                    f"p{pid}",
                    7 if pid == 1 else 0,  # a drifted counter: the migration recounts it
                )
            for rid, (friend, status) in enumerate(
                [(2, "signed_up"), (3, "qualified"), (4, "rejected"), (5, "rewarded")], start=1
            ):
                await conn.execute(
                    "INSERT INTO referrals (id, referrer_id, friend_id, code, channel, status, "
                    "reason, created_at, updated_at) VALUES (?, 1, ?, 'CODE0001', 'sms', ?, ?, "
                    "0, 0)",
                    rid,
                    friend,
                    status,
                    "already_customer" if status == "rejected" else None,
                )
        monkeypatch.setattr(migrate, "available", every)
        assert [name for name in await upgrade(db) if name.startswith("0090")] == [
            "0090_referral_counts.sql"
        ]
        store = Store(db)
        async with store.transaction() as tx:
            alice = await tx.participants.get(1)
            friend = await tx.participants.get(2)
    finally:
        await db.close()
    assert _counts(alice) == (3, 1, 1)
    assert _counts(friend) == (0, 0, 0)


async def test_a_known_sender_is_read_and_marked_seen_in_one_statement(store: Store) -> None:
    later = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    async with store.transaction() as tx:
        alice = await tx.participants.create(display_name=ODD, lang="en", at=NOW)
        assert await tx.participants.attach(Address("sms", "+14155550100"), alice.id, at=NOW)
        stranger = await tx.participants.arrive(Address("sms", "+14155550199"), later)
        found = await tx.participants.arrive(Address("sms", "+14155550100"), later)
        seen = await tx.conn.fetchval(
            "SELECT last_seen_at FROM identities WHERE address = '+14155550100'"
        )
        read = await tx.participants.by_address(Address("sms", "+14155550100"))
    assert stranger is None
    assert found is not None and found == read
    # SQLite hands the participant back as a JSON array: the text survives it exactly.
    assert found[0].display_name == ODD and found[1].address.id == "+14155550100"
    assert seen == int(later.timestamp() * 1_000_000)
