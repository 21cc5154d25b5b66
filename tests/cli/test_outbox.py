"""Push as an admin meets it: sync --dry-run, push, and the outbox commands, against a real local webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from dateutil.relativedelta import relativedelta
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.cli import main
from tests.helpers.prevent import IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
#: The CLI evaluates as of today: a month ago, so the learners are green (not yet in their window) whenever this runs.
DONE = datetime.now(UTC).date() - timedelta(days=30)
DUE = DONE + relativedelta(years=2)


@pytest.fixture
def config(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOOK_SECRET", "a-secret-never-printed")
    completions = [
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=f"{DONE}T10:00:00Z")
        for learner in ("P00001", "P00002")
    ]
    for made in completions:
        made.pop("stored")  # an export file has none: the import time is used, as an LRS would
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in completions) + b"\n")
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f"""mappings = ["{ROOT / "mappings" / "prevent.toml"}"]
[roster]
home_page = "https://learning.example.gov.uk"
[store]
url = "sqlite:///store.db"
[connectors.export]
file = "export.jsonl"
[push]
max_attempts = 2
roster_only = false  # no roster here: every learner evaluated is pushed
[sinks.hook]
kind = "webhook"
url = "{httpserver.url_for("/hook")}"
secret_env = "HOOK_SECRET"
retry = {{ max_attempts = 1 }}
[sinks.totara]
kind = "lms_file"
directory = "upload"
"""
    )
    return path


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def test_dry_run_shows_what_would_be_pushed_and_pushes_nothing(config: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    code, output = cli(config, "sync", "--dry-run")
    assert code == 0, output
    assert "dry run: would push 2 to hook:" in output
    assert "dry run: would push 2 to totara:" in output
    assert f"certified     P00001 prevent: cycle completed {DONE} due {DUE}" in output
    assert httpserver.log == []
    assert not (config.parent / "upload").exists()
    code, output = cli(config, "sync")
    assert code == 0, output
    assert "push hook: delivered 2" in output
    assert "push totara: delivered 2" in output
    assert len(httpserver.log) == 2
    assert len(list((config.parent / "upload").glob("*.csv"))) == 1
    assert "a-secret-never-printed" not in output


def test_a_dead_letter_is_listed_with_its_error_and_delivered_by_retry_once_the_target_is_back(
    config: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_response(Response("maintenance", status=503))
    assert cli(config, "sync")[0] == 1
    code, output = cli(config, "push")
    assert code == 1
    assert "push hook: delivered 0 · failed 1 (dead-lettered 1) · waiting 1" in output
    code, output = cli(config, "outbox", "list", "--status", "dead")
    assert code == 0
    assert "→ hook dead (attempts 2)" in output
    assert "last error: transient: gave up on webhook 'hook'" in output
    assert "503" in output
    dead_id = output.split()[0]
    code, output = cli(config, "outbox", "show", dead_id)
    assert code == 0
    assert orjson.loads(output)["status"] == "dead"
    httpserver.clear()
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    code, output = cli(config, "outbox", "retry", "--all")
    assert code == 0, output
    assert "1 dead deliveries back in line" in output
    assert "push hook: delivered 2" in output
    assert "hook: delivered 2" in cli(config, "outbox", "list")[1]


def test_retry_with_nothing_named_says_how(config: Path) -> None:
    code, output = cli(config, "outbox", "retry")
    assert code == 1
    assert "--all" in output


def test_a_sink_added_later_is_backfilled_then_pushed_and_the_backfill_is_audited(
    config: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    full = config.read_text()
    config.write_text(full[: full.index("[sinks.totara]")])  # the LMS file sink comes later
    assert cli(config, "sync")[0] == 0
    config.write_text(full)
    code, output = cli(config, "outbox", "backfill", "totara", "--dry-run")
    assert code == 0, output
    assert "would add for totara: certified 2" in output, output
    code, output = cli(config, "outbox", "backfill", "totara")
    assert code == 0, output
    assert "added for totara: certified 2" in output, output
    assert "nothing: it lacks no event" in cli(config, "outbox", "backfill", "totara")[1]
    code, output = cli(config, "push")
    assert code == 0
    assert "push totara: delivered 2" in output
    assert "push hook: delivered 0" in output
    (upload,) = (config.parent / "upload").glob("*.csv")
    assert len(upload.read_text().splitlines()) == 3
    audit = [orjson.loads(line) for line in cli(config, "audit", "--format", "json")[1].splitlines()]
    assert [entry["after"] for entry in audit if entry["action"] == "outbox.backfill"] == [
        {"certified": 2},
        {},
    ]
    code, output = cli(config, "outbox", "backfill", "nowhere")
    assert code == 2
    assert "there is no sink 'nowhere'" in output
