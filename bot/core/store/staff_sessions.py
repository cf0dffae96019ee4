"""Open dashboard sessions: the server's half of a session cookie, which a sign-out, a new
password or a removed user ends at once, whatever copies of the cookie are still about.

A row's id is the random nonce the cookie carries. It is stored as it is, not hashed: the key
that signs the cookies lives in this database too, so a hash would hide nothing from its reader.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.clock import to_micros
from bot.core.store.database import Connection

LIFETIME = timedelta(hours=12)  # a working day, as long as the cookie is good for


class StaffSessions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def start(self, user_id: int, *, at: datetime) -> str:
        """A new session's id; sessions past their lifetime are cleared on the way."""
        await self._conn.execute(
            "DELETE FROM staff_sessions WHERE started_at < ?", to_micros(at - LIFETIME)
        )
        session_id = secrets.token_urlsafe(16)
        await self._conn.execute(
            "INSERT INTO staff_sessions (id, user_id, started_at) VALUES (?, ?, ?)",
            session_id,
            user_id,
            to_micros(at),
        )
        return session_id

    async def end(self, session_id: str) -> None:
        await self._conn.execute("DELETE FROM staff_sessions WHERE id = ?", session_id)

    async def end_all(self, user_id: int) -> None:
        """Signed out everywhere: every browser the user is signed in on."""
        await self._conn.execute("DELETE FROM staff_sessions WHERE user_id = ?", user_id)
