"""`lrs-adapter feed export`: the completion or certification feed as a file, from a consumer's last seq on."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lrs_adapter.cli import BOM, Context, check_bom, echo, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.feed.export import records_after, write_records
from lrs_adapter.feed.records import VERSIONS
from lrs_adapter.files import atomic_file
from lrs_adapter.model.contract import CONTRACT_VERSION, OLD_VERSIONS_UNTIL


@main.group("feed")
def feed_group() -> None:
    """The normalised feed other systems read (see the README's "Feed" section)."""


@feed_group.command("export")
@click.option("--kind", type=click.Choice(["completions", "certifications"]), required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--after", type=click.IntRange(min=0), default=0, help="The seq of the last record already read.")
@click.option(
    "--schema-version",
    "version",
    type=click.Choice([str(v) for v in VERSIONS]),
    default=str(CONTRACT_VERSION),
    show_default=True,
    help=f"The records' schema: {CONTRACT_VERSION}, the contract, or 2, served until {OLD_VERSIONS_UNTIL}.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Default: stdout.")
@BOM
@pass_context
def export_command(
    context: Context, kind: str, fmt: str, after: int, version: str, output: Path | None, bom: bool
) -> None:
    """Every record after seq AFTER, in feed order; a file is written whole or not at all."""
    check_bom(fmt, bom)
    try:
        with context.store() as db:
            records = records_after(db, kind, after, int(version))
            if output is None:
                count = write_records(records, kind, fmt, sys.stdout, bom=bom, version=int(version))
            else:
                with atomic_file(output) as out:
                    count = write_records(records, kind, fmt, out, bom=bom, version=int(version))
    except AdapterError as error:
        fail(error)
    if output is not None:
        echo(f"{count} {kind} records written to {output}", err=True)
