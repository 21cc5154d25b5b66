"""Identifiers that could drive a terminal, hide in plain sight or swamp a table are refused where they enter
(issue 17, item 1): a statement whose actor carries one is quarantined with the field at fault, a roster, register
or LMS-history row holding one is refused with its file and line, and `learners add` refuses one; none is ever
stored as a learner. Printable text a spreadsheet would run (`=HYPERLINK(...)`) stays a legal identifier: the CSVs
the adapter writes neutralise it instead.

Each runs through the command line on a real store (SQLite and PostgreSQL), as an administrator would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.model.identifiers import IDENTIFIER_MAX_LENGTH
from lrs_adapter.store import open_store
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.stored import statement_learners

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("http://evil.example/","x")'
LONGEST = "P" * IDENTIFIER_MAX_LENGTH

#: account name -> the code point or length the quarantine reason names.
HOSTILE_NAMES = {
    "P1\x1b[31mRED": "U+001B, a control character",  # ESC: a terminal escape sequence
    "P2\x00": "U+0000, a control character",  # NUL: PostgreSQL's text could not even hold it
    "P3\x7f": "U+007F, a control character",  # DEL
    "P4\x9b2J": "U+009B, a control character",  # C1 CSI: an escape sequence in one character
    "P5\r\nP6": "U+000D, a control character",  # a line break inside one cell
    "\u202e9000P": "U+202E, an invisible formatting character",  # a bidi override: shows as P0009
    "P\u200b7": "U+200B, an invisible formatting character",  # a zero-width space: looks like P7
    "P\u00a08": "U+00A0, a space other than the plain space",
    "P9\u2028": "U+2028, a line separator",
    "P" * (IDENTIFIER_MAX_LENGTH + 1): f"is {IDENTIFIER_MAX_LENGTH + 1} characters long",
}


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def write_config(directory: Path, store_url: str) -> Path:
    config = directory / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        f'[store]\nurl = "{store_url}"\n[connectors.export]\nfile = "export.jsonl"\n'
    )
    return config


def completion(learner: str) -> dict[str, Any]:
    return statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp="2026-03-02T10:00:00Z")


def evaluated(config: Path) -> set[str]:
    """The learners `status` shows (everyone with an evaluated certification)."""
    code, output = cli(config, "status", "--format", "json")
    assert code == 0, output
    return {orjson.loads(line)["learner"] for line in output.splitlines()}


def on_file(store_url: str) -> set[str]:
    """The learners the store holds (the roster's, and those added by hand)."""
    db = open_store(store_url)
    try:
        return {row.id for row in db.execute("SELECT id FROM learners")}
    finally:
        db.close()


def test_a_statement_whose_actor_is_no_identifier_is_quarantined_and_nobody_learns_it(
    tmp_path: Path, store_url: str
) -> None:
    mailbox = completion("P00001")
    mailbox["actor"] = {"objectType": "Agent", "mbox": "mailto:ann\x1b]8;;http://evil.example/\x07@example.org"}
    statements = [completion(name) for name in HOSTILE_NAMES] + [mailbox, completion(FORMULA), completion(LONGEST)]
    (tmp_path / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in statements))
    config = write_config(tmp_path, store_url)

    code, output = cli(config, "sync")

    assert code == 3, output  # done, but something was quarantined
    db = open_store(store_url)
    try:
        quarantined = {row.statement_id: (row.field, row.reason) for row in db.execute("SELECT * FROM quarantine")}
        stored = set(statement_learners(db))
    finally:
        db.close()
    for (name, named), hostile in zip(HOSTILE_NAMES.items(), statements, strict=False):
        field, reason = quarantined[hostile["id"]]
        assert field == "actor.account.name", (name, field)
        assert named in reason, (name, reason)
        assert f"printable text of at most {IDENTIFIER_MAX_LENGTH} characters" in reason
    assert quarantined[mailbox["id"]][0] == "actor.mbox"
    assert "U+001B" in quarantined[mailbox["id"]][1]
    assert len(quarantined) == len(HOSTILE_NAMES) + 1
    # The formula and the longest name are identifiers: stored, and learners with a status.
    assert stored == {f"account:{HOME} {FORMULA}", f"account:{HOME} {LONGEST}"}
    assert evaluated(config) == {FORMULA, LONGEST}


