"""The store: SQLite by default, PostgreSQL by URL, one schema with versioned migrations."""

from lrs_adapter.store.database import Database
from lrs_adapter.store.migrations import migrate


def open_store(url: str) -> Database:
    """Connect and bring the schema up to date, so every command finds the tables it expects."""
    db = Database(url)
    migrate(db)
    return db


__all__ = ["Database", "open_store"]
