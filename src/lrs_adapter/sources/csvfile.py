"""CSV files people export from HR systems and spreadsheets, read whole as UTF-8 (a byte-order mark allowed: Excel's
'CSV UTF-8' starts with one).

A file that cannot be read as CSV text at all (bytes that are not UTF-8, a NUL, a cell longer than the csv module
takes, a quote never closed) is refused with the line at fault, rather than a traceback: the person who exported it
can find that line. The csv module reads strictly: left lenient, a quote never closed would take the rest of the file
into one cell without a word, and the rows after it would be lost.

Each row is numbered by the line it starts on: a quoted cell may hold line breaks, and the csv module's own count
(`line_num`) is where the reader has got to, the row's last line, or the end of the file for a quote never closed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lrs_adapter.sources.tables import TableRefused, column_names

UNTERMINATED = "unexpected end of data"  # the csv module's words for a file that ends inside a quoted cell
SAVE_AGAIN = "or save the file again from the spreadsheet as 'CSV UTF-8'."


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (names stripped and lower-cased) and each row as (line, {column: stripped value}).

    Raises OSError when the file cannot be opened, TableRefused when it cannot be read as CSV rows.
    """
    reader = csv.reader(io.StringIO(_text(path.read_bytes()), newline=""), strict=True)
    start = 1  # the line the row being read starts on
    try:
        header = column_names(next(reader, []))
        rows: list[tuple[int, dict[str, str]]] = []
        start = reader.line_num + 1
        for record in reader:
            if record:  # a blank line
                rows.append((start, {name: _cell(record, at) for at, name in enumerate(header) if name}))
            start = reader.line_num + 1
    except csv.Error as error:
        if str(error) == UNTERMINATED:
            raise TableRefused(
                f"line {start}: a quote opened in the row that starts here is never closed (the rest of the file "
                "would be one cell)",
                fix='close that cell\'s quote (a quote inside a quoted cell is written twice: ""), ' + SAVE_AGAIN,
            ) from None
        raise TableRefused(f"line {reader.line_num}: {error}", fix="correct that line, " + SAVE_AGAIN) from None
    return header, rows


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TableRefused(
            f"line {line}: byte 0x{data[error.start]:02x} is not UTF-8 text", fix="save the file as 'CSV UTF-8'."
        ) from None
    if (nul := text.find("\x00")) >= 0:  # a binary file; PostgreSQL's text could not hold it either
        raise TableRefused(
            f"line {text.count(chr(10), 0, nul) + 1}: a NUL character (this is not a text file)",
            fix="give the CSV file itself, " + SAVE_AGAIN,
        )
    return text


def _cell(record: list[str], at: int) -> str:
    """A row's value in column `at`, stripped; "" for a row shorter than the header."""
    return record[at].strip() if at < len(record) else ""
