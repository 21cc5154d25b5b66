"""Pull runs: cursor rules, interruption and resumption, quarantine, the run log.

The LRS here is `responses` where the test needs what a real LRS will not do on demand (a Consistent-Through
earlier than what it served, no header at all, pages out of order, `since` ignored): tests/helpers/
statement_resource.py answers as xAPI says; tests/integration does the same against real LRSs.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import responses
from responses import matchers

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.errors import LockedError
from lrs_adapter.pipeline import pull as pull_module
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED, SUCCEEDED, pull
from lrs_adapter.store import Database
from lrs_adapter.store.locks import connector_lock
from lrs_adapter.store.runs import get_cursor, list_runs, start_run
from lrs_adapter.store.statements import save_statements
from tests.helpers.factory import make_statements
from tests.helpers.faults import dying_source
from tests.helpers.statement_resource import serve_statements
from tests.helpers.stored import stored_ids

ENDPOINT = "https://lrs.example.org/xAPI/"
STATEMENTS = ENDPOINT + "statements"
NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)


def config(tmp_path: Path, **lrs: object) -> Config:
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url="unused",
        lrs={"main": LrsConfig(name="main", endpoint=ENDPOINT, page_size=3, retry=FAST, **lrs)},  # type: ignore[arg-type]
        connectors={
            "c": ConnectorConfig(name="c", lrs="main"),
            "f": ConnectorConfig(name="f", file=tmp_path / "export.jsonl"),
        },
        commit_every=1,  # a transaction per page, so the tests can stop between any two
    )


def stored(statements: list[dict[str, Any]], start_minute: int = 0) -> list[dict[str, Any]]:
    """Statements as an LRS serves them: with `stored`, ascending."""
    out = copy.deepcopy(statements)
    for index, statement in enumerate(out):
        statement["stored"] = f"2026-01-01T10:{start_minute + index:02d}:00.000Z"
    return out


def serve(pages: list[list[dict[str, Any]]]) -> None:
    """Register pages chained by `more`, whatever the query: an LRS read by its chain (since_field = timestamp)."""
    for number, statements in enumerate(pages):
        more = f"/xAPI/statements?page={number + 1}" if number + 1 < len(pages) else ""
        body = {"statements": statements, "more": more}
        if number == 0:  # the query the client starts with; `more` links carry `page` instead
            first = matchers.query_param_matcher({"ascending": "true"}, strict_match=False)
            responses.get(STATEMENTS, json=body, match=[first])
        else:
            responses.get(f"{STATEMENTS}?page={number}", json=body)


def ids(db: Database) -> set[str]:
    return stored_ids(db)


@responses.activate
def test_cursor_never_passes_consistent_through(db: Database, tmp_path: Path) -> None:
    served = stored(make_statements(6))
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T10:02:30.000Z")
    run = pull(config(tmp_path), db, "c", now=lambda: NOW)
    assert run.outcome == SUCCEEDED
    assert (run.new, run.fetched, run.duplicate) == (6, 6, 0)  # each page's last statement asked for again, not kept
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == "2026-01-01T10:02:30.000000Z"
    assert cursor.basis == "consistent_through"


@responses.activate
def test_pages_are_asked_for_by_since_from_the_last_stored_but_one(db: Database, tmp_path: Path) -> None:
    served = stored(make_statements(6))
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T11:00:00.000Z")
    assert pull(config(tmp_path), db, "c", now=lambda: NOW).outcome == SUCCEEDED
    asked = [parse_qs(urlsplit(str(call.request.url)).query).get("since") for call in responses.calls]
    # [10:00, 10:01, 10:02] -> since 10:01 -> [10:02 again, 10:03, 10:04] -> since 10:03 -> [10:04, 10:05], the last
    # page -> since 10:04 -> [10:05] again: nothing new, nothing more.
    minutes = ["01", "03", "04"]
    assert asked == [None, *[[f"2026-01-01T10:{minute}:00.000Z"] for minute in minutes]]


@responses.activate
def test_no_consistent_through_rereads_the_overlap_and_says_so(db: Database, tmp_path: Path) -> None:
    served = stored(make_statements(4))
    serve_statements(ENDPOINT, served)
    first = pull(config(tmp_path, overlap_seconds=120), db, "c", now=lambda: NOW)
    assert first.notes
    assert "no X-Experience-API-Consistent-Through" in first.notes
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert (cursor.position, cursor.basis) == ("2026-01-01T10:03:00.000000Z", "newest_seen")
    calls = len(responses.calls)
    second = pull(config(tmp_path, overlap_seconds=120), db, "c", now=lambda: NOW)
    url = responses.calls[calls].request.url
    assert isinstance(url, str), url
    since = parse_qs(urlsplit(url).query)["since"]
    assert since == ["2026-01-01T10:00:59.999Z"]  # 10:03 - 120 s - 1 ms
    assert (second.new, second.duplicate) == (0, 3)  # the three in the overlap, read again


@responses.activate
def test_pages_out_of_order_move_the_cursor_only_at_the_end(db: Database, tmp_path: Path) -> None:
    """An LRS whose `since` is on timestamp is read by its `more` chain, which may not ascend (Ralph's)."""
    served = [item | {"timestamp": item["stored"]} for item in stored(make_statements(6))]
    serve([served[3:], served[:3]])  # newest page first, as Ralph does
    run = pull(config(tmp_path, since_field="timestamp"), db, "c", now=lambda: NOW)
    assert run.outcome == SUCCEEDED
    assert "ascending" in (run.notes or "")
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == "2026-01-01T10:05:00.000000Z"


@responses.activate
@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (lambda served: served[3:] + served[:3], "out of `stored` order"),  # ascending=true not honoured
        (lambda served: served, "stored at or before its `since`"),  # `since` not applied to `stored`
    ],
)
def test_an_lrs_that_does_not_page_as_xapi_says_is_a_protocol_error(
    db: Database, tmp_path: Path, answer: Any, says: str
) -> None:
    """Paging by `since` on such an LRS would lose statements: the run stops, naming the fix."""
    served = stored(make_statements(6))
    responses.get(STATEMENTS, json={"statements": answer(served), "more": ""})
    run = pull(config(tmp_path), db, "c", now=lambda: NOW)
    assert (run.outcome, run.error_class) == (FAILED, "protocol")
    assert says in (run.error_message or "")
    assert 'since_field = "timestamp"' in (run.error_message or "")


