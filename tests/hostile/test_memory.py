"""Memory stays bounded on hostile input: a pull in its own process over a file of valid statements mixed with
multi-megabyte strings, deep nesting, torn lines and bytes that are not UTF-8, measured by the process's own peak
RSS. Four times the file must not take four times the memory: pages are taken in and committed a batch at a time.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import orjson
import pytest

from lrs_adapter import pull as pull_module
from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.pull import pull
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
from lrs_adapter.pull import pull
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


def test_statements_of_megabytes_each_are_taken_in_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages end, and pending pages are committed, by size as well as by count: 40 statements of 1 MB each are not
    held at once (budgets lowered here from 32 and 64 MB, so that the file can stay small)."""
    path = tmp_path / "export.jsonl"
    with path.open("wb") as file:
        for i in range(40):
            statement = make_statement(i)
            statement["actor"]["name"] = f"{i} " + "x" * MB
            file.write(orjson.dumps(statement) + b"\n")
    monkeypatch.setattr(pull_module, "COMMIT_CHARACTERS", 8 * MB)
    config = Config(
        path=tmp_path / "c.toml", store_url="unused", lrs={}, connectors={"f": ConnectorConfig("f", file=path)}
    )
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    tracemalloc.start()
    try:
        run = pull(config, db, "f", source=ExportFile(path, batch_bytes=4 * MB))
        peak = tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()
        db.close()
    assert (run.new, run.pages) == (40, 10)
    assert peak < 30, peak  # all 40 at once: 40 MB of lines, 40 of parsed statements, 40 of stored text
