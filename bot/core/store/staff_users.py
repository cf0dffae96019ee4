"""Who may sign in to the dashboard, and the keys that sign its cookies.

A user's sessions (`staff_sessions.py`) end with a new password and with the user.

Signing keys live in the database so that every web process of one deployment shares them
and a restart does not sign everyone out; the first process to need a key makes it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.core.clock import from_micros, to_micros
from bot.core.store.database import Connection, Row
from bot.core.store.staff_sessions import StaffSessions

ROLES = ("owner", "viewer")
_COLUMNS = "id, email, password_hash, role, created_at, last_sign_in_at"


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: int
    email: str
    password_hash: str
    role: str  # owner | viewer
    created_at: datetime
    last_sign_in_at: datetime | None

    @property
    def may_change(self) -> bool:
        return self.role == "owner"


def _user(row: Row) -> StaffUser:
    return StaffUser(
        id=int(row[0]),
        email=row[1],
        password_hash=row[2],
        role=row[3],
        created_at=from_micros(row[4]),
        last_sign_in_at=None if row[5] is None else from_micros(row[5]),
    )


class StaffUsers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.sessions = StaffSessions(conn)

    async def save(self, *, email: str, password_hash: str, role: str, at: datetime) -> bool:
        """Add a user, or set a known one's password and role and sign them out everywhere
        (whoever knew the old password is out too); True when the user is new."""
        known = await self.by_email(email)
        if known is not None:
            await self.sessions.end_all(known.id)
        await self._conn.execute(
            "INSERT INTO staff_users (email, password_hash, role, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash, "
            "role = excluded.role",
            email,
            password_hash,
            role,
            to_micros(at),
        )
        return known is None

    async def remove(self, email: str) -> bool:
        """The user may no longer sign in, and is signed out now; False when there was none."""
        known = await self.by_email(email)
        if known is None:
            return False
        await self.sessions.end_all(known.id)
        await self._conn.execute("DELETE FROM staff_users WHERE id = ?", known.id)
        return True

    async def listing(self) -> list[StaffUser]:
        rows = await self._conn.fetchall(f"SELECT {_COLUMNS} FROM staff_users ORDER BY email")
        return [_user(row) for row in rows]

    async def by_email(self, email: str) -> StaffUser | None:
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM staff_users WHERE email = ?", email
        )
        return None if row is None else _user(row)

    async def in_session(self, user_id: int, session_id: str) -> StaffUser | None:
        """The user of an open session: None once it has ended, or when it is not theirs."""
        row = await self._conn.fetchone(
            f"SELECT {_COLUMNS} FROM staff_users WHERE id = ? AND EXISTS "
            "(SELECT 1 FROM staff_sessions s WHERE s.id = ? AND s.user_id = staff_users.id)",
            user_id,
            session_id,
        )
        return None if row is None else _user(row)

    async def signed_in(self, user_id: int, *, at: datetime, password_hash: str | None) -> None:
        """Record a sign-in; a hash made with older parameters is replaced by a fresh one."""
        await self._conn.execute(
            "UPDATE staff_users SET last_sign_in_at = ?, "
            "password_hash = COALESCE(?, password_hash) WHERE id = ?",
            to_micros(at),
            password_hash,
            user_id,
        )

    async def signing_key(self, name: str, *, at: datetime) -> str:
        """The named secret, made on first use; concurrent first uses agree on one."""
        await self._conn.execute(
            "INSERT INTO signing_keys (name, secret, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING",
            name,
            secrets.token_urlsafe(32),
            to_micros(at),
        )
        secret = await self._conn.fetchval("SELECT secret FROM signing_keys WHERE name = ?", name)
        return str(secret)
