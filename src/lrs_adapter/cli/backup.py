"""The store's own administration: backing it up."""

from __future__ import annotations

from pathlib import Path

import click

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.pull import utc_now
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.backup import backup_sqlite
from lrs_adapter.xapi.timestamps import format_instant


@main.group("store")
def store_group() -> None:
    """The store itself."""


@store_group.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def store_backup(context: Context, file: Path) -> None:
    """Write a consistent copy of a SQLite store to FILE while it is in use (restore: put the copy in its place)."""
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
