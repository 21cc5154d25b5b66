"""Push what is true when it is sent: a certification withdrawn before its push (voided, retracted, unmerged) never
reaches Totara's upload file, which cannot take it back, while a real local webhook hears the certification and its
revocation, in order; the superseded delivery stays on record with why, and the push run counts it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.cli import main
from lrs_adapter.config import SINK_EVENTS
from lrs_adapter.pipeline.push import push
from lrs_adapter.pipeline.settle import reevaluate
from lrs_adapter.pipeline.superseded import stale
from lrs_adapter.store import Database
from lrs_adapter.store.corrections import completion_of, retract, unretract
from lrs_adapter.store.outbox import DELIVERED, SUPERSEDED, deliveries
from lrs_adapter.store.runs import last_push_runs
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import PREVENT, evaluate, take, totara_sink, webhook_sink

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-06-01T00:00:00.000000Z"
SINKS = {"totara": SINK_EVENTS["lms_file"], "hook": SINK_EVENTS["webhook"]}
ELEARNING = f"{IRI}/prevent-elearning"


def uploaded(directory: Path) -> list[tuple[str, str, str]]:
    """Every row of every Totara upload file in `directory`: (username, completiondate, duedate)."""
    rows = []
    for path in sorted(directory.glob("*.csv")):
        with path.open(newline="") as handle:
            rows += [(r["username"], r["completiondate"], r["duedate"]) for r in csv.DictReader(handle)]
    return rows


def heard(httpserver: HTTPServer, learner: str) -> list[tuple[str, str]]:
    """What the webhook heard about `learner`'s cycles, in the order it heard it: (event, the cycle's due date)."""
    events = [request.get_json() for request, _ in httpserver.log]
    return [(e["event"], e["cycle"]["due_on"]) for e in events if e["learner_id"] == learner and e["cycle"]]


@pytest.fixture
def sinks(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("HOOK_SECRET", "s3cret-for-tests")
    httpserver.expect_request("/events").respond_with_response(Response(status=204))
    return {
        "totara": totara_sink(tmp_path / "totara"),
        "hook": webhook_sink(httpserver.url_for("/events")),
    }


def test_a_certification_voided_before_its_push_reaches_the_webhook_in_order_and_not_totara(
    db: Database, tmp_path: Path, httpserver: HTTPServer, sinks: dict[str, Any]
) -> None:
    withdrawn = statement(SATISFIED, ELEARNING, learner="P00001", timestamp="2025-01-10T10:00:00Z")
    take(db, withdrawn, statement(SATISFIED, ELEARNING, learner="P00002", timestamp="2025-02-10T10:00:00Z"))
    evaluate(db, NOW, SINKS)
    take(db, voiding(withdrawn))
    evaluate(db, NOW, SINKS)

    counts = push(db, sinks, now=lambda: NOW, max_attempts=3)

    assert uploaded(tmp_path / "totara") == [("P00002", "2025-02-10", "2027-02-10")]
    assert heard(httpserver, "P00001") == [("certified", "2027-01-10"), ("revoked", "2027-01-10")]
    totara = counts.sinks["totara"]
    assert (totara.delivered, totara.superseded) == (1, 1)
    assert counts.sinks["hook"].superseded == 0  # the webhook can hear the revocation: it gets both
    [kept] = deliveries(db, status=SUPERSEDED)
    assert (kept.sink, kept.learner, kept.event) == ("totara", "P00001", "certified")
    assert kept.last_error == (
        "superseded: the cycle it certifies (completed 2025-01-10, due 2027-01-10) was revoked before it was sent"
    )
    assert last_push_runs(db)["totara"].superseded == 1
    again = push(db, sinks, now=lambda: NOW, max_attempts=3)  # nothing left: superseded is final
    assert (again.sinks["totara"].delivered, again.sinks["totara"].superseded) == (0, 0)


def test_a_cycle_withdrawn_and_restored_before_its_push_is_uploaded_once(
    db: Database, tmp_path: Path, sinks: dict[str, Any]
) -> None:
    take(db, statement(SATISFIED, ELEARNING, learner="P00001", timestamp="2025-01-10T10:00:00Z"))
    [certified] = [d for d in evaluate(db, NOW, SINKS) if d.sink == "totara"]
    [completion_id] = [row.id for row in db.execute("SELECT id FROM completions WHERE learner = 'P00001'")]
    with db.transaction():
        completion = completion_of(db, "P00001", completion_id)
        assert completion is not None
        retract(db, "P00001", completion, "wrong person", "ann", NOW)
        reevaluate(db, "P00001", [PREVENT], NOW, home_page=HOME, sinks=SINKS)
        unretract(db, "P00001", completion_id)
        reevaluate(db, "P00001", [PREVENT], NOW, home_page=HOME, sinks=SINKS)

    counts = push(db, sinks, now=lambda: NOW, max_attempts=3)

    assert uploaded(tmp_path / "totara") == [("P00001", "2025-01-10", "2027-01-10")]
    assert counts.sinks["totara"].superseded == 1
    [first] = deliveries(db, status=SUPERSEDED)
    assert first.id == certified.id  # its issue of the cycle was revoked: the one sent is the second issue
    assert first.last_error is not None
    assert first.last_error.endswith("was revoked before it was sent")
    sent = [d for d in reversed(deliveries(db, sink="hook", status=DELIVERED)) if d.event in ("certified", "revoked")]
    assert [d.event for d in sent] == ["certified", "revoked", "certified"]
    assert len({d.event_id for d in sent}) == 3  # a receiver dropping ids it has seen takes all three
    issues = [d.payload["cycle"] for d in sent]
    assert [c["issue"] for c in issues] == [0, 0, 1]
    assert issues[2]["statement_id"] != issues[0]["statement_id"] == issues[1]["statement_id"]


def test_certifications_are_judged_against_cycles_standing_and_status_events_against_the_state(db: Database) -> None:
    take(db, statement(SATISFIED, ELEARNING, learner="P00001", timestamp="2024-01-10T10:00:00Z"))
    made = evaluate(db, NOW)
    certified = next(d for d in made if d.event == "certified")
    [overdue] = [d for d in made if d is not certified]
    assert overdue.event == "overdue"  # due 2026-01-10
    red = {("P00001", "prevent"): {"status": "red", "due_on": "2026-01-10"}}
    assert set(stale(made, set(), red)) == {certified.id}
    standing = {("P00001", "prevent", certified.payload["cycle"]["statement_id"])}
    assert stale(made, standing, red) == {}
    assert stale([certified], {("P00002", "prevent", certified.payload["cycle"]["statement_id"])}, red) != {}
    # certified again since (green for a new due date), or red for another due date: the `overdue` no longer holds
    for now in ({"status": "green", "due_on": "2028-01-10"}, {"status": "red", "due_on": "2027-01-10"}):
        why = stale(made, standing, {("P00001", "prevent"): now})
        assert set(why) == {overdue.id}
        assert "no longer red for the due date 2026-01-10" in why[overdue.id]


# --- the administrator's commands, as the issue met them: Totara told of a certification status no longer shows --


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "--actor", "ann", *args])
    return result.exit_code, result.output


def due_on(config: Path, learner: str) -> str | None:
    code, output = cli(config, "status", "--learner", learner, "--format", "json")
    assert code == 0, output
    [record] = [orjson.loads(line) for line in output.splitlines()]
    return record["due_on"]  # type: ignore[no-any-return]


@pytest.fixture
def synced(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """P00001 certified until 2027-01-22 and P00002 (the same person, it turns out) until 2028-11-12; P00003 has
    done nothing. Synced and pushed to Totara's upload folder and a real local webhook."""
    monkeypatch.setenv("HOOK_SECRET", "s3cret-for-tests")
    httpserver.expect_request("/events").respond_with_response(Response(status=204))
    header = "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access"
    people = ["P00001,Ada Kept", "P00002,Ada Second", "P00003,Cal Nothing"]
    (tmp_path / "roster.csv").write_text(
        "\n".join([f"{header},assignment_date,leaving_date", *(f"{p},,Care,,Office,no,2024-01-01," for p in people)])
    )
    done = [("P00001", "2025-01-22"), ("P00002", "2026-11-12")]
    completions = [statement(SATISFIED, ELEARNING, learner=who, timestamp=f"{day}T10:00:00Z") for who, day in done]
    stored = [s | {"stored": s["timestamp"]} for s in completions]  # an LRS stores a statement after it happened
    (tmp_path / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in stored))
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        '[store]\nurl = "sqlite:///store.db"\n[connectors.export]\nfile = "export.jsonl"\n'
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "totara"\n'
        f'[sinks.hook]\nkind = "webhook"\nurl = "{httpserver.url_for("/events")}"\nsecret_env = "HOOK_SECRET"\n'
    )
    for command in (["roster", "import", str(tmp_path / "roster.csv")], ["sync"]):
        code, output = cli(config, *command)
        assert code == 0, output
    assert sorted(uploaded(tmp_path / "totara")) == [
        ("P00001", "2025-01-22", "2027-01-22"),
        ("P00002", "2026-11-12", "2028-11-12"),
    ]
    return config


