"""CSV files people export from HR systems and spreadsheets, read whole as UTF-8 (a byte-order mark allowed).

A file that cannot be read as CSV text at all (bytes that are not UTF-8, a NUL, a cell longer than the csv module
takes)
is refused with the line at fault, rather than a traceback: the person who exported it can find that line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class CsvRefused(ValueError):
    """The file is not CSV text; the message starts with the line at fault."""


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header (names stripped and lower-cased) and each row as (line, {column: stripped value}).

    Raises OSError when the file cannot be opened, CsvRefused when it cannot be read as CSV text.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvRefused(
            f"line {line}: byte 0x{data[error.start]:02x} is not UTF-8 text (save the file as 'CSV UTF-8')"
        ) from None
    if (nul := text.find("\x00")) >= 0:  # a binary file; PostgreSQL's text could not hold it either
        raise CsvRefused(f"line {text.count(chr(10), 0, nul) + 1}: a NUL character (this is not a text file)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or []]
        reader.fieldnames = header
        rows = [
            (reader.line_num, {key: (value or "").strip() for key, value in record.items() if key}) for record in reader
        ]
    except csv.Error as error:
        raise CsvRefused(f"line {reader.line_num + 1}: {error}") from None
    return header, rows
