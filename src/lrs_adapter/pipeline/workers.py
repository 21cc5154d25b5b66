"""Pulling several connectors at once: connectors spread over worker processes, on one machine or several.

Each connector's lock (an flock beside a SQLite store, an advisory lock in PostgreSQL) decides who pulls it: a
worker that finds it held skips it, since another worker, here or on another machine sharing the database, is
pulling it now. Workers are processes (a pull is CPU-bound: JSON and checks), started fresh rather than forked so
that no database connection is shared with a parent.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

from lrs_adapter.config import Config, load_config
from lrs_adapter.errors import AdapterError, LockedError, error_class_of, exit_code_of
from lrs_adapter.logs import configure_logging
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.runs import Run, RunCounts

#: Told which connector the counts are for, after each commit of its pull.
OnCommit = Callable[[str, RunCounts], None]


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
    on_commit: Callable[[RunCounts], None] | None = None,
) -> Pulled:
    """One connector; `share`: a connector held by another worker is skipped, not failed."""
    try:
        return Pulled(connector, run=pull(config, db, connector, full=full, on_commit=on_commit))
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
    on_commit: OnCommit | None = None,
) -> list[Pulled]:
    """Every connector named (default: all), in turn or spread over `workers` processes; one failing connector
    stops no other. `on_commit` hears each connector's counts after each commit (only in this process)."""
    names = list(connectors) or sorted(config.connectors)
    if workers > 1:
        return pull_in_workers(str(config.path), names, workers, log_format=log_format, full=full, share=share)
    return [
        pull_connector(
            config, db, name, full=full, share=share, on_commit=partial(on_commit, name) if on_commit else None
        )
        for name in names
    ]


def _in_worker(config_path: str, connector: str, log_format: str | None, full: bool, share: bool) -> Pulled:
    configure_logging(log_format)
    config = load_config(config_path)
    db = open_store(config.store_url)
    try:
        return pull_connector(config, db, connector, full=full, share=share)
    finally:
        db.close()


def pull_in_workers(
    config_path: str, connectors: Sequence[str], workers: int, *, log_format: str | None, full: bool, share: bool
) -> list[Pulled]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_in_worker, config_path, name, log_format, full, share) for name in connectors]
        return [future.result() for future in futures]
