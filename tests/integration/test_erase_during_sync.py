"""Erasing a learner while a sync runs against a real Learning Locker in another process (SQLite and PostgreSQL):
the sync is stopped at a point (tests/helpers/gated_sync.py) and `learners erase` runs there. While the sync pulls,
the erasure completes, and the person's statements the sync commits afterwards are held in quarantine, so neither
that sync nor the next recreates them; while it settles, the erasure waits for the settle lock and gives up naming
the sync, and once the sync is done it completes. Then the same statements are pulled again from the start: the
person is still not recreated."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.config import Config
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.store import Database, open_store
from tests.helpers.certification_run import config, post, sync_until_done
from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
PERSON = "P10001"


def completion(learner: str, when: str, activity: str = "prevent-elearning") -> dict[str, object]:
    made = statement(SATISFIED, f"{IRI}/{activity}", learner=learner, timestamp=when)
    made.pop("stored")
    return made


def erase(store_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    """`learners erase` as an administrator runs it, from this process while the sync runs in its own."""
    toml = tmp_path / "erase.toml"
    toml.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        f'[store]\nurl = "{store_url}"\n'
    )
    result = CliRunner().invoke(
        main,
        ["--config", str(toml), "--actor", "dpo", "learners", "erase", PERSON, "--reason", "request 7", "--yes", *args],
    )
    return result.exit_code, result.output


def start_gated_sync(lrs: LRS, store_url: str, work_dir: Path, point: str) -> subprocess.Popen[str]:
    sync = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.gated_sync", lrs.endpoint, store_url, str(work_dir), point, "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    while not (work_dir / "paused").exists():
        if sync.poll() is not None:
            raise AssertionError(f"the sync ended before its point: {sync.stdout and sync.stdout.read()}"
                                 f"{sync.stderr and sync.stderr.read()[-2000:]}")  # fmt: skip
        time.sleep(0.02)
    return sync


def finish(sync: subprocess.Popen[str], work_dir: Path) -> None:
    (work_dir / "go").touch()
    out, err = sync.communicate(timeout=120)
    assert sync.returncode == 0, err[-2000:]
    assert "synced" in out


def learners(db: Database) -> list[str]:
    return sorted({row.learner for row in db.execute("SELECT learner FROM certification_states")})


def held(db: Database) -> list[str]:
    return [row.reason for row in db.execute("SELECT reason FROM quarantine ORDER BY id")]


def leaves_nothing_of_the_person(db: Database) -> None:
    for table, column in (("statements", "raw"), ("quarantine", "raw"), ("statement_conflicts", "raw")):
        assert db.execute(f"SELECT id FROM {table} WHERE {column} LIKE ?", (f"%{PERSON}%",)) == [], table
    assert db.execute("SELECT learner FROM statement_learners WHERE learner LIKE ?", (f"%{PERSON}%",)) == []


@pytest.fixture
def synced(fresh_lrs: LRS, store_url: str, tmp_path: Path) -> Iterator[tuple[Config, Database]]:
    """The person and another learner synced and evaluated; then three pages of others posted, and the person
    again after them (pulled after the next sync's first commit)."""
    cfg = config(fresh_lrs, tmp_path, store_url=store_url, read_timeout=5)
    db = open_store(store_url)
    try:
        post(fresh_lrs, [completion(PERSON, "2025-03-10T10:00:00Z"), completion("P10002", "2025-03-11T10:00:00Z")])
        sync_until_done(cfg, db)
        assert learners(db) == [PERSON, "P10002"]
        post(fresh_lrs, make_statements(100, start=7000))
        post(fresh_lrs, [completion(PERSON, "2026-05-10T10:00:00Z", "prevent-wrap")])
        yield cfg, db
    finally:
        db.close()


def stays_erased(cfg: Config, db: Database) -> None:
    """The next syncs, and a pull of everything again from the start, do not bring the person back."""
    sync_until_done(cfg, db)
    assert PERSON not in learners(db)
    assert "P10002" in learners(db)
    pulled = pull(cfg, db, "ll", full=True)
    sync_until_done(cfg, db)
    assert pulled.new == 0
    assert PERSON not in learners(db)
    leaves_nothing_of_the_person(db)


def test_an_erasure_while_a_sync_pulls_completes_and_what_it_pulls_afterwards_is_held(
    synced: tuple[Config, Database], fresh_lrs: LRS, store_url: str, tmp_path: Path
) -> None:
    cfg, db = synced
    sync = start_gated_sync(fresh_lrs, store_url, tmp_path, "pull")
    try:
        code, output = erase(store_url, tmp_path)
        assert code == 0, output  # the settle lock is free while a sync pulls
    finally:
        finish(sync, tmp_path)
    [reason] = held(db)  # the person's statement the sync committed after the erasure
    assert reason.startswith("erased person: an identifier of someone erased on"), reason
    stays_erased(cfg, db)
    assert len(held(db)) == 1


def test_an_erasure_while_a_sync_settles_is_refused_naming_it_then_completes_once_it_is_done(
    synced: tuple[Config, Database], fresh_lrs: LRS, store_url: str, tmp_path: Path
) -> None:
    cfg, db = synced
    sync = start_gated_sync(fresh_lrs, store_url, tmp_path, "settle")
    try:
        code, output = erase(store_url, tmp_path, "--wait", "0.5")
        assert code != 0, output
        assert "a sync (or a remap or another erasure) held the settle lock" in output, output
        assert "nothing was erased" in output
    finally:
        finish(sync, tmp_path)
    assert PERSON in learners(db)
    code, output = erase(store_url, tmp_path)
    assert code == 0, output
    stays_erased(cfg, db)
