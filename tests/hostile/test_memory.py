"""Memory stays bounded on hostile input: a pull in its own process over a file of valid statements mixed with
multi-megabyte strings, deep nesting, torn lines and bytes that are not UTF-8, measured by the process's own peak
RSS. Four times the file must not take four times the memory: pages are taken in and committed a batch at a time.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import pytest

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.pipeline import pull as pull_module
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.sources.export_file import ExportFile
from lrs_adapter.store import open_store
from tests.helpers.factory import make_statement

MB = 1_000_000
UNIT = 2_000  # lines of one unit of the file: a commit's worth (the store's commit_every, set below)
#: Runs one pull and prints (RSS in MB before the pull, peak RSS in MB, the run's counts).
PULL = """
import resource, sys
from datetime import UTC, datetime
from pathlib import Path
import orjson
from lrs_adapter.config import load_config
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.store import open_store
config = load_config(sys.argv[1])
db = open_store(config.store_url)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
run = pull(config, db, "export")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(orjson.dumps([before, peak, run.outcome, run.fetched, run.new, run.quarantined]).decode())
"""


def hostile(i: int) -> bytes:
    """Line `i` of the file: mostly valid statements, and every 200th something hostile."""
    statement = make_statement(i)
    kind = i // 200 % 5
    if i % 200:
        return orjson.dumps(statement)
    if kind == 0:  # a 3 MB string, stored
        statement["actor"]["name"] = f"{i} " + "x" * 3 * MB
        return orjson.dumps(statement)
    if kind == 1:  # a 3 MB string where an IRI belongs: quarantined, its raw text cut to 1 MB
        statement["verb"]["id"] = f"{i} " + "x" * 3 * MB
        return orjson.dumps(statement)
    if kind == 2:  # nested a thousand levels deep
        return orjson.dumps(statement | {"context": "(deep)"}).replace(b'"(deep)"', b"[" * 1000 + b"]" * 1000)
    if kind == 3:  # bytes that are not UTF-8
        return orjson.dumps(statement).replace(b"Learner", b"L\xff\xfearner", 1)
    return orjson.dumps(statement)[: 500 + i % 300]  # torn


def pull_in_a_process(tmp_path: Path, lines: int) -> tuple[float, list[object]]:
    directory = tmp_path / f"{lines}"
    directory.mkdir()
    with (directory / "export.jsonl").open("wb") as file:
        for i in range(lines):
            file.write(hostile(i) + b"\n")
    config = directory / "lrs-adapter.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///store.db"\ncommit_every = {UNIT}\n[connectors.export]\nfile = "export.jsonl"\n'
    )
    done = subprocess.run(
        [sys.executable, "-c", PULL, str(config)], capture_output=True, text=True, check=True, timeout=240
    )
    before, peak, *counts = orjson.loads(done.stdout.splitlines()[-1])
    return peak - before, counts


def test_four_times_the_hostile_file_does_not_take_four_times_the_memory(tmp_path: Path) -> None:
    small, small_counts = pull_in_a_process(tmp_path, UNIT)
    large, large_counts = pull_in_a_process(tmp_path, 4 * UNIT)
    for lines, counts in ((UNIT, small_counts), (4 * UNIT, large_counts)):
        bad = sum(1 for i in range(0, lines, 200) if i // 200 % 5)  # every hostile line but the stored 3 MB names
        assert counts == ["succeeded_with_quarantine", lines, lines - bad, bad]
    # The large file: 40 strings of 3 MB (120 MB) among 8,000 statements of 2 KB (16 MB).
    assert large < 1.5 * small + 50, (small, large)
    assert large < 400, (small, large)


#: The budgets of the run below, lowered from 32 MB (ExportFile's batch_bytes) and 64 MB (pull.COMMIT_CHARACTERS) so
#: that the file can stay small: a page ends at the line that takes it to PAGE_BYTES (here 4 lines of 1 MB), pending
#: pages are committed once their text reaches COMMIT_CHARACTERS (here 2 pages), and pages are read ahead only while
#: the bytes in flight to the intake processes stay under COMMIT_CHARACTERS // 2 (here 1 page).
PAGE_BYTES = 4 * MB
COMMIT_CHARACTERS = 8 * MB
#: What the run may hold at once, at worst, when the commit thread is slow (as it is made below):
#:   the batch being committed, and the next one taken in and waiting for it      2 x COMMIT_CHARACTERS = 16 MB
#:   the page being taken in, and the page read ahead (COMMIT_CHARACTERS // 2)     2 x PAGE_BYTES        =  8 MB
#:   that page in flight: pickled to its intake process, its answer received as
#:   bytes and unpickled as text                                                   3 x PAGE_BYTES        = 12 MB
#:   slack: pages and batches end one line past their budget, pickle framing,
#:   the line being read, buffers growing by doubling                              1 x PAGE_BYTES        =  4 MB
#:                                                                                                          40 MB
#: (measured: 38.0 MB, the same every run). All 40 statements held at once would be 40 MB of their text alone, plus
#: the pages they were read from and the one in flight (67 MB measured with the size budgets off): far past it.
HELD_AT_MOST = 2 * COMMIT_CHARACTERS + 6 * PAGE_BYTES
#: How long each commit waits before it starts: long enough for the run to go as far ahead as its budgets let it
#: (reading a page, and an intake process answering, take a few tens of milliseconds), so the worst case above is
#: what is measured every time, not whatever the commit thread's timing happened to allow.
COMMIT_HELD_BACK_S = 0.3


def test_statements_of_megabytes_each_are_taken_in_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages end, and pending pages are committed, by size as well as by count: 40 statements of 1 MB each are not
    held at once, even when the commits are slow and the run reads ahead as far as it may."""
    path = tmp_path / "export.jsonl"
    with path.open("wb") as file:
        for i in range(40):
            statement = make_statement(i)
            statement["actor"]["name"] = f"{i} " + "x" * MB
            file.write(orjson.dumps(statement) + b"\n")
    monkeypatch.setattr(pull_module, "COMMIT_CHARACTERS", COMMIT_CHARACTERS)
    commit_pages = pull_module.commit_pages

    def slow_commit_pages(*args: Any, **kwargs: Any) -> object:
        time.sleep(COMMIT_HELD_BACK_S)
        return commit_pages(*args, **kwargs)

    monkeypatch.setattr(pull_module, "commit_pages", slow_commit_pages)
    config = Config(
        path=tmp_path / "c.toml", store_url="unused", lrs={}, connectors={"f": ConnectorConfig("f", file=path)}
    )
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    tracemalloc.start()
    try:
        run = pull(config, db, "f", source=ExportFile(path, batch_bytes=PAGE_BYTES))
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
        db.close()
    assert (run.new, run.pages) == (40, 10)
    assert peak < HELD_AT_MOST / MB, peak
