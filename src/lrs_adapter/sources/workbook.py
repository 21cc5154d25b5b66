"""XLSX workbooks (managers save registers as them), read within bounds that no workbook can stretch.

An XLSX file is a zip of XML parts, and both layers can claim far more than the file's few kilobytes: a sheet whose
only cell is at XFD1048576 has openpyxl hand over a million rows of 16,384 cells each (a 5 KB file kept
`register import` busy for 15 minutes), and a part of a few kilobytes can unpack to gigabytes. So:

- before openpyxl opens it, the unpacked sizes of the parts, as the zip's directory declares them, add up to at most
  MAX_UNPACKED (zipfile never unpacks more of a part than declared: a part that holds more fails its CRC check);
- the first sheet's declared extent, its <dimension>, is at most MAX_ROWS rows and MAX_COLUMNS columns;
- and since <dimension> can lie, or be missing, it is then set aside and the sheet is read to one row and one column
  past the limits: openpyxl fills the rows up to that bound when the sheet has any row further down, so a row there,
  or a value in that column, refuses the file, and nothing further out is ever looked at (a value further right
  cannot be the register's, and finding it would mean building every row out to its last cell). Left to the dimension,
  openpyxl would also drop, without a word, the rows below a dimension that claims too few.
"""

from __future__ import annotations

import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import ParseError

from lrs_adapter.sources.tables import TableRefused, column_names

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

#: The rows a register's sheet may have, its header included, and its columns (A to AX).
MAX_ROWS = 100_000
MAX_COLUMNS = 50
#: What the workbook's parts may unpack to, all together: a register of 100,000 rows takes 20-50 MB.
MAX_UNPACKED = 64_000_000
MB = 1_000_000

#: What openpyxl raises for a file that is a zip but no workbook, or a workbook whose XML is broken.
UNREADABLE = (zipfile.BadZipFile, KeyError, IndexError, ValueError, ParseError, zlib.error, EOFError)
SAVE_AGAIN = "save it again from the spreadsheet as .xlsx, or as .csv."
TRIM = (
    "remove the rows and columns past the register's own (select them, then Delete) and save it again, or copy the "
    "register's cells into a new workbook; split a register that large into several files."
)
SMALLER = (
    "copy the register's cells into a new workbook, or save its sheet as .csv, and import that (other sheets and "
    "pictures take room too); split a register that large into several files."
)


def read_workbook(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The first sheet's header (names stripped and lower-cased) and each row with a value in it as (row number,
    {column: text}); dates as ISO text, as a CSV would have them.

    Raises TableRefused when the file is no workbook, or one past the limits.
    """
    import openpyxl  # here, not at the top: 50 ms that every command would pay at start (a pull is timed)
    from openpyxl.utils.exceptions import InvalidFileException

    _check_unpacked(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, *UNREADABLE) as error:
        raise _not_a_workbook(error) from None
    try:
        if not workbook.worksheets:
            raise TableRefused("the workbook has no worksheet", fix=SAVE_AGAIN)
        sheet = workbook.worksheets[0]
        _check_declared(sheet)
        return _rows(sheet)
    except UNREADABLE as error:
        raise _not_a_workbook(error) from None
    finally:
        workbook.close()


def _not_a_workbook(error: Exception) -> TableRefused:
    said = str(error).strip().splitlines()  # openpyxl's own words may run to several lines
    return TableRefused(f"not an XLSX workbook ({said[0] if said else type(error).__name__})", fix=SAVE_AGAIN)


def _check_unpacked(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as error:
        raise _not_a_workbook(error) from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED:
        largest = max(parts, key=lambda part: part.file_size)
        raise TableRefused(
            f"its parts unpack to {unpacked / MB:,.0f} MB ({largest.filename}: {largest.file_size / MB:,.0f} MB), "
            f"more than the {MAX_UNPACKED / MB:,.0f} MB a register's workbook may take",
            fix=SMALLER,
        )


def _check_declared(sheet: ReadOnlyWorksheet) -> None:
    rows, columns = sheet.max_row or 0, sheet.max_column or 0  # None: the sheet declares no extent
    if rows > MAX_ROWS or columns > MAX_COLUMNS:
        raise TableRefused(
            f"sheet {sheet.title!r} declares {rows:,} rows and {columns:,} columns, more than the {MAX_ROWS:,} rows "
            f"and {MAX_COLUMNS} columns (A to {_letter(MAX_COLUMNS)}) a register may have",
            fix=TRIM,
        )


def _rows(sheet: ReadOnlyWorksheet) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    sheet.reset_dimensions()  # what <dimension> claimed is checked: from here the sheet's own rows count
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    width = MAX_COLUMNS + 1
    for line, values in enumerate(sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=width, values_only=True), start=1):
        if line > MAX_ROWS:
            raise TableRefused(f"sheet {sheet.title!r} has rows past row {MAX_ROWS:,}", fix=TRIM)
        if values.count(None) == width:  # an empty row: filled in by openpyxl, or only formatted
            continue
        if values[MAX_COLUMNS] is not None:
            raise TableRefused(
                f"line {line}: a value in column {_letter(width)}, past the {MAX_COLUMNS} columns (A to "
                f"{_letter(MAX_COLUMNS)}) a register may have",
                fix=TRIM,
            )
        if line == 1:
            header = column_names(values[:MAX_COLUMNS])
        else:
            rows.append((line, {name: _text(value) for name, value in zip(header, values, strict=False) if name}))
    return header, rows


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(column)
    return letter


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()
