"""LRS export files for offline use: a JSON array of statements, one or more JSON objects, or JSON Lines.

Streamed, never loaded whole: JSON Lines line by line (a bad line is quarantined with its line number and the rest
goes on), arrays and concatenated objects through ijson's C parser (broken JSON there cannot be resynchronised,
so the text around the break is quarantined as one entry and the run fails, naming the file and the statement count).
A UTF-8 byte-order mark at the start of the file is skipped: left in, it would break the first line's JSON.
Files carry no cursor: re-importing is idempotent because ids are kept or derived from content.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import ijson

from lrs_adapter.errors import ConfigError, SourceFormatError
from lrs_adapter.model.statements import Accepted, Cursor, reject_unparsable
from lrs_adapter.sources import Page

JSON_LINES = frozenset({".jsonl", ".ndjson"})
BATCH = 500
#: A page also ends after this much input: a file of multi-megabyte statements is taken in a few at a time.
BATCH_BYTES = 32_000_000
#: How much text on each side of a break in a JSON file is kept in quarantine.
TAIL_KEPT = 64_000


class ExportFile:
    kind = "file"

    def __init__(self, path: Path, *, batch: int = BATCH, batch_bytes: int = BATCH_BYTES) -> None:
        self.path, self.batch, self.batch_bytes = path, batch, batch_bytes
        self.notes: list[str] = []

    def pages(self) -> Iterator[Page]:
        try:
            handle = self.path.open("rb")
        except OSError as error:
            raise ConfigError(
                f"cannot read the export file {self.path}: {error.strerror}.",
                fix="check the connector's `file` path (relative paths are relative to the config file).",
            ) from None
        with handle:
            if handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:  # Windows tools start UTF-8 text with one
                handle.seek(0)
            if self.path.suffix.lower() in JSON_LINES:
                yield from self._lines(handle)
            else:
                yield from self._json(handle)

    def _lines(self, handle: IO[bytes]) -> Iterator[Page]:
        page, size = Page(f"{self.path} lines 1-", []), 0
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            size += len(line)
            page.statements.append((f"{self.path}:{number}", line.rstrip(b"\r\n")))  # parsed where it is checked
            if len(page.statements) + len(page.unparsable) >= self.batch or size >= self.batch_bytes:
                page.label += str(number)
                page.size = size
                yield page
                page, size = Page(f"{self.path} lines {number + 1}-", []), 0
        if page.statements or page.unparsable:
            page.label += "end"
            page.size = size
            yield page

    def _json(self, handle: IO[bytes]) -> Iterator[Page]:
        first = handle.read(1)
        while first and first.isspace():
            first = handle.read(1)
        handle.seek(handle.tell() - len(first))
        prefix, multiple = ("item", False) if first == b"[" else ("", True)
        count = 0
        page, start = Page(f"{self.path} statements 1-", []), handle.tell()
        try:
            for item in ijson.items(handle, prefix, multiple_values=multiple, use_float=True):
                count += 1
                page.statements.append((f"{self.path}#{count}", item))
                # ijson reads ahead in blocks of 64 KB: the file's position is the page's size to within one.
                if len(page.statements) >= self.batch or handle.tell() - start >= self.batch_bytes:
                    page.label += str(count)
                    page.size = handle.tell() - start
                    yield page
                    page, start = Page(f"{self.path} statements {count + 1}-", []), handle.tell()
        except (ijson.JSONError, UnicodeDecodeError) as error:
            # ijson reads ahead in blocks: keep the text around where it stopped, not the whole file.
            handle.seek(max(0, handle.tell() - TAIL_KEPT))
            tail = handle.read(2 * TAIL_KEPT).decode("utf-8", "replace")
            page.unparsable.append(
                reject_unparsable(f"{self.path} after statement {count}", tail, str(error).strip().splitlines()[0])
            )
            page.label += "break"
            yield page
            raise SourceFormatError(
                f"{self.path} is not valid JSON after statement {count}: {str(error).strip().splitlines()[0]}. "
                f"The {count} statements before the break were taken in; the text around the break is quarantined. "
                "Fix the file (or export it again) and import it again: what was taken in is not duplicated."
            ) from None
        if page.statements:
            page.label += "end"
            page.size = handle.tell() - start
            yield page

    def advance(self, accepted: list[Accepted]) -> Cursor | None:
        return None

    def finish(self) -> Cursor | None:
        return None
