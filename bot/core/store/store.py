"""The store: a transaction gives the engine every query it needs, on one connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.core.store.asks import Asks
from bot.core.store.clicks import Clicks
from bot.core.store.conversions import Conversions
from bot.core.store.database import Autocommits, Connection, Database, open_database
from bot.core.store.events import Events
from bot.core.store.jobs import Jobs
from bot.core.store.migrate import upgrade
from bot.core.store.nudges import Nudges
from bot.core.store.outbox import Outbox
from bot.core.store.pace import PaceScopes
from bot.core.store.participants import Participants
from bot.core.store.rate_buckets import RateBuckets
from bot.core.store.referrals import Referrals
from bot.core.store.reports import Reports
from bot.core.store.rewards import Rewards
from bot.core.store.staff import StaffViews
from bot.core.store.staff_users import StaffUsers
from bot.core.store.webhook_endpoints import WebhookEndpoints
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets


@dataclass(frozen=True, slots=True)
class Tx:
    """One unit of work: everything done through it commits or rolls back together."""

    conn: Connection
    participants: Participants
    referrals: Referrals
    outbox: Outbox
    events: Events
    clicks: Clicks
    conversions: Conversions
    jobs: Jobs
    nudges: Nudges
    rewards: Rewards
    asks: Asks
    staff: StaffViews
    staff_users: StaffUsers
    reports: Reports
    webhook_endpoints: WebhookEndpoints
    pace: PaceScopes
    rate_buckets: RateBuckets

    @classmethod
    def on(cls, conn: Connection, webhooks: WebhookTargets | None = None) -> Tx:
        events = WebhookEvents(conn, webhooks or WebhookTargets())
        return cls(
            conn=conn,
            participants=Participants(conn, events),
            referrals=Referrals(conn, events),
            outbox=Outbox(conn),
            events=Events(conn),
            clicks=Clicks(conn),
            conversions=Conversions(conn),
            jobs=Jobs(conn),
            nudges=Nudges(conn),
            rewards=Rewards(conn, events),
            asks=Asks(conn),
            staff=StaffViews(conn),
            staff_users=StaffUsers(conn),
            reports=Reports(conn),
            webhook_endpoints=WebhookEndpoints(conn),
            pace=PaceScopes(conn),
            rate_buckets=RateBuckets(conn),
        )


class Store:
    def __init__(self, db: Database, *, webhooks: WebhookTargets | None = None) -> None:
        self.db = db
        self.webhooks = webhooks or WebhookTargets()  # where the store's events go
        self._last: Tx | None = None
        self._autocommit = db.autocommit if isinstance(db, Autocommits) else db.transaction

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.db.transaction() as conn:
            yield self._tx(conn)

    def _tx(self, conn: Connection) -> Tx:
        """The repositories over `conn`; SQLite hands out one connection object every time,
        so they are made once rather than seventeen objects per transaction."""
        if self._last is None or self._last.conn is not conn:
            self._last = Tx.on(conn, self.webhooks)
        return self._last

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[Tx]:
        """For work whose every statement stands alone (one read, one write, each atomic by
        itself): on PostgreSQL each commits on its own, saving BEGIN's and COMMIT's round
        trips; elsewhere it is a transaction, which is the same for work of this shape."""
        async with self._autocommit() as conn:
            yield self._tx(conn)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        """Reads only, of one moment, holding no write lock (Database.snapshot)."""
        async with self.db.snapshot() as conn:
            yield Tx.on(conn, self.webhooks)

    async def close(self) -> None:
        await self.db.close()


async def open_store(
    url: str, *, migrate: bool = True, webhooks: WebhookTargets | None = None
) -> Store:
    """Open the database and, unless told not to, apply pending migrations."""
    db = await open_database(url)
    if migrate:
        await upgrade(db)
    return Store(db, webhooks=webhooks)
