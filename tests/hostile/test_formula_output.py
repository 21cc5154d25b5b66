"""Formulas planted in the data never come out live: learners and departments named like spreadsheet formulas are
synced through the real pipeline (HR's roster imported, an export pulled, mapped, evaluated and pushed to Totara's
upload file), then every CSV the adapter writes is read back with the csv module and no cell begins with what a
spreadsheet runs (`=`, `+`, `-`, `@`, tab, carriage return), while numbers and dates are as they were.

The account named `=HYPERLINK(...)` is not on the roster, so `[push] roster_only` holds its results back from
Totara; the roster's own formula-looking people (their payroll numbers are their Totara usernames) are pushed, so
the upload file is exercised with them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.csv_output import BOM, FORMULA_TRIGGERS
from tests.helpers.prevent import IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
MANAGER = "@boss"
HYPERLINK = '=HYPERLINK("http://evil.example/","x")'
CMD = '=cmd|"/c calc"!A1'
#: payroll number (the learner id and Totara username) -> name, department, staff group, on HR's roster
ROSTER = {
    MANAGER: ("Morgan Manager", "Adult Care", "Managers"),
    CMD: ("@SUM(1+1)", CMD, "+1"),
    "-2+3": (HYPERLINK, "-2+3", "@SUM(1+1)"),
    "+1": ("-1", "@SUM(1+1)", "=1+1"),
    "P00004": ("Siobhán Ó Briain", "Adult Care", "Office"),
}
#: accounts on the roster's homePage that HR does not list (tab- and CR-led ones included: a statement's account
#: name is taken as it is sent, where a roster's cells are trimmed)
NOT_ON_ROSTER = (HYPERLINK, "\t=1+2", "\r=1+2")
COMPLETED_ON, DUE_ON = "2026-03-02", "2028-03-02"


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def synced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The config of a store holding ROSTER and the accounts NOT_ON_ROSTER, each with a Prevent e-learning
    completion, after `roster import` and `sync` (with Totara's upload file as a sink)."""
    directory = tmp_path_factory.mktemp("formulas")
    with (directory / "roster.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "payroll_number",
                "name",
                "work_email",
                "department",
                "manager_payroll_number",
                "staff_group",
                "no_it_access",
                "assignment_date",
                "leaving_date",
            ]
        )
        for number, (name, department, group) in ROSTER.items():
            manager = "" if number == MANAGER else MANAGER
            writer.writerow([number, name, "", department, manager, group, "no", "2024-01-01", ""])
    learners = [*ROSTER, *NOT_ON_ROSTER]
    done = [
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=f"{COMPLETED_ON}T10:00:00Z")
        for learner in learners
    ]
    (directory / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in done))
    config = directory / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n'
        '[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        '[store]\nurl = "sqlite:///store.db"\n'
        '[connectors.export]\nfile = "export.jsonl"\n'
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "upload"\n'
        'certifications = { prevent = { shortname = "PREVENT", idnumber = "CERT-PREVENT-01" } }\n'
    )
    assert cli(config, "roster", "import", str(directory / "roster.csv"))[0] == 0
    code, output = cli(config, "sync")
    assert code in (0, 3), output  # 3: an account name with a control character may be quarantined at intake
    return config


def every_csv(config: Path) -> dict[str, str]:
    """Every CSV the adapter writes, by what wrote it: Totara's upload files, status, report and the feed."""
    written = {f"upload {path.name}": path.read_text("utf-8") for path in sorted((config.parent / "upload").glob("*"))}
    commands = {
        "status": ["status"],
        "status --learner": ["status", "--learner", CMD],
        "status --bom": ["status", "--bom"],
        "status --as-of": ["status", "--as-of", "2028-06-01"],
        "report --manager": ["report", "--manager", MANAGER],
        "report --summary": ["report", "--summary"],
        "report --summary --bom": ["report", "--summary", "--bom"],
        "feed completions": ["feed", "export", "--kind", "completions"],
        "feed certifications --bom": ["feed", "export", "--kind", "certifications", "--bom"],
    }
    for what, command in commands.items():
        code, output = cli(config, *command, "--format", "csv")
        assert code == 0, (what, output)
        written[what] = output
    target = config.parent / "certifications.csv"
    assert cli(config, "feed", "export", "--kind", "certifications", "--format", "csv", "--output", str(target))[0] == 0
    written["feed certifications --output"] = target.read_text("utf-8")
    return written


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM), newline="")))


