"""Retention and erasure through the command line: a leaver past the retention period leaves no personal data in
the store's file or the feed (their name, email and payroll number grepped for), what was removed is reported and
audited under a pseudonym; an erasure request for someone still employed is refused unless forced."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.cli import main
from tests.helpers.prevent import IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
#: The leaver to erase: distinctive values, so that a match can only be theirs.
NAME, EMAIL, PAYROLL, OLD_PAYROLL = "Rhona Quixotic-Leaver", "rhona.quixotic@council.example", "P77001", "P97001"
STAYER = "P77002"


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "--actor", "dpo", *args])
    return result.exit_code, result.output


def lines(config: Path, *args: str) -> list[dict[str, Any]]:
    code, output = cli(config, *args)
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines()]


def make_store(tmp_path: Path, retention: str = '[retention]\nleavers_after = "P6Y"\n') -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date,"
        f"leaving_date\n{PAYROLL};{OLD_PAYROLL},{NAME},{EMAIL},Highways,P00900,Office,no,2016-01-01,2019-03-31\n"
        f"{STAYER},Sam Stayer,sam.stayer@council.example,Highways,P00900,Office,no,2016-01-01,\n"
    )
    by_email = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=PAYROLL, timestamp="2018-05-01T10:00:00Z")
    by_email["actor"] = {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{EMAIL}"}
    by_account = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=OLD_PAYROLL, timestamp="2016-05-01T10:00:00Z")
    stayer = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=STAYER, timestamp="2026-05-01T10:00:00Z")
    (tmp_path / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in (by_email, by_account, stayer)))
    (tmp_path / "history.csv").write_text(
        f"payroll_number,option,completion_date,source\n{PAYROLL},wrap,2014-02-01,Old LMS\n"
    )
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"'
        f'\n[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n[connectors.export]\nfile = "export.jsonl"\n{retention}'
    )
    assert cli(config, "roster", "import", str(roster))[0] == 0
    assert cli(config, "history", "import", str(tmp_path / "history.csv"))[0] == 0
    assert cli(config, "sync")[0] == 0
    assert cli(config, "exempt", PAYROLL, "--until", "2099-01-01", "--reason", f"{NAME} on leave")[0] == 0
    return config


def stored_bytes(tmp_path: Path) -> bytes:
    """The database file and whatever SQLite keeps beside it (write-ahead log, shared memory)."""
    return b"".join(path.read_bytes() for path in tmp_path.glob("store.db*"))


def feed_output(config: Path) -> bytes:
    chunks = []
    for kind in ("completions", "certifications"):
        for fmt in ("jsonl", "csv"):
            code, output = cli(config, "feed", "export", "--kind", kind, "--format", fmt)
            assert code == 0, output
            chunks.append(output.encode())
    return b"".join(chunks)


def personal(data: bytes) -> list[bytes]:
    return [value for value in (NAME.encode(), EMAIL.encode(), PAYROLL.encode(), OLD_PAYROLL.encode()) if value in data]


def test_retention_erases_a_leaver_past_the_period_from_the_store_file_and_the_feed(tmp_path: Path) -> None:
    config = make_store(tmp_path)
    assert personal(stored_bytes(tmp_path))  # the grep can find them
    assert personal(feed_output(config))

    code, output = cli(config, "retention", "apply", "--dry-run")
    assert code == 0, output
    assert f"{PAYROLL} (left 2019-03-31): 2 statements pseudonymised, 1 roster rows" in output, output
    assert "would erase: 1 leavers" in output
    assert "dry run: nothing was changed" in output
    assert personal(stored_bytes(tmp_path)) == [NAME.encode(), EMAIL.encode(), PAYROLL.encode(), OLD_PAYROLL.encode()]

    code, output = cli(config, "retention", "apply", "--yes")
    assert code == 0, output
    assert "erased: 1 leavers" in output, output
    assert "1 register/history rows" in output
    assert "feed records" in output
    assert personal(stored_bytes(tmp_path)) == []
    assert personal(feed_output(config)) == []
    assert [r["learner"] for r in lines(config, "status", "--format", "json")] == [STAYER]  # the stayer is untouched
    entries = lines(config, "audit", "--format", "json")
    [erasure] = [e for e in entries if e["action"] == "retention.erase"]
    assert erasure["learner"].startswith("erased-")
    assert erasure["after"]["statements"] == 2
    assert erasure["before"] == {"left_on": "2019-03-31", "on_roster": True}
    assert all(e["learner"] in (None, erasure["learner"]) for e in entries)  # the exemption's entry, emptied
    code, output = cli(config, "retention", "apply", "--yes")
    assert code == 0
    assert "erased: 0 leavers" in output


def test_an_erasure_request_is_refused_while_employed_unless_forced(tmp_path: Path) -> None:
    config = make_store(tmp_path)
    code, output = cli(config, "learners", "erase", STAYER, "--reason", "request 2026/114", "--yes")
    assert code == 2
    assert f"{STAYER} is still employed (on HR's roster with no leaving date)" in output
    assert lines(config, "status", "--learner", STAYER, "--format", "json")[0]["status"] == "green"
    code, output = cli(config, "learners", "erase", STAYER, "--reason", "request 2026/114", "--force", "--yes")
    assert code == 0, output
    assert "1 statements pseudonymised" in output, output
    assert STAYER.encode() not in stored_bytes(tmp_path)
    assert b"sam.stayer" not in stored_bytes(tmp_path)
    assert (
        cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/115", "--yes")[0] == 0
    )  # a leaver: no force
    assert personal(stored_bytes(tmp_path)) == []


def test_retention_without_a_period_names_the_key_to_set(tmp_path: Path) -> None:
    config = make_store(tmp_path, retention="")
    code, output = cli(config, "retention", "apply", "--yes")
    assert code == 2
    assert "retention.leavers_after" in output
    assert 'leavers_after = "P6Y"' in output


#: The council's case (issue 18): the leaver also has a second e-mail, an identity merged into them (an agency
#: number), a quarantined statement, the manager of someone whose briefing they delivered, results pushed to Totara
#: and a webhook, and their state changed by a remap.
EMAIL2, MERGED, EMAIL3, REPORT = "r.quixotic@council.example", "P77003", "rhona@agency.example", "P77004"
SECRET = "a-secret-never-printed"


def everything_of_the_person(data: bytes) -> list[bytes]:
    sha1 = hashlib.sha1(f"mailto:{EMAIL}".encode()).hexdigest()  # noqa: S324 - xAPI's own hash
    values = (NAME, EMAIL, EMAIL2, EMAIL3, PAYROLL, OLD_PAYROLL, MERGED, sha1)
    return [value.encode() for value in values if value.encode() in data]


def make_council(tmp_path: Path, hook_url: str) -> Path:
    (tmp_path / "roster.csv").write_text(
        "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date,"
        f"leaving_date\n{PAYROLL};{OLD_PAYROLL},{NAME},{EMAIL};{EMAIL2},Highways,P00900,Office,no,2016-01-01,2019-03-31\n"
        f"{MERGED},{NAME},{EMAIL3},Agency,,Office,no,2016-01-01,2019-03-31\n"
        f"{REPORT},Rob Report,rob.report@council.example,Highways,{PAYROLL},Office,no,2016-01-01,\n"
    )
    by_email = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=PAYROLL, timestamp="2018-05-01T10:00:00Z")
    by_email["actor"] = {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{EMAIL}"}
    made = [
        by_email,
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=OLD_PAYROLL, timestamp="2016-05-01T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=MERGED, timestamp="2018-11-01T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=REPORT, timestamp="2026-05-01T10:00:00Z"),
    ]
    broken = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=PAYROLL, timestamp="2018-06-01T10:00:00Z")
    broken["actor"] = {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{EMAIL2}"}
    broken.pop("verb")  # quarantined, its raw text kept
    for s in made:
        s.pop("stored")
    lines = [orjson.dumps(s) for s in made] + [orjson.dumps(broken)]
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (tmp_path / "history.csv").write_text(
        f"payroll_number,option,completion_date,source\n{PAYROLL},wrap,2014-02-01,Old LMS\n"
    )
    (tmp_path / "briefings.csv").write_text(
        "payroll_number,name,date_delivered,delivered_by,department\n"
        f"{REPORT},Rob Report,2026-06-01,{PAYROLL} {NAME},Highways\n"
    )
    (tmp_path / "late-briefing.csv").write_text(
        "payroll_number,name,date_delivered,delivered_by,department\n"
        f"{PAYROLL},{NAME},2020-01-15,P00900 Eve Manager,Highways\n"
    )
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"'
        f'\n[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n[connectors.export]\nfile = "export.jsonl"\n'
        f'[sinks.hook]\nkind = "webhook"\nurl = "{hook_url}"\nsecret_env = "HOOK_SECRET"\n'
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "upload"\n'
    )
    return config


class Logged:
    """Runs the scheduled jobs as cron would (sync, push, imports, exports), their output appended to the adapter's
    log file. An administrator's commands (exempt, merge, remap, erase) name whom they act on, on the terminal, and
    are run with `admin` (the README says so)."""

    def __init__(self, config: Path) -> None:
        self.config, self.log = config, config.parent / "var" / "adapter.log"
        self.log.parent.mkdir(exist_ok=True)

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        code, output = cli(self.config, *args)
        with self.log.open("a") as log:
            log.write(output)
        assert code in ok, output
        return output

    def admin(self, *args: str) -> str:
        code, output = cli(self.config, *args)
        assert code == 0, output
        return output


class FeedConsumer:
    """A system following the feed as the README says: each record kept under its id with its seq, a tombstone
    deleting by id, an erasure's tombstone deleting the record read under its `erased_seq`; the last seq kept."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, Any]] = {}
        self.after = 0

    def take(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            if "erased_seq" in record:
                self.held = {k: r for k, r in self.held.items() if r["seq"] != record["erased_seq"]}
            elif record["deleted"]:
                self.held.pop(record["id"], None)
            else:
                self.held[record["id"]] = record
            self.after = record["seq"]


def upload_rows_of(upload: Path, learner: str) -> list[list[str]]:
    """The rows of a Totara upload file about `learner`, cells as a CSV reader gives them."""
    with upload.open(newline="") as rows:
        return [row for row in csv.reader(rows) if row[:1] == [learner]]


def exported(run: Logged, kind: str, after: int, name: str) -> list[dict[str, Any]]:
    path = run.config.parent / "exports" / name
    path.parent.mkdir(exist_ok=True)
    run("feed", "export", "--kind", kind, "--after", str(after), "--output", str(path))
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def live_through_the_councils_case(run: Logged) -> None:
    """Imports and syncs, an exemption, a merge, and a remap that changes the leaver's state."""
    run("roster", "import", "roster.csv")
    run("history", "import", "history.csv")
    run("register", "import", "briefings.csv")
    run("sync", ok=(3,))  # the broken statement quarantined
    run.admin("exempt", PAYROLL, "--until", "2099-01-01", "--reason", f"{NAME} on leave")
    run.admin("learners", "merge", PAYROLL, MERGED, "--reason", f"{EMAIL3} is the agency number of {NAME}", "--yes")
    run("register", "import", "late-briefing.csv")
    assert f"{PAYROLL} prevent" in run.admin("remap")  # a remap's audit entry lists their status history
    run("sync", ok=(3,))  # pushes what the remap changed (the broken statement is met again: 3)


def receivers_copy(httpserver: HTTPServer) -> dict[str, dict[str, Any]]:
    """What a webhook receiver keeps: each event by its id, minus those an `erased` event names."""
    events = [request.get_json() for request, _ in httpserver.log]
    erased = {event_id for e in events if e["event"] == "erased" for event_id in e["erases"]}
    return {e["event_id"]: e for e in events if e["event"] != "erased" and e["event_id"] not in erased}


def erase_the_leaver(config: Path, uploads: set[Path]) -> None:
    """The erasure request, and what its output must say (and must not: the pseudonym)."""
    code, output = cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/7", "--yes")
    assert code == 0, output
    assert f"\n{PAYROLL}: 3 statements pseudonymised" in f"\n{output}", output
    assert "erased-" not in output  # the person is named, never linked to their pseudonym
    assert "1 quarantined statements pseudonymised; named as manager on 1 roster rows and 1 register rows" in output
    for upload in uploads:  # the Totara files are the LMS admin's to clean: listed, with the rows
        for row in upload_rows_of(upload, PAYROLL):
            assert f"    {upload}: {','.join(row)}" in output, output
    assert "none holds their identifiers" in output


def test_an_erasure_reaches_every_consumer_and_leaves_nothing_of_the_person_in_any_file_the_adapter_wrote(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    monkeypatch.chdir(tmp_path)  # the imported files are named as an administrator types them
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    run = Logged(make_council(tmp_path, httpserver.url_for("/hook")))
    live_through_the_councils_case(run)
    consumers = {kind: FeedConsumer() for kind in ("completions", "certifications")}
    for kind, consumer in consumers.items():
        consumer.take(exported(run, kind, 0, f"{kind}.jsonl"))
        assert everything_of_the_person(orjson.dumps(consumer.held))  # the consumer holds the person
    assert {e["learner_id"] for e in receivers_copy(httpserver).values()} == {PAYROLL, MERGED, REPORT}
    uploads = {p for p in (tmp_path / "upload").glob("*.csv") if upload_rows_of(p, PAYROLL)}
    assert uploads

    erase_the_leaver(run.config, uploads)

    run("push")
    erasures = [r.get_json() for r, _ in httpserver.log if r.get_json()["event"] == "erased"]
    assert erasures
    assert everything_of_the_person(orjson.dumps(erasures)) == []
    assert {e["learner_id"] for e in receivers_copy(httpserver).values()} == {REPORT}  # only the others left

    for kind, consumer in consumers.items():
        consumer.take(exported(run, kind, consumer.after, f"{kind}.jsonl"))  # read on after the last seq
        assert everything_of_the_person(orjson.dumps(consumer.held)) == [], consumer.held
        assert {r["learner_id"] for r in consumer.held.values()} == {REPORT}
        for fmt in ("jsonl", "csv"):
            run("feed", "export", "--kind", kind, "--format", fmt, "--output", f"exports/all-{kind}.{fmt}")

    inputs = {"roster.csv", "export.jsonl", "history.csv", "briefings.csv", "late-briefing.csv", "lrs-adapter.toml"}
    written = {p for p in tmp_path.rglob("*") if p.is_file() and p.name not in inputs}
    assert {p.name for p in written} >= {"store.db", "adapter.log", "completions.jsonl", "all-certifications.csv"}
    assert uploads < written
    holding = {p for p in written if everything_of_the_person(p.read_bytes())}
    assert holding == uploads  # the README says why: they left the adapter's hands


def test_a_reader_holding_the_store_open_fails_the_erasure_loudly_until_store_compact_finishes_it(
    tmp_path: Path,
) -> None:
    config = make_store(tmp_path)
    reader = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM learners").fetchone() == (2,)  # a snapshot with the person in it
    try:
        code, output = cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/9", "--yes")
        assert code == 1, output
        assert "the erasure is committed, but the person's identifiers are still in" in output
        assert "another process holds the store open" in output
        assert "lrs-adapter store compact" in output
        assert personal(stored_bytes(tmp_path))  # what the command said: the bytes stayed
        code, output = cli(config, "store", "compact")
        assert code == 1, output
        assert "still holds" in output
    finally:
        reader.close()
    code, output = cli(config, "store", "compact")
    assert code == 0, output
    assert personal(stored_bytes(tmp_path)) == []
