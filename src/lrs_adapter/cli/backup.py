"""The store's own administration: backing it up, restoring it, and compacting it (so no deleted byte stays)."""

from __future__ import annotations

from pathlib import Path

import click

from lrs_adapter.cli import Context, echo, fail, main, pass_context
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.errors import AdapterError
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.store import open_store
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.backup import BACKUP_ACTION, backup_sqlite, restore_sqlite
from lrs_adapter.store.compaction import compact_store
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.statements import statement_count


@main.group("store")
def store_group() -> None:
    """The store itself."""


@store_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def store_backup(context: Context, file: Path) -> None:
    """Write a consistent copy of a SQLite store to FILE while it is in use (`store restore FILE` puts it back)."""
    try:
        with context.store() as db:
            size = backup_sqlite(db, file)
            with db.transaction():
                append_audit(
                    db,
                    actor=context.actor,
                    action=BACKUP_ACTION,
                    at=format_instant(utc_now()),
                    reason=f"backup to {file}",
                    after={"file": str(file.resolve()), "bytes": size},
                )
    except AdapterError as error:
        fail(error)
    echo(f"wrote {file} ({size} bytes)")


@store_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@YES
@pass_context
def store_restore(context: Context, file: Path, reason: str, yes: bool) -> None:
    """Replace the SQLite store's contents with a backup written by `store backup` (stop scheduled syncs first:
    what they wrote since the backup is gone; the next sync pulls it again from each connector's restored cursor)."""
    try:
        with context.store() as db, stage_lock(db, "settle"):
            held = statement_count(db)
            if held:
                ask_first(context, f"replace everything in the store ({held} statements) with {file}", yes=yes)
            restore_sqlite(db, file)
        restored = open_store(context.config.store_url)  # migrates an older backup forward
        try:
            with restored.transaction():
                append_audit(
                    restored,
                    actor=context.actor,
                    action="store.restore",
                    at=format_instant(utc_now()),
                    reason=reason,
                    after={"file": str(file)},
                )
            statements = statement_count(restored)
        finally:
            restored.close()
    except AdapterError as error:
        fail(error)
    echo(f"restored {file}: {statements} statements")


@store_group.command("compact")
@pass_context
def store_compact(context: Context) -> None:
    """Rewrite the store's files without the bytes of deleted rows (SQLite: VACUUM and an emptied log; PostgreSQL:
    VACUUM FULL of the tables an erasure touches): what an erasure does, again, after a reader held it up."""
    try:
        with context.store() as db:
            compacted = compact_store(db)
    except AdapterError as error:
        fail(error)
    echo(f"compacted: {', '.join(compacted.files or compacted.vacuumed)}")
