"""A pull that checks its LRS, against Learning Locker: the closing query after a `more` chain ends, and `more`
links kept to the LRS's own origin.

A chain that ends early, and a `more` pointing at another host, are faults a real server will not produce on demand:
the suite's transport adapter (tests/helpers/transport_faults.py) places them in Learning Locker's real answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from structlog.testing import capture_logs

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.model.statements import Cursor
from lrs_adapter.pipeline.pull import FAILED, SUCCEEDED, pull
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.runs import get_cursor
from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS
from tests.helpers.transport_faults import ELSEWHERE, FaultPlan, faulty_sessions

FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)
PAGE = 40
VERB = "http://adlnet.gov/expapi/verbs/completed"


def config(lrs: LRS, store_url: str, tmp_path: Path, *, verb: str | None = None) -> Config:
    ll = LrsConfig(
        name="ll",
        endpoint=lrs.endpoint,
        username="adapter",
        headers={"X-Tenant": "council"},
        page_size=PAGE,
        retry=FAST,
    )
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url=store_url,
        lrs={"ll": ll},
        connectors={"ll": ConnectorConfig(name="ll", lrs="ll", verb=verb)},
        commit_every=PAGE,
    )


def post(lrs: LRS, count: int) -> list[dict[str, Any]]:
    """`count` statements in POSTs of 50, as real traffic: several share each `stored`."""
    statements = make_statements(count)
    for start in range(0, count, 50):
        lrs.post(statements[start : start + 50])
    return statements


def stored_ids(db: Database) -> set[str]:
    return {row.id for row in db.execute("SELECT id FROM statements")}


class CursorWatch:
    """Before every request, from a connection of its own: the connector's committed cursor, and the newest `stored`
    committed, so a cursor ahead of what the store holds would be seen."""

    def __init__(self, store_url: str) -> None:
        self.db = open_store(store_url)
        self.seen: list[tuple[Cursor | None, str | None]] = []

    def __call__(self) -> None:
        newest = self.db.one("SELECT MAX(stored) AS newest FROM statements")
        self.seen.append((get_cursor(self.db, "ll"), newest.newest if newest else None))

    def ahead(self) -> list[tuple[Cursor | None, str | None]]:
        return [(c, n) for c, n in self.seen if c is not None and (n is None or c.position > n)]


def test_a_chain_that_ends_early_is_closed_and_every_statement_arrives_in_one_pull(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(learning_locker, 300)
    watch = CursorWatch(store_url)
    plan = FaultPlan({3: "end_chain"}, watch=watch)  # the 4th page (statements 121-160) says it is the last
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    with capture_logs() as logs:
        run = pull(config(learning_locker, store_url, tmp_path), db, "ll")
    assert [fault for _, fault, _, _ in plan.met] == ["end_chain"]
    assert run.outcome == SUCCEEDED, run.error_message
    assert stored_ids(db) == {s["id"] for s in posted}
    assert run.new == 300
    assert "the LRS's `more` chain ended early" in (run.notes or "")
    assert "found 140 statements" in (run.notes or "")  # 161-300: not those of the 160th's millisecond re-read
    warnings = [line for line in logs if line["log_level"] == "warning"]
    assert [line["found"] for line in warnings] == [140]
    assert len(watch.seen) == len(plan.requests) >= 6
    assert watch.ahead() == []
    db.close()
    watch.db.close()


def test_the_cursor_stays_at_the_last_statement_received_until_a_closing_query_answers(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(learning_locker, 300)
    plan = FaultPlan({3: "end_chain", 4: "drop_before", 5: "drop_before"})  # the closing query never answers
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    cfg = config(learning_locker, store_url, tmp_path)
    failed = pull(cfg, db, "ll")
    assert (failed.outcome, failed.error_class) == (FAILED, "transient")
    assert len(stored_ids(db)) == 160
    cursor = get_cursor(db, "ll")
    newest = db.one("SELECT MAX(stored) AS newest FROM statements")
    assert cursor is not None
    assert newest is not None
    assert cursor.position == newest.newest  # not Consistent-Through: statements after it were never received
    monkeypatch.undo()
    again = pull(cfg, db, "ll")
    assert again.outcome == SUCCEEDED
    assert stored_ids(db) == {s["id"] for s in posted}
    db.close()


def test_an_honest_chain_is_closed_with_no_warning_and_nothing_more(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(learning_locker, 300)
    completed = [s for s in posted if s["verb"]["id"] == VERB]
    plan = FaultPlan({})
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    cfg = config(learning_locker, store_url, tmp_path, verb=VERB)
    with capture_logs() as logs:
        run = pull(cfg, db, "ll")
    assert run.outcome == SUCCEEDED
    assert run.notes is None
    assert [line for line in logs if line["log_level"] in ("warning", "error")] == []
    assert stored_ids(db) == {s["id"] for s in completed}
    assert run.new == len(completed) > PAGE
    assert run.duplicate == run.fetched - run.new  # the closing query's re-read of the last millisecond
    queries = [parse_qs(urlsplit(url).query) for _, url, _ in plan.requests]
    closing = queries[-1]
    assert closing["verb"] == [VERB]  # the connector's filters kept
    assert closing["ascending"] == ["true"]
    assert closing["limit"] == [str(PAGE)]
    newest = db.one("SELECT MAX(stored) AS newest FROM statements")
    assert newest is not None
    assert closing["since"][0] < newest.newest  # a millisecond before the last `stored` received
    cursor = get_cursor(db, "ll")
    assert cursor is not None
    assert cursor.basis == "consistent_through"
    assert cursor.position > newest.newest  # the closing query answered: the LRS's word goes
    db.close()


def test_a_more_link_to_another_origin_is_refused_and_nothing_is_sent_there(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(learning_locker, 150)
    plan = FaultPlan({1: "more_elsewhere"})  # the 2nd page points its `more` at another port
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    run = pull(config(learning_locker, store_url, tmp_path), db, "ll")
    assert (run.outcome, run.error_class) == (FAILED, "protocol")
    assert "127.0.0.1:9" in (run.error_message or "")
    assert len(stored_ids(db)) == 2 * PAGE  # the page that sent it is kept
    assert len(plan.requests) == 2
    assert not [url for _, url, _ in plan.requests if url.startswith(ELSEWHERE)]
    for _, url, headers in plan.requests:  # what would have gone there went, and only, to the LRS
        assert url.startswith(learning_locker.endpoint)
        assert headers["Authorization"].startswith("Basic ")
        assert headers["X-Tenant"] == "council"
    cursor = get_cursor(db, "ll")
    newest = db.one("SELECT MAX(stored) AS newest FROM statements")
    assert cursor is not None
    assert newest is not None
    assert cursor.position <= newest.newest
    db.close()
