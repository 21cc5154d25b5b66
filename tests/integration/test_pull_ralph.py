"""Pulls from Ralph (fs backend), loaded once and read: an LRS whose quirks the adapter must survive.

No Consistent-Through or version header, no `about`, `limit` capped at 100, `ascending=true` reversing only each
page, `since` applied to `timestamp`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.ops.check import run_checks
from lrs_adapter.pipeline.pull import FAILED, SUCCEEDED, pull
from lrs_adapter.store import Database
from lrs_adapter.store.runs import get_cursor
from tests.helpers.faults import dying_source
from tests.helpers.lrs_servers import LRS
from tests.helpers.stored import stored_ids

FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)


def config(lrs: LRS, tmp_path: Path) -> Config:
    ralph = LrsConfig(
        name="ralph",
        endpoint=lrs.endpoint,
        username=lrs.username,
        password_env="RALPH_TEST_PASSWORD",
        page_size=500,  # Ralph caps it at 100
        since_field="timestamp",
        overlap_seconds=60,
        retry=FAST,
    )
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url="unused",
        lrs={"ralph": ralph},
        connectors={"ralph": ConnectorConfig(name="ralph", lrs="ralph")},
    )


def test_every_loaded_statement_pulled_across_pages_and_the_quirks_logged(
    ralph: LRS, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RALPH_TEST_PASSWORD", ralph.password)
    cfg = config(ralph, tmp_path)
    run = pull(cfg, db, "ralph")
    assert run.outcome == SUCCEEDED
    assert run.pages >= 3
    assert run.new == len(ralph.loaded)
    assert run.quarantined == 0
    assert stored_ids(db) == {s["id"] for s in ralph.loaded}
    assert run.notes is not None
    assert "the cursor is on timestamp" in run.notes
    assert "ascending order" in run.notes
    cursor = get_cursor(db, "ralph")
    newest = max(row[0] for row in db.execute("SELECT timestamp FROM statements"))
    assert cursor is not None
    assert (cursor.position, cursor.basis) == (newest, "newest_seen")

    again = pull(cfg, db, "ralph")  # re-reads the overlap on timestamp, adds nothing
    assert again.outcome == SUCCEEDED
    assert again.new == 0
    assert again.fetched == again.duplicate


def test_killed_mid_run_the_cursor_does_not_move_and_the_rerun_gets_everything(
    ralph: LRS, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RALPH_TEST_PASSWORD", ralph.password)
    cfg = config(ralph, tmp_path)
    assert pull(cfg, db, "ralph", source=dying_source(cfg, "ralph", db, after=2)).outcome == FAILED
    assert get_cursor(db, "ralph") is None  # pages out of order: no bookmark until a run completes
    assert pull(cfg, db, "ralph").outcome == SUCCEEDED
    assert db.one("SELECT COUNT(*) FROM statements") == (len(ralph.loaded),)


def test_check_reports_no_about_and_no_consistent_through(
    ralph: LRS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RALPH_TEST_PASSWORD", ralph.password)
    cfg = config(ralph, tmp_path)
    cfg = Config(cfg.path, f"sqlite:///{tmp_path / 's.db'}", cfg.lrs, cfg.connectors)
    lines: list[str] = []
    ok, _ = run_checks(cfg, lines.append)
    text = "\n".join(lines)
    assert ok, text
    assert "no About resource (404)" in text
    assert "does NOT send" in text


def test_wrong_password_is_a_config_error_with_ralphs_message(
    ralph: LRS, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RALPH_TEST_PASSWORD", "Wr0ng-Pa55")
    run = pull(config(ralph, tmp_path), db, "ralph")
    assert run.outcome == FAILED
    assert run.error_class == "config"
    assert "401" in (run.error_message or "")
    assert "Invalid authentication credentials" in (run.error_message or "")
    assert "Wr0ng-Pa55" not in (run.error_message or "")
