"""SQLite group commit: transactions that begin while one is open share its COMMIT, each still
all-or-nothing, and each block returns only once its work is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.core.store import sqlite
from bot.core.store.database import IntegrityError
from bot.core.store.sqlite import SqliteDatabase


async def notes_db(tmp_path: Path) -> SqliteDatabase:
    db = await SqliteDatabase.open(f"sqlite:///{tmp_path / 'group.db'}")
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT UNIQUE)")
    return db


def commits_of(db: SqliteDatabase) -> list[str]:
    """COMMITs from here on, as SQLite runs them."""
    seen: list[str] = []
    db._conn.set_trace_callback(lambda sql: seen.append(sql) if sql == "COMMIT" else None)
    return seen


def committed_notes(tmp_path: Path) -> list[str]:
    """What another connection (another process) sees: committed rows only."""
    other = sqlite3.connect(tmp_path / "group.db")
    try:
        return [row[0] for row in other.execute("SELECT body FROM notes ORDER BY id")]
    finally:
        other.close()


async def test_transactions_begun_together_share_one_commit(tmp_path: Path) -> None:
    db = await notes_db(tmp_path)
    commits = commits_of(db)

    async def note(body: str) -> list[str]:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", body)
        return committed_notes(tmp_path)  # the block is over: its note is committed

    seen = await asyncio.gather(*(note(f"note {n}") for n in range(10)))
    await db.close()
    assert len(commits) == 1
    assert all(f"note {n}" in seen[n] for n in range(10))


async def test_a_group_is_capped_so_the_first_member_does_not_wait_for_many(
    tmp_path: Path,
) -> None:
    db = await notes_db(tmp_path)
    commits = commits_of(db)

    async def note(body: str) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", body)

    await asyncio.gather(*(note(f"note {n}") for n in range(3 * sqlite.GROUP_MOST)))
    await db.close()
    assert len(commits) == 3
    assert len(committed_notes(tmp_path)) == 3 * sqlite.GROUP_MOST


async def test_a_member_that_fails_loses_only_its_own_work(tmp_path: Path) -> None:
    db = await notes_db(tmp_path)

    async def note(body: str) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", body)
            if body == "second":
                await conn.execute("INSERT INTO notes (body) VALUES (?)", "half of second")
                await conn.execute("INSERT INTO notes (body) VALUES (?)", "first")  # UNIQUE

    results = await asyncio.gather(
        note("first"), note("second"), note("third"), return_exceptions=True
    )
    await db.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], IntegrityError)
    assert committed_notes(tmp_path) == ["first", "third"]


async def test_the_first_member_failing_alone_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await notes_db(tmp_path)
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", "draft")
            raise RuntimeError("changed my mind")
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO notes (body) VALUES (?)", "final")
    await db.close()
    assert committed_notes(tmp_path) == ["final"]


async def test_when_the_group_commit_fails_every_member_is_told(tmp_path: Path) -> None:
    db = await notes_db(tmp_path)
    async with db.transaction() as conn:  # a foreign key checked only at COMMIT
        await conn.execute(
            "CREATE TABLE replies (note_id INTEGER REFERENCES notes (id) "
            "DEFERRABLE INITIALLY DEFERRED)"
        )

    async def note(body: str, orphan: bool = False) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", body)
            if orphan:
                await conn.execute("INSERT INTO replies (note_id) VALUES (999)")

    results = await asyncio.gather(
        note("kept?"), note("orphaned", orphan=True), note("also kept?"), return_exceptions=True
    )
    assert all(isinstance(result, IntegrityError) for result in results)
    assert "FOREIGN KEY" in str(results[0])
    async with db.transaction() as conn:  # the connection is usable again
        await conn.execute("INSERT INTO notes (body) VALUES (?)", "after")
    await db.close()
    assert committed_notes(tmp_path) == ["after"]


async def test_a_member_cancelled_while_it_waits_for_the_commit_is_still_committed(
    tmp_path: Path,
) -> None:
    db = await notes_db(tmp_path)
    entered = asyncio.Event()

    async def note(body: str) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", body)
            entered.set()

    waiting = asyncio.create_task(note("cancelled late"))
    await entered.wait()  # its block is done; it waits for the group's COMMIT
    waiting.cancel()
    await note("next")
    await db.close()
    assert waiting.cancelled()
    assert committed_notes(tmp_path) == ["cancelled late", "next"]


async def test_a_member_that_awaits_mid_transaction_holds_the_commit_until_it_ends(
    tmp_path: Path,
) -> None:
    db = await notes_db(tmp_path)
    go_on = asyncio.Event()

    async def slow() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", "slow")
            await go_on.wait()  # the commit's turn comes while this member is at work

    async def quick() -> list[str]:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO notes (body) VALUES (?)", "quick")
        return committed_notes(tmp_path)

    slow_task = asyncio.create_task(slow())
    await asyncio.sleep(0)
    quick_task = asyncio.create_task(quick())
    for _ in range(5):  # turns of the loop: the commit's turn comes and goes
        await asyncio.sleep(0)
    assert committed_notes(tmp_path) == []  # neither is committed while slow is at work
    go_on.set()
    await slow_task
    seen = await quick_task
    await db.close()
    assert seen == ["slow", "quick"]
