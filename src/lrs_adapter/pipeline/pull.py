"""One pull run of one connector: lock, read pages from its source, take each page in with its cursor, log it.

At-least-once with idempotent effects: a page's statements, its quarantine entries, the run's counters and the
cursor move in one transaction, so a run killed anywhere resumes from the last committed page, and whatever it
reads twice is deduped by statement id. Pages are parsed and checked on other processes (page_intake.py) and
batches committed on a thread of this one (Committer), both strictly in page order.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.errors import AdapterError, ConfigError, error_class_of
from lrs_adapter.logs import progress_level
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.model.statements import Accepted, Cursor, Rejected
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.erased import hold_erased
from lrs_adapter.pipeline.own_statements import OwnStatements
from lrs_adapter.pipeline.page_intake import Intake, PageIntake, Returned, intake_of
from lrs_adapter.sources import Page, Source
from lrs_adapter.sources.export_file import ExportFile
from lrs_adapter.sources.lrs import LrsStatements
from lrs_adapter.store.database import Database
from lrs_adapter.store.locks import connector_lock
from lrs_adapter.store.quarantine import quarantine
from lrs_adapter.store.runs import Run, RunCounts, add_to_run, finish_run, get_cursor, set_cursor, start_run
from lrs_adapter.store.statements import save_statements
from lrs_adapter.xapi.client import XapiClient

log = structlog.get_logger("lrs_adapter.pipeline.pull")

SUCCEEDED, QUARANTINED, FAILED = "succeeded", "succeeded_with_quarantine", "failed"
#: Pages waiting for their transaction are also committed once their statements' text reaches this length, so memory
#: stays bounded when statements are megabytes each (commit_every counts statements); and pages being taken in on
#: other processes are waited for once their input reaches half of it.
COMMIT_CHARACTERS = 64_000_000
#: Told the pages, statements and quarantined statements taken in so far and the seconds since the run began, after
#: each page taken in: a progress line from the first page, not only after the first commit of `commit_every`.
OnPage = Callable[[RunCounts, float], None]


def make_source(config: Config, connector: ConnectorConfig, db: Database, *, full: bool) -> Source:
    if connector.file is not None:
        return ExportFile(connector.file)
    if connector.lms is not None:
        if config.home_page is None:
            raise ConfigError(
                f"connector {connector.name} reads an LMS, whose learners are named by payroll number under"
                " roster.home_page, which is not set.",
                file=str(config.path),
                key="roster.home_page",
                fix='set [roster] home_page = "https://..." (the account homePage of your learners\' payroll numbers).',
            )
        # Here, not at the top: it brings psycopg, 50 ms that every command on the default SQLite would pay.
        from lrs_adapter.sources.scorm import ScormTracks

        cursor = get_cursor(db, connector.name)
        return ScormTracks(
            config.lms[connector.lms], connector, config.home_page, cursor, full=full, file=str(config.path)
        )
    assert connector.lrs is not None
    lrs = config.lrs[connector.lrs]
    return LrsStatements(XapiClient(lrs), lrs, connector, get_cursor(db, connector.name), full=full)


@contextmanager
def long_lived_objects_frozen() -> Iterator[None]:
    """Statements are many small dicts: the collector's full passes rescan every module and schema object each time
    (measured 3-5% of a pull). Freezing what exists before the run keeps those passes short."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@dataclass
class Taken:
    """A page taken in, waiting for its transaction: what intake made of it, not the parsed page (memory)."""

    label: str
    size: int
    received_at: str
    text_size: int
    accepted: list[Accepted]
    rejected: list[Rejected]
    own: list[str]  # ids among `accepted` of statements the adapter wrote: the cursor counts them, the store not

    def to_store(self) -> list[Accepted]:
        if not self.own:
            return self.accepted
        own = set(self.own)
        return [item for item in self.accepted if item.id not in own]


def commit_pages(
    db: Database, source: Source, connector: str, run_id: int, pages: list[Taken], bound_log: Any
) -> RunCounts:
    """Several pages in one transaction (a commit per page costs a WAL write and, often, a checkpoint): their
    statements, quarantine entries and counters, and the cursor of the last page that allows one."""
    if not pages:
        return RunCounts()
    started = time.monotonic()
    done: list[tuple[Taken, RunCounts, Cursor | None]] = []
    batch, cursor = RunCounts(), None
    with db.transaction():
        for taken in pages:
            stored, held = hold_erased(db, taken.to_store(), source=taken.label)
            saved = save_statements(db, stored, connector=connector, run_id=run_id, received_at=taken.received_at)
            rejected = [*taken.rejected, *held]
            quarantine(db, rejected, connector=connector, run_id=run_id, received_at=taken.received_at)
            cursor = source.advance(taken.accepted) or cursor
            counts = RunCounts(
                pages=1,
                fetched=taken.size,
                new=saved.new,
                duplicate=saved.duplicate,
                quarantined=len(rejected),
                voided=saved.voided,
                conflicts=saved.conflicts,
                own=len(taken.own),
            )
            batch.add(counts)
            done.append((taken, counts, cursor))
        if cursor is not None:
            set_cursor(db, connector, cursor, run_id, pages[-1].received_at)
        add_to_run(db, run_id, batch, cursor.position if cursor else None)
    duration = round(time.monotonic() - started, 3)
    for taken, counts, at in done:
        bound_log.log(
            progress_level(),
            "page taken in",
            phase="pull",
            page=taken.label,
            cursor=at.position if at else None,
            commit_s=duration,
            **vars(counts),
        )
    return batch


