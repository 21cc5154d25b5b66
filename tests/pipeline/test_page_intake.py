"""Pages taken in on other processes: the same outcome as here, in page order, and no process outliving its run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.errors import TransientError
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.page_intake import (
    AS_SENT,
    PageIntake,
    intake_of,
    take_in_page,
    take_in_there,
    taken_back,
)
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.sources import Page
from lrs_adapter.store import Database
from lrs_adapter.store.database import Row
from lrs_adapter.store.migrations import migrate
from tests.helpers.factory import make_statements
from tests.pipeline.test_own_statements import OURS, earned

RECEIVED = datetime(2026, 3, 1, 9, tzinfo=UTC)
RAW = Accepted._fields.index("raw")


def pages(count: int) -> list[Page]:
    """Pages as sources give them: statement texts (one torn, one that fails the checks) and parsed statements."""
    made = []
    for number in range(count):
        statements = make_statements(6, start=6 * number)
        items: list[tuple[str, object]] = [
            (f"p{number} #{index}", orjson.dumps(statement)) for index, statement in enumerate(statements[:4])
        ]
        items.append((f"p{number} #4", b'{"actor": {"mbox": "mailto:torn@example.org"}, "ver'))
        items.append((f"p{number} #5", {**statements[4], "verb": {"id": "not an IRI"}}))
        items.append((f"p{number} #6", statements[5]))
        made.append(Page(f"page {number}", items))
    return made


def test_pages_taken_in_on_processes_equal_pages_taken_in_here() -> None:
    given = pages(7)
    with PageIntake(2, "1.0.3") as intake:
        futures = [intake.submit(page, RECEIVED) for page in given]
        there = [intake_of(future, page) for future, page in zip(futures, given, strict=True)]
        assert intake._pool is not None  # from the second page on, the processes did the work
    here = [take_in_page(page, RECEIVED, "1.0.3") for page in given]
    assert there == here
    accepted, rejected, own = here[0]
    assert own == []
    assert len(accepted) == 5
    assert [(item.source, item.field) for item in rejected] == [("p0 #4", "(json)"), ("p0 #5", "verb.id")]


def test_what_crosses_back_holds_no_text_the_run_already_has() -> None:
    """Accepted statements come back without the text sent (the run's process holds it); one whose text intake
    made (an export file's statement without an id gets one) and a parsed one come back with it; rejected ones by
    their place, their source left behind."""
    as_from_an_lrs = [statement | {"stored": "2026-03-01T08:00:00Z"} for statement in make_statements(4)]
    without_id = make_statements(1, start=4)[0]  # as in an export file
    del without_id["id"]
    statements: list[object] = [orjson.dumps(statement) for statement in as_from_an_lrs]
    statements += [b'{"actor": {"mbox": "mailto:torn@example.org"}, "ver', orjson.dumps(without_id)]
    statements += [{**make_statements(1, start=5)[0], "verb": {"id": "not an IRI"}}, make_statements(1, start=6)[0]]
    page = Page("page", [(f"p #{place}", statement) for place, statement in enumerate(statements)])
    returned = take_in_there(statements, RECEIVED, "1.0.3", None)
    assert [(place, row[RAW] == AS_SENT) for place, row in returned.accepted] == [
        (0, True), (1, True), (2, True), (3, True), (5, False), (7, False)
    ]  # fmt: skip
    completed = Accepted._make(returned.accepted[-2][1])
    assert orjson.loads(completed.raw)["id"] == completed.id
    assert [(place, verdict.source, verdict.field) for place, verdict in returned.rejected] == [
        (4, "", "(json)"), (6, "", "verb.id")
    ]  # fmt: skip
    assert taken_back(page, returned) == take_in_page(page, RECEIVED, "1.0.3")


def test_the_adapters_own_statements_are_told_on_an_intake_process() -> None:
    """Telling an `earned` statement the adapter wrote reads its text: the intake process tells it before the text
    is left out of what crosses back."""
    written = orjson.dumps(earned() | {"stored": "2026-06-01T06:00:01Z"})
    page = Page("page", [("p #0", written), *pages(1)[0].statements[:2]])
    returned = take_in_there([statement for _, statement in page.statements], RECEIVED, "1.0.3", OURS)
    assert returned.own == [orjson.loads(written)["id"]]
    assert taken_back(page, returned) == take_in_page(page, RECEIVED, "1.0.3", OURS)


def _store(path: Path) -> list[Row]:
    db = Database(f"sqlite:///{path}")
    try:
        return db.execute(
            "SELECT s.id, k.learner, s.verb_id, s.object_id, s.registration, s.timestamp, s.stored, s.voided_by,"
            " s.content_hash, s.raw, s.facts FROM statements s LEFT JOIN statement_learners k ON k.id = s.learner_key"
            " ORDER BY s.id"
        ) + db.execute("SELECT source, field, reason, raw FROM quarantine ORDER BY source")
    finally:
        db.close()


def test_a_pull_on_processes_stores_exactly_what_a_pull_here_stores(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    statements = make_statements(1200)
    lines = [json.dumps(statement) for statement in statements]
    lines[700] = "{torn"
    export.write_text("\n".join(lines) + "\n")
    runs = {}
    for processes in (0, 2):
        store = tmp_path / f"store-{processes}.db"
        config = Config(
            path=tmp_path / "lrs-adapter.toml",
            store_url=f"sqlite:///{store}",
            lrs={},
            connectors={"f": ConnectorConfig(name="f", file=export)},
            commit_every=500,
            intake_processes=processes,
        )
        db = Database(config.store_url)
        migrate(db)
        run = pull(config, db, "f", now=lambda: RECEIVED)
        db.close()
        runs[processes] = (run.pages, run.fetched, run.new, run.quarantined, run.outcome)
    assert runs[0] == runs[2] == (3, 1200, 1199, 1, "succeeded_with_quarantine")
    assert _store(tmp_path / "store-0.db") == _store(tmp_path / "store-2.db")


def test_an_intake_process_that_dies_fails_the_run_as_transient_and_says_so() -> None:
    with PageIntake(2, "1.0.3") as intake:
        first = [intake.submit(page, RECEIVED) for page in pages(3)]
        [intake_of(future, page) for future, page in zip(first, pages(3), strict=True)]
        assert intake._pool is not None
        children = list(intake._pool._processes)  # the pool's own, by pid
        assert len(children) == 2
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        later = intake.submit(pages(1)[0], RECEIVED)
        with pytest.raises(TransientError, match="an intake process died") as caught:
            intake_of(later, pages(1)[0])
    assert caught.value.error_class == "transient"


KILLED_RUN = """
import os, signal, sys
from datetime import UTC, datetime
from lrs_adapter.pipeline.page_intake import PageIntake
from lrs_adapter.sources import Page
intake = PageIntake(2, "1.0.3")
page = Page("p", [("s", b"{}")])
futures = [intake.submit(page, datetime.now(UTC)) for _ in range(4)]
[future.result() for future in futures]
import multiprocessing
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; reaping it is its new parent's business


def test_intake_processes_leave_when_their_run_is_killed() -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN], capture_output=True, text=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    children = [int(pid) for pid in killed.stdout.split()]
    assert len(children) == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in children if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []
