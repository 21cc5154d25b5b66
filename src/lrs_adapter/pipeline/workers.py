"""Pulling several connectors at once: connectors spread over worker processes, on one machine or several.

Each connector's lock (an flock beside a SQLite store, an advisory lock in PostgreSQL) decides who pulls it: a
worker that finds it held skips it, since another worker, here or on another machine sharing the database, is
pulling it now. Workers are processes (a pull is CPU-bound: JSON and checks), started fresh rather than forked so
that no database connection is shared with a parent. Each worker's progress travels back to this process on a
queue, which a thread here reads for the progress line; a worker never waits on it (news it has no room for is
dropped: the next page's supersedes it) and, once this process is gone, stops telling and finishes its run.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from queue import Empty, Full

from lrs_adapter.config import Config, load_config
from lrs_adapter.errors import AdapterError, LockedError, error_class_of, exit_code_of
from lrs_adapter.logs import configure_logging
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.runs import Run, RunCounts

#: News from workers not yet read here: a worker drops what would go beyond, rather than wait.
PROGRESS_QUEUE = 1000


@dataclass(frozen=True)
class PullProgress:
    """One connector's pull so far, as a progress line shows it: pages and statements taken in (from the first
    page), statements stored new (at each commit), and the seconds since its run began."""

    connector: str
    pages: int = 0
    statements: int = 0
    quarantined: int = 0
    new: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Statements taken in a second, since the run began."""
        return self.statements / self.seconds if self.seconds > 0 else 0.0


#: Hears each connector's progress, in the process that asked for the pull, whichever process pulls it.
OnProgress = Callable[[PullProgress], None]


class Tracker:
    """A pull's hooks (a page taken in, a commit) turned into one connector's progress, told as it changes."""

    def __init__(self, connector: str, tell: OnProgress) -> None:
        self.progress, self.tell = PullProgress(connector), tell

    def page(self, taken: RunCounts, seconds: float) -> None:
        self.progress = replace(
            self.progress, pages=taken.pages, statements=taken.fetched, quarantined=taken.quarantined, seconds=seconds
        )
        self.tell(self.progress)

    def committed(self, total: RunCounts) -> None:
        self.progress = replace(self.progress, new=total.new)
        self.tell(self.progress)


@dataclass(frozen=True)
class Pulled:
    """What became of one connector: its run, or why there was none."""

    connector: str
    run: Run | None = None
    skipped: str | None = None  # another worker holds it
    error: str | None = None
    exit_code: int = 0


def pull_connector(
    config: Config,
    db: Database,
    connector: str,
    *,
    full: bool = False,
    share: bool = False,
    on_progress: OnProgress | None = None,
) -> Pulled:
    """One connector; `share`: a connector held by another worker is skipped, not failed."""
    tracker = Tracker(connector, on_progress) if on_progress else None
    on_page, on_commit = (tracker.page, tracker.committed) if tracker else (None, None)
    try:
        return Pulled(connector, run=pull(config, db, connector, full=full, on_page=on_page, on_commit=on_commit))
    except LockedError as error:
        if share:
            return Pulled(connector, skipped=str(error))
        return Pulled(connector, error=f"{error_class_of(error)}: {error}", exit_code=exit_code_of(error))
    except AdapterError as error:  # a config error found before the run began
        return Pulled(connector, error=f"{error_class_of(error)}: {error}", exit_code=exit_code_of(error))


def pull_all(
    config: Config,
    db: Database,
    connectors: Sequence[str] = (),
    *,
    full: bool = False,
    workers: int = 1,
    share: bool = False,
    log_format: str | None = None,
    on_progress: OnProgress | None = None,
) -> list[Pulled]:
    """Every connector named (default: all), in turn or spread over `workers` processes; one failing connector
    stops no other. `on_progress` hears each connector's progress after each page and each commit, here."""
    names = list(connectors) or sorted(config.connectors)
    if workers > 1:
        return pull_in_workers(
            str(config.path), names, workers, log_format=log_format, full=full, share=share, on_progress=on_progress
        )
    return [pull_connector(config, db, name, full=full, share=share, on_progress=on_progress) for name in names]


#: In a worker process: where its progress goes (None: nobody listens).
_to_parent: Queue[PullProgress] | None = None


def _start_worker(progress: Queue[PullProgress] | None, log_format: str | None) -> None:
    global _to_parent  # one per worker process, set as it starts: a queue travels only to a process being started
    _to_parent = progress
    configure_logging(log_format)


def tell_parent(progress: PullProgress) -> None:
    """Never waits and never fails the pull: news the queue has no room for is dropped, and with the parent gone
    nobody is told (the run goes on to its end and is recorded)."""
    parent = multiprocessing.parent_process()
    if _to_parent is None or parent is None or not parent.is_alive():
        return
    with suppress(Full):
        _to_parent.put_nowait(progress)


def _in_worker(config_path: str, connector: str, full: bool, share: bool) -> Pulled:
    config = load_config(config_path)
    db = open_store(config.store_url)
    try:
        return pull_connector(config, db, connector, full=full, share=share, on_progress=tell_parent)
    finally:
        db.close()


@contextmanager
def progress_from_workers(
    context: SpawnContext, on_progress: OnProgress | None
) -> Iterator[Queue[PullProgress] | None]:
    """A queue for the workers' progress, read on a thread here while they work and to its end once they are done
    (the workers started with it have left by then, each having sent what it put)."""
    if on_progress is None:
        yield None
        return
    queue: Queue[PullProgress] = context.Queue(PROGRESS_QUEUE)
    done = threading.Event()

    def relay() -> None:
        while not done.is_set():
            with suppress(Empty):
                on_progress(queue.get(timeout=0.2))

    thread = threading.Thread(target=relay, name="worker-progress", daemon=True)
    thread.start()
    try:
        yield queue
    finally:
        done.set()
        thread.join()
        with suppress(Empty):
            while True:
                on_progress(queue.get_nowait())
        queue.close()


def pull_in_workers(
    config_path: str,
    connectors: Sequence[str],
    workers: int,
    *,
    log_format: str | None,
    full: bool,
    share: bool,
    on_progress: OnProgress | None = None,
) -> list[Pulled]:
    context = multiprocessing.get_context("spawn")
    with (
        progress_from_workers(context, on_progress) as progress,
        ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(progress, log_format)
        ) as pool,
    ):
        futures = [pool.submit(_in_worker, config_path, name, full, share) for name in connectors]
        return [future.result() for future in futures]
