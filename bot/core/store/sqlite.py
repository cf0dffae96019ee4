"""SQLite, the embedded default: one file in WAL mode, statements run on the event loop.

Why not aiosqlite for every statement: it runs each one in a worker thread, and the hop there
and back measured ~200 µs on this kind of machine against ~2 µs for the statement itself; a
message is about seven statements, so the hops alone capped the engine near 700 messages/s.
Statements inside a transaction never wait for a lock in WAL mode once BEGIN IMMEDIATE holds the
write lock, so they run directly. The one call that can wait, BEGIN IMMEDIATE while another
process writes, is tried without waiting first and otherwise waits in a worker thread.
Reports are the exception (`snapshot`): a scan of a million rows takes a second, so they read on
a read-only connection of their own, each statement in a worker thread, while messages go on.
(`sqlite+aiosqlite:///` selects the aiosqlite driver, sqlite_aio.py, which passes the same
contract tests.)

Group commit: a COMMIT writes every page the transaction touched to the WAL (a join touches ~40:
its rows and each of their indexes), ~280 µs of CPU. Transactions that begin while one is open
and not yet committed join it, each in a SAVEPOINT of its own (a failure undoes only its own
work), and one COMMIT at the end of the event loop's turn, or at GROUP_MOST members, writes the
pages they share once. Each `transaction()` block still returns only after the COMMIT that holds
its work, so a caller acts (answers a webhook, sends a message) on committed data only; a group
whose COMMIT fails raises in every member. A lone transaction commits a loop turn later.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.store.database import IntegrityError, Row

BUSY_WAIT_MS = 10_000
CHECKPOINT_EVERY = 200  # commits between background checkpoints (SQLite's own: ~1000 pages)
# A passive checkpoint never catches up with a busy writer: what was committed while it copied
# is left, so the next writer cannot start the log over and the WAL would grow without end
# (1 GB seen under load). Once the log holds this much, the next checkpoint holds our writers
# back for one more passive pass, which copies only what the last one missed (a few ms, where
# a truncating pass took 15-30 ms: p99 stalls at 800 messages/s), and the next writer starts
# the log over at the file's beginning: the file stops growing. A report's open snapshot can keep
# even that pass from finishing; past WAL_FORCE_AT the pass waits for it (RESTART).
# bench/telegram_burst.py reports the largest WAL it sees; journal_size_limit trims the file
# SQLite keeps after a restart.
WAL_RESTART_AT = 16 * 2**20
WAL_FORCE_AT = 48 * 2**20
JOURNAL_SIZE_LIMIT = 64 * 2**20
# At most this many transactions share one COMMIT: each member waits for the others' work, so
# the cap bounds what the first one waits (a join takes ~1 ms).
GROUP_MOST = 16
PAGE_CACHE_KIB = 32 * 1024  # the writer's page cache, filled only as pages are read


def sqlite_path(url: str) -> str:
    """`sqlite:///rel.db` is relative to the working directory, `sqlite:////abs.db` absolute."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if not path:
                raise ValueError("DATABASE_URL names no SQLite file")
            return path
    raise ValueError(f"DATABASE_URL {url!r}: expected sqlite:///path.db")


def unborn_file(url: str) -> Path | None:
    """The SQLite file `url` names, resolved, when it does not exist yet: opening it would
    create an empty database there. None for PostgreSQL, `:memory:` and a file that exists."""
    if not url.startswith("sqlite"):
        return None
    path = sqlite_path(url)
    file = Path(path).resolve()
    return None if path == ":memory:" or file.exists() else file


class SqliteConnection:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _run(self, sql: str, params: tuple[object, ...]) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    async def execute(self, sql: str, *params: object) -> None:
        self._run(sql, params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        return self._run(sql, params)

    async def fetchone(self, sql: str, *params: object) -> Row | None:
        rows = await self.fetchall(sql, *params)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *params: object) -> Any:
        rows = await self.fetchall(sql, *params)
        return rows[0][0] if rows else None


class SqliteSnapshotConnection(SqliteConnection):
    """The reader's statements, each in a worker thread: the event loop runs on meanwhile."""

    async def execute(self, sql: str, *params: object) -> None:
        await asyncio.to_thread(self._run, sql, params)

    async def fetchall(self, sql: str, *params: object) -> list[Row]:
        return await asyncio.to_thread(self._run, sql, params)