def test_unmerged_before_the_push_totara_is_not_told_what_status_no_longer_says(
    synced: Path, httpserver: HTTPServer
) -> None:
    assert cli(synced, "learners", "merge", "P00001", "P00002", "--reason", "one person", "--yes")[0] == 0
    assert due_on(synced, "P00001") == "2028-11-12"  # certified on P00002's e-learning, pending for Totara
    assert cli(synced, "learners", "unmerge", "P00002", "--reason", "two people after all", "--yes")[0] == 0
    assert due_on(synced, "P00001") == "2027-01-22"

    code, output = cli(synced, "push")

    assert code == 0, output
    assert "push totara: delivered 1 · superseded 1" in output, output
    assert ("P00001", "2026-11-12", "2028-11-12") not in uploaded(synced.parent / "totara")
    assert {(who, due) for who, _, due in uploaded(synced.parent / "totara")} == {
        ("P00001", "2027-01-22"),
        ("P00002", "2028-11-12"),
    }
    assert heard(httpserver, "P00001") == [
        ("certified", "2027-01-22"),
        ("certified", "2028-11-12"),
        ("revoked", "2028-11-12"),
    ]
    # P00002's own cycle went with the merge and came back with the unmerge, on the same evidence: issued again
    second = [e for e in (r.get_json() for r, _ in httpserver.log) if e["learner_id"] == "P00002" and e["cycle"]]
    assert [e["event"] for e in second] == ["certified", "revoked", "certified"]
    assert len({e["event_id"] for e in second}) == 3
    assert [e["cycle"]["issue"] for e in second] == [0, 0, 1]
    assert second[2]["cycle"]["statement_id"] != second[0]["cycle"]["statement_id"]
    code, listing = cli(synced, "outbox", "list", "--status", "superseded")
    assert code == 0
    assert "P00001" in listing
    assert "revoked before it was sent" in listing, listing
    code, runs = cli(synced, "runs", "--stage", "push", "--limit", "2")
    assert "superseded 1" in runs, runs


