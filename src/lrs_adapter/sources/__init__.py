"""Sources of statements: an LRS's Statement resource and LRS export files. Each yields pages of parsed input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from lrs_adapter.model.statements import Accepted, Cursor, Rejected


@dataclass
class Page:
    """One page of input; it is committed whole (with the pages around it) and the cursor moves with it."""

    label: str
    statements: list[tuple[str, Any]]  # (where it came from, the statement: its JSON text as bytes, or parsed)
    unparsable: list[Rejected] = field(default_factory=list)
    size: int = 0  # bytes of input it was read from: what a run may hold in memory is counted in these


class Source(Protocol):
    kind: str
    notes: list[str]

    def pages(self) -> Iterator[Page]: ...

    def advance(self, accepted: list[Accepted]) -> Cursor | None:
        """The cursor that is safe to commit with this page, or None to leave it where it is."""

    def finish(self) -> Cursor | None:
        """The cursor once every page has been committed."""