def test_no_csv_the_adapter_writes_holds_a_live_formula(synced: Path) -> None:
    written = every_csv(synced)
    assert len([what for what in written if what.startswith("upload ")]) == 1
    live = {
        what: [cell for row in csv.reader(io.StringIO(text.removeprefix(BOM), newline="")) for cell in row]
        for what, text in written.items()
    }
    live = {what: [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] for what, cells in live.items()}
    assert {what: cells for what, cells in live.items() if cells} == {}
    assert written["status --bom"].startswith(BOM)
    assert written["report --summary --bom"].startswith(BOM)
    assert written["feed certifications --bom"].startswith(BOM)
    assert not written["report --summary"].startswith(BOM)
    assert not any(text.startswith(BOM) for what, text in written.items() if what.startswith("upload "))


def test_the_formulas_are_there_as_text(synced: Path) -> None:
    """Neutralised, not dropped: each hostile value is in the files, behind its single quote."""
    written = every_csv(synced)
    (upload,) = (text for what, text in written.items() if what.startswith("upload "))
    assert sorted(row["username"] for row in rows_of(upload)) == sorted(
        ["'" + MANAGER, "'" + CMD, "'-2+3", "'+1", "P00004"]
    )
    status = {row["learner"]: row for row in rows_of(written["status"])}
    assert (status["'" + CMD]["name"], status["'" + CMD]["department"], status["'" + CMD]["manager"]) == (
        "'@SUM(1+1)",
        "'" + CMD,
        "'" + MANAGER,
    )
    assert status["'" + HYPERLINK]["status"] == "green"  # evaluated, though its results are held from Totara
    assert status["P00004"]["name"] == "Siobhán Ó Briain"
    team = {row["learner"]: row["name"] for row in rows_of(written["report --manager"])}
    assert team == {"'" + CMD: "'@SUM(1+1)", "'-2+3": "'" + HYPERLINK, "'+1": "'-1", "P00004": "Siobhán Ó Briain"}
    departments = {row["department"] for row in rows_of(written["report --summary --bom"])}
    assert {"'" + CMD, "'-2+3", "'@SUM(1+1)", "Adult Care"} <= departments
    certifications = {row["learner_id"]: row for row in rows_of(written["feed certifications --output"])}
    assert certifications["'-2+3"]["department"] == "'-2+3"
    assert certifications["'+1"]["manager"] == "'" + MANAGER


def test_numbers_and_dates_are_as_they_were(synced: Path) -> None:
    written = every_csv(synced)
    (upload,) = (text for what, text in written.items() if what.startswith("upload "))
    assert {(row["completiondate"], row["duedate"]) for row in rows_of(upload)} == {(COMPLETED_ON, DUE_ON)}
    for row in rows_of(written["status"]):
        assert (row["certified_on"], row["due_on"]) == (COMPLETED_ON, DUE_ON), row
    counts = rows_of(written["report --summary"])
    assert sum(int(row[status]) for row in counts for status in ("red", "amber", "green", "exempt", "none")) == len(
        rows_of(written["status"])
    )
    seqs = [row["seq"] for row in rows_of(written["feed completions"])]
    assert seqs == sorted(seqs, key=int)
    assert all(seq.isdigit() for seq in seqs)
    assert all(row["completed_on"] == COMPLETED_ON for row in rows_of(written["feed completions"]))
    summary_line = written["report --summary"].splitlines()[1]
    assert summary_line.endswith((",0", ",1", ",2", ",3", ",4", ",5")), "counts are written unquoted, as numbers"


@pytest.mark.parametrize(
    "command",
    [["status", "--bom"], ["report", "--summary", "--bom"], ["feed", "export", "--kind", "completions", "--bom"]],
)
def test_a_bom_is_for_csv_only(synced: Path, command: list[str]) -> None:
    result = CliRunner().invoke(main, ["--config", str(synced), *command])
    assert result.exit_code == 2
    assert "--bom is for --format csv" in result.output


def test_no_workbook_the_adapter_writes_holds_a_formula(synced: Path) -> None:
    """The workbooks (`--format xlsx`): every text cell stored as text (openpyxl reads a formula back as data type
    `f`), the hostile values there as written, with no quote (a text cell needs none), counts as numbers."""
    cells = {}
    for what, command in {
        "team": ["report", "--manager", MANAGER],
        "summary": ["report", "--summary"],
        "trend": ["report", "--trend", "--from", "2026-01", "--to", "2026-03"],
    }.items():
        path = synced.parent / f"{what}.xlsx"
        code, output = cli(synced, *command, "--format", "xlsx", "--output", str(path))
        assert code == 0, (what, output)
        sheet = openpyxl.load_workbook(path).active
        assert sheet is not None
        cells[what] = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {what: [c.coordinate for c in found if c.data_type == "f"] for what, found in cells.items()} == {
        "team": [],
        "summary": [],
        "trend": [],
    }
    names = {str(c.value) for c in cells["team"] if c.data_type == "s"}
    assert {"@SUM(1+1)", HYPERLINK, "-1", CMD, "-2+3", "+1"} <= names
    assert {c.data_type for c in cells["summary"] if isinstance(c.value, int)} == {"n"}
