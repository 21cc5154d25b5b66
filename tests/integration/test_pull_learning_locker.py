"""Pulls from a real, conformant LRS: Learning Locker's statements service, posted to and pulled from again."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, RetryPolicy
from lrs_adapter.ops.check import run_checks
from lrs_adapter.pipeline.pull import FAILED, SUCCEEDED, pull
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.runs import get_cursor
from lrs_adapter.store.statement_keys import id_bytes
from tests.helpers.factory import make_statement, make_statements
from tests.helpers.faults import dying_source
from tests.helpers.lrs_servers import LRS
from tests.helpers.stored import stored_ids

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)


def config(lrs: LRS, tmp_path: Path, page_size: int = 100) -> Config:
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        lrs={"ll": LrsConfig(name="ll", endpoint=lrs.endpoint, username="any", page_size=page_size, retry=FAST)},
        connectors={
            "ll": ConnectorConfig(name="ll", lrs="ll"),
            "file": ConnectorConfig(name="file", file=tmp_path / "x.jsonl"),
        },
        commit_every=1,  # a transaction per page, so the tests can stop between any two
    )


def test_more_than_three_pages_then_only_what_was_posted_since(
    learning_locker: LRS, db: Database, tmp_path: Path
) -> None:
    first = make_statements(450)
    for start in range(0, 450, 150):
        learning_locker.post(first[start : start + 150])
    cfg = config(learning_locker, tmp_path, page_size=100)
    run = pull(cfg, db, "ll")
    # Each POST's 150 share a `stored`, more than a page: its first 100, then by `more` the rest of it (the next
    # POST's statements on that page are asked for again by `since`), 2 pages a POST; then a request finds nothing.
    assert (run.outcome, run.pages, run.fetched, run.new) == (SUCCEEDED, 3 * 2 + 1, 450, 450)
    assert stored_ids(db) == {s["id"] for s in first}
    cursor = get_cursor(db, "ll")
    assert cursor is not None
    assert cursor.basis == "consistent_through"
    assert run.notes is None  # it sends Consistent-Through and ascending order: nothing to report

    later = make_statements(40, start=1000)
    learning_locker.post(later)
    again = pull(cfg, db, "ll")
    assert (again.outcome, again.fetched, again.new, again.duplicate) == (SUCCEEDED, 40, 40, 0)
    assert stored_ids(db) == {s["id"] for s in first + later}
    nothing = pull(cfg, db, "ll")
    assert (nothing.fetched, nothing.new) == (0, 0)


@pytest.mark.parametrize(("after", "received"), [(1, 70), (3, 70 + 30 + 70)])  # a POST's 100: 70, then 30 by `more`
def test_interrupted_pull_ends_with_the_store_of_a_clean_run(
    learning_locker: LRS, store_url: str, tmp_path: Path, after: int, received: int
) -> None:
    statements = make_statements(500)
    for start in range(0, 500, 100):  # five POSTs: five distinct `stored` values, pages split across them
        learning_locker.post(statements[start : start + 100])
    cfg = config(learning_locker, tmp_path, page_size=70)
    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}")
    assert pull(cfg, clean, "ll").new == 500

    db = open_store(store_url)
    assert pull(cfg, db, "ll", source=dying_source(cfg, "ll", db, after=after)).outcome == FAILED
    assert len(stored_ids(db)) == received
    resumed = pull(cfg, db, "ll")
    assert resumed.outcome == SUCCEEDED
    columns = (
        "s.id, k.learner, s.verb_id, s.object_id, s.timestamp, s.stored, s.voided_by, s.content_hash, s.raw"
        " FROM statements s LEFT JOIN statement_learners k ON k.id = s.learner_key ORDER BY s.id"
    )
    assert db.execute(f"SELECT {columns}") == clean.execute(f"SELECT {columns}")
    db.close()
    clean.close()


def voiding(target_id: str) -> dict[str, Any]:
    statement = make_statement(9999)
    statement["verb"] = {"id": VOIDED, "display": {"en-GB": "voided"}}
    statement["object"] = {"objectType": "StatementRef", "id": target_id}
    for key in ("result", "context"):
        statement.pop(key, None)
    return statement


def test_voided_completion_after_it_was_pulled(learning_locker: LRS, db: Database, tmp_path: Path) -> None:
    completion = make_statement(1, verb="completed")
    learning_locker.post([completion])
    cfg = config(learning_locker, tmp_path)
    pull(cfg, db, "ll")
    void = voiding(completion["id"])
    learning_locker.post([void])
    run = pull(cfg, db, "ll")
    assert run.voided == 1
    assert db.one("SELECT voided_by FROM statements WHERE id = ?", (id_bytes(completion["id"]),)) == (void["id"],)


def test_voiding_statement_arriving_before_its_target(learning_locker: LRS, db: Database, tmp_path: Path) -> None:
    """The LRS hides a voided statement, so the void arrives alone; the target comes later from an export file."""
    completion = make_statement(2, verb="completed")
    void = voiding(completion["id"])
    learning_locker.post([completion])
    learning_locker.post([void])
    cfg = config(learning_locker, tmp_path)
    run = pull(cfg, db, "ll")
    assert (run.new, run.voided) == (1, 1)
    assert stored_ids(db) == {void["id"]}
    (tmp_path / "x.jsonl").write_bytes(orjson.dumps(copy.deepcopy(completion)) + b"\n")
    pull(cfg, db, "file")
    assert db.one("SELECT voided_by FROM statements WHERE id = ?", (id_bytes(completion["id"]),)) == (void["id"],)


def test_check_reports_a_conformant_lrs(learning_locker: LRS, tmp_path: Path) -> None:
    lines: list[str] = []
    run_checks(config(learning_locker, tmp_path), lines.append)
    text = "\n".join(lines)
    assert "speaks 1.0.3 (ok)" in text
    assert "credentials accepted; sends X-Experience-API-Consistent-Through" in text
    assert "writable" in text


def test_sync_pulls_then_maps_end_to_end(learning_locker: LRS, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lrs_adapter.cli import main
    from tests.helpers.prevent import ATTENDED, COMPLETED, IRI, PASSED, statement

    root = Path(__file__).resolve().parents[2]
    learning_locker.post(
        [
            statement(COMPLETED, f"{IRI}/prevent-elearning", learner="P00010"),
            statement(PASSED, f"{IRI}/prevent-elearning", learner="P00010", result={"success": True}),
            statement(ATTENDED, f"{IRI}/prevent-wrap/event/4", parent=f"{IRI}/prevent-wrap", learner="P00011"),
            statement(ATTENDED, f"{IRI}/prevent-wrap/event/4", learner="P00012"),  # no parent: not evidence
        ]
    )
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{root / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        '[store]\nurl = "sqlite:///store.db"\n'
        f'[lrs.ll]\nendpoint = "{learning_locker.endpoint}"\n[connectors.ll]\nlrs = "ll"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "sync"])
    assert result.exit_code == 0, result.output
    assert "mapped 3 learners (prevent): 3 pieces of component evidence" in result.output
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    assert db.execute("SELECT learner, option_id, component FROM evidence ORDER BY learner, component") == [
        ("P00010", "elearning", "completed"),
        ("P00010", "elearning", "passed"),
        ("P00011", "wrap", "attended"),
    ]
    db.close()
