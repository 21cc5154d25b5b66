"""Progress lines for long runs on a terminal (rich), beside the log lines, which they draw above themselves: one per
connector being pulled (from its first page taken in, worker processes included), one while learners are settled,
one per sink being pushed; each stage's lines go when it ends.

Off a terminal (cron, CI, a container) there are none: the JSON log lines say the same for machines. rich reads its
markup (`[red]`) in a line's text: a connector's or sink's name goes in escaped for it (`shown`), and for the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.push import SinkCounts
from lrs_adapter.pipeline.run import Watcher
from lrs_adapter.pipeline.settle import MapCounts
from lrs_adapter.pipeline.workers import Pulled, PullProgress
from lrs_adapter.terminal import printable


def shown(name: str) -> str:
    """A name as rich draws it as written: control characters escaped, and rich's markup."""
    return escape(printable(name))


class ProgressLines(Watcher):
    """A run's stages as they go, drawn on `progress` (None: not on a terminal, nothing drawn)."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._tasks: dict[tuple[str, str], TaskID] = {}  # (stage, connector or sink) -> its line

    def pulling(self, progress: PullProgress) -> None:
        self._show(
            ("pull", progress.connector),
            f"pulling {shown(progress.connector)}: {progress.pages:,} pages · {progress.statements:,} statements"
            f" · {progress.rate:,.0f}/s · {progress.new:,} new · {progress.quarantined:,} quarantined",
        )

    def pulled(self, outcomes: Sequence[Pulled]) -> None:
        self._end("pull")

    def settling(self, counts: MapCounts) -> None:
        self._show(
            ("settle", ""),
            f"settling: {counts.learners:,} learners mapped and evaluated · {counts.evidence:,} pieces of evidence",
        )

    def settled(self, counts: MapCounts, mappings: Sequence[Mapping]) -> None:
        self._end("settle")

    def pushing(self, sink: str, counts: SinkCounts, pending: int) -> None:
        done = counts.delivered + counts.failed + counts.waiting
        self._show(
            ("push", sink),
            f"pushing to {shown(sink)}: {done:,} of {pending:,} deliveries · {counts.delivered:,} delivered"
            f" · {counts.failed:,} failed",
        )

    def _show(self, key: tuple[str, str], description: str) -> None:
        if self._progress is None:
            return
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(description)
        self._progress.update(self._tasks[key], description=description)

    def _end(self, stage: str) -> None:
        if self._progress is None:
            return
        for key in [key for key in self._tasks if key[0] == stage]:
            self._progress.remove_task(self._tasks.pop(key))


@contextmanager
def drawn_progress(console: Console | None = None) -> Iterator[Progress | None]:
    """Where progress lines are drawn while the block runs: on the terminal of stderr, or nowhere (None). What the
    command prints meanwhile is drawn above them when stdout is that terminal too, and left alone when it is not."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(
        *columns, console=console, transient=True, redirect_stderr=True, redirect_stdout=sys.stdout.isatty()
    ) as progress:
        yield progress
