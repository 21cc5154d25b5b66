"""Rosters, registers and histories whose shape is wrong: a column given twice (after the readers' own normalisation:
spaces around a name dropped, case ignored) is refused naming the columns, where the csv module kept the last one
silently; a quote never closed, or text after a closing quote, is refused at the line where it is, where the line
reported was wherever the reader had got to; and rows after a cell that holds line breaks keep their own lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.errors import ConfigError
from lrs_adapter.sources.recorded import read_history, read_register
from lrs_adapter.sources.roster import RosterError, read_roster
from tests.helpers.workbooks import register_rows, write_workbook

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 1)
ROSTER_HEADER = (
    "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date"
)
ROSTER_ROW = "P{},Ann,,D,,G,no,2024-01-01"
REGISTER_HEADER = "payroll_number,name,date_delivered,delivered_by"
HISTORY_HEADER = "payroll_number,option,completion_date,source"


def roster(tmp_path: Path, header: str, *rows: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_roster_with_a_column_given_twice_is_refused_naming_both(tmp_path: Path) -> None:
    path = roster(tmp_path, ROSTER_HEADER + ", Department ", ROSTER_ROW.format(1) + ",Other")
    with pytest.raises(RosterError) as refused:
        read_roster(path)
    assert str(refused.value) == (
        f"{path}: line 1: columns with the same name: 'department' (columns 4 and 9); nothing was imported. "
        "Fix: keep one column of each name (delete or rename the others): the adapter cannot tell which one is meant."
    )


def test_every_name_given_twice_is_listed(tmp_path: Path) -> None:
    path = roster(tmp_path, ROSTER_HEADER + ",NAME,department,Name", ROSTER_ROW.format(1) + ",B,E,C")
    with pytest.raises(RosterError, match=r"'name' \(columns 2, 9 and 11\), 'department' \(columns 4 and 10\)"):
        read_roster(path)


def test_columns_with_no_name_may_repeat(tmp_path: Path) -> None:
    """A spreadsheet saves the empty columns right of the table as trailing commas; they name nothing."""
    path = roster(tmp_path, ROSTER_HEADER + ",,,", ROSTER_ROW.format(1) + ",,,")
    assert [row.payroll_numbers for row in read_roster(path)] == [("P1",)]


def test_a_register_or_history_with_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(REGISTER_HEADER + ",Date_Delivered\nP1,Ann,2026-01-02,M,2026-01-03\n")
    with pytest.raises(ConfigError, match=r"register.csv: line 1: .*'date_delivered' \(columns 3 and 5\)"):
        read_register(register, today=TODAY)
    history = tmp_path / "history.csv"
    history.write_text(HISTORY_HEADER + ",option\nP1,wrap,2025-03-04,LMS,elearning\n")
    with pytest.raises(ConfigError, match=r"history.csv: line 1: .*'option' \(columns 2 and 5\)"):
        read_history(history, today=TODAY, options=frozenset({"wrap", "elearning"}))


def test_a_workbook_with_a_column_given_twice_is_refused(tmp_path: Path) -> None:
    cells = register_rows(2) | {"F1": "Payroll_Number ", "F2": "P9"}
    path = write_workbook(tmp_path / "register.xlsx", cells, dimension="A1:F3")
    with pytest.raises(ConfigError, match=r"register.xlsx: line 1: .*'payroll_number' \(columns 1 and 6\)"):
        read_register(path, today=TODAY)


#: (what, the file's lines after the header, the line and reason reported)
BROKEN = [
    (
        "a quote never closed",
        [ROSTER_ROW.format(1), 'P2,"Ann,,D,,G,no,2024-01-01', ROSTER_ROW.format(3), ROSTER_ROW.format(4)],
        "line 3: a quote opened in the row that starts here is never closed",
    ),
    (
        "a quote never closed on the last line",
        [ROSTER_ROW.format(1), ROSTER_ROW.format(2), 'P3,Ann,,D,,G,no,"2024-01-01'],
        "line 4: a quote opened in the row that starts here is never closed",
    ),
    (
        "text after a closing quote",
        [ROSTER_ROW.format(1), 'P2,"Ann" Smith,,D,,G,no,2024-01-01', ROSTER_ROW.format(3)],
        "line 3: ',' expected after '\"'",
    ),
    (
        "text after a closing quote, on the second line of a cell",
        [ROSTER_ROW.format(1), 'P2,"Ann', 'Smith" Jr,,D,,G,no,2024-01-01', ROSTER_ROW.format(3)],
        "line 4: ',' expected after '\"'",
    ),
]


@pytest.mark.parametrize(("what", "lines", "reason"), BROKEN, ids=[case[0] for case in BROKEN])
def test_a_csv_error_is_reported_at_its_line(tmp_path: Path, what: str, lines: list[str], reason: str) -> None:
    path = roster(tmp_path, ROSTER_HEADER, *lines)
    with pytest.raises(RosterError) as refused:
        read_roster(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {reason}"), message
    assert "; nothing was imported. Fix: " in message


def test_a_quote_never_closed_in_a_register_is_refused_not_swallowed(tmp_path: Path) -> None:
    """Read leniently, the rows after the quote became one name, and the register imported two rows of five."""
    path = tmp_path / "register.csv"
    rows = ["P1,Ann,2026-01-02,M", 'P2,"Bob,2026-01-02,M', "P3,Cat,2026-01-02,M", "P4,Dan,2026-01-02,M"]
    path.write_text("\n".join([REGISTER_HEADER, *rows]) + "\n")
    with pytest.raises(ConfigError, match=r"register.csv: line 3: a quote opened .* never closed.*nothing was imp"):
        read_register(path, today=TODAY)


def test_rows_after_a_cell_with_line_breaks_keep_their_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        REGISTER_HEADER + "\n"
        'P1,"Ann\nSmith\n(agency)",,M\n'  # lines 2-4, no date
        "\n"  # line 5, blank
        "P2,Bob,2099-01-02,M\n"  # line 6, in the future
        "P3,Cat,2026-01-02,M\n"
    )
    rows, bad = read_register(path, today=TODAY)
    assert [(row.source, row.name) for row in rows] == [("register.csv:7", "Cat")]
    assert [(row.source, row.reason) for row in bad] == [
        ("register.csv:2", "no date delivered"),
        ("register.csv:6", "the date 2099-01-02 is in the future"),
    ]


def test_roster_import_prints_the_columns_and_exits_2(tmp_path: Path) -> None:
    path = roster(tmp_path, ROSTER_HEADER + ",Name", ROSTER_ROW.format(1) + ",Ann Other")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[store]\nurl = "sqlite:///store.db"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "roster", "import", str(path)])
    assert result.exit_code == 2, result.output
    assert "columns with the same name: 'name' (columns 2 and 9)" in result.output
    assert isinstance(result.exception, SystemExit), result.exception
