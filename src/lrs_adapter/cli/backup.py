"""The store's own administration: backing it up and restoring it."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.cli.retention import erase_audited
from lrs_adapter.errors import AdapterError
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.store import open_store
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.backup import backup_sqlite, restore_sqlite, staged_copy
from lrs_adapter.store.erasure import compact
from lrs_adapter.store.erasure_log import (
    Erasure,
    ErasureLog,
    carry,
    learners_erased,
    missing_from,
    read_backup_log,
    read_log,
)
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
                    action="store.backup",
                    at=format_instant(utc_now()),
                    reason=f"backup to {file}",
                    after={"file": str(file), "bytes": size},
                )
    except AdapterError as error:
        fail(error)
    click.echo(f"wrote {file} ({size} bytes)")


@store_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
@click.option("--yes", is_flag=True, help="Replace a store that holds data without asking.")
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
            if held and not yes:
                click.confirm(f"The store holds {held} statements; replace everything in it with {file}?", abort=True)
            statements, erased = _bring_up_to_date(context, copy, log, since, file=file, reason=reason)
            restore_sqlite(db, copy)
    except AdapterError as error:
        fail(error)
    click.echo(f"restored {file}: {statements} statements")
    if since:
        click.echo(f"erasures made since the backup was taken: {len(since)}; people erased again: {erased}")


def _bring_up_to_date(
    context: Context, copy: Path, log: ErasureLog, since: list[Erasure], *, file: Path, reason: str
) -> tuple[int, int]:
    """The staged backup migrated forward, the current erasure log carried into it, everyone it remembers erased
    again, and the restore audited with the erasures made since the backup (their entries are not in its audit
    trail): (statements, people erased again)."""
    staged = open_store(f"sqlite:///{copy}")
    try:
        now = format_instant(utc_now())
        with staged.transaction():
            carry(staged, log)
            erased = [
                erase_audited(context, staged, learner, action="store.restore.erase", reason=reason, now=now)
                for learner in learners_erased(staged, context.config.home_page)
            ]
            append_audit(
                staged,
                actor=context.actor,
                action="store.restore",
                at=now,
                reason=reason,
                after={
                    "file": str(file),
                    "erasures_since": [asdict(erasure) for erasure in since],
                    "erased_again": len(erased),
                },
            )
        compact(staged)
        return statement_count(staged), len(erased)
    finally:
        staged.close()
