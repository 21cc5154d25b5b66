"""`lrs-adapter health`: passes on a fresh connector, fails on a stale, a failing or a never-run one; fails on a sink
with dead letters or deliveries waiting too long, naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.cli import main
from lrs_adapter.ops.health import judge, sink_health
from lrs_adapter.store import Database, open_store
from tests.helpers.factory import make_statements
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
DAY = timedelta(hours=26)


@pytest.mark.parametrize(
    ("last_success", "last_outcome", "problem"),
    [
        ("2026-11-25T09:00:00.000000Z", "succeeded", None),
        ("2026-11-25T09:00:00.000000Z", "succeeded_with_quarantine", None),
        ("2026-11-25T05:59:59.000000Z", "succeeded", "no successful run for more than 1 day, 2:00:00"),
        ("2026-11-25T09:00:00.000000Z", "failed", "its newest run failed"),
        ("2026-11-25T09:00:00.000000Z", "interrupted", "its newest run interrupted"),
        (None, None, "no successful run yet"),
    ],
)
def test_judge(last_success: str | None, last_outcome: str | None, problem: str | None) -> None:
    assert judge("c", last_success, last_outcome, DAY, NOW).problem == problem


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in make_statements(3)) + b"\n")
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///store.db"\n[health]\nmax_age = "1h"\n[connectors.demo]\nfile = "export.jsonl"\n'
    )
    return path


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def test_health_passes_on_a_fresh_connector_and_fails_once_it_is_stale(config: Path, tmp_path: Path) -> None:
    assert cli(config, "health") == (1, "demo: UNHEALTHY: no successful run yet (last success never)\n")
    assert cli(config, "pull")[0] == 0
    code, output = cli(config, "health")
    assert code == 0, output
    assert output.startswith("demo: ok (last success 20")
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with db.transaction():  # two hours pass without a sync
        db.execute("UPDATE runs SET ended_at = '2026-01-01T00:00:00.000000Z'")
    db.close()
    code, output = cli(config, "health")
    assert code == 1
    assert "demo: UNHEALTHY: no successful run for more than 1:00:00" in output


def test_health_fails_when_the_newest_run_failed(config: Path) -> None:
    assert cli(config, "pull")[0] == 0
    (config.parent / "export.jsonl").unlink()
    assert cli(config, "pull")[0] != 0
    code, output = cli(config, "health")
    assert code == 1
    assert "UNHEALTHY: its newest run failed" in output


def test_a_dead_letter_makes_health_fail_naming_the_sink_until_it_is_delivered(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", "s")
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2026-11-01T10:00:00Z")
    completion.pop("stored")
    (tmp_path / "export.jsonl").write_bytes(orjson.dumps(completion) + b"\n")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        '[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n'
        "[push]\nmax_attempts = 1\nroster_only = false\n"
        f'[sinks.hook]\nkind = "webhook"\nurl = "{httpserver.url_for("/hook")}"\nsecret_env = "HOOK_SECRET"\n'
        "retry = { max_attempts = 1 }\n"
    )
    httpserver.expect_request("/hook").respond_with_response(Response("down", status=503))
    assert cli(config, "sync")[0] == 1
    code, output = cli(config, "health")
    assert code == 1
    assert "demo: ok" in output
    assert "sink hook: UNHEALTHY: 1 dead letters (lrs-adapter outbox list --status dead --sink hook)" in output
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    assert cli(config, "outbox", "retry", "--all")[0] == 0
    code, output = cli(config, "health")
    assert code == 0, output
    assert "sink hook: ok (pending 0, dead 0)" in output


def test_a_sink_whose_deliveries_wait_longer_than_max_age_is_unhealthy(db: Database) -> None:
    with db.transaction():
        for sink, created in (("late", "2026-11-25T05:00:00.000000Z"), ("fresh", "2026-11-26T07:00:00.000000Z")):
            db.execute(
                "INSERT INTO outbox (event_id, sink, event, learner, certification, payload, status, created_at)"
                " VALUES ('e', ?, 'certified', 'P1', 'prevent', '{}', 'pending', ?)",
                (sink, created),
            )
    verdicts = {v.sink: v for v in sink_health(db, ["late", "fresh", "idle"], DAY, NOW)}
    assert verdicts["late"].problem == (
        "deliveries pending for more than 1 day, 2:00:00 (since 2026-11-25T05:00:00.000000Z)"
    )
    assert verdicts["fresh"].healthy
    assert verdicts["fresh"].oldest_pending == "2026-11-26T07:00:00.000000Z"
    assert (verdicts["idle"].healthy, verdicts["idle"].pending, verdicts["idle"].last_outcome) == (True, 0, None)
