"""The store's own administration: backing it up, restoring it, and compacting it (so no deleted byte stays)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from lrs_adapter.cli import Context, echo, fail, main, pass_context
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.cli.retention import erase_audited
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.backup import BACKUP_ACTION, backup_sqlite, restore_sqlite, staged_copy
from lrs_adapter.store.compaction import compact, compact_store
from lrs_adapter.store.erasure_log import (
    Erasure,
    ErasureLog,
    carry,
    learners_erased,
    missing_from,
    read_backup_log,
    read_log,
)
from lrs_adapter.store.locks import erasure_lock, stage_lock
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
@click.option(
    "--reapply-erasures",
    is_flag=True,
    help="Restore a backup taken before the latest erasure, and erase again everyone erased since.",
)
@pass_context
def store_restore(context: Context, file: Path, reason: str, yes: bool, reapply_erasures: bool) -> None:
    """Replace the SQLite store's contents with a backup written by `store backup` (stop scheduled syncs first:
    what they wrote since the backup is gone; the next sync pulls it again from each connector's restored cursor).
    The erasure log is kept: a backup older than an erasure is refused unless --reapply-erasures."""
    try:
        with context.store() as db, stage_lock(db, "settle"), staged_copy(db, file) as copy:
            log = read_log(db)
            since = missing_from(log, read_backup_log(file))
            if since and not reapply_erasures:
                raise click.UsageError(
                    f"{file} was taken before {len(since)} erasures (the latest on {since[-1].erased_at[:10]}):"
                    " restoring it would bring those people back. Pass --reapply-erasures to restore it and erase"
                    " them again."
                )
            held = statement_count(db)
            if held:
                ask_first(context, f"replace everything in the store ({held} statements) with {file}", yes=yes)
            staged = open_store(f"sqlite:///{copy}")  # migrates an older backup forward
            try:
                statements, erased = _bring_up_to_date(context, staged, log, since, source=str(file), reason=reason)
            finally:
                staged.close()
            restore_sqlite(db, copy)
    except AdapterError as error:
        fail(error)
    echo(f"restored {file}: {statements} statements")
    if since:
        echo(f"erasures made since the backup was taken: {len(since)}; people erased again: {erased}")


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


@store_group.command("reapply-erasures")
@click.option(
    "--from",
    "previous",
    required=True,
    help="The URL of the store this one replaces, where the erasures were made (it is only read).",
)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@pass_context
def store_reapply_erasures(context: Context, previous: str, reason: str) -> None:
    """After a PostgreSQL restore (pg_restore into a new database, store.url pointed at it): carry the erasure log of
    the store it replaces into it, and erase again everyone the log remembers that the dump brought back."""
    try:
        old = open_store(previous)
        try:
            log = read_log(old)
            where = old.where
        finally:
            old.close()
        with context.store() as db, erasure_lock(db):
            since = missing_from(log, read_log(db))
            statements, erased = _bring_up_to_date(context, db, log, since, source=where, reason=reason)
    except AdapterError as error:
        fail(error)
    echo(f"erasures made in {where} that this store lacked: {len(since)}; people erased again: {erased}")
    echo(f"this store holds {statements} statements")


def _bring_up_to_date(
    context: Context, restored: Database, log: ErasureLog, since: list[Erasure], *, source: str, reason: str
) -> tuple[int, int]:
    """A restored store (a staged backup, or a database pg_restore wrote) with the current erasure log carried
    into it, everyone it remembers erased again, and the restore audited with the erasures made since the backup
    (their entries are not in its audit trail): (statements, people erased again)."""
    now = format_instant(utc_now())
    with restored.transaction():
        carry(restored, log)
        mappings = load_mappings(context.config.mappings)
        erased = [
            erase_audited(context, restored, learner, mappings, action="store.restore.erase", reason=reason, now=now)
            for learner in learners_erased(restored, context.config.home_page)
        ]
        append_audit(
            restored,
            actor=context.actor,
            action="store.restore",
            at=now,
            reason=reason,
            after={
                "from": source,
                "erasures_since": [asdict(erasure) for erasure in since],
                "erased_again": len(erased),
            },
        )
    compact(restored, [identifier for erasure in erased for identifier in erasure.identifiers.strings()])
    return statement_count(restored), len(erased)
