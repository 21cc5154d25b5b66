"""Certification status for the people who ask: a learner with every completion and why it counted or not, and
everyone; as stored by the last sync, or evaluated as of another day from the stored evidence (`cli/report.py`
has the managers' and the board's views)."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click
import orjson

from lrs_adapter.cli import BOM, Context, check_bom, echo, fail, main, pass_context
from lrs_adapter.csv_output import write_csv
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.report.page import STATUSES
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.states import COLUMNS
from lrs_adapter.terminal import printable

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
STATUS_KEYS = [status.key for status in STATUSES]
AS_OF = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this day (default: the states stored by the last sync).",
)


def mappings_for(context: Context, as_of: date | None) -> list[Mapping]:
    """Read only for `--as-of`: a broken mapping file must not hide the states the last sync stored."""
    return load_mappings(context.config.mappings) if as_of else []


def show(records: list[dict[str, Any]], fmt: str, columns: tuple[str, ...], *, bom: bool = False) -> None:
    if fmt == "json":
        for record in records:
            echo(orjson.dumps(record).decode())
        return
    if fmt == "csv":
        write_csv(sys.stdout, columns, records, bom=bom)
        return

    def cell(value: Any) -> str:
        return "-" if value is None or value == "" else printable(value)

    widths = {column: max([len(column)] + [len(cell(r[column])) for r in records]) for column in columns}
    echo("  ".join(column.ljust(widths[column]) for column in columns))
    for record in records:
        echo("  ".join(cell(record[column]).ljust(widths[column]) for column in columns))


@main.command("status")
@click.option("--learner", default=None, help="One learner's id (payroll number): their completions too.")
@click.option("--certification", default=None, help="One certification's id.")
@AS_OF
@FORMAT
@BOM
@pass_context
def status_command(
    context: Context, learner: str | None, certification: str | None, as_of: Any, fmt: str, bom: bool
) -> None:
    """Red, amber or green per learner and certification, with the dates that matter."""
    check_bom(fmt, bom)
    try:
        with context.store() as db:
            day = as_of.date() if as_of else None
            records = certification_states(
                db, learner=learner, certification=certification, as_of=day, mappings=mappings_for(context, day)
            )
            completions = completions_of(db, learner) if learner else []
    except AdapterError as error:
        fail(error)
    show(
        records,
        fmt,
        COLUMNS
        if fmt != "table"
        else (
            "learner",
            "name",
            "certification",
            "status",
            "exempt_until",
            "certified_on",
            "due_on",
            "window_opens_on",
            "option",
        ),
        bom=bom,
    )
    if fmt == "table" and completions:
        echo()
        echo("completions (judged with everything known):")
        for c in completions:
            verdict = f"counted, due {c.cycle_due_on}" if c.counted else f"not counted: {c.reason or ''}"
            echo(f"  {c.completed_on}  {c.certification}  {c.option_id:<18} {verdict}")
    if fmt == "table" and not records:
        echo("no certification states yet: run `lrs-adapter sync`")
