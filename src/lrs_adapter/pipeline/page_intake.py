"""Pages taken in on other processes while this one fetches the next page and stores the last.

Parsing and checking a statement costs about 35 us of Python and storing it 15-35 us, so a pull on one core spends
half its time or more where the GIL forbids threads to help (a writer thread beside intake in one process, tried,
made pulls slower: each row's step hands the GIL back and forth). `[pull] intake_processes` processes parse and check
pages instead, and the run's own process keeps to the network and the store, in page order as before: results are
taken oldest first, so cursors, counters and commits are exactly those of a run on one process.

What crosses between the processes, and why: out, a page's statements as the JSON texts the LRS sent (bytes; an export
array's statements as parsed objects), not their sources; back, each accepted statement's fields as a plain tuple
without its text (`raw` is AS_SENT: the run's process holds the text and puts it back, `taken_back`), and each
rejected one by its place in the page. No statement's text makes the round trip (about half the bytes in the pipes).
Measured on 2 shared CPUs at load 10-12 (bench/intake.py, 30,000 statements through PageIntake alone, no HTTP or
store, medians of 3 rotated rounds, CPU of every process): 53.9 and 58.9 us a statement in two runs against main's
round trip of the text 56.0 and 53.6, so the text was no longer what the crossing costs; on this process alone
37.5-41. Pickling both ways and putting the text back cost ~1.5 us a statement in all; the rest of the processes'
price is the pool's machinery and the same checks running slower beside other processes. Processes buy rate and cost
CPU: a pull of 100,000 statements from bench/static_lrs.py ran at 0.64x the plain requests + json loop with 2
processes and 0.52x on one, at 101 against 83 us of CPU a statement (Learning Locker, 30,000: 0.51x and 0.32x, 135 and
112 us; the plain loop 34-39 us). `intake_processes = 0` is the choice where CPU is what is short. (Shared memory was
not built: it would save only the pipe copies, a fraction of a microsecond a statement.)

A run's first page is taken in here: the usual incremental pull is one page, and starting processes for it would
cost more than the page. The processes are forked: a spawned one (or one from CPython's forkserver, which does not
preload a console script's module) imports the whole command again, 0.4 s of CPU each. What a forked process
inherits and never touches (the store connection, a progress thread's locks) does no harm: it only parses and
checks, and it leaves by os._exit. Each leaves when the run's process dies, even by SIGKILL, so a killed sync
leaves none behind; one that dies during a run fails the run (`intake_of`), its committed pages kept.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, NamedTuple

from lrs_adapter.errors import TransientError
from lrs_adapter.model.statements import Accepted, Rejected
from lrs_adapter.pipeline.intake import take_in, take_in_text
from lrs_adapter.pipeline.own_statements import OwnStatements
from lrs_adapter.sources import Page


class Intake(NamedTuple):
    accepted: list[Accepted]  # in page order, the adapter's own statements among them (the cursor counts them)
    rejected: list[Rejected]
    own: list[str]  # ids of the accepted statements the adapter wrote itself: not to be stored


def take_in_page(page: Page, received_at: datetime, version: str, own: OwnStatements | None = None) -> Intake:
    accepted: list[Accepted] = []
    rejected: list[Rejected] = list(page.unparsable)
    for source, statement in page.statements:
        outcome = _take_in(statement, source, received_at, version)
        if isinstance(outcome, Accepted):
            accepted.append(outcome)
        else:
            rejected.append(outcome)
    return Intake(accepted, rejected, _own(accepted, own))


def _take_in(statement: Any, source: str, received_at: datetime, version: str) -> Accepted | Rejected:
    """One statement of a page, as received (JSON text) or parsed (an export file's array)."""
    if isinstance(statement, bytes):
        return take_in_text(statement, source=source, received_at=received_at, version=version)
    return take_in(statement, source=source, received_at=received_at, version=version)


def _own(accepted: list[Accepted], own: OwnStatements | None) -> list[str]:
    return [item.id for item in accepted if own.wrote(item)] if own else []


#: What a row that crosses back has for `raw` when its text is the one the run's process sent (a statement's text is
#: never empty); `raw` is Accepted's field at _RAW.
AS_SENT = ""
_RAW = Accepted._fields.index("raw")


class Returned(NamedTuple):
    """A page's intake as it crosses back from an intake process, without the statements' texts the run's process
    already holds: each accepted statement with its place in the page and Accepted's fields as a plain tuple (it
    pickles 4x faster than the NamedTuple), `raw` AS_SENT (one intake completed, an export file's statement without
    an id, comes back with its new text); each rejected one by place, its source left to the run's process."""

    accepted: list[tuple[int, tuple[Any, ...]]]
    rejected: list[tuple[int, Rejected]]
    own: list[str]


def take_in_there(statements: list[Any], received_at: datetime, version: str, own: OwnStatements | None) -> Returned:
    """A page's statements taken in on an intake process (their sources stay with the run's process)."""
    taken: list[Accepted] = []  # as the run's process will have them: the adapter's own are told by their text
    accepted: list[tuple[int, tuple[Any, ...]]] = []
    rejected: list[tuple[int, Rejected]] = []
    for place, statement in enumerate(statements):
        outcome = _take_in(statement, "", received_at, version)
        if isinstance(outcome, Rejected):
            rejected.append((place, outcome))
            continue
        taken.append(outcome)
        as_sent = isinstance(statement, bytes) and outcome.raw.encode() == statement
        accepted.append((place, (*outcome[:_RAW], AS_SENT, *outcome[_RAW + 1 :]) if as_sent else tuple(outcome)))
    return Returned(accepted, rejected, _own(taken, own))


def taken_back(page: Page, returned: Returned) -> Intake:
    """A page's intake from what crossed back, with the texts and sources this process kept."""
    statements = page.statements
    accepted = [
        Accepted._make(row if row[_RAW] else (*row[:_RAW], statements[place][1].decode(), *row[_RAW + 1 :]))
        for place, row in returned.accepted
    ]
    rejected = [
        *page.unparsable,
        *(replace(verdict, source=statements[place][0]) for place, verdict in returned.rejected),
    ]
    return Intake(accepted, rejected, returned.own)


def intake_of(future: Future[Intake | Returned], page: Page) -> Intake:
    """A page's intake, or a run failure that says what happened when an intake process died (the kernel's
    out-of-memory killer, a stray kill): the pages before it are committed, and the next run goes on from there."""
    try:
        result = future.result()
    except BrokenProcessPool:
        raise TransientError(
            "an intake process died while taking pages in (killed by the system, out of memory?). The pages before "
            "were committed and the next run goes on from there; if it recurs, set [pull] intake_processes = 0."
        ) from None
    return taken_back(page, result) if isinstance(result, Returned) else result


def _leave_with_parent() -> None:
    """An intake process waits on its tasks' pipe, which it holds open itself: only this notices the run is gone."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), name="leave-with-parent", daemon=True).start()


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(0)


class PageIntake:
    """Takes a run's pages in, on `processes` processes from its second page on (0: all here)."""

    def __init__(self, processes: int, version: str, own: OwnStatements | None = None) -> None:
        self.processes, self.version, self.own = processes, version, own
        self._pool: ProcessPoolExecutor | None = None
        self._submitted = 0

    @property
    def ahead(self) -> int:
        """Pages to have in hand before waiting for the oldest: enough to keep every process busy."""
        return 4 * self.processes

    def submit(self, page: Page, received_at: datetime) -> Future[Intake | Returned]:
        """The page's intake to come: `intake_of` waits for it."""
        self._submitted += 1
        if self.processes == 0 or self._submitted == 1:
            done: Future[Intake | Returned] = Future()
            done.set_result(take_in_page(page, received_at, self.version, self.own))
            return done
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("fork"), initializer=_leave_with_parent
            )
        statements = [statement for _, statement in page.statements]
        return self._pool.submit(take_in_there, statements, received_at, self.version, self.own)

    def __enter__(self) -> PageIntake:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
