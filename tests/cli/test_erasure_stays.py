"""Erasure that stays, through the command line on the export-file source: after `learners erase`, pulling the same
statements again (and new ones) does not recreate the person (they are held in quarantine with the reason and no
personal data); a roster, register or history import of the erased leaver is refused row by row with the line and
the reason; a restore of a backup older than the erasure is refused, and with --reapply-erasures erases them
again. Each time the store's file is grepped for the person's name, e-mail and payroll numbers."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli.test_retention import EMAIL, NAME, OLD_PAYROLL, PAYROLL, STAYER, cli, lines, make_store, personal
from tests.cli.test_retention import stored_bytes as store_file_bytes
from tests.helpers.prevent import IRI, SATISFIED, statement

ROSTER_HEADER = (
    "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date,"
    "leaving_date\n"
)


def erased_store(tmp_path: Path) -> Path:
    config = make_store(tmp_path)
    code, output = cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/201", "--yes")
    assert code == 0, output
    assert personal(store_file_bytes(tmp_path)) == []
    return config


def learners_in_status(config: Path) -> list[str]:
    return [row["learner"] for row in lines(config, "status", "--format", "json")]


def test_pulling_the_same_statements_again_and_new_ones_does_not_recreate_the_erased_person(tmp_path: Path) -> None:
    config = erased_store(tmp_path)
    export = tmp_path / "export.jsonl"
    again = [
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=PAYROLL, timestamp="2026-05-02T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=OLD_PAYROLL, timestamp="2026-05-03T10:00:00Z"),
    ]
    by_email = statement(SATISFIED, f"{IRI}/prevent-wrap", learner=PAYROLL, timestamp="2026-05-04T10:00:00Z")
    by_email["actor"] = {"objectType": "Agent", "name": NAME, "mbox": f"mailto:{EMAIL.upper()}"}
    with export.open("ab") as file:  # the file keeps the statements pulled before the erasure, and gains these
        file.write(b"".join(orjson.dumps(s) + b"\n" for s in [*again, by_email]))

    code, output = cli(config, "sync")
    assert code == 3, output  # done, with something quarantined
    assert learners_in_status(config) == [STAYER]
    code, output = cli(config, "pull", "--full")
    assert code == 3, output
    code, output = cli(config, "sync")
    assert learners_in_status(config) == [STAYER]

    code, output = cli(config, "quarantine", "list")
    assert code == 0, output
    assert output.count("erased person: an identifier of someone erased on") == 3, output
    code, output = cli(config, "learners", "unresolved")
    assert "every actor resolves to a learner" in output, output
    assert personal(store_file_bytes(tmp_path)) == []


def test_a_roster_import_refuses_the_erased_leavers_row_and_counts_it(tmp_path: Path) -> None:
    config = erased_store(tmp_path)
    roster = tmp_path / "roster-next.csv"
    roster.write_text(
        f"{ROSTER_HEADER}{STAYER},Sam Stayer,sam.stayer@council.example,Highways,P00900,Office,no,2016-01-01,\n"
        f"{PAYROLL};{OLD_PAYROLL},{NAME},{EMAIL},Highways,P00900,Office,no,2016-01-01,2019-03-31\n"
        f"P88001,New Starter,{EMAIL},Highways,P00900,Office,no,2026-01-01,\n"  # an e-mail of the erased person
    )
    code, output = cli(config, "roster", "import", str(roster))
    assert code == 0, output
    assert "· refused 2 (erased people)" in output, output
    assert "roster-next.csv:3: erased person: an identifier of someone erased on" in output
    assert "roster-next.csv:4: erased person" in output
    assert "roster-next.csv:2" not in output
    [entry] = [e for e in lines(config, "audit", "--format", "json") if e["action"] == "roster.import"][-1:]
    assert entry["after"]["erased"] == 2
    assert cli(config, "sync")[0] == 0
    assert learners_in_status(config) == [STAYER]
    assert personal(store_file_bytes(tmp_path)) == []


def test_register_and_history_imports_refuse_the_erased_persons_rows_with_their_lines(tmp_path: Path) -> None:
    config = erased_store(tmp_path)
    history = tmp_path / "history-again.csv"
    history.write_text(
        f"payroll_number,option,completion_date,source\n{STAYER},wrap,2025-02-01,Old LMS\n"
        f"{OLD_PAYROLL},wrap,2014-02-01,Old LMS\n"
    )
    code, output = cli(config, "history", "import", str(history))
    assert code == 3, output
    assert "1 rows imported, 0 already imported, 1 bad" in output, output
    assert "history-again.csv:3: erased person: an identifier of someone erased on" in output
    register = tmp_path / "register.csv"
    register.write_text(f"payroll_number,name,date_delivered,delivered_by\n{PAYROLL},{NAME},2025-03-01,Trainer\n")
    code, output = cli(config, "register", "import", str(register))
    assert code in (2, 3), output  # no mapping here takes registers (2); were one to, the row is refused (3)
    assert cli(config, "sync")[0] == 0
    assert learners_in_status(config) == [STAYER]
    assert personal(store_file_bytes(tmp_path)) == []


def test_a_restore_of_a_backup_older_than_an_erasure_is_refused_unless_the_erasures_are_reapplied(
    tmp_path: Path,
) -> None:
    config = make_store(tmp_path)
    backup = tmp_path / "before-erasure.db"
    assert cli(config, "store", "backup", str(backup))[0] == 0
    code, output = cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/202", "--yes")
    assert code == 0, output
    assert personal(backup.read_bytes())  # the backup still holds them: what a restore must not bring back

    code, output = cli(config, "store", "restore", str(backup), "--reason", "disk trouble", "--yes")
    assert code == 2, output
    assert "was taken before 1 erasures (the latest on" in output, output
    assert "Pass --reapply-erasures" in output
    assert learners_in_status(config) == [STAYER]  # nothing replaced

    code, output = cli(
        config, "store", "restore", str(backup), "--reason", "disk trouble", "--yes", "--reapply-erasures"
    )
    assert code == 0, output
    assert "erasures made since the backup was taken: 1; people erased again: 1" in output, output
    assert learners_in_status(config) == [STAYER]
    assert personal(store_file_bytes(tmp_path)) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".restore-")], "no staged copy left behind"
    entries = lines(config, "audit", "--format", "json")
    [restore] = [e for e in entries if e["action"] == "store.restore"]
    assert [e["id"] for e in restore["after"]["erasures_since"]] != []
    assert [e for e in entries if e["action"] == "store.restore.erase"]

    code, output = cli(config, "sync")  # the file read again: its statements of theirs are the erased duplicates
    assert code == 0, output
    assert "duplicate 3" in output
    assert learners_in_status(config) == [STAYER]
    code, output = cli(config, "store", "restore", str(backup), "--reason", "again", "--yes")
    assert code == 2, output  # the log came through the restore: the same backup is still older than the erasure
    assert personal(store_file_bytes(tmp_path)) == []


def test_a_store_restored_outside_the_adapter_gets_the_erasure_log_of_the_store_it_replaces(tmp_path: Path) -> None:
    """As after pg_restore of a dump taken before an erasure (here a SQLite copy: the command reads and writes
    through store URLs, the same on either database)."""
    config = make_store(tmp_path)
    dump = tmp_path / "restored.db"
    assert cli(config, "store", "backup", str(dump))[0] == 0
    code, output = cli(config, "learners", "erase", PAYROLL, "--reason", "request 2026/203", "--yes")
    assert code == 0, output
    restored = tmp_path / "restored.toml"
    restored.write_text(config.read_text().replace(str(tmp_path / "store.db"), str(dump)))
    assert PAYROLL in learners_in_status(restored)

    previous = f"sqlite:///{tmp_path / 'store.db'}"
    code, output = cli(restored, "store", "reapply-erasures", "--from", previous, "--reason", "moved to a new server")
    assert code == 0, output
    assert "that this store lacked: 1; people erased again: 1" in output, output
    assert learners_in_status(restored) == [STAYER]
    assert personal(b"".join(path.read_bytes() for path in tmp_path.glob("restored.db*"))) == []
    code, output = cli(restored, "store", "reapply-erasures", "--from", previous, "--reason", "again")
    assert "that this store lacked: 0; people erased again: 0" in output, output
    code, output = cli(restored, "sync")  # the export file read again: the person's statements are erased duplicates
    assert code == 0, output
    assert learners_in_status(restored) == [STAYER]
