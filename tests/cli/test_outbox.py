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


def test_dry_run_tells_what_totara_would_not_be_sent_from_what_it_would(config: Path, httpserver: HTTPServer) -> None:
    """A certification retracted before the push: the dry run says it would be superseded for Totara, and why,
    not that it would be pushed; the push then does what the dry run said."""
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    assert cli(config, "sync", "--dry-run")[0] == 0
    code, listing = cli(config, "completion", "list", "P00001")
    assert code == 0, listing
    completion_id = listing.split()[0]
    code, output = cli(config, "completion", "retract", "P00001", completion_id, "--reason", "not theirs", "--yes")
    assert code == 0, output

    code, output = cli(config, "sync", "--dry-run")

    assert code == 0, output
    assert "dry run: would push 1 to totara:" in output, output
    assert f"certified     P00002 prevent: cycle completed {DONE} due {DUE}" in output
    lines = output.splitlines()
    header = lines.index(
        "dry run: would mark 1 superseded for totara and not send them (no longer true, and totara cannot take them"
        " back):"
    )
    assert lines[header + 1].endswith(
        f"  certified     P00001 prevent: cycle completed {DONE} due {DUE}: the cycle it certifies"
        f" (completed {DONE}, due {DUE}) was revoked before it was sent"
    )
    assert "dry run: would push 3 to hook:" in output  # it hears the revocation too: nothing superseded
    assert "superseded for hook" not in output
    code, output = cli(config, "push")
    assert code == 0, output
    assert "push totara: delivered 1 · superseded 1" in output, output
    assert "push hook: delivered 3" in output, output


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
    assert "facts" not in orjson.loads(output)  # the roster facts a push reads are no part of the delivery stored
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


def test_a_wrong_webhook_secret_exits_2_once_per_run_spends_nothing_and_health_names_the_sink(
    config: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/hook").respond_with_response(Response("bad signature", status=401))
    for _ in range(3):  # more runs than [push] max_attempts: still nothing dead-lettered
        code, output = cli(config, "sync")
        assert code == 2, output
        assert output.count("stopped (config): key sinks.hook.secret_env: webhook 'hook' answered 401") == 1
        assert output.count('"level":"error"') == 1  # the one log line: "sink stopped: configuration"
        assert "delivery failed" not in output
    assert "→ hook pending (attempts 0)" in cli(config, "outbox", "list", "--sink", "hook")[1]
    assert "dead" not in cli(config, "outbox", "list", "--sink", "hook")[1]
    code, output = cli(config, "health")
    assert code == 1
    assert "sink hook: UNHEALTHY: its newest push stopped on its configuration: key sinks.hook.secret_env" in output
    assert "sink totara: ok" in output
    runs = [orjson.loads(line) for line in cli(config, "runs", "--stage", "push", "--format", "json")[1].splitlines()]
    assert len(runs) == 6  # three syncs, each a push run per sink, newest first
    assert [(r["connector"], r["outcome"], r["error_class"], r["waiting"]) for r in runs[:2]] == [
        ("totara", "succeeded", None, 0),
        ("hook", "stopped", "config", 2),
    ]
    code, output = cli(config, "runs", "--failed")
    assert "push  hook" in output
    assert "config: key sinks.hook.secret_env: webhook 'hook' answered 401" in output


REMOVED = "sink hook is no longer configured but holds 2 undelivered deliveries"


def retire_the_hook(config: Path, httpserver: HTTPServer) -> None:
    """The hook is down at a sync, so its two deliveries wait; then it is taken out of the config."""
    httpserver.expect_request("/hook").respond_with_response(Response("maintenance", status=503))
    assert cli(config, "sync")[0] == 1
    full = config.read_text()
    start, end = full.index("[sinks.hook]"), full.index("[sinks.totara]")
    config.write_text(full[:start] + full[end:])


def test_a_removed_sink_is_named_by_check_sync_and_health(config: Path, httpserver: HTTPServer) -> None:
    retire_the_hook(config, httpserver)
    code, output = cli(config, "sync")
    assert code == 0, output
    assert REMOVED in output
    assert "lrs-adapter outbox discard --sink hook --reason TEXT" in output
    code, output = cli(config, "check")
    assert code == 0, output
    assert "sink hook: WARNING: no longer configured, yet the outbox holds 2 undelivered deliveries" in output
    code, output = cli(config, "health")
    assert code == 1
    assert "sink hook: UNHEALTHY: not configured, yet holds 2 deliveries" in output


def test_discard_needs_a_reason_and_one_way_of_naming_deliveries(config: Path, httpserver: HTTPServer) -> None:
    retire_the_hook(config, httpserver)
    code, output = cli(config, "outbox", "discard", "--sink", "hook")
    assert code == 2  # --reason is required
    code, output = cli(config, "outbox", "discard", "--reason", "both named")
    assert code == 1
    assert "one --sink NAME" in output


def test_a_removed_sinks_deliveries_discarded_audited_and_health_is_ok_again(
    config: Path, httpserver: HTTPServer
) -> None:
    retire_the_hook(config, httpserver)
    pending = sorted(
        int(line.split()[0]) for line in cli(config, "outbox", "list", "--sink", "hook")[1].splitlines()[:2]
    )
    code, output = cli(config, "outbox", "discard", "--sink", "hook", "--reason", "the mailer was retired", "--yes")
    assert code == 0, output
    assert "discarded 2 deliveries of hook" in output
    audit = [orjson.loads(line) for line in cli(config, "audit", "--format", "json")[1].splitlines()]
    (entry,) = [entry for entry in audit if entry["action"] == "outbox.discard"]
    assert entry["reason"] == "the mailer was retired"
    assert entry["after"] == {"status": "discarded", "ids": pending}
    assert [(d["id"], d["sink"], d["status"]) for d in entry["before"]["deliveries"]] == [
        (i, "hook", "pending") for i in pending
    ]
    listed = cli(config, "outbox", "list", "--status", "discarded")[1]
    assert listed.count("→ hook discarded") == 2
    assert "discarded: the mailer was retired" in listed
    assert REMOVED not in cli(config, "sync")[1]
    assert "sink hook" not in cli(config, "check")[1]
    code, output = cli(config, "health")
    assert "sink hook" not in output
    assert code == 0, output


def test_discarding_named_deliveries_leaves_delivered_ones_and_says_so(config: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    assert cli(config, "sync")[0] == 0
    delivered = cli(config, "outbox", "list", "--sink", "hook")[1].split()[0]
    code, output = cli(config, "outbox", "discard", delivered, "9999", "--reason", "typo", "--yes")
    assert code == 1
    assert "discarded 0 deliveries" in output
    assert f"not discarded (no such delivery, or already delivered or discarded): [{delivered}, 9999]" in output
    assert "discarded" not in cli(config, "outbox", "list", "--sink", "hook")[1]
