"""`store backup`: a copy taken while the store is in use restores into a fresh store with identical status for
every learner; a PostgreSQL store is pointed at pg_dump; the backup is audited."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.store import open_store
from lrs_adapter.store.backup import backup_sqlite
from tests.helpers.team import AS_OF, build_team_store


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def lines(config: Path, *args: str) -> list[dict[str, Any]]:
    code, output = cli(config, *args)
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines()]


def test_a_backup_restored_into_a_fresh_store_gives_identical_status(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    config = build_team_store(live)
    db = open_store(f"sqlite:///{live / 'store.db'}")
    writer = sqlite3.connect(live / "store.db", isolation_level=None)  # another process in mid-write meanwhile
    writer.execute("BEGIN")
    writer.execute("UPDATE learners SET name = 'uncommitted' WHERE id = 'P10001'")
    try:
        assert backup_sqlite(db, tmp_path / "backup.db") > 0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        db.close()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".backup.db")], "no temporary file left behind"

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(tmp_path / "backup.db", fresh / "store.db")  # the restore: the copy put in the store's place
    restored = fresh / "lrs-adapter.toml"
    restored.write_text(config.read_text())
    everyone = lines(config, "status", "--format", "json")
    assert len(everyone) == 13  # the team, the other manager's report and the manager
    assert lines(restored, "status", "--format", "json") == everyone
    day = AS_OF.isoformat()
    assert lines(restored, "status", "--format", "json", "--as-of", day) == lines(
        config, "status", "--format", "json", "--as-of", day
    )
    assert lines(restored, "feed", "export", "--kind", "certifications") == lines(
        config, "feed", "export", "--kind", "certifications"
    )


def test_the_command_writes_the_copy_and_audits_it(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    code, output = cli(config, "store", "backup", str(tmp_path / "copy.db"))
    assert code == 0, output
    assert f"wrote {tmp_path / 'copy.db'}" in output, output
    [entry] = [e for e in lines(config, "audit", "--format", "json") if e["action"] == "store.backup"]
    assert entry["after"] == {"file": str(tmp_path / "copy.db"), "bytes": (tmp_path / "copy.db").stat().st_size}
    code, output = cli(config, "store", "backup", str(tmp_path / "store.db"))
    assert code == 2
    assert "would overwrite the store itself" in output


def test_a_postgresql_store_is_pointed_at_pg_dump(tmp_path: Path, pg_url: str) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'[store]\nurl = "{pg_url}"\n')
    code, output = cli(config, "store", "backup", str(tmp_path / "backup.db"))
    assert code == 2
    assert "pg_dump" in output
    assert not (tmp_path / "backup.db").exists()


def test_store_restore_brings_back_the_state_of_the_backup_and_audits_it(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    at_backup = lines(config, "status", "--format", "json")
    assert cli(config, "store", "backup", str(tmp_path / "copy.db"))[0] == 0
    code, output = cli(config, "exempt", "P10001", "--until", "2031-01-01", "--reason", "a change after the backup")
    assert code == 0, output
    assert lines(config, "status", "--format", "json") != at_backup
    code, output = cli(config, "store", "restore", str(tmp_path / "copy.db"), "--reason", "bad exemption")
    assert code == 2  # no terminal to ask on, and no --yes: refused, naming the way to mean it
    assert "pass --yes" in output, output
    code, output = cli(config, "store", "restore", str(tmp_path / "copy.db"), "--reason", "bad exemption", "--yes")
    assert code == 0, output
    assert "restored" in output, output
    assert lines(config, "status", "--format", "json") == at_backup
    [entry] = [e for e in lines(config, "audit", "--format", "json") if e["action"] == "store.restore"]
    assert entry["reason"] == "bad exemption"


def test_a_file_that_is_no_backup_is_refused(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    (tmp_path / "notes.db").write_text("not a database at all, just text " * 200)
    code, output = cli(config, "store", "restore", str(tmp_path / "notes.db"), "--reason", "x", "--yes")
    assert code == 2
    assert "is not a backup of an lrs-adapter store" in output
    code, output = cli(config, "store", "restore", str(tmp_path / "missing.db"), "--reason", "x", "--yes")
    assert code == 2
    assert "there is no backup" in output
    other = sqlite3.connect(tmp_path / "other.db")  # a SQLite database, but no store's
    other.execute("CREATE TABLE notes (text TEXT)")
    other.close()
    code, output = cli(config, "store", "restore", str(tmp_path / "other.db"), "--reason", "x", "--yes")
    assert code == 2, output
    assert "is not a backup of an lrs-adapter store (a SQLite database without the store's schema)" in output
    assert [row["learner"] for row in lines(config, "status", "--format", "json")]  # the store is as it was
