"""Schema migrations: numbered SQL files per dialect, applied once, in order, in a transaction.

Alembic would need SQLAlchemy models we do not otherwise use; numbered files keep the schema
readable per dialect and the runner is a dozen lines.
"""

from __future__ import annotations

import re
from importlib import resources

from bot.core.clock import SystemClock, to_micros
from bot.core.store.database import Connection, Database

# Any constant works; it only has to be the same in every process of this program.
_PG_MIGRATION_LOCK = 0x5EF_E55A1


def available(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) for each migration file of the dialect, in order."""
    folder = resources.files("bot.core.store") / "migrations" / dialect
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


async def _applied(conn: Connection) -> set[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
    )
    return {int(row[0]) for row in await conn.fetchall("SELECT version FROM schema_migrations")}


_TRIGGER_BODY = re.compile(r"^\s*CREATE\s+TRIGGER\b.*\bBEGIN\b", re.IGNORECASE | re.DOTALL)
_ENDED = re.compile(r"\bEND\s*$", re.IGNORECASE)


def _statements(sql: str) -> list[str]:
    """Split on `;`, except inside a `$$ ... $$` body (PostgreSQL functions) and a SQLite
    trigger's `BEGIN ... END`, whose own statements end with `;` too."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    statements: list[str] = []
    current = ""
    for part in "\n".join(lines).split(";"):
        current = f"{current};{part}" if current else part
        if current.count("$$") % 2 or (
            _TRIGGER_BODY.match(current) and not _ENDED.search(current)
        ):
            continue  # the `;` was inside a body: keep reading
        if current.strip():
            statements.append(current.strip())
        current = ""
    return statements


async def upgrade(db: Database) -> list[str]:
    """Apply pending migrations; returns the names applied (empty when up to date)."""
    done: list[str] = []
    async with db.transaction() as conn:
        if db.dialect == "postgres":
            await conn.execute("SELECT pg_advisory_xact_lock(?)", _PG_MIGRATION_LOCK)
        applied = await _applied(conn)
        for version, name, sql in available(db.dialect):
            if version in applied:
                continue
            for statement in _statements(sql):
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                version,
                name,
                to_micros(SystemClock().now()),
            )
            done.append(name)
    return done
