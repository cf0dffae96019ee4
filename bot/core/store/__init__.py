"""The store: one contract over SQLite (embedded default) and PostgreSQL (scale-out)."""

from bot.core.store.database import Database, DatabaseUnavailable, open_database
from bot.core.store.store import Store, Tx, open_store

__all__ = ["Database", "DatabaseUnavailable", "Store", "Tx", "open_database", "open_store"]
