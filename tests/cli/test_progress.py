"""The progress line of a long pull: on a terminal only, with the counts of each commit."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
from rich.console import Console

from lrs_adapter.cli.progress import pull_progress
from lrs_adapter.config import load_config
from lrs_adapter.pipeline.workers import pull_connector
from lrs_adapter.store import Database
from lrs_adapter.store.runs import RunCounts
from tests.helpers.factory import make_statements


def export(tmp_path: Path, store_url: str) -> Path:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in make_statements(250)) + b"\n")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'[store]\nurl = "{store_url}"\ncommit_every = 100\n[connectors.demo]\nfile = "export.jsonl"\n')
    return config


def test_a_terminal_sees_the_counts_grow_commit_by_commit(tmp_path: Path, db: Database, store_url: str) -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with pull_progress(console) as show:
        assert show is not None
        seen: list[int] = []

        def on_commit(counts: RunCounts) -> None:
            seen.append(counts.fetched)
            show("demo", counts)

        pulled = pull_connector(load_config(export(tmp_path, store_url)), db, "demo", on_commit=on_commit)
    assert pulled.run is not None
    assert pulled.run.fetched == 250
    assert seen == sorted(seen)
    assert seen[-1] == 250
    assert len(seen) >= 2
    assert "pulling demo:" in screen.getvalue()
    assert "250 statements" in screen.getvalue()


def test_off_a_terminal_there_is_no_progress_line() -> None:
    with pull_progress(Console(file=io.StringIO(), force_terminal=False)) as show:
        assert show is None