@responses.activate
@pytest.mark.parametrize("after", [1, 2, 3])
def test_interrupted_pull_resumes_to_the_store_of_a_clean_run(
    db: Database, tmp_path: Path, store_url: str, after: int
) -> None:
    served = stored(make_statements(12))
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T11:00:00.000Z")
    cfg = config(tmp_path)

    broken = pull(cfg, db, "c", now=lambda: NOW, source=dying_source(cfg, "c", db, after=after))
    assert broken.outcome == FAILED
    assert broken.error_class == "internal"
    assert "killed after page" in (broken.error_message or "")
    received = 3 + 2 * (after - 1)  # pages of 3, each after the first starting again at its last statement but one
    assert len(ids(db)) == received
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == served[received - 1]["stored"].replace(".000Z", ".000000Z")
    resumed = pull(cfg, db, "c", now=lambda: NOW)
    assert resumed.outcome == SUCCEEDED
    assert ids(db) == {s["id"] for s in served}
    assert db.one("SELECT COUNT(*) FROM statements") == (12,)


@responses.activate
def test_pages_committed_together_keep_what_came_before_a_failure(db: Database, tmp_path: Path) -> None:
    served = stored(make_statements(12))
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T11:00:00.000Z")
    cfg = config(tmp_path)
    source = dying_source(cfg, "c", db, after=4)
    broken = pull(cfg, db, "c", now=lambda: NOW, source=source, commit_every=6)  # 3 + 2 + 2 statements a transaction
    # The source failed after page 4, alone in its batch: it is committed before the run fails, cursor and all.
    assert broken.outcome == FAILED
    assert broken.pages == 4
    assert len(ids(db)) == 9
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == "2026-01-01T10:08:00.000000Z"
    assert pull(cfg, db, "c", now=lambda: NOW, commit_every=6).outcome == SUCCEEDED
    assert ids(db) == {s["id"] for s in served}


