"""The per-connector lock: a second holder is refused at once; a SIGKILLed holder frees it at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from lrs_adapter.errors import LockedError
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.locks import connector_lock, stage_lock

HOLD = """
import sys, time
from lrs_adapter.store import open_store
from lrs_adapter.store.locks import connector_lock, stage_lock
db = open_store(sys.argv[1])
with connector_lock(db, sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


def test_second_holder_is_refused_and_other_connectors_are_free(db: Database) -> None:
    with connector_lock(db, "prevent"):
        with pytest.raises(LockedError, match="another run of connector 'prevent'"), connector_lock(db, "prevent"):
            pass
        with connector_lock(db, "other"):
            pass
    with connector_lock(db, "prevent"):
        pass


def test_killed_holder_frees_the_lock_at_once(db: Database, store_url: str) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, store_url, "prevent"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError), connector_lock(db, "prevent"):
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        deadline = time.monotonic() + 5
        while True:  # PostgreSQL notices the dead connection within milliseconds; the kernel drops flocks at exit
            try:
                with connector_lock(db, "prevent"):
                    break
            except LockedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait()


def test_a_stage_lock_waits_for_the_holder_then_gives_up_with_a_clear_message(db: Database, store_url: str) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD.replace("connector_lock(db, sys.argv[2])", "stage_lock(db, sys.argv[2])").replace(
                "import connector_lock", "import stage_lock"
            ),
            store_url,
            "settle",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(LockedError, match="another run held the settle lock"), stage_lock(db, "settle", wait=0.3):
            pass
        assert time.monotonic() - started >= 0.3
        with stage_lock(db, "push to lms", wait=0):  # another stage is free
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        with stage_lock(db, "settle", wait=5):  # the waiter gets it as soon as the holder is gone
            pass
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_stores_in_two_schemas_of_one_database_do_not_lock_each_other_out(pg_url: str) -> None:
    """Advisory locks are database-wide: the key carries the store's schema, so a second store (another
    installation, another test run) in its own schema pulls its own connector of the same name."""
    schema = pg_url.rsplit("%3D", 1)[1]
    other_schema = f"{schema}_b"
    admin = psycopg.connect(pg_url, autocommit=True)
    admin.execute(f"CREATE SCHEMA {other_schema}")
    first, second = open_store(pg_url), open_store(pg_url.replace(schema, other_schema))
    try:
        with connector_lock(first, "prevent"):
            with connector_lock(second, "prevent"):
                pass
            same = open_store(pg_url)
            try:
                with pytest.raises(LockedError), connector_lock(same, "prevent"):
                    pass
            finally:
                same.close()
    finally:
        first.close()
        second.close()
        admin.execute(f"DROP SCHEMA {other_schema} CASCADE")
        admin.close()
