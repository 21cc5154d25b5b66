"""The metrics, read from the run log, the cursors and the outbox, in the Prometheus text format; the textfile."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from lrs_adapter.ops.metrics import exposition, write_textfile
from lrs_adapter.store import Database

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def seed(db: Database) -> None:
    with db.transaction():
        for connector, outcome, fetched, quarantined, ended in (
            ("lrs", "succeeded", 100, 0, "2026-11-26T06:00:00.000000Z"),
            ("lrs", "succeeded_with_quarantine", 50, 2, "2026-11-26T07:00:00.000000Z"),
            ("lrs", "failed", 5, 0, "2026-11-26T07:30:00.000000Z"),
        ):
            db.execute(
                "INSERT INTO runs (connector, source_kind, started_at, ended_at, fetched, quarantined, outcome)"
                " VALUES (?, 'lrs', ?, ?, ?, ?, ?)",
                (connector, ended, ended, fetched, quarantined, outcome),
            )
        db.execute(
            "INSERT INTO cursors (connector, position, basis, run_id, updated_at)"
            " VALUES ('lrs', '2026-11-26T07:58:00.000Z', 'consistent_through', 2, 'n')"
        )
        for status, attempts in (("pending", 0), ("pending", 2), ("dead", 8), ("delivered", 3), ("delivered", 1)):
            db.execute(
                "INSERT INTO outbox (event_id, sink, event, learner, certification, payload, status, attempts,"
                " created_at) VALUES ('e', 'lms', 'certified', 'P1', 'prevent', '{}', ?, ?, '2026-11-26T07:00:00.000000Z')",
                (status, attempts),
            )


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_exposition_counts_runs_statements_the_outbox_and_the_lag(db: Database) -> None:
    seed(db)
    found = samples(exposition(db, NOW).decode())
    lrs = (("connector", "lrs"),)
    assert found[("lrs_adapter_runs_total", (("connector", "lrs"), ("outcome", "failed")))] == 1
    assert found[("lrs_adapter_runs_total", (("connector", "lrs"), ("outcome", "succeeded")))] == 1
    assert found[("lrs_adapter_statements_fetched_total", lrs)] == 155
    assert found[("lrs_adapter_statements_quarantined_total", lrs)] == 2
    assert found[("lrs_adapter_statements_own_total", lrs)] == 0
    assert (
        found[("lrs_adapter_last_success_timestamp_seconds", lrs)] == datetime(2026, 11, 26, 7, tzinfo=UTC).timestamp()
    )
    assert found[("lrs_adapter_cursor_lag_seconds", lrs)] == 120
    sink = (("sink", "lms"),)
    assert found[("lrs_adapter_outbox_pending", sink)] == 2
    assert found[("lrs_adapter_outbox_dead", sink)] == 1
    assert found[("lrs_adapter_push_failures_total", sink)] == 0 + 2 + 8 + 2 + 0
    assert found[("lrs_adapter_outbox_deliveries", (("sink", "lms"), ("status", "delivered")))] == 2
    assert found[("lrs_adapter_outbox_oldest_pending_age_seconds", sink)] == 3600


def test_the_textfile_holds_the_same_metrics(db: Database, tmp_path: Path) -> None:
    seed(db)
    (tmp_path / "textfile").mkdir()
    target = tmp_path / "textfile" / "lrs_adapter.prom"
    write_textfile(db, NOW, target)
    assert samples(target.read_text()) == samples(exposition(db, NOW).decode())
    assert list(target.parent.iterdir()) == [target], "no temporary file left behind"


def test_the_metrics_command_writes_the_textfile_or_says_why_not(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lrs_adapter.cli import main

    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n')
    target = tmp_path / "lrs_adapter.prom"
    result = CliRunner().invoke(main, ["--config", str(config), "metrics", "--textfile", str(target)])
    assert result.exit_code == 0, result.output
    assert "# TYPE lrs_adapter_runs_total counter" in target.read_text()
    missing = tmp_path / "no-such-dir" / "lrs_adapter.prom"
    result = CliRunner().invoke(main, ["--config", str(config), "metrics", "--textfile", str(missing)])
    assert result.exit_code == 1
    assert f"cannot write {missing}" in result.output
