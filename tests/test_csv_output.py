"""The one CSV writer: OWASP's CSV-injection rule on text cells (a leading quote before `=`, `+`, `-`, `@`, tab or
carriage return; every text cell quoted whole), numbers and dates as they are, a BOM only when asked for."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.csv_output import BOM, FORMULA_TRIGGERS, spreadsheet_cell, write_csv


def written(rows: list[dict[str, object]], columns: tuple[str, ...] = ("a", "b"), *, bom: bool = False) -> str:
    out = io.StringIO(newline="")
    assert write_csv(out, columns, rows, bom=bom) == len(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example/","x")', '\'=HYPERLINK("http://evil.example/","x")'),
        ('=cmd|"/c calc"!A1', '\'=cmd|"/c calc"!A1'),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("P00001", "P00001"),
        ("Siobhán O'Brien", "Siobhán O'Brien"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-1, -1),
        (2.5, 2.5),
        (0, 0),
        (date(2026, 1, 10), "2026-01-10"),
        (True, "True"),
    ],
)
def test_each_cell(value: object, cell: object) -> None:
    assert spreadsheet_cell(value) == cell


def test_text_is_quoted_whole_and_numbers_are_not() -> None:
    text = written([{"a": 'x;=1+2,"=3"', "b": -1}, {"a": "2026-01-10", "b": 7}])
    assert text == '"a","b"\r\n"x;=1+2,""=3""",-1\r\n"2026-01-10",7\r\n'


def test_a_separator_inside_text_starts_no_cell_whatever_the_spreadsheet_splits_on() -> None:
    """Excel in a `;` locale (or a tab-separated import) splits the line on another character than the comma; the
    whole text is within one pair of quotes, so it still reads as one cell, neutralised."""
    text = written([{"a": "ok;=1+2\t@x", "b": "=2"}], ("a", "b"))
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row), (delimiter, row)


def test_missing_columns_are_empty_and_others_left_out() -> None:
    assert written([{"b": 1, "c": "=x"}]) == '"a","b"\r\n"",1\r\n'


def test_a_bom_only_when_asked_for() -> None:
    assert written([{"a": "Siobhán"}], bom=True).startswith(BOM + '"a"')
    assert not written([{"a": "Siobhán"}]).startswith(BOM)


@given(st.lists(st.text(), min_size=1, max_size=4))
def test_no_text_reads_back_as_a_formula_and_each_reads_back_as_written(values: list[str]) -> None:
    columns = tuple(f"c{i}" for i in range(len(values)))
    text = written([dict(zip(columns, values, strict=True))], columns)
    header, row = csv.reader(io.StringIO(text, newline=""))
    assert header == list(columns)
    assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row)
    shown = [cell[1:] if value.startswith(FORMULA_TRIGGERS) else cell for cell, value in zip(row, values, strict=True)]
    assert shown == values


@given(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_as_they_are(number: float) -> None:
    _, line = written([{"a": number}], ("a",)).split("\r\n", 1)
    assert line == f"{number!r}\r\n"
