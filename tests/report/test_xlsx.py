"""The workbook writer, read back with openpyxl: types kept (dates as dates, numbers as numbers), no cell a
formula whatever the text, characters XML cannot carry replaced rather than failing, header frozen and filtered."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from lrs_adapter.csv_output import FORMULA_TRIGGERS
from lrs_adapter.report.xlsx import write_xlsx


def read_back(columns: list[str], rows: list[dict[str, object]], title: str = "Team") -> openpyxl.Workbook:
    out = io.BytesIO()
    assert write_xlsx(out, columns, rows, title=title) == len(rows)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_text_that_looks_like_a_formula_is_stored_as_text(trigger: str) -> None:
    text = f'{trigger}HYPERLINK("https://evil.example","x")'
    sheet = read_back(["name"], [{"name": text}]).active
    assert sheet is not None
    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\r", "\n")  # XML reads a carriage return as a line end


def test_types_header_filter_and_hostile_characters() -> None:
    rows: list[dict[str, object]] = [
        {"name": "Ann\x00\x1b[31m", "due": date(2024, 2, 29), "count": -1, "flag": True},
        {"name": None, "due": None, "count": 2.5},
    ]
    sheet = read_back(["name", "due", "count", "flag"], rows, title="Bad/title:\x01").active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["name", "due", "count", "flag"]
    assert sheet.title == "Badtitle"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D3"
    assert sheet["A2"].value == "Ann\ufffd\ufffd[31m"
    assert sheet["B2"].value == datetime(2024, 2, 29)  # noqa: DTZ001 - openpyxl reads a date cell as naive
    assert sheet["B2"].number_format == "yyyy-mm-dd"
    assert (sheet["C2"].value, sheet["C2"].data_type) == (-1, "n")
    assert sheet["D2"].value == "True"  # a bool is text, as in the CSV files
    assert (sheet["A3"].value, sheet["B3"].value, sheet["C3"].value) == (None, None, 2.5)


def test_an_empty_table_is_a_header_under_its_filter() -> None:
    sheet = read_back(["a", "b"], []).active
    assert sheet is not None
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:B1"