class Committer:
    """Commits batches of pages on a thread of this process, one batch at a time and in page order, while the run
    goes on fetching pages and collecting the intake processes' work. SQLite and PostgreSQL do their part with the
    GIL released, and by now the run's own thread mostly waits (on the LRS, on the intake processes), so the store's
    time and the rest overlap. (A writer thread beside intake in this process made pulls slower: then both wanted
    the GIL.) The database is used by one thread at a time: the run touches it again only after `wait`."""

    def __init__(self, commit: Callable[[list[Taken]], RunCounts], committed: Callable[[RunCounts], None]) -> None:
        self._commit, self._committed = commit, committed
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="commit")
        self._running: Future[RunCounts] | None = None

    def submit(self, pages: list[Taken]) -> None:
        self.wait()
        self._running = self._thread.submit(self._commit, pages)

    def wait(self) -> None:
        """The batch being committed is in (its error, if any, raised here), and the database is free."""
        running, self._running = self._running, None
        if running is not None:
            self._committed(running.result())

    def __enter__(self) -> Committer:
        return self

    def __exit__(self, *_: object) -> None:
        """On the way out of a failed run, a batch still being committed ends (committed or rolled back) before the
        run records its failure."""
        running, self._running = self._running, None
        if running is not None:
            futures_wait([running])
        self._thread.shutdown()


def pull(
    config: Config,
    db: Database,
    connector_name: str,
    *,
    full: bool = False,
    now: Callable[[], datetime] = utc_now,
    source: Source | None = None,
    commit_every: int | None = None,
    on_commit: Callable[[RunCounts], None] | None = None,
    on_page: OnPage | None = None,
) -> Run:
    """Run one connector to the end of its source; the returned Run row says what happened, failures included.
    `on_page` hears what was taken in so far after each page, `on_commit` the run's counts after each commit (a
    progress line on a terminal)."""
    connector = config.connectors.get(connector_name)
    if connector is None:
        known = ", ".join(sorted(config.connectors)) or "none"
        raise ConfigError(
            f"there is no connector {connector_name!r} (known: {known}).",
            file=str(config.path),
            fix="pass one of the known names to --connector, or add [connectors.NAME] to the file.",
        )
    version = config.lrs[connector.lrs].xapi_version if connector.lrs else "1.0.3"
    with (
        connector_lock(db, connector_name),
        long_lived_objects_frozen(),
        PageIntake(config.intake_processes, version, _own_statements(config)) as intake,
    ):
        try:
            source = source or make_source(config, connector, db, full=full)
        except AdapterError as unmade:  # e.g. a password variable not set: the run log shows this run too
            return failed_at_start(db, connector, unmade, now)
        run = PullRun(db, connector_name, source, now, commit_every or config.commit_every, on_commit, on_page)
        return _run_to_end(run, intake)


def take_in_source(config: Config, db: Database, name: str, source: Source, *, now: Callable[[], datetime]) -> Run:
    """Statements made by the adapter from a file that is no configured connector (an attendance report), taken
    in as a pull run under `name`: the same intake, store, locks and run log as an export file's."""
    with connector_lock(db, name), PageIntake(0, "1.0.3", _own_statements(config)) as intake:
        return _run_to_end(PullRun(db, name, source, now, config.commit_every, None), intake)


def _own_statements(config: Config) -> OwnStatements:
    return OwnStatements.of(mapping.certification for mapping in load_mappings(config.mappings))


def _run_to_end(run: PullRun, intake: PageIntake) -> Run:
    error: Exception | None = None
    try:
        run.take_pages(intake)
    except Exception as failure:
        error = failure
    return run.finish(error)


def failed_at_start(db: Database, connector: ConnectorConfig, error: AdapterError, now: Callable[[], datetime]) -> Run:
    """A run that could not begin (its source could not be made), recorded as failed with its error."""
    at, before = format_instant(now()), get_cursor(db, connector.name)
    if connector.lms:
        from lrs_adapter.sources.scorm import ScormTracks  # as in make_source: psycopg only when an LMS is read

        kind = ScormTracks.kind
    else:
        kind = ExportFile.kind if connector.file is not None else LrsStatements.kind
    run_id = start_run(db, connector.name, kind, at, before.position if before else None)
    log.error("run failed at its start", phase="pull", run_id=run_id, connector=connector.name,
              error_class=error_class_of(error), error=str(error))  # fmt: skip
    return finish_run(db, run_id, now=at, outcome=FAILED, error_class=error_class_of(error), error_message=str(error))


