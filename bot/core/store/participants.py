"""Participants and their channel identities."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from bot.core.clock import from_micros, to_micros
from bot.core.codes import new_code
from bot.core.messages import CHANNELS as MESSAGING
from bot.core.messages import Address
from bot.core.normalize import visible
from bot.core.store.database import Connection, Row, among, blind, containing, index_key
from bot.core.store.events import Events
from bot.core.store.records import Identity, Participant
from bot.core.store.webhook_endpoints import WebhookEndpoints
from bot.core.store.webhook_events import CHANNEL as WEBHOOK
from bot.core.store.webhook_events import WebhookEvents, WebhookTargets


class _ParticipantRow(NamedTuple):
    """A participants row as the store reads it, by column name: every SELECT of participants
    is written from these fields, so a column added or moved cannot shift another's value."""

    id: int
    code: str
    display_name: str
    lang: str
    lang_chosen: int
    time_zone: str | None
    is_customer: int
    link_sent_at: int | None
    referral_count: int
    created_at: int
    segment: str
    company: str | None
    customer_since: int | None
    account_manager: str | None
    last_purchase_at: int | None
    pending_count: int
    rejected_count: int


class _IdentityRow(NamedTuple):
    channel: str
    address: str
    participant_id: int
    reply_to: str | None
    opted_out: int
    unreachable: int


_FIELDS = _ParticipantRow._fields
_COLUMNS = ", ".join(f"p.{name}" for name in _FIELDS)
_WIDTH = len(_FIELDS)
IDENTITY_FIELDS = _IdentityRow._fields
_IDENTITY = ", ".join(f"i.{name}" for name in IDENTITY_FIELDS)
_IDENTITY_WIDTH = len(IDENTITY_FIELDS)

# A known sender's message: their identity marked seen and read with their participant, in one
# statement. PostgreSQL joins the UPDATE's rows; SQLite's RETURNING may name no other table, so
# the participant comes back as one JSON array from a subquery by primary key (measured: a
# subquery per column costs more than the second statement it saves).
_ARRIVE = {
    "postgres": (
        "WITH i AS (UPDATE identities SET last_seen_at = ?, unreachable = 0 "
        "WHERE channel = ? AND address = ? "
        f"RETURNING {', '.join(IDENTITY_FIELDS)}) "
        f"SELECT {_IDENTITY}, {_COLUMNS} FROM i JOIN participants p ON p.id = i.participant_id"
    ),
    "sqlite": (
        "UPDATE identities SET last_seen_at = ?, unreachable = 0 "
        "WHERE channel = ? AND address = ? "
        f"RETURNING {', '.join(IDENTITY_FIELDS)}, "
        f"(SELECT json_array({_COLUMNS}) FROM participants p WHERE p.id = participant_id)"
    ),
}
_CREATE = (
    "INSERT INTO participants (code, display_name, lang, time_zone, is_customer, created_at) "
    f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING {', '.join(_FIELDS)}"
)
# `arrive` behind the event's first sighting, in one statement (PostgreSQL's data-modifying
# WITH): the identity is marked seen only when the event is new. The first column says whether
# it was; the rest are NULL for an address we do not know.
_ARRIVE_ONCE = (
    "WITH e AS (INSERT INTO inbound_events (channel, event_id, received_at) VALUES (?, ?, ?) "
    "ON CONFLICT (channel, event_id) DO NOTHING RETURNING 1), "
    "i AS (UPDATE identities SET last_seen_at = ?, unreachable = 0 "
    "WHERE channel = ? AND address = ? AND EXISTS (SELECT 1 FROM e) "
    f"RETURNING {', '.join(IDENTITY_FIELDS)}) "
    f"SELECT EXISTS (SELECT 1 FROM e), {_IDENTITY}, {_COLUMNS} FROM (SELECT 1) AS one "
    "LEFT JOIN (i JOIN participants p ON p.id = i.participant_id) ON TRUE"
)


