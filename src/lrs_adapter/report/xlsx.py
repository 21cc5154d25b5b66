"""The manager's team, and any other table the reports show, as an Excel workbook that a compliance officer can
sort, filter and sum: the header row frozen, an autofilter over the table, dates as real dates (a spreadsheet's
date filter and arithmetic work on them), counts as numbers.

No cell is ever a formula: openpyxl takes a string that begins with `=` for one, so every text cell is stored as a
string explicitly (a name typed as `=HYPERLINK(...)` shows as written and runs nothing; no leading quote is needed,
unlike CSV, because the cell's type says text). Characters XML cannot carry (control characters a roster may hold)
are replaced by U+FFFD rather than failing the export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

#: How a date cell shows: the ISO form, unambiguous in every locale.
DATE_FORMAT = "yyyy-mm-dd"


def write_xlsx(
    out: IO[bytes], columns: Sequence[str], rows: Iterable[Mapping[str, object]], *, title: str = "Report"
) -> int:
    """A workbook of one sheet (`title`, less the characters Excel refuses in one): a bold, frozen header of
    `columns`, then each row's values of those columns (a date as a date, an int or float as a number, None as an
    empty cell, anything else as text), under an autofilter; returns the number of rows."""
    # Here, not at the top: openpyxl costs 50 ms that every command would pay at start (sources/workbook.py too).
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = re.sub(r"[][:*?/\\]", "", ILLEGAL_CHARACTERS_RE.sub("", title))[:31] or "Report"
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for count, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            _put(sheet.cell(row=count + 1, column=index), row.get(column), ILLEGAL_CHARACTERS_RE)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 4)
    book.save(out)
    return count


def _put(cell: Cell, value: object, illegal: re.Pattern[str]) -> None:
    if value is None:
        return
    if isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = illegal.sub("\ufffd", str(value))
        cell.data_type = "s"  # never "f": text that begins with = is still text
