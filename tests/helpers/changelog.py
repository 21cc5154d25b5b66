"""Syncing statements into a store as `lrs-adapter sync` does (intake, store, map, evaluate), for the tests of what
reads the change log: the feed, the API, the metrics."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.store import Database
from lrs_adapter.store.statements import save_statements
from tests.helpers.prevent import HOME, RECEIVED

PREVENT = load_mapping(Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml")
NOW = "2026-06-01T00:00:00.000000Z"


def store_statements(db: Database, *statements: dict[str, Any], connector: str = "c") -> None:
    accepted = [take_in(dict(s), source="t", received_at=RECEIVED) for s in statements]
    assert all(isinstance(a, Accepted) for a in accepted)
    with db.transaction():
        save_statements(db, accepted, connector=connector, run_id=1, received_at=NOW)  # type: ignore[arg-type]


def sync(db: Database, *statements: dict[str, Any], now: str = NOW) -> None:
    store_statements(db, *statements)
    map_queued(db, [PREVENT], now, home_page=HOME)
    settle(db)


def settle(db: Database) -> None:
    """Wait (30 s at most) until the feed shows every committed change. On PostgreSQL its horizon is the oldest
    writer on the whole server, so another suite's open transaction may hold changes back for a moment."""
    if db.dialect != "postgresql":
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and db.one(
        "SELECT 1 FROM changes WHERE writer_xid >= pg_snapshot_xmin(pg_current_snapshot()) LIMIT 1"
    ):
        time.sleep(0.05)