def _micros(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


def _participant(row: Row, offset: int = 0) -> Participant:
    r = _ParticipantRow._make(row[offset : offset + _WIDTH])  # a short row raises
    return Participant(
        id=int(r.id),
        code=r.code,
        display_name=r.display_name,
        lang=r.lang,
        lang_chosen=bool(r.lang_chosen),
        time_zone=r.time_zone,
        is_customer=bool(r.is_customer),
        link_sent_at=_micros(r.link_sent_at),
        referral_count=int(r.referral_count),
        created_at=from_micros(r.created_at),
        segment=r.segment,
        company=r.company,
        customer_since=_micros(r.customer_since),
        account_manager=r.account_manager,
        last_purchase_at=_micros(r.last_purchase_at),
        pending_count=int(r.pending_count),
        rejected_count=int(r.rejected_count),
    )


def identity_row(row: Row, offset: int = 0) -> Identity:
    """An identity from IDENTITY_FIELDS' columns, read from `offset` on."""
    r = _IdentityRow._make(row[offset : offset + _IDENTITY_WIDTH])
    return Identity(
        address=Address(r.channel, r.address),
        participant_id=int(r.participant_id),
        reply_to=r.reply_to,
        opted_out=bool(r.opted_out),
        unreachable=bool(r.unreachable),
    )


def reachable(identities: Iterable[Identity], off: frozenset[str] = frozenset()) -> Identity | None:
    """Where to reach someone unprompted, of their identities the one used last first: the
    first that is a way to message them, on a channel that runs (not `off`), still open."""
    for identity in identities:
        if identity.address.channel not in MESSAGING or identity.address.channel in off:
            continue  # an email or CRM id identifies a person; it is not a way to reach them
        if not identity.opted_out and not identity.unreachable:
            return identity
    return None


class Participants:
    def __init__(self, conn: Connection, events: WebhookEvents | None = None) -> None:
        self._conn = conn
        self._events = events or WebhookEvents(conn, WebhookTargets())
        # Rows read holding their lock (`by_code`), which the next `lock` of each need not read
        # again: nothing but this transaction can have moved them since.
        self._locked: dict[int, Participant] = {}

    async def by_address(self, address: Address) -> tuple[Participant, Identity] | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS}, {_IDENTITY} FROM identities i "
            "JOIN participants p ON p.id = i.participant_id WHERE i.channel = ? AND i.address = ?",
            address.channel,
            address.id,
        )
        return None if row is None else (_participant(row), identity_row(row, _WIDTH))

    async def arrive(self, address: Address, at: datetime) -> tuple[Participant, Identity] | None:
        """`by_address` for someone writing now: their identity is marked seen in the same
        statement, and reachable (a person who blocked the bot and writes again has unblocked
        it, whether or not Telegram's member update came first). None for an address we do
        not know (nothing is written then)."""
        row = await self._conn.fetchone(
            _ARRIVE[self._conn.dialect], to_micros(at), address.channel, address.id
        )
        if row is None:
            return None
        if self._conn.dialect == "sqlite":
            row = (*row[:_IDENTITY_WIDTH], *json.loads(row[_IDENTITY_WIDTH]))
        return _participant(row, _IDENTITY_WIDTH), identity_row(row)

    async def arrive_once(
        self, address: Address, event_id: str, at: datetime
    ) -> tuple[bool, tuple[Participant, Identity] | None]:
        """The provider's event recorded (`Events.first_time`), then, when it is new, `arrive`:
        (whether it was new, who wrote). One statement on PostgreSQL, two on SQLite."""
        if self._conn.dialect != "postgres":
            if not await Events(self._conn).first_time(address.channel, event_id, at):
                return False, None
            return True, await self.arrive(address, at)
        row = await self._conn.fetchone(
            _ARRIVE_ONCE,
            address.channel,
            index_key(event_id),
            to_micros(at),
            to_micros(at),
            address.channel,
            address.id,
        )
        assert row is not None  # (SELECT 1) always gives the row
        if not row[0]:
            return False, None
        if row[1] is None:  # no identity came back: an address we do not know
            return True, None
        found = tuple(row[1:])
        return True, (_participant(found, _IDENTITY_WIDTH), identity_row(found))

    async def lock(self, participant: Participant) -> Participant:
        """Their row locked until the transaction ends (signups for one code take turns from
        here on), as it stands now: PostgreSQL's locking read returns the newest committed row.
        SQLite's writers take turns for the whole transaction, so the row read is still true."""
        if (
            self._conn.dialect != "postgres"
            or self._locked.pop(participant.id, None) == participant
        ):
            return participant
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM participants p WHERE p.id = ? FOR NO KEY UPDATE",
            participant.id,
        )
        return participant if row is None else _participant(row)

    async def get(self, participant_id: int, *, lock: bool = False) -> Participant | None:
        """`lock`: their row also locked until the transaction ends (PostgreSQL; SQLite's
        writers take turns for the whole transaction), read and locked in one statement."""
        locking = " FOR UPDATE" if lock and self._conn.dialect == "postgres" else ""
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM participants p WHERE p.id = ?{locking}", participant_id
        )
        return None if row is None else _participant(row)

    async def get_many(self, ids: Iterable[int], *, lock: bool = False) -> dict[int, Participant]:
        """`get` of several people in one statement, by id. `lock`: their rows locked in id
        order (PostgreSQL), the order every locking reader keeps, so two never wait on each
        other in a circle."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        listed, params = among(self._conn.dialect, "p.id", wanted)
        locking = " FOR UPDATE" if lock and self._conn.dialect == "postgres" else ""
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS} FROM participants p WHERE {listed} ORDER BY p.id{locking}",
            *params,
        )
        return {person.id: person for person in map(_participant, rows)}

    async def page(self, *, query: str | None, before: int | None, limit: int) -> list[Participant]:
        """Newest first, `id < before`: pages stay put while participants are added.
        `query` matches part of a name (any ASCII case), a code, or an identity's address (a
        phone number with or without its +)."""
        where: list[str] = ["1 = 1"]
        params: list[object] = []
        if before is not None:
            where.append("p.id < ?")
            params.append(before)
        if query:
            where.append(
                "(LOWER(p.display_name) LIKE ? ESCAPE '\\' OR p.code = ? OR p.id IN "
                "(SELECT participant_id FROM identities WHERE address IN (?, ?)))"
            )
            bare = visible(query).strip()
            dialled = "+" + bare if bare.isdigit() else bare  # 16505550001 is +16505550001
            params += [containing(bare), bare.upper(), bare, dialled]
        rows = await self._conn.fetchall(
            f"SELECT {_COLUMNS} FROM participants p WHERE {' AND '.join(where)} "
            "ORDER BY p.id DESC LIMIT ?",
            *params,
            limit,
        )
        return [_participant(row) for row in rows]

    async def by_code(self, code: str, *, lock: bool = False) -> Participant | None:
        """`lock`: read as `lock` reads, in the same statement (a join: its signup takes turns
        with the code's others from here, and `lock` asks nothing more of the database)."""
        locking = lock and self._conn.dialect == "postgres"
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM participants p WHERE p.code = ?"
            + (" FOR NO KEY UPDATE" if locking else ""),
            code,
        )
        if row is None:
            return None
        found = _participant(row)
        if locking:
            self._locked[found.id] = found
        return found

    async def create(
        self,
        *,
        display_name: str,
        lang: str,
        at: datetime,
        time_zone: str | None = None,
        is_customer: bool = False,
    ) -> Participant:
        """A new participant with a fresh, never-reused code (the UNIQUE constraint decides)."""
        while True:
            row = await self._conn.fetchone(
                _CREATE,
                new_code(),
                display_name,
                lang,
                time_zone,
                int(is_customer),
                to_micros(at),
            )
            if row is not None:
                return _participant(row)

    async def arrive_new(
        self,
        address: Address,
        *,
        display_name: str,
        lang: str,
        at: datetime,
        time_zone: str | None = None,
        reply_to: str | None = None,
    ) -> tuple[Participant, bool]:
        """`create`, then `attach` the address they wrote from: (who, whether the address was
        still free). On PostgreSQL one statement (a round trip less for every newcomer)."""
        if self._conn.dialect != "postgres":
            person = await self.create(
                display_name=display_name, lang=lang, at=at, time_zone=time_zone
            )
            return person, await self.attach(address, person.id, at=at, reply_to=reply_to)
        while True:
            row = await self._conn.fetchone(
                f"WITH p AS ({_CREATE}), "
                "i AS (INSERT INTO identities (channel, address, participant_id, reply_to, "
                "created_at, last_seen_at) SELECT ?::text, ?::text, p.id, ?::text, ?::bigint, "
                "?::bigint FROM p ON CONFLICT (channel, address) DO NOTHING RETURNING 1) "
                f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM i) FROM p",
                new_code(),
                display_name,
                lang,
                time_zone,
                0,  # not a customer (yet)
                to_micros(at),
                address.channel,
                address.id,
                reply_to,
                to_micros(at),
                to_micros(at),
            )
            if row is not None:  # none: the code was taken, so nothing was written; again
                return _participant(row), bool(row[-1])

    async def attach(
        self, address: Address, participant_id: int, *, at: datetime, reply_to: str | None = None
    ) -> bool:
        """Give a participant another channel identity; False when the address is taken."""
        row = await self._conn.fetchone(
            "INSERT INTO identities (channel, address, participant_id, reply_to, created_at, "
            "last_seen_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, address) DO NOTHING "
            "RETURNING 1",
            address.channel,
            address.id,
            participant_id,
            reply_to,
            to_micros(at),
            to_micros(at),
        )
        return row is not None

    async def identities_of(self, participant_id: int) -> list[Identity]:
        rows = await self._conn.fetchall(
            f"SELECT {_IDENTITY} FROM identities i WHERE i.participant_id = ? "
            "ORDER BY i.last_seen_at DESC, i.created_at DESC",
            participant_id,
        )
        return [identity_row(row) for row in rows]

    async def seen(self, address: Address, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE identities SET last_seen_at = ? WHERE channel = ? AND address = ?",
            to_micros(at),
            address.channel,
            address.id,
        )

    async def reachable_identity(
        self, participant_id: int, *, off: frozenset[str] = frozenset()
    ) -> Identity | None:
        """Where to reach a participant unprompted: the identity they used last, if open and
        on a channel that runs."""
        return reachable(await self.identities_of(participant_id), off)

    async def identity(self, address: Address) -> Identity | None:
        row = await self._conn.fetchone(
            f"SELECT {_IDENTITY} FROM identities i WHERE i.channel = ? AND i.address = ?",
            address.channel,
            address.id,
        )
        return None if row is None else identity_row(row)

    async def identities(self, addresses: Iterable[Address]) -> dict[Address, Identity]:
        """`identity` of several addresses in one statement: those on record."""
        wanted = sorted(set(addresses), key=lambda a: (a.channel, a.id))
        if not wanted:
            return {}
        if len(wanted) == 1:  # the one most asked for, by its index (see `among`)
            identity = await self.identity(wanted[0])
            return {} if identity is None else {identity.address: identity}
        if self._conn.dialect == "postgres":  # arrays: one statement text, prepared once
            among = f"SELECT * FROM unnest({blind('text')}, {blind('text')})"
            params: list[object] = [[a.channel for a in wanted], [a.id for a in wanted]]
        else:
            among = "VALUES " + ", ".join(["(?, ?)"] * len(wanted))
            params = [value for a in wanted for value in (a.channel, a.id)]
        rows = await self._conn.fetchall(
            f"SELECT {_IDENTITY} FROM identities i WHERE (i.channel, i.address) IN ({among})",
            *params,
        )
        found = (identity_row(row) for row in rows)
        return {identity.address: identity for identity in found}

    async def set_language(self, participant_id: int, lang: str, *, chosen: bool) -> None:
        await self._conn.execute(
            "UPDATE participants SET lang = ?, lang_chosen = ? WHERE id = ?",
            lang,
            int(chosen),
            participant_id,
        )

    async def set_name(self, participant_id: int, display_name: str) -> None:
        await self._conn.execute(
            "UPDATE participants SET display_name = ? WHERE id = ?", display_name, participant_id
        )

    async def mark_link_sent(
        self, participant_id: int, at: datetime, *, channel: str | None = None
    ) -> None:
        """The first time they got their link, and on which channel (the reports count it)."""
        await self._conn.execute(
            "UPDATE participants SET link_sent_at = COALESCE(link_sent_at, ?), "
            "link_channel = COALESCE(link_channel, ?) WHERE id = ?",
            to_micros(at),
            channel,
            participant_id,
        )

    async def update_profile(
        self,
        participant_id: int,
        *,
        display_name: str,
        segment: str,
        company: str | None,
        account_manager: str | None,
        customer_since: datetime | None,
        lang: str,
        lang_chosen: bool,
        time_zone: str | None,
    ) -> None:
        """What the business's records say of a customer (an import); a customer from now on."""
        await self._conn.execute(
            "UPDATE participants SET display_name = ?, segment = ?, company = ?, "
            "account_manager = ?, customer_since = ?, lang = ?, lang_chosen = ?, time_zone = ?, "
            "is_customer = 1 WHERE id = ?",
            display_name,
            segment,
            company,
            account_manager,
            None if customer_since is None else to_micros(customer_since),
            lang,
            int(lang_chosen),
            time_zone,
            participant_id,
        )

    async def mark_purchase(self, participant_id: int, at: datetime) -> None:
        """A purchase makes a customer: since their first purchase, last seen buying now."""
        await self._conn.execute(
            "UPDATE participants SET is_customer = 1, last_purchase_at = ?, "
            "customer_since = COALESCE(customer_since, ?) WHERE id = ?",
            to_micros(at),
            to_micros(at),
            participant_id,
        )

    async def set_opted_out(
        self, address: Address, opted_out: bool, *, at: datetime | None = None
    ) -> None:
        """STOP or START on one channel; the business hears of it when it changes."""
        row = await self._conn.fetchone(
            "UPDATE identities SET opted_out = ? WHERE channel = ? AND address = ? "
            "AND opted_out <> ? RETURNING participant_id",
            int(opted_out),
            address.channel,
            address.id,
            int(opted_out),
        )
        if row is not None:
            when = at or datetime.now(UTC)  # every caller in bot/ passes its clock's time
            if opted_out:
                await self._events.participant("participant.opted_out", int(row[0]), at=when)
            else:
                await self._events.participant("participant.opted_in", int(row[0]), at=when)

    async def set_unreachable(self, address: Address, unreachable: bool) -> None:
        if address.channel == WEBHOOK and unreachable:  # a receiver's 410 Gone: stop it for good
            await WebhookEndpoints(self._conn).stop(
                address.id, at=datetime.now(UTC), reason="answered 410 Gone"
            )
            return
        await self._conn.execute(
            "UPDATE identities SET unreachable = ? WHERE channel = ? AND address = ?",
            int(unreachable),
            address.channel,
            address.id,
        )

    async def set_reply_to(self, address: Address, reply_to: str) -> None:
        await self._conn.execute(
            "UPDATE identities SET reply_to = ? WHERE channel = ? AND address = ?",
            reply_to,
            address.channel,
            address.id,
        )
