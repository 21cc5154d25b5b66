"""Certification status for the people who ask: a learner with every completion and why it counted or not,
everyone, everyone below a manager, and counts by department and staff group; as stored by the last sync, or
evaluated as of another day from the stored evidence."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import click
import orjson

from lrs_adapter.cli import BOM, Context, check_bom, echo, fail, main, pass_context
from lrs_adapter.csv_output import write_csv
from lrs_adapter.errors import AdapterError
from lrs_adapter.files import atomic_file
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.states import certification_states, team
from lrs_adapter.report import render_report
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


@main.command("report")
@click.option("--manager", default=None, help="A manager's id: everyone below them in the roster's chain of managers.")
@click.option("--summary", is_flag=True, help="Counts of red, amber and green by department and staff group.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the manager's compliance page to this file (with --manager).",
)
@click.option("--department", default=None, help="With --html: only this department's people.")
@click.option("--status", type=click.Choice(STATUS_KEYS), default=None, help="With --html: only this status.")
@AS_OF
@FORMAT
@BOM
@pass_context
def report_command(
    context: Context,
    manager: str | None,
    summary: bool,
    html_path: Path | None,
    department: str | None,
    status: str | None,
    as_of: Any,
    fmt: str,
    bom: bool,
) -> None:
    """The manager's view (name, status, window opens, due on), their compliance page, or the compliance summary."""
    check_bom(fmt, bom)
    if bool(manager) == summary:
        raise click.UsageError("give --manager ID or --summary")
    if html_path is None and (department or status):
        raise click.UsageError("--department and --status filter the page written by --html")
    if html_path is not None and not manager:
        raise click.UsageError("--html writes a manager's page: give --manager ID")
    day = as_of.date() if as_of else None
    try:
        if html_path is not None and manager:
            mappings = load_mappings(context.config.mappings)
            with context.store() as db:
                page = render_report(
                    db, mappings=mappings, manager=manager, department=department, status=status, as_of=day
                )
            try:
                with atomic_file(html_path) as out:
                    out.write(page)
            except OSError as error:
                raise click.FileError(str(html_path), hint=error.strerror) from None
            echo(f"wrote {html_path}")
            return
        with context.store() as db:
            records = certification_states(db, manager=manager, as_of=day, mappings=mappings_for(context, day))
            loops = team(db, manager).cycles if manager else []
    except AdapterError as error:
        fail(error)
    warn_of_loops(loops)
    if manager:
        show(records, fmt, TEAM_COLUMNS, bom=bom)
    else:
        show(summary_rows(records), fmt, SUMMARY_COLUMNS, bom=bom)


def warn_of_loops(loops: list[tuple[str, ...]]) -> None:
    """HR's chains of managers that go round: followed once by the report, and told to whoever can have HR fix them."""
    for loop in loops:
        chain = " -> ".join((*loop, loop[0]))
        echo(f"warning: the roster's managers go round in a loop ({chain}): fix manager_payroll_number", err=True)


TEAM_COLUMNS = ("name", "learner", "certification", "status", "exempt_until", "window_opens_on", "due_on")
SUMMARY_COLUMNS = ("certification", "department", "staff_group", "red", "amber", "green", "exempt", "none")


def summary_rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counts per status for each certification, department and staff group."""
    counts = Counter(
        (r["certification"], r["department"] or "(not on roster)", r["staff_group"], r["status"]) for r in records
    )
    groups = sorted({key[:3] for key in counts})
    return [
        {
            "certification": c,
            "department": d,
            "staff_group": g,
            **{s: counts[(c, d, g, s)] for s in SUMMARY_COLUMNS[3:]},
        }
        for c, d, g in groups
    ]
