"""`attendance import --lrs`: the report's statements PUT to a real LRS (Learning Locker's statements service) under
their ids, so the LRS and the store hold one kind of record: pulled back, they are the statements the store has."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.pipeline.attendance import import_attendance
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import open_store
from lrs_adapter.store.learners import import_roster
from lrs_adapter.store.runs import list_runs
from tests.helpers.lrs_servers import LRS
from tests.helpers.prevent import HOME
from tests.helpers.stored import stored_ids

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "attendance"
NOW = datetime(2026, 3, 11, 8, tzinfo=UTC)


def _config(lrs: LRS, tmp_path: Path) -> Config:
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        mappings=(ROOT / "mappings" / "prevent.toml",),
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        lrs={
            "ll": LrsConfig(
                name="ll",
                endpoint=lrs.endpoint,
                username="any",
                page_size=100,
                retry=RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.05, max_total=1),
            )
        },
        connectors={"ll": ConnectorConfig(name="ll", lrs="ll")},
        home_page=HOME,
    )


def _held(lrs: LRS) -> dict[str, dict[str, Any]]:
    body = lrs.get("statements", limit=500).json()
    assert not body.get("more")
    return {statement["id"]: statement for statement in body["statements"]}


def test_the_lrs_holds_what_the_store_holds_and_a_second_send_adds_nothing(
    learning_locker: LRS, tmp_path: Path
) -> None:
    config = _config(learning_locker, tmp_path)
    db = open_store(config.store_url)
    import_roster(db, read_roster(ROOT / "fixtures" / "roster.csv"), home_page=HOME, today=date(2026, 3, 1), now="x")
    teams = FIXTURES / "teams-prevent-webinar-2026-03-10.csv"
    done = import_attendance(
        config, db, teams, option="webinar_live", session="2026-03-10", to_lrs="ll", now=lambda: NOW
    )
    assert done.sent is not None
    assert (done.sent.outcome, done.sent.delivered, done.sent.refused) == ("succeeded", 14, 0)
    held = _held(learning_locker)
    stored = stored_ids(db)
    assert set(held) == stored
    assert len(stored) == 14
    assert {s["verb"]["id"] for s in held.values()} == {"http://activitystrea.ms/join", "http://activitystrea.ms/leave"}

    zoom = FIXTURES / "zoom-prevent-webinar-2026-03-10.csv"
    again = import_attendance(
        config, db, zoom, option="webinar_live", session="2026-03-10", to_lrs="ll", now=lambda: NOW
    )
    assert again.sent is not None
    assert (again.sent.outcome, again.sent.delivered, again.run.new) == ("succeeded", 14, 0)
    assert set(_held(learning_locker)) == stored

    pulled = pull(config, db, "ll")
    assert (pulled.new, pulled.duplicate, pulled.conflicts, pulled.quarantined) == (0, 14, 0, 0)
    assert [run.connector for run in list_runs(db, stage="push")] == ["attendance:ll", "attendance:ll"]
    db.close()


def test_an_lrs_that_cannot_be_reached_fails_the_send_and_keeps_the_store(tmp_path: Path) -> None:
    unreachable = LRS("http://127.0.0.1:9/xAPI/", "any", "", tmp_path / "none.log")
    config = _config(unreachable, tmp_path)
    db = open_store(config.store_url)
    teams = FIXTURES / "teams-prevent-webinar-2026-03-10.csv"
    done = import_attendance(config, db, teams, option="webinar_live", session="s1", to_lrs="ll", now=lambda: NOW)
    assert (done.run.outcome, done.run.new) == ("succeeded", 14)
    assert done.sent is not None
    assert (done.sent.outcome, done.sent.delivered, done.sent.failed, done.sent.error_class) == (
        "failed",
        0,
        14,
        "transient",
    )
    assert "import the file again with --lrs" in str(done.sent.error_message)
    db.close()
