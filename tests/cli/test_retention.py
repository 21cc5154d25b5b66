"""Retention and erasure through the command line: a leaver past the retention period leaves no personal data in
the store's file or the feed (their name, email and payroll number grepped for), what was removed is reported and
audited under a pseudonym; an erasure request for someone still employed is refused unless forced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

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
