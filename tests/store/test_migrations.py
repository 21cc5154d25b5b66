"""Migrations: applied once, recorded, and safe to run again by every command and every worker."""

from __future__ import annotations

import pytest

from lrs_adapter.store import Database, open_store
from lrs_adapter.store.migrations import MIGRATIONS, migrate, probe_write


def test_migrating_again_changes_nothing(db: Database, store_url: str) -> None:
    latest = max(version for version, _, _ in MIGRATIONS)
    assert migrate(db) == latest
    again = open_store(store_url)
    assert again.execute("SELECT version FROM schema_migrations ORDER BY version") == [
        (version,) for version, _, _ in MIGRATIONS
    ]
    again.close()


def test_a_failed_transaction_leaves_nothing_behind(db: Database) -> None:
    try:
        with db.transaction():
            db.execute(
                "INSERT INTO cursors (connector, position, basis, run_id, updated_at) VALUES ('c', 'p', 'b', 1, 'n')"
            )
            raise RuntimeError("killed mid-page")
    except RuntimeError:
        pass
    assert db.execute("SELECT * FROM cursors") == []


def test_the_write_probe_leaves_nothing_behind_and_can_run_again(db: Database) -> None:
    probe_write(db)
    probe_write(db)
    with pytest.raises(Exception, match="lrs_adapter_write_probe"):
        db.execute("SELECT * FROM lrs_adapter_write_probe")
