"""The pace book's claims on PostgreSQL, each one statement (bot/core/store/pace.py has the
contract, and SQLite's way, several statements in a transaction that holds the write lock).

One statement is one round trip and needs no BEGIN or COMMIT around it: it runs in a
transaction of its own. Its CTEs lock the scopes' rows in key order (so two claims never wait
for each other in a circle), read what they need and write what the claim decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.store.database import Connection
from bot.core.store.outbox import Reachable

if TYPE_CHECKING:
    from bot.core.store.pace import Booking, Sendable


Found = tuple[int, bool, dict[str, int], "Reachable | None"]  # Claimed's fields


async def claim(
    conn: Connection,
    ordered: list[Booking],
    *,
    earliest: int,
    horizon: int,
    by: str,
    row: Sendable | None,
) -> Found:
    """`PaceScopes.claim` in one statement, the row's check included. A scope's first send
    makes its row, booked, in the same statement; if another claim made that row first
    (after this statement's snapshot), the claim runs again, its bookings in the other scopes
    left behind: a slot reserved and never used costs a little throughput, never a limit."""
    keys, busy = [b.scope for b in ordered], [b.busy for b in ordered]
    checked = () if row is None else (row.row_id, row.lease, row.heeds_stop)
    sql = _CLAIM if row is None else _CLAIM_SENDABLE
    for _ in range(3):
        rows = await conn.fetchall(sql, keys, busy, earliest, horizon, by, *checked)
        slot, meant, booked = int(rows[0][0]), bool(rows[0][1]), int(rows[0][2])
        said = None if not rows[0][6] else Reachable(bool(rows[0][7]), bool(rows[0][8]))
        if said is None or (row is not None and row.refused(said)):
            return earliest, False, {}, said
        if not meant or booked == len(keys):  # beyond the horizon, or booked in every scope
            break
    else:
        raise RuntimeError(f"pace scopes {keys} could not be booked")
    was = {r[3]: (int(r[4]), int(r[5])) for r in rows if r[3] is not None}
    if meant:
        free = {b.scope: max(slot + b.busy, was.get(b.scope, (0, 0))[1]) for b in ordered}
    else:
        free = {k: max(earliest, *was.get(k, (0, 0))) for k in keys}
    return slot, meant, free, said


async def start_late(
    conn: Connection, ordered: list[Booking], *, slot: int, now: int, by: str
) -> bool:
    """`PaceScopes.start_late` in one statement."""
    return bool(
        await conn.fetchval(
            _START_LATE, [b.scope for b in ordered], [b.busy for b in ordered], slot, now, by
        )
    )


async def lock_all(conn: Connection, keys: list[str]) -> dict[str, tuple[int, int, str]]:
    """The rows of the scopes in `keys` (in key order) that exist, locked in key order."""
    rows = await conn.fetchall(_LOCK_ALL, keys)
    return {r[0]: (int(r[1]), int(r[2]), r[3]) for r in rows}


async def make_all(conn: Connection, keys: list[str]) -> set[str]:
    """Make the rows of the scopes in `keys` (in key order), free and unpaused; the ones made
    here (locked by this transaction until it ends). A row another transaction made meanwhile
    is left alone: it waits for that one to end, and is not among those returned."""
    return {r[0] for r in await conn.fetchall(_MAKE_ALL, keys)}


async def write_all(
    conn: Connection, keys: list[str], next_free: list[int], claimed_by: list[str]
) -> None:
    """A batch's decisions, every scope it changed in one statement."""
    await conn.execute(_WRITE_ALL, keys, next_free, claimed_by)


_LOCK_ALL = """
SELECT scope, next_free, paused_until, claimed_by FROM pace_scopes
WHERE scope = ANY ((SELECT $1::text[])::text[]) ORDER BY scope FOR UPDATE
"""
_MAKE_ALL = """
INSERT INTO pace_scopes (scope, next_free, paused_until)
SELECT scope, 0, 0 FROM unnest((SELECT $1::text[])) WITH ORDINALITY AS w (scope, n) ORDER BY n
ON CONFLICT (scope) DO NOTHING
RETURNING scope
"""
_WRITE_ALL = """
UPDATE pace_scopes p SET next_free = w.next_free, claimed_by = w.claimed_by
FROM unnest((SELECT $1::text[]), (SELECT $2::bigint[]), (SELECT $3::text[]))
    AS w (scope, next_free, claimed_by)
WHERE p.scope = w.scope
"""

# The statements take $1 the scopes in key order, $2 their busy times; their rows are
# locked in key order (so two claims never wait for each other in a circle). Each array is
# read through a scalar subquery, `(SELECT $1::text[])`, so that its length does not make
# every call be planned again (see `blind` in database.py).
_LOCKED = """
WITH wanted AS (
    SELECT * FROM unnest((SELECT $1::text[]), (SELECT $2::bigint[])) AS w (scope, busy)
),
locked AS (
    SELECT p.scope, p.next_free, p.paused_until, p.claimed_by FROM pace_scopes p
    WHERE p.scope = ANY ((SELECT $1::text[])::text[]) ORDER BY p.scope FOR UPDATE
)"""

# `claim` ($3 earliest, $4 the horizon, $5 the claimer): a slot within the horizon (and a row
# that may go) is booked in every scope, a scope's first send making its row already booked.
# Each row of the answer: the slot, whether it was to be booked, in how many scopes it was, a
# scope's row as it was, and the outbox row's check (`sendable`: found, its address's opt-out).
_BOOK = """,
slot AS (
    SELECT GREATEST($3::bigint, MAX(GREATEST(next_free, paused_until))) AS at FROM locked
),
ok AS (SELECT slot.at - $3::bigint <= $4::bigint AND (SELECT yes FROM go) AS yes FROM slot),
booked AS (
    UPDATE pace_scopes p SET next_free = slot.at + w.busy, claimed_by = $5::text
    FROM slot, wanted w WHERE p.scope = w.scope AND (SELECT yes FROM ok)
    RETURNING p.scope
),
made AS (
    INSERT INTO pace_scopes (scope, next_free, paused_until, claimed_by)
    SELECT w.scope, slot.at + w.busy, 0, $5::text FROM wanted w, slot
    WHERE (SELECT yes FROM ok) AND w.scope NOT IN (SELECT scope FROM locked)
    ON CONFLICT (scope) DO NOTHING
    RETURNING scope
)
SELECT slot.at, (SELECT yes FROM ok),
       (SELECT COUNT(*) FROM booked) + (SELECT COUNT(*) FROM made),
       l.scope, l.next_free, l.paused_until,
       (SELECT COUNT(*) FROM sendable), (SELECT MAX(opted_out) FROM sendable),
       (SELECT MAX(unreachable) FROM sendable)
FROM slot LEFT JOIN locked l ON TRUE
"""
_CLAIM = f"""{_LOCKED},
sendable AS (SELECT 0 AS opted_out, 0 AS unreachable),
go AS (SELECT TRUE AS yes){_BOOK}"""

# ... and for a Sendable ($6 the row, $7 its lease, $8 whether it heeds STOP): the outbox row
# read as Outbox.still_ours reads it; nothing booked unless it may go.
_CLAIM_SENDABLE = f"""{_LOCKED},
sendable AS (
    SELECT COALESCE(i.opted_out, 0) AS opted_out, COALESCE(i.unreachable, 0) AS unreachable
    FROM outbox o LEFT JOIN identities i ON i.channel = o.channel AND i.address = o.address
    WHERE o.id = $6::bigint AND o.status = 'sending' AND o.lease_until = $7::bigint
),
go AS (
    SELECT EXISTS (
        SELECT FROM sendable WHERE NOT ($8::boolean AND (opted_out <> 0 OR unreachable <> 0))
    ) AS yes
){_BOOK}"""

# `start_late` ($3 the slot, $4 now, $5 the claimer): yes when every scope is untouched since
# the claim or last claimed by us; then the untouched ones are held from now.
_START_LATE = f"""{_LOCKED},
judged AS (
    SELECT w.scope, w.busy, COALESCE(l.next_free, 0) = $3::bigint + w.busy AS untouched,
           COALESCE(l.claimed_by, '') = $5::text AS mine
    FROM wanted w LEFT JOIN locked l ON l.scope = w.scope
),
verdict AS (SELECT bool_and(untouched OR mine) AS go FROM judged),
held AS (
    UPDATE pace_scopes p SET next_free = $4::bigint + j.busy FROM judged j, verdict
    WHERE verdict.go AND j.untouched AND p.scope = j.scope AND p.next_free < $4::bigint + j.busy
)
SELECT go FROM verdict
"""
