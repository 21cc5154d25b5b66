"""Rows as both drivers return them: a tuple (unpacked, sliced, compared with tuples) that also reads by name."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from lrs_adapter.store import Database
from lrs_adapter.store.database import IN_CHUNK, rows_in
from tests.helpers.factory import make_statements


def test_a_row_reads_by_name_and_is_still_a_tuple(db: Database) -> None:
    row = db.one("SELECT 'a' AS learner, 2 AS runs, 'x' AS reason")
    assert row is not None
    assert (row.learner, row.runs, row.reason) == ("a", 2, "x")
    assert row.as_dict() == {"learner": "a", "runs": 2, "reason": "x"}
    assert row == ("a", 2, "x")
    learner, *rest = row
    assert (learner, rest, row[1:]) == ("a", [2, "x"], (2, "x"))


def test_a_name_that_is_no_column_is_refused_with_the_columns_there_are(db: Database) -> None:
    row = db.one("SELECT 1 AS one")
    assert row is not None
    with pytest.raises(AttributeError, match=r"no column 'two' \(it has one\)"):
        _ = row.two


def test_two_column_rows_make_a_dict(db: Database) -> None:
    assert dict(db.execute("SELECT 'k' AS key, 'v' AS value")) == {"k": "v"}


def test_rows_in_reads_more_values_than_one_in_list_takes(db: Database) -> None:
    ids = [f"run-{i:05}" for i in range(IN_CHUNK * 2 + 3)]
    with db.transaction():
        db.executemany(
            "INSERT INTO cursors (connector, position, basis, run_id, updated_at) VALUES (?, 'p', 'b', 1, 'now')",
            [(i,) for i in ids],
        )
    rows = rows_in(db, "SELECT connector FROM cursors WHERE basis = ? AND connector IN ({})", ids, ("b",))
    assert sorted(row.connector for row in rows) == ids


# -- a full disk and a read-only store, for real: `lrs-adapter pull` in a subprocess ----------------------------------
# A 4 MB tmpfs fills up for real (ENOSPC, SQLite's SQLITE_FULL); the empty schema takes 0.9 MB of it, so a commit of
# a 500-statement page still fits, and every migration added eats into that. `ulimit -f` would give EFBIG, which
# SQLite reports as an I/O error, not a full disk. The read-only store is a file mode 0444 read by a user who is not
# root (root ignores file modes): `setpriv` runs the command as `nobody`. Both need root to set up, so elsewhere they
# skip (and fail under CI=true, like a missing service).

STATEMENTS = 3000  # about 5.5 MB of statements: more than the 4 MB disk takes


def need_root(what: str) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("mount") is None:
        reason = f"{what} needs root (mount, setpriv)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def write_export(path: Path, start: int, count: int) -> None:
    with path.open("ab") as export:
        export.writelines(orjson.dumps(statement) + b"\n" for statement in make_statements(count, start=start))


def lrs_adapter(config: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    ids = pwd.getpwnam(user) if user else None
    prefix = ["setpriv", f"--reuid={ids.pw_uid}", f"--regid={ids.pw_gid}", "--clear-groups"] if ids else []
    return subprocess.run(
        [*prefix, sys.executable, "-m", "lrs_adapter", "--config", str(config), "--log-format", "json", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(config.parent)},
        timeout=300,
        check=False,
    )


def pulled_in_all(config: Path) -> tuple[list[str], int]:
    """Each run's outcome, oldest first, and the statements all of them stored."""
    runs = [orjson.loads(line) for line in lrs_adapter(config, "runs", "--format", "json").stdout.splitlines()]
    return [run["outcome"] for run in reversed(runs)], sum(run["new"] for run in runs)


def file_store_config(directory: Path, store: Path, export: Path) -> Path:
    config = directory / "lrs-adapter.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{store}"\ncommit_every = 300\n[connectors.big]\nfile = "{export}"\n')
    return config


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    need_root("a full disk")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], check=False)
    if mounted.returncode != 0:
        need_root("mounting a tmpfs")  # root in a container that may not mount
        pytest.skip("mount -t tmpfs failed here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_ends_the_pull_with_a_store_error_and_a_later_run_completes(
    tmp_path: Path, small_disk: Path
) -> None:
    store, export = small_disk / "store.db", tmp_path / "export.jsonl"
    write_export(export, 0, STATEMENTS)
    config = file_store_config(tmp_path, store, export)

    full = lrs_adapter(config, "pull")
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    assert f"error (store): the disk holding the store {store} is full" in full.stdout
    assert "Fix: free space on that disk" in full.stdout
    outcomes, stored = pulled_in_all(config)
    assert outcomes == ["failed"]  # recorded: a small write still fits where the failed transaction was
    assert 0 < stored < STATEMENTS

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = lrs_adapter(config, "pull")
    assert again.returncode == 0, again.stdout + again.stderr
    assert pulled_in_all(config) == (["failed", "succeeded"], STATEMENTS)  # nothing lost


def test_a_read_only_store_ends_the_pull_with_a_store_error_and_a_later_run_completes(tmp_path: Path) -> None:
    need_root("a read-only store read by another user")
    directory = Path(tempfile.mkdtemp(prefix="read-only-store-"))  # outside pytest's 0700 root, for `nobody`
    try:
        directory.chmod(0o777)
        store, export = directory / "store.db", directory / "export.jsonl"
        write_export(export, 0, 100)
        config = file_store_config(directory, store, export)
        first = lrs_adapter(config, "pull", user="nobody")
        assert first.returncode == 0, first.stdout + first.stderr
        write_export(export, 100, 100)

        store.chmod(0o444)
        refused = lrs_adapter(config, "pull", user="nobody")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        message = refused.stdout + refused.stderr
        assert f"the store {store} cannot be written" in message
        assert "Fix: let the user running lrs-adapter write the file" in message
        assert pulled_in_all(config) == (["succeeded"], 100)  # nothing could be recorded, nothing was lost

        store.chmod(0o644)
        again = lrs_adapter(config, "pull", user="nobody")
        assert again.returncode == 0, again.stdout + again.stderr
        assert pulled_in_all(config) == (["succeeded", "succeeded"], 200)
    finally:
        shutil.rmtree(directory)