class PullRun:
    """One run of one connector, from its row in the run log to its ending: `take_pages` reads the source to its
    end, taking each page in and committing pages in batches with their cursor; `finish` writes the ending, the
    same way whether the run succeeded or failed."""

    def __init__(
        self,
        db: Database,
        connector: str,
        source: Source,
        now: Callable[[], datetime],
        commit_every: int,
        on_commit: Callable[[RunCounts], None] | None,
        on_page: OnPage | None = None,
    ) -> None:
        self.db, self.connector, self.source, self.now = db, connector, source, now
        self.commit_every, self.on_commit, self.on_page = commit_every, on_commit, on_page
        before = get_cursor(db, connector)
        self.id = start_run(db, connector, source.kind, format_instant(now()), before.position if before else None)
        self.log = log.bind(run_id=self.id, connector=connector)
        self.log.info(
            "run started", phase="pull", source=source.kind, cursor_before=before.position if before else None
        )
        self.started = time.monotonic()
        self.total = RunCounts()
        self.taken = RunCounts()  # pages taken in, committed or not
        self.pending: list[Taken] = []
        self.in_flight: deque[tuple[Page, datetime, Future[Intake | Returned]]] = deque()

    def take_pages(self, intake: PageIntake) -> None:
        """Every page of the source, taken in on the intake processes and committed in page order; when the source
        fails (the LRS gave up, a file broke), what it gave before is kept, and its error raised."""
        with Committer(self._commit, self._committed) as committer:
            pages = self.source.pages()
            while True:
                try:
                    page = next(pages)
                except StopIteration:
                    break
                except Exception:
                    self._drain(committer)
                    raise
                received = self.now()
                self.in_flight.append((page, received, intake.submit(page, received)))
                while len(self.in_flight) > intake.ahead or (
                    len(self.in_flight) > 1
                    and sum(waiting.size for waiting, _, _ in self.in_flight) >= COMMIT_CHARACTERS // 2
                ):
                    self._take_oldest(committer)
            self._drain(committer)
        final = self.source.finish()
        if final is not None:
            with self.db.transaction():
                set_cursor(self.db, self.connector, final, self.id, format_instant(self.now()))
                add_to_run(self.db, self.id, RunCounts(), final.position)

    def finish(self, error: Exception | None) -> Run:
        """The run's ending in the run log and one log line: failed with `error`'s class and message, or succeeded
        (with quarantine when anything was quarantined)."""
        outcome = FAILED if error is not None else QUARANTINED if self.total.quarantined else SUCCEEDED
        run = finish_run(
            self.db,
            self.id,
            now=format_instant(self.now()),
            outcome=outcome,
            error_class=error_class_of(error) if error else None,
            error_message=str(error) if error else None,
            notes="; ".join(self.source.notes) or None,
        )
        ending = {"phase": "pull", "duration_s": round(time.monotonic() - self.started, 3), **vars(self.total)}
        if error is not None:
            self.log.error("run failed", error_class=run.error_class, error=run.error_message, **ending)
        else:
            self.log.info("run finished", outcome=run.outcome, cursor_after=run.cursor_after, notes=run.notes, **ending)
        return run

    def _take_oldest(self, committer: Committer) -> None:
        """The oldest page in flight joins the pending ones, which are committed once there are enough."""
        page, received, future = self.in_flight.popleft()
        accepted, rejected, own = intake_of(future, page)
        size = len(page.statements) + len(page.unparsable)
        text = sum(len(item.raw) for item in accepted) + sum(len(item.raw) for item in rejected)
        self.pending.append(Taken(page.label, size, format_instant(received), text, accepted, rejected, own))
        self.taken.add(RunCounts(pages=1, fetched=size, quarantined=len(rejected), own=len(own)))
        if self.on_page is not None:
            self.on_page(self.taken, time.monotonic() - self.started)
        if (
            sum(taken.size for taken in self.pending) >= self.commit_every
            or sum(taken.text_size for taken in self.pending) >= COMMIT_CHARACTERS
        ):
            committer.submit(self.pending)
            self.pending = []

    def _drain(self, committer: Committer) -> None:
        """Every page still in flight taken in, and everything pending committed."""
        while self.in_flight:
            self._take_oldest(committer)
        committer.submit(self.pending)
        self.pending = []
        committer.wait()

    def _commit(self, pages: list[Taken]) -> RunCounts:
        return commit_pages(self.db, self.source, self.connector, self.id, pages, self.log)

    def _committed(self, counts: RunCounts) -> None:
        self.total.add(counts)
        if self.on_commit is not None:
            self.on_commit(self.total)
