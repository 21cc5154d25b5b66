"""A pull that checks its LRS, against Learning Locker: pages asked for by `since` rather than by following `more`,
and `more` links kept to the LRS's own origin.

Learning Locker's own `more` chains lose statements when its record ids wrap (every 7 minutes): the test that shows
every statement arriving all the same runs it with the clock behind its ids made fast (LearningLocker's
ids_per_wrap), so the ids wrap within the test's statements. A page that says it is the last when it is not, and a
`more` pointing at another host, are faults a real server will not produce on demand: the suite's transport adapter
(tests/helpers/transport_faults.py) places them in Learning Locker's real answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from structlog.testing import capture_logs

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.model.statements import Cursor
from lrs_adapter.pipeline.pull import FAILED, SUCCEEDED, pull
from lrs_adapter.store import open_store
from lrs_adapter.store.runs import Run, get_cursor
from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS, LearningLocker, require
from tests.helpers.stored import stored_ids
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


class CursorWatch:
    """Before every request, from a connection of its own: the connector's committed cursor, and the newest `stored`
    committed, so a cursor ahead of what the store holds would be seen."""

    def __init__(self, store_url: str) -> None:
        self.db = open_store(store_url)
        self.seen: list[tuple[Cursor | None, str | None]] = []

    def __call__(self) -> None:
        # The cursor first: the run commits on a thread of its own while it asks for the next page, and a commit
        # between the two reads must not pass for a cursor ahead (the newest `stored` only grows).
        cursor = get_cursor(self.db, "ll")
        newest = self.db.one("SELECT MAX(stored) AS newest FROM statements")
        self.seen.append((cursor, newest.newest if newest else None))

    def ahead(self) -> list[tuple[Cursor | None, str | None]]:
        return [(c, n) for c, n in self.seen if c is not None and (n is None or c.position > n)]


@pytest.fixture
def wrapping_learning_locker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    """A Learning Locker whose record ids wrap every 100 ids, the first time at the 40th."""
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("ll-wrapping"), ids_per_wrap=100, first_wrap=40)
    try:
        yield server.start()
    finally:
        server.stop()


def chain(lrs: LRS) -> list[str]:
    """The ids Learning Locker's own `more` chain gives, from its first page of PAGE."""
    answer = lrs.get("statements", ascending="true", limit=PAGE).json()
    ids = [s["id"] for s in answer["statements"]]
    while answer["more"]:
        answer = lrs.get(answer["more"].removeprefix("/xAPI/")).json()
        ids += [s["id"] for s in answer["statements"]]
    return ids


def watched_pull(
    lrs: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, faults: dict[int, str]
) -> tuple[Run, FaultPlan, CursorWatch]:
    """A pull through the suite's transport adapter (the faults planned), the committed cursor watched before every
    request."""
    watch = CursorWatch(store_url)
    plan = FaultPlan(faults, watch=watch)
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    try:
        return pull(config(lrs, store_url, tmp_path), db, "ll"), plan, watch
    finally:
        db.close()


def test_every_statement_arrives_although_the_lrs_chain_skips_across_its_id_wrap(
    wrapping_learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(wrapping_learning_locker, 300)
    assert len(chain(wrapping_learning_locker)) < 300  # the LRS's own chain loses statements: what this is about
    run, _, watch = watched_pull(wrapping_learning_locker, store_url, tmp_path, monkeypatch, {})
    assert run.outcome == SUCCEEDED, run.error_message
    assert stored_ids(watch.db) == {s["id"] for s in posted}
    assert (run.new, run.fetched, run.duplicate, run.quarantined) == (300, 300, 0, 0)  # re-read statements not counted
    assert watch.ahead() == []
    watch.db.close()


def test_a_page_that_says_it_is_the_last_too_early_loses_nothing_and_is_reported(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(learning_locker, 300)
    # The 2nd answer (the first POST's last 10, by `more`, then the second POST's first 30) says it is the last.
    with capture_logs() as logs:
        run, plan, watch = watched_pull(learning_locker, store_url, tmp_path, monkeypatch, {1: "end_chain"})
    assert [fault for _, fault, _, _ in plan.met] == ["end_chain"]
    assert run.outcome == SUCCEEDED, run.error_message
    assert stored_ids(watch.db) == {s["id"] for s in posted}
    assert (run.new, run.fetched) == (300, 300)
    assert "the LRS's `more` chain ended early" in (run.notes or "")
    assert "found 200 statements" in (run.notes or "")  # the 3rd to 6th POSTs': the 2nd's were in that answer
    warnings = [line for line in logs if line["log_level"] == "warning"]
    assert [line["found"] for line in warnings] == [200]
    assert len(watch.seen) == len(plan.requests) >= 6
    assert watch.ahead() == []
    watch.db.close()


def test_the_cursor_stays_at_the_last_statement_received_when_paging_stops(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posted = post(learning_locker, 300)
    plan = FaultPlan({4: "drop_before", 5: "drop_before"})  # the request after the second POST's never answers
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    cfg = config(learning_locker, store_url, tmp_path)
    failed = pull(cfg, db, "ll")
    assert (failed.outcome, failed.error_class) == (FAILED, "transient")
    assert len(stored_ids(db)) == 100
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


def test_an_honest_lrs_is_paged_with_no_warning_and_nothing_read_twice(
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
    assert run.new == run.fetched == len(completed) > PAGE
    queries = [parse_qs(urlsplit(url).query) for _, url, _ in plan.requests]
    for query in queries:  # the connector's filters kept on every request, `more` links included
        assert (query["verb"], query["ascending"], query["limit"]) == ([VERB], ["true"], [str(PAGE)])
    newest = db.one("SELECT MAX(stored) AS newest FROM statements")
    assert newest is not None
    last = queries[-1]["since"][0]  # the last request asks again from before the last `stored` received
    assert last < newest.newest
    cursor = get_cursor(db, "ll")
    assert cursor is not None
    assert cursor.basis == "consistent_through"
    assert cursor.position > newest.newest  # paging ended on a request that found nothing new: the LRS's word goes
    db.close()


def test_a_more_link_to_another_origin_is_refused_and_nothing_is_sent_there(
    learning_locker: LRS, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(learning_locker, 150)
    plan = FaultPlan({0: "more_elsewhere"})  # the 1st page (one POST's 40) points its `more` at another port
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    db = open_store(store_url)
    run = pull(config(learning_locker, store_url, tmp_path), db, "ll")
    assert (run.outcome, run.error_class) == (FAILED, "protocol")
    assert "127.0.0.1:9" in (run.error_message or "")
    assert len(stored_ids(db)) == PAGE  # the page that sent it is kept
    assert len(plan.requests) == 1
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
