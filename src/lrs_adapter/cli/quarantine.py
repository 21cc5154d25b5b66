"""The quarantine: statements that failed intake, to list, show, retry or discard."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

import click

from lrs_adapter.cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_QUARANTINED,
    Context,
    echo,
    echo_lines,
    echo_shown,
    fail,
    main,
    pass_context,
)
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.errors import AdapterError
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.quarantine_retry import retry_entries
from lrs_adapter.store.quarantine import DISCARDED, HELD, count_entries, get_entry, list_entries, resolve


@main.group("quarantine")
def quarantine_group() -> None:
    """Statements that failed intake, with their reasons."""


@quarantine_group.command("list")
@click.option("--connector", default=None)
@click.option("--status", type=click.Choice(["held", "released", "discarded", "all"]), default="held")
@click.option("--limit", default=100, show_default=True)
@pass_context
def quarantine_list(context: Context, connector: str | None, status: str, limit: int) -> None:
    wanted = None if status == "all" else status
    try:
        with context.store() as db:
            entries = list_entries(db, connector=connector, status=wanted, limit=limit)
            total = count_entries(db, connector=connector, status=wanted)
    except AdapterError as error:
        fail(error)
    for entry in entries:
        echo(f"{entry.id:>6}  {entry.connector:<16} {entry.status:<9} {entry.field}: {entry.reason}  [{entry.source}]")
    if not entries:
        echo("nothing quarantined" + (f" with status {status}" if status != "all" else ""))
    echo_shown(len(entries), total, f"--limit {total} lists them all")


@quarantine_group.command("show")
@click.argument("entry_id", type=int)
@pass_context
def quarantine_show(context: Context, entry_id: int) -> None:
    try:
        with context.store() as db:
            entry = get_entry(db, entry_id)
    except AdapterError as error:
        fail(error)
    if entry is None:
        echo(f"no quarantine entry {entry_id}", err=True)
        sys.exit(EXIT_FAILED)
    data: dict[str, Any] = asdict(entry)
    raw = data.pop("raw")
    for key, value in data.items():
        echo(f"{key:>13}: {value}")
    echo("          raw:")
    echo_lines(raw)


@quarantine_group.command("retry")
@click.argument("entry_ids", type=int, nargs=-1)
@click.option("--all", "retry_all", is_flag=True, help="Retry every held entry.")
@pass_context
def quarantine_retry(context: Context, entry_ids: tuple[int, ...], retry_all: bool) -> None:
    """Take held entries in again (after a fix to the adapter or to the raw text); what passes is released."""
    if not entry_ids and not retry_all:
        raise click.UsageError("name entry ids, or pass --all")
    try:
        with context.store() as db:
            released, still_held = retry_entries(db, None if retry_all else list(entry_ids), now=utc_now())
    except AdapterError as error:
        fail(error)
    echo(f"released {released}, still held {still_held}")
    sys.exit(EXIT_QUARANTINED if still_held else EXIT_OK)


@quarantine_group.command("discard")
@click.argument("entry_ids", type=int, nargs=-1, required=True)
@YES
@pass_context
def quarantine_discard(context: Context, entry_ids: tuple[int, ...], yes: bool) -> None:
    """Mark entries as looked at and not wanted; they stay on record, and can no longer be retried."""
    try:
        which = ", ".join(map(str, entry_ids))
        ask_first(context, f"discard quarantine entries {which} (they can no longer be retried)", yes=yes)
        with context.store() as db, db.transaction():
            for entry_id in entry_ids:
                entry = get_entry(db, entry_id)
                if entry is None or entry.status != HELD:
                    echo(f"entry {entry_id}: not held, left as it is", err=True)
                    continue
                resolve(db, entry_id, DISCARDED, format_instant(utc_now()))
                echo(f"entry {entry_id}: discarded")
    except AdapterError as error:
        fail(error)