class SqliteDatabase:
    dialect = "sqlite"

    def __init__(self, url: str, conn: sqlite3.Connection, path: str) -> None:
        self.url = url
        self._conn = conn
        self._path = path
        self._lock = asyncio.Lock()  # one connection: transactions of this process take turns
        self._commits = 0
        self._checkpointing: asyncio.Task[None] | None = None
        self._reader: sqlite3.Connection | None = None  # opened by the first snapshot
        self._reader_lock = asyncio.Lock()
        # The open group: its members' futures, resolved by its COMMIT, and that COMMIT's turn.
        self._members: list[asyncio.Future[None]] = []
        self._commit_turn: asyncio.Handle | None = None
        self._commit_due = False  # the turn came while a member was still at work
        self._writer = SqliteConnection(conn)  # the same object each time (Store reuses its Tx)

    @classmethod
    async def open(cls, url: str) -> SqliteDatabase:
        path = sqlite_path(url)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: a contended BEGIN waits in a worker thread (see above).
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=0")
        # The automatic checkpoint runs inside a COMMIT and fsyncs the database there, on the
        # event loop: 10 ms stalls. We checkpoint from a worker thread instead (below).
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        # Each member of a group commit runs in a SAVEPOINT, whose undo copies of the pages it
        # touches would spill to a temporary file past 64 KiB (a join touches ~160 KiB).
        conn.execute("PRAGMA temp_store=MEMORY")
        # SQLite's default page cache is 2 MiB: past a few thousand people, each statement
        # reads its index pages back through the WAL (-10% CPU a message at 22,000 people).
        conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
        return cls(url, conn, path)

    def _begin_waiting(self) -> None:
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        finally:
            self._conn.execute("PRAGMA busy_timeout=0")

    async def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await asyncio.to_thread(self._begin_waiting)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteConnection]:
        async with self._lock:
            if self._commit_turn is None:  # no group open: this transaction starts one
                await self._begin()
                self._commit_turn = asyncio.get_running_loop().call_soon(self._commit_in_turn)
            # The first member needs no savepoint: if it fails, there is nothing else to keep.
            savepoint = bool(self._members)
            if savepoint:
                self._conn.execute("SAVEPOINT member")
            try:
                yield self._writer
            except BaseException as exc:
                self._undo_member(exc, savepoint)
                if self._commit_due:
                    self._commit()
                raise
            if savepoint:
                self._conn.execute("RELEASE member")
            committed = asyncio.get_running_loop().create_future()
            self._members.append(committed)
            if self._commit_due or len(self._members) >= GROUP_MOST:
                self._commit()
        await committed

    def _undo_member(self, exc: BaseException, savepoint: bool) -> None:
        if savepoint and self._conn.in_transaction:
            self._conn.execute("ROLLBACK TO member")
            self._conn.execute("RELEASE member")
            return
        if self._conn.in_transaction:  # the group's only member: roll it all back
            self._conn.execute("ROLLBACK")
        # Else SQLite itself rolled the whole transaction back (a full disk, an I/O error),
        # and the group's earlier members, who lost their work too, are told so.
        self._end_group(exc)

    def _commit_in_turn(self) -> None:
        if self._lock.locked():  # a member is at work (awaiting something): it commits at its end
            self._commit_due = True
        else:
            self._commit()

    def _commit(self) -> None:
        if not self._conn.in_transaction:  # nothing open, or SQLite rolled it all back
            lost = sqlite3.OperationalError("the transaction was rolled back by SQLite")
            self._end_group(lost if self._members else None)
            return
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._end_group(exc)
            return
        committed = len(self._members)
        self._end_group(None)
        self._commits += committed
        if self._commits >= CHECKPOINT_EVERY and self._checkpointing is None:
            self._commits = 0
            self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    def _end_group(self, failure: BaseException | None) -> None:
        members, self._members = self._members, []
        if self._commit_turn is not None:
            self._commit_turn.cancel()
            self._commit_turn = None
        self._commit_due = False
        for member in members:
            if member.done():  # its task was cancelled while it waited
                continue
            if failure is None:
                member.set_result(None)
            else:
                member.set_exception(_group_failed(failure))

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteConnection]:
        if self._path == ":memory:":  # a private database: no other connection can see it
            async with self.transaction() as conn:
                yield conn
            return
        async with self._reader_lock:
            if self._reader is None:
                self._reader = await asyncio.to_thread(_open_reader, self._path)
            reader = self._reader
            await asyncio.to_thread(reader.execute, "BEGIN")  # the snapshot: from the first read
            try:
                yield SqliteSnapshotConnection(reader)
            finally:
                await asyncio.to_thread(reader.execute, "ROLLBACK")

    async def _checkpoint(self) -> None:
        """Copy the WAL back into the database on a connection of its own, in a thread;
        PASSIVE never blocks our writers, and what it cannot copy now waits for the next one.
        A log past WAL_RESTART_AT gets one more pass while our transactions wait (off the event
        loop: they wait on the lock, the loop runs on), so that the next one starts it over."""
        try:
            logged = await asyncio.to_thread(_checkpoint_file, self._path, "PASSIVE")
            if logged >= WAL_RESTART_AT:
                force = _size(self._path + "-wal") >= WAL_FORCE_AT
                async with self._lock:
                    self._commit()  # a group between its members and its turn: commit it now
                    mode = "RESTART" if force else "PASSIVE"
                    await asyncio.to_thread(_checkpoint_file, self._path, mode)
        except sqlite3.Error:
            pass  # a busy checkpoint is retried after the next batch of commits
        finally:
            self._checkpointing = None

    async def close(self) -> None:
        async with self._lock:
            self._commit()
        if self._checkpointing is not None:
            await self._checkpointing
        async with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        self._conn.close()  # the last connection to close checkpoints what is left


def _open_reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA query_only=ON")  # a report never writes
    # It waits in a worker thread, so it may: only a restarting checkpoint or recovery holds it.
    conn.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    conn.execute("PRAGMA temp_store=MEMORY")  # COUNT(DISTINCT) sorts: 2x faster in memory
    return conn


def _checkpoint_file(path: str, mode: str) -> int:
    """Checkpoint; the bytes the log held (its frames, each a page and a 24-byte header)."""
    # RESTART waits (up to the timeout) for other processes' readers and writers to let go.
    conn = sqlite3.connect(path, isolation_level=None, timeout=0 if mode == "PASSIVE" else 5)
    try:
        _, frames, _ = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return max(0, int(frames)) * (int(page) + 24)


def _group_failed(failure: BaseException) -> Exception:
    """What a member of a failed group raises: a fresh error each (they are raised apart)."""
    why = f"the commit of this transaction's group failed: {failure}"
    if isinstance(failure, sqlite3.IntegrityError):
        return IntegrityError(why)
    return sqlite3.OperationalError(why)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