@responses.activate
def test_a_commit_failing_on_its_thread_fails_the_run_and_keeps_the_batches_before_it(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = stored(make_statements(12))
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T11:00:00.000Z")
    calls = 0
    save = save_statements

    def failing_third(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pull_module, "save_statements", failing_third)
    broken = pull(config(tmp_path), db, "c", now=lambda: NOW)  # a page a transaction: two go in, the third fails
    assert (broken.outcome, broken.error_class, broken.error_message) == (FAILED, "internal", "disk full")
    assert ids(db) == {s["id"] for s in served[:5]}  # pages of 3, then 2 new
    cursor = get_cursor(db, "c")
    assert cursor is not None
    assert cursor.position == "2026-01-01T10:04:00.000000Z"
    monkeypatch.undo()
    assert pull(config(tmp_path), db, "c", now=lambda: NOW).outcome == SUCCEEDED
    assert ids(db) == {s["id"] for s in served}


def test_bad_statements_are_quarantined_and_the_good_ones_around_them_stored(db: Database, tmp_path: Path) -> None:
    good = make_statements(4)
    no_verb = copy.deepcopy(good[0]) | {"id": "6f1f3b8e-0000-4000-8000-000000000001"}
    del no_verb["verb"]
    lines = [
        orjson.dumps(good[0]),
        orjson.dumps(no_verb),
        b"{not json",
        orjson.dumps(good[1]),
        orjson.dumps(good[2] | {"timestamp": "yesterday"}),
        orjson.dumps(good[3]),
    ]
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    run = pull(config(tmp_path), db, "f", now=lambda: NOW)
    assert run.outcome == QUARANTINED
    assert (run.new, run.quarantined) == (3, 3)
    assert ids(db) == {good[0]["id"], good[1]["id"], good[3]["id"]}
    reasons: dict[str, str] = dict(db.execute("SELECT field, source FROM quarantine"))
    assert set(reasons) == {"verb", "(json)", "timestamp"}
    assert reasons["(json)"].endswith("export.jsonl:3")


def test_a_second_run_of_a_connector_is_refused(db: Database, tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_bytes(b"")
    with connector_lock(db, "f"), pytest.raises(LockedError):
        pull(config(tmp_path), db, "f", now=lambda: NOW)
    assert list_runs(db) == []


def test_a_run_left_running_by_a_killed_process_is_marked_interrupted(db: Database, tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_bytes(orjson.dumps(make_statements(1)[0]) + b"\n")
    start_run(db, "f", "file", "2026-01-01T00:00:00.000000Z", None)
    pull(config(tmp_path), db, "f", now=lambda: NOW)
    outcomes = [run.outcome for run in list_runs(db, connector="f")]
    assert outcomes == [SUCCEEDED, "interrupted"]


CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus"


def test_the_statement_corpus_through_intake(db: Database, tmp_path: Path) -> None:
    """Every published example: stored, or quarantined with the field at fault; the broken JSON ones kept whole."""
    files = sorted(CORPUS.glob("*.json"))
    cfg = Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url="unused",
        lrs={},
        connectors={path.stem: ConnectorConfig(name=path.stem, file=path) for path in files},
    )
    runs = {path.stem: pull(cfg, db, path.stem, now=lambda: NOW) for path in files}
    quarantined: dict[str, str] = dict(db.execute("SELECT connector, field FROM quarantine"))
    assert quarantined == {
        "cmi5_INVALID_initialized": "(json)",
        "spec103_appendixA_simple_INVALID": "(json)",
        "lrsconf_v2_no_actor_INVALID": "actor",
        "lrsconf_v2_statementref_no_id_INVALID": "object.id",
    }
    for name in ("cmi5_INVALID_initialized", "spec103_appendixA_simple_INVALID"):
        assert (runs[name].outcome, runs[name].error_class) == (FAILED, "source_format")
        raw = db.one("SELECT raw FROM quarantine WHERE connector = ?", (name,))
        assert raw is not None
        assert raw[0] == (CORPUS / f"{name}.json").read_text()
    stored = {row[0] for row in db.execute("SELECT connector FROM statements")}
    assert stored == {path.stem for path in files} - set(quarantined)


def test_a_run_that_cannot_start_is_in_the_run_log(db: Database, tmp_path: Path) -> None:
    """The LRS's password variable is not set: no request is made, and the run log says so (not only stderr)."""
    cfg = config(tmp_path, username="adapter", password_env="PULL_TEST_UNSET_PASSWORD")
    run = pull(cfg, db, "c", now=lambda: NOW)
    assert run.outcome == FAILED
    assert run.error_class == "config"
    assert run.error_message is not None
    assert "PULL_TEST_UNSET_PASSWORD" in run.error_message
    assert [r.id for r in list_runs(db, connector="c", failed=True)] == [run.id]
    assert get_cursor(db, "c") is None