def test_a_roster_with_a_bad_identifier_is_refused_with_its_lines_and_nothing_imported(
    tmp_path: Path, store_url: str
) -> None:
    config = write_config(tmp_path, store_url)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "payroll_number,name,work_email,manager_payroll_number,assignment_date\n"
        "P00001,Ann Good,ann@example.org,,2024-09-01\n"
        "P00002;P\x1b[2J,Bob Escape,,,2024-09-01\n"
        "P00003,Cat Bidi,,\u202eM001,2024-09-01\n"
        "P00004,Dan Invisible,dan\u200b@example.org,,2024-09-01\n"
        f"{'P' * 300},Eve Long,,,2024-09-01\n"
        '" ; ",Gil Separators,,,2024-09-01\n'
        "=1+1,Fay Formula,,,2024-09-01\n",
        encoding="utf-8",
    )

    code, output = cli(config, "roster", "import", str(roster))

    assert code == 2, output
    named = [
        str(roster),
        "5 bad rows; nothing was imported",
        "line 3: payroll_number holds U+001B, a control character",
        "line 4: manager_payroll_number holds U+202E, an invisible formatting character",
        "line 5: work_email holds U+200B",
        "line 6: payroll_number is 300 characters long",
        "line 7: payroll_number holds no number",
    ]
    assert [text for text in named if text not in output] == [], output
    assert "\x1b" not in output  # the error does not echo what it refuses
    assert on_file(store_url) == set()

    roster.write_text(
        "payroll_number,name,assignment_date\nP00001,Ann Good,2024-09-01\n=1+1,Fay Formula,2024-09-01\n",
        encoding="utf-8",
    )
    code, output = cli(config, "roster", "import", str(roster))
    assert code == 0, output
    assert on_file(store_url) == {"P00001", "=1+1"}


def test_register_and_history_rows_with_a_bad_payroll_number_are_named_and_the_rest_imported(
    tmp_path: Path, store_url: str
) -> None:
    config = write_config(tmp_path, store_url)
    register = tmp_path / "briefing.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["payroll_number", "name", "date_delivered", "delivered_by"])
    sheet.append(["P00001", "Ann", "2026-01-14", "Morgan"])
    sheet.append(["\u202e1000P", "Bidi", "2026-01-14", "Morgan"])  # openpyxl writes no C0 control characters
    sheet.append(["P00002\x7f", "Del", "2026-01-14", "Morgan"])
    workbook.save(register)
    history = tmp_path / "history.csv"
    history.write_text(
        "payroll_number,option,completion_date,source\n"
        "P00003,elearning,2025-01-14,old LMS\n"
        "P\x1b[8m00004,elearning,2025-01-14,old LMS\n",
        encoding="utf-8",
    )

    code, output = cli(config, "register", "import", str(register))
    assert code == 3, output
    assert "1 rows imported, 0 already imported, 2 bad" in output
    assert "briefing.xlsx:3: payroll_number holds U+202E, an invisible formatting character" in output
    assert "briefing.xlsx:4: payroll_number holds U+007F, a control character" in output

    code, output = cli(config, "history", "import", str(history))
    assert code == 3, output
    assert "1 rows imported, 0 already imported, 1 bad" in output
    assert "history.csv:3: payroll_number holds U+001B, a control character" in output

    db = open_store(store_url)
    try:
        kept = {row.payroll_number for row in db.execute("SELECT payroll_number FROM recorded_completions")}
    finally:
        db.close()
    assert kept == {"P00001", "P00003"}


def test_learners_add_refuses_an_id_manager_or_email_that_is_no_identifier(tmp_path: Path, store_url: str) -> None:
    config = write_config(tmp_path, store_url)
    person = ["--name", "Gil Governor", "--department", "Governance", "--staff-group", "Governors", "--reason", "r"]
    for hostile in (
        ["P\x1b[31m1", *person],
        ["P00001", "--manager", "M\u200b1", *person],
        ["P00001", "--email", "gil\x00@example.org", *person],
    ):
        code, output = cli(config, "learners", "add", *hostile)
        assert code == 2, output
        assert "printable text of at most" in output
    assert on_file(store_url) == set()
    code, output = cli(config, "learners", "add", "P00001", "--manager", "M1", *person)
    assert code == 0, output
    assert on_file(store_url) == {"P00001"}
