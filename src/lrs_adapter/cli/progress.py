"""A progress line for long pulls on a terminal (rich), beside the log lines, which it draws above itself.

Off a terminal (cron, CI, a container) there is none: the JSON log lines say the same for machines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from lrs_adapter.pipeline.workers import OnCommit
from lrs_adapter.store.runs import RunCounts


@contextmanager
def pull_progress(console: Console | None = None) -> Iterator[OnCommit | None]:
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, redirect_stderr=True) as progress:
        tasks: dict[str, TaskID] = {}

        def show(connector: str, counts: RunCounts) -> None:
            if connector not in tasks:
                tasks[connector] = progress.add_task(connector)
            progress.update(
                tasks[connector],
                description=f"pulling {connector}: {counts.pages} pages · {counts.fetched:,} statements"
                f" · {counts.new:,} new · {counts.quarantined:,} quarantined",
            )

        yield show
