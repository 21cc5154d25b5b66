"""Hostile pages from an LRS (served by `responses`: no real LRS stores what it refuses): each item of
`statements` is stored or quarantined, the cursor still moves, and a body too deep to parse fails the run as
transient (it is asked for again next time) rather than crashing it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import responses

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED, pull
from lrs_adapter.store import Database
from lrs_adapter.store.runs import get_cursor
from tests.helpers.factory import make_statement
from tests.helpers.statement_resource import serve_statements

ENDPOINT = "https://lrs.example.org/xAPI/"
NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)
MB = 1_000_000


def config(tmp_path: Path) -> Config:
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url="unused",
        lrs={"main": LrsConfig(name="main", endpoint=ENDPOINT, retry=FAST)},
        connectors={"c": ConnectorConfig(name="c", lrs="main")},
    )


def broken(i: int, **parts: Any) -> dict[str, Any]:
    statement = copy.deepcopy(make_statement(i)) | {"stored": f"2026-01-01T10:00:{i:02d}.000Z"}
    statement.update(parts)
    return statement


@responses.activate
def test_each_item_of_a_hostile_page_is_stored_or_quarantined(db: Database, tmp_path: Path) -> None:
    deep: Any = "leaf"
    for _ in range(240):  # orjson writes up to 254 levels, the whole body's included
        deep = {"k": deep}
    items = [
        broken(1),
        broken(2, verb=42),
        broken(3, actor=[]),
        broken(4, timestamp="yesterday"),
        broken(5, actor={"objectType": "Agent", "mbox_sha256": "x"}),
        broken(6, object={"objectType": "Activity", "id": "x" * 3 * MB}),
        broken(7, context={"extensions": {"https://example.org/deep": deep}}),
        broken(8, actor={"objectType": "Agent", "name": "n" * 3 * MB, "mbox": "mailto:a@b.c"}),
        1,
        "a statement",
        None,
        [],
        broken(9),
    ]
    # Answered as xAPI says (the items without a readable `stored` only while no `since` is asked for): paging asks
    # again from 10:00:08 and finds only the newest good one, already received.
    serve_statements(ENDPOINT, items, consistent_through="soon")
    run = pull(config(tmp_path), db, "c", now=lambda: NOW)
    assert (run.outcome, run.fetched, run.new, run.quarantined) == (QUARANTINED, 13, 4, 9)
    fields = sorted(row[0] for row in db.execute("SELECT field FROM quarantine"))
    assert fields == sorted(["verb", "actor", "timestamp", "actor", "object.id", *["(statement)"] * 4])
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == "2026-01-01T10:00:09.000000Z"  # the newest good one


@responses.activate
def test_a_body_nested_beyond_the_parser_fails_the_run_as_transient(db: Database, tmp_path: Path) -> None:
    deep = b'{"k":' * 5000 + b"1" + b"}" * 5000
    responses.get(ENDPOINT + "statements", body=b'{"statements": [' + deep + b'], "more": ""}')
    run = pull(config(tmp_path), db, "c", now=lambda: NOW)
    assert (run.outcome, run.error_class) == (FAILED, "transient")
    assert "unreadable JSON" in (run.error_message or "")
    assert get_cursor(db, "c") is None


@responses.activate
def test_a_statement_that_is_not_utf_8_inside_a_readable_page_is_quarantined_alone(
    db: Database, tmp_path: Path
) -> None:
    good = [orjson.dumps(broken(i)) for i in (1, 3, 4)]
    bad = orjson.dumps(broken(2)).replace(b"Learner", b"L\xff\xfearner", 1)
    serve_statements(ENDPOINT, [good[0], bad, good[1], good[2]])
    run = pull(config(tmp_path), db, "c", now=lambda: NOW)
    assert (run.outcome, run.new, run.quarantined) == (QUARANTINED, 3, 1)
    [(field, reason, raw)] = db.execute("SELECT field, reason, raw FROM quarantine")
    assert field == "(json)"
    assert reason.startswith("not valid JSON")
    assert "L\ufffd\ufffdarner" in raw
