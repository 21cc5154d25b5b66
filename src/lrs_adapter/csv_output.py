"""Every CSV the adapter writes (Totara's upload file, `status` and `report --format csv`, the feed's CSV export),
written one way, so that a file opened in a spreadsheet shows its data and runs none of it.

A cell is data a learner, an LRS or HR typed (a name, a department, an account name), and a spreadsheet runs a
cell that begins with `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(...)` leaks what the sheet holds, `=cmd|...`
starts a program on older Excel), and treats a leading tab or carriage return the same way. OWASP's rule for CSV
injection, applied here as it is written:

- a text cell beginning with one of those six characters gets a leading single quote, which spreadsheets read as
  "this cell is text" (`'=SUM(1+1)` shows as written and computes nothing);
- every text cell is wrapped in double quotes and its own double quotes doubled, so a separator or a quote inside
  the data cannot start a new cell whose first character would be a trigger; this holds whatever separator the
  spreadsheet splits on (Excel in many European locales splits on `;`, which the csv module's minimal quoting
  would leave bare);
- numbers and dates are not text: they are written as they are (a count of -1 stays -1, 2026-01-10 stays a
  date), unquoted numbers so a spreadsheet still sums them.

A program reading the files with any CSV parser gets the text back with its leading quote: the price of a file a
person may open. A UTF-8 byte order mark at the start (`bom=True`) is what Excel on Windows needs to read the file
as UTF-8 rather than the machine's code page (without it, "Siobhán" shows as "SiobhÃ¡n"); it is off by default
because programs reading the file do not expect one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import IO

#: What a spreadsheet runs at the start of a cell (OWASP's CSV injection list).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: UTF-8's byte order mark, as text: written first, it tells Excel the file is UTF-8.
BOM = "\ufeff"

Cell = str | int | float


def spreadsheet_cell(value: object) -> Cell:
    """`value` as a CSV cell: a number as it is, a date in ISO form, nothing as an empty cell, and text with a
    leading single quote when it begins with a formula trigger (a bool is text here: `True`, not 1)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, object]], *, bom: bool = False) -> int:
    """A header of `columns`, then each row's values of those columns (a missing one empty, others left out);
    returns the number of rows. `out` should be opened with `newline=""`: rows end in CRLF, as RFC 4180 says."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_cell(row.get(column)) for column in columns])
        count += 1
    return count
