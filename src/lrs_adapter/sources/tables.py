"""What CSV files and workbooks share once they are read as rows: a header of distinct column names, and the
refusal of a file that cannot be read as rows, naming the line at fault and what to do about it.

Column names are compared as the readers use them, spaces around them dropped and case ignored: `Name` and `name `
are one column given twice, and taking either one silently (the csv module keeps the last) would import values
from a column the person who made the file may not have meant.
"""

from __future__ import annotations

from collections.abc import Sequence


class TableRefused(Exception):
    """The file cannot be read as rows; the message starts with the line at fault and `fix` says what to do."""

    def __init__(self, message: str, *, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def column_names(cells: Sequence[object]) -> list[str]:
    """The header's names, stripped and lower-cased (an empty cell names no column); a name that two columns or more
    share is refused with their numbers."""
    names = ["" if cell is None else str(cell).strip().lower() for cell in cells]
    numbers: dict[str, list[int]] = {}
    for number, name in enumerate(names, start=1):
        if name:
            numbers.setdefault(name, []).append(number)
    shared = [f"{name!r} (columns {_listed(found)})" for name, found in numbers.items() if len(found) > 1]
    if shared:
        raise TableRefused(
            f"line 1: columns with the same name: {', '.join(shared)}",
            fix="keep one column of each name (delete or rename the others): the adapter cannot tell which one "
            "is meant.",
        )
    return names


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
