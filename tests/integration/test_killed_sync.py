"""The SIGKILL harness: a sync process killed at random points of pull, map, evaluate and push (inside a
transaction, right after a commit, between the LRS's acknowledgement and the commit recording it), in either
round of a certification's traffic, then run again as cron would: the store, the feed and what the LRS received
equal the fault-free run's."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lrs_adapter.errors import LockedError
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.locks import connector_lock
from tests.helpers.certification_run import config, differences, outcome, post, rounds, sync_until_done
from tests.helpers.killed_sync import POINTS
from tests.helpers.lrs_servers import LRS

ROOT = Path(__file__).resolve().parents[2]
#: How many times each point is met in one round's sync, at least: the kill lands on one of them, by seed.
MET_AT_LEAST = {
    "pull-before-commit": 3,
    "pull-after-commit": 3,
    "map-before-commit": 1,  # once per batch of learners settled
    "evaluate-before-commit": 1,
    "push-before-send": 6,
    "push-acknowledged-not-recorded": 6,
}


def kill_at(lrs: LRS, store_url: str, work_dir: Path, point: str, k: int) -> None:
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.helpers.killed_sync",
            lrs.endpoint,
            store_url,
            str(work_dir),
            point,
            str(k),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, (
        f"{point} #{k} not reached: {killed.stdout[-500:]}{killed.stderr[-2000:]}"
    )


def lock_freed(db: Database, within: float = 30.0) -> None:
    """PostgreSQL drops a SIGKILLed client's session, and the connector lock it held, once its backend sees the
    connection gone: a moment after the kill, longer on a loaded machine (a run started before then is refused with
    "safe to run again later", as cron would run it again). The test waits for that moment rather than racing it."""
    deadline = time.monotonic() + within
    while True:
        try:
            with connector_lock(db, "ll"):
                return
        except LockedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("round_killed", [1, 2])
@pytest.mark.parametrize("point", sorted(POINTS))
def test_a_sync_killed_anywhere_and_run_again_ends_in_the_fault_free_state(
    point: str, round_killed: int, fault_free: dict[str, Any], fresh_lrs: LRS, store_url: str, tmp_path: Path
) -> None:
    k = random.Random(f"{point}/{round_killed}").randint(1, MET_AT_LEAST[point])
    cfg = config(fresh_lrs, tmp_path, store_url=store_url, read_timeout=5)
    db = open_store(store_url)
    try:
        for number, statements in enumerate(rounds(), start=1):
            post(fresh_lrs, statements)
            if number == round_killed:
                kill_at(fresh_lrs, store_url, tmp_path, point, k)
                lock_freed(db)
            sync_until_done(cfg, db)
        assert differences(outcome(db, fresh_lrs), fault_free) == {}
    finally:
        db.close()
