"""The feed's cursor: a consumer reading "after what I saw last" while syncs run sees every change exactly once,
on SQLite and on PostgreSQL, where writers commit in another order than they took their sequence numbers."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from lrs_adapter.feed.changes import UnknownCursor, read_changes
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.store import Database, open_store
from tests.helpers.changelog import PREVENT, store_statements, sync
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding


class Consumer:
    """Reads pages of `limit` from its cursor and remembers every seq it was given, in order."""

    def __init__(self, db: Database, kind: str, limit: int = 2) -> None:
        self.db, self.kind, self.limit = db, kind, limit
        self.after = 0
        self.seen: list[int] = []

    def read(self) -> None:
        while changes := read_changes(self.db, self.kind, after=self.after, limit=self.limit):
            self.seen += [c.seq for c in changes]
            self.after = changes[-1].seq

    def catch_up(self) -> None:
        """Read until the whole log is seen. On PostgreSQL the horizon is the oldest writer in the whole cluster,
        so another suite's open transaction on the same server may hold changes back for a moment."""
        deadline = time.monotonic() + 30
        while len(set(self.seen)) < len(logged(self.db, self.kind)) and time.monotonic() < deadline:
            self.read()
            time.sleep(0.05)


def logged(db: Database, kind: str) -> list[int]:
    return [row[0] for row in db.execute("SELECT seq FROM changes WHERE kind = ? ORDER BY seq", (kind,))]


def test_a_consumer_reading_between_syncs_sees_every_change_once(db: Database) -> None:
    completions, states = Consumer(db, "completion"), Consumer(db, "state", limit=3)
    sent = []
    for i in range(12):
        learner = f"P{i % 5:05d}"
        done = statement(
            SATISFIED,
            f"{IRI}/prevent-elearning",
            learner=learner,
            timestamp=f"2026-0{1 + i % 5}-0{1 + i % 9}T10:00:00Z",
        )
        sent.append(done)
        sync(db, done)
        if i % 4 == 3:
            sync(db, voiding(sent[i - 2]))  # a retraction: a tombstone or a not-counted record, never a silence
        completions.read()
        if i % 2:
            states.read()
    completions.catch_up()
    states.catch_up()
    assert sorted(completions.seen) == logged(db, "completion")
    assert len(set(completions.seen)) == len(completions.seen)
    assert sorted(states.seen) == logged(db, "state")
    assert len(set(states.seen)) == len(states.seen)
    assert completions.seen == sorted(completions.seen), "one writer at a time: feed order is seq order"


def test_a_cursor_that_is_no_records_seq_is_refused(db: Database) -> None:
    sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning"))
    with pytest.raises(UnknownCursor, match="seq 999"):
        read_changes(db, "completion", after=999)


def begin(stack: ExitStack, db: Database) -> None:
    stack.enter_context(db.transaction())


def write(db: Database, learner: str, timestamp: str = "2026-03-02T10:00:00Z") -> None:
    """Inside the caller's transaction: store a learner's completion and evaluate them, as one sync would."""
    store_statements(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=timestamp))
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_postgresql_writers_committing_in_reverse_order_of_their_seqs_are_both_read_once(pg_url: str) -> None:
    first, second, reader = open_store(pg_url), open_store(pg_url), open_store(pg_url)
    consumer = Consumer(reader, "completion", limit=10)
    with ExitStack() as first_tx:
        begin(first_tx, first)
        write(first, "P00001")  # takes the lower seq
        with ExitStack() as second_tx:
            begin(second_tx, second)
            write(second, "P00002")
        # The second writer has committed, the first has not.
        assert reader.execute("SELECT learner FROM changes WHERE kind = 'completion'") == [("P00002",)]
        consumer.read()
        assert consumer.seen == [], "P00002's change must wait: P00001's lower seq may still commit"
    consumer.catch_up()
    assert sorted(consumer.seen) == logged(reader, "completion")
    assert len(consumer.seen) == 2
    for database in (first, second, reader):
        database.close()


@pytest.mark.postgres
@pytest.mark.timeout(60)
def test_postgresql_a_writer_with_the_older_transaction_but_the_higher_seq_is_not_skipped(pg_url: str) -> None:
    """The harder order: the transaction that began writing first takes its seq last and commits first."""
    early, late, reader = open_store(pg_url), open_store(pg_url), open_store(pg_url)
    consumer = Consumer(reader, "completion", limit=10)
    with ExitStack() as late_tx:
        begin(late_tx, late)
        with ExitStack() as early_tx:
            begin(early_tx, early)
            early.execute("SELECT pg_current_xact_id()")  # its transaction id is taken now: the older writer
            write(late, "P00002")  # the lower seq
            write(early, "P00001")  # the higher seq
        consumer.catch_up()  # the early writer committed; the late one, holding the lower seq, still runs
        assert [c.learner for c in read_changes(reader, "completion")] == ["P00001"]
    consumer.catch_up()
    assert sorted(consumer.seen) == logged(reader, "completion")
    assert len(set(consumer.seen)) == len(consumer.seen) == 2
    assert consumer.seen != sorted(consumer.seen), "the feed follows commit order, not seq order"
    for database in (early, late, reader):
        database.close()


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_postgresql_a_consumer_polling_while_two_workers_sync_sees_every_change_once(pg_url: str) -> None:
    """Real threads, real interleavings: each worker's transactions commit a random moment after taking their seqs."""
    import random
    import threading

    failures: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def worker(name: int) -> None:
        db, chance = open_store(pg_url), random.Random(name)
        try:
            for i in range(12):
                with db.transaction():
                    write(db, f"P{name}{i % 4:04d}", f"2026-0{1 + i % 6}-1{i % 9}T10:00:00Z")
                    time.sleep(chance.uniform(0, 0.02))  # hold the seqs taken, uncommitted, for a while
        except BaseException as error:
            failures.append(error)
        finally:
            db.close()

    reader = open_store(pg_url)
    consumer = Consumer(reader, "completion", limit=3)
    workers = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for thread in workers:
        thread.start()
    while any(thread.is_alive() for thread in workers):
        consumer.read()
        time.sleep(0.005)
    for thread in workers:
        thread.join()
    assert not failures, failures
    consumer.catch_up()
    assert sorted(consumer.seen) == logged(reader, "completion")
    assert len(set(consumer.seen)) == len(consumer.seen)
    reader.close()
