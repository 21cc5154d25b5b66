"""Connectors spread over worker processes, and workers started at once on one PostgreSQL store: every connector
is pulled by one worker at a time, every statement stored once, every certification event written and pushed once."""

from __future__ import annotations

import csv
import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty

import orjson
import pytest

from lrs_adapter.pipeline.workers import PullProgress, _start_worker, tell_parent
from lrs_adapter.store import open_store
from tests.helpers.factory import make_statements

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = 6
PER_CONNECTOR = 1500


def write_setup(tmp_path: Path, store_url: str) -> Path:
    connectors = []
    for c in range(CONNECTORS):
        statements = make_statements(PER_CONNECTOR, start=c * PER_CONNECTOR)
        (tmp_path / f"export-{c}.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in statements) + b"\n")
        connectors.append(f'[connectors.export-{c}]\nfile = "export-{c}.jsonl"\n')
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n'
        '[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        f'[store]\nurl = "{store_url}"\ncommit_every = 500\n'
        "[push]\nroster_only = false\n"  # no roster here: every learner evaluated is pushed
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "upload"\n' + "".join(connectors)
    )
    return config


def sync(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lrs_adapter", "--config", str(config), "--log-format", "json", "sync", *args],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )


def check_each_done_once(config: Path, store_url: str) -> None:
    db = open_store(store_url)
    try:
        assert db.one("SELECT COUNT(*) FROM statements") == (CONNECTORS * PER_CONNECTOR,)
        news = db.execute(
            "SELECT connector, SUM(new) FROM runs WHERE stage = 'pull' GROUP BY connector ORDER BY connector"
        )
        assert news == [(f"export-{c}", PER_CONNECTOR) for c in range(CONNECTORS)]  # each statement new once
        runs = db.execute("SELECT connector, started_at, ended_at FROM runs ORDER BY stage, connector, started_at")
        for (a, _, a_end), (b, b_start, _) in pairwise(runs):
            assert a != b or a_end <= b_start, f"two runs of {a} overlapped"
        duplicates = db.execute("SELECT event_id, sink FROM outbox GROUP BY event_id, sink HAVING COUNT(*) > 1")
        assert duplicates == []
        certified = db.one("SELECT COUNT(*) FROM outbox WHERE event = 'certified' AND status = 'delivered'")
        assert certified is not None
        assert certified[0] > 0
    finally:
        db.close()
    rows = []
    for upload in (config.parent / "upload").glob("*.csv"):
        with upload.open() as handle:
            rows += [tuple(row.values()) for row in csv.DictReader(handle)]
    assert len(rows) == len(set(rows)) == certified[0]  # every certification pushed, none twice


def test_sync_all_spreads_connectors_over_workers(tmp_path: Path, store_url: str) -> None:
    config = write_setup(tmp_path, store_url)
    done = sync(config, "--all", "--workers", "3")
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err[-3000:]
    assert out.count("· succeeded") == CONNECTORS
    check_each_done_once(config, store_url)


@pytest.mark.postgres
def test_two_workers_started_at_once_on_postgresql_never_both_process_a_connector(tmp_path: Path, pg_url: str) -> None:
    """As two machines running the same scheduled command against one database would."""
    config = write_setup(tmp_path, pg_url)
    first, second = sync(config, "--all", "--workers", "2"), sync(config, "--all", "--workers", "2")
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    for process, (_, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err[-3000:]
    together = outputs[0][0] + outputs[1][0]
    pulled = together.count("· succeeded")
    skipped = together.count("skipped, another worker is pulling it")
    assert pulled + skipped == 2 * CONNECTORS
    assert pulled >= CONNECTORS
    print(f"pulled {pulled}, skipped {skipped}")
    check_each_done_once(config, pg_url)


def test_a_worker_never_waits_on_a_full_progress_queue() -> None:
    """News the parent has not yet read is dropped, not waited on: the pull goes on."""
    context = multiprocessing.get_context("spawn")
    queue: Queue[PullProgress] = context.Queue(1)
    with ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(queue, "json")) as pool:
        for pages in (1, 2, 3):  # news with room for one
            pool.submit(tell_parent, PullProgress("demo", pages=pages)).result()
    assert queue.get().pages == 1
    with pytest.raises(Empty):
        queue.get_nowait()
