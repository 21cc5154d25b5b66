"""A page of 10,000 voiding statements, as one LRS page, in one transaction: every void applied, kept for a target
that has not arrived yet, or ignored when it targets a voiding statement; a malformed one quarantined."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.pipeline.pull import QUARANTINED, SUCCEEDED, pull
from lrs_adapter.sources.export_file import ExportFile
from lrs_adapter.store import Database
from lrs_adapter.store.runs import Run
from lrs_adapter.store.statement_keys import ids_bytes
from tests.helpers.prevent import COMPLETED, IRI, statement, voiding

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
PAGE = 10_000


def pull_page(db: Database, tmp_path: Path, name: str, statements: list[dict[str, Any]]) -> Run:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in statements))
    config = Config(
        path=tmp_path / "c.toml", store_url="unused", lrs={}, connectors={name: ConnectorConfig(name, file=path)}
    )
    return pull(config, db, name, now=lambda: NOW, source=ExportFile(path, batch=PAGE))


def test_a_page_of_10000_voiding_statements(db: Database, tmp_path: Path) -> None:
    targets = [
        statement(COMPLETED, f"{IRI}/prevent-elearning", learner=f"P{i:05d}", timestamp="2026-01-05T10:00:00Z")
        for i in range(PAGE)
    ]
    stored, later = targets[: PAGE - 5], targets[PAGE - 5 :]  # the last five are voided before they arrive
    first = pull_page(db, tmp_path, "targets", stored)
    voids = [voiding(t) for t in stored[:-5]]
    voids_of_voids = [voiding(v) for v in voids[:3]]  # xAPI: a voiding statement cannot be voided; ignored
    broken = [voiding(t) for t in stored[-2:]]
    for void in broken:
        void["object"] = {
            "objectType": "Activity",
            "id": f"{IRI}/{void['object']['id']}",
        }  # a void must name a StatementRef
    page = voids + voids_of_voids + [voiding(t) for t in later] + broken
    assert len(page) == PAGE
    assert first.outcome == SUCCEEDED
    started = time.monotonic()
    run = pull_page(db, tmp_path, "voids", page)
    seconds = time.monotonic() - started
    assert (run.outcome, run.pages, run.fetched, run.new, run.quarantined) == (QUARANTINED, 1, PAGE, PAGE - 2, 2)
    reasons = {tuple(row) for row in db.execute("SELECT field, reason FROM quarantine")}
    assert reasons == {("object", "a voiding statement's object must be a StatementRef, not Activity")}
    voided = db.one("SELECT COUNT(*) FROM statements WHERE voided_by IS NOT NULL")
    assert voided is not None
    assert voided[0] == len(voids)  # and no voiding statement voided
    assert seconds < 60, seconds  # generous: about 2 s on a 2-core machine
    assert pull_page(db, tmp_path, "latecomers", later).new == 5
    arrived = db.execute(
        "SELECT voided_by FROM statements WHERE id IN (?, ?, ?, ?, ?)", ids_bytes(t["id"] for t in later)
    )
    assert len(arrived) == 5
    assert all(row[0] for row in arrived)  # voided on arrival