def test_retracted_before_the_push_totara_gets_nothing_and_restored_it_gets_the_truth(
    synced: Path, httpserver: HTTPServer
) -> None:
    code, output = cli(
        synced, "completion", "add", "P00003", "--option", "elearning", "--on", "2026-11-12", "--reason", "sheet"
    )
    assert code == 0, output
    code, listing = cli(synced, "completion", "list", "P00003")
    completion_id = listing.split()[0]
    code, output = cli(synced, "completion", "retract", "P00003", completion_id, "--reason", "wrong person", "--yes")
    assert code == 0, output
    assert f"undo with: lrs-adapter completion restore P00003 {completion_id}" in output

    assert cli(synced, "push")[0] == 0

    assert [row for row in uploaded(synced.parent / "totara") if row[0] == "P00003"] == []
    assert heard(httpserver, "P00003") == [("certified", "2028-11-12"), ("revoked", "2028-11-12")]

    code, listing = cli(synced, "completion", "list", "P00003")
    assert f"{completion_id}  retracted" in listing, listing
    code, output = cli(synced, "completion", "restore", "P00003", completion_id, "--reason", "it was theirs")
    assert code == 0, output
    assert "P00003 prevent: green" in output, output
    assert cli(synced, "push")[0] == 0
    assert [row for row in uploaded(synced.parent / "totara") if row[0] == "P00003"] == [
        ("P00003", "2026-11-12", "2028-11-12")
    ]
