"""Certification status for the people who ask: a learner with every completion and why it counted or not,
everyone, a manager's direct reports, and counts by department and staff group; as stored by the last sync, or
evaluated as of another day from the stored evidence."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from typing import Any

import click
import orjson

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.store.states import COLUMNS, read_states

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True
)
AS_OF = click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this day (default: the states stored by the last sync).",
)


def show(records: list[dict[str, Any]], fmt: str, columns: tuple[str, ...]) -> None:
    if fmt == "json":
        for record in records:
            click.echo(orjson.dumps(record).decode())
        return
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
        return

    def cell(value: Any) -> str:
        return "-" if value is None or value == "" else str(value)

    widths = {column: max([len(column)] + [len(cell(r[column])) for r in records]) for column in columns}
    click.echo("  ".join(column.ljust(widths[column]) for column in columns))
    for record in records:
        click.echo("  ".join(cell(record[column]).ljust(widths[column]) for column in columns))


@main.command("status")
@click.option("--learner", default=None, help="One learner's id (payroll number): their completions too.")
@click.option("--certification", default=None, help="One certification's id.")
@AS_OF
@FORMAT
@pass_context
def status_command(context: Context, learner: str | None, certification: str | None, as_of: Any, fmt: str) -> None:
    """Red, amber or green per learner and certification, with the dates that matter."""
    clauses, params = [], []
    for column, value in (("s.learner", learner), ("s.certification", certification)):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    try:
        with context.store() as db:
            day = as_of.date() if as_of else None
            where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            records = read_states(db, context.config.mappings, where, tuple(params), day)
            completions = (
                db.execute(
                    "SELECT certification, option_id, completed_on, counted, COALESCE(reason, ''), cycle_due_on"
                    " FROM completions WHERE learner = ? ORDER BY completed_at",
                    (learner,),
                )
                if learner
                else []
            )
    except AdapterError as error:
        fail(error)
    show(
        records,
        fmt,
        COLUMNS
        if fmt != "table"
        else ("learner", "name", "certification", "status", "certified_on", "due_on", "window_opens_on", "option"),
    )
    if fmt == "table" and completions:
        click.echo("\ncompletions (judged with everything known):")
        for cert, option, on, counted, reason, due in completions:
            verdict = f"counted, due {due}" if counted else f"not counted: {reason}"
            click.echo(f"  {on}  {cert}  {option:<18} {verdict}")
    if fmt == "table" and not records:
        click.echo("no certification states yet: run `lrs-adapter sync`")


@main.command("report")
@click.option("--manager", default=None, help="A manager's id: their direct reports.")
@click.option("--summary", is_flag=True, help="Counts of red, amber and green by department and staff group.")
@AS_OF
@FORMAT
@pass_context
def report_command(context: Context, manager: str | None, summary: bool, as_of: Any, fmt: str) -> None:
    """The manager's view (name, status, window opens, due on) or the compliance summary."""
    if bool(manager) == summary:
        raise click.UsageError("give --manager ID or --summary")
    try:
        with context.store() as db:
            where, params = ("WHERE l.manager = ? AND l.on_roster = 1", (manager,)) if manager else ("", ())
            records = read_states(db, context.config.mappings, where, params, as_of.date() if as_of else None)
    except AdapterError as error:
        fail(error)
    if manager:
        show(records, fmt, ("name", "learner", "certification", "status", "window_opens_on", "due_on"))
        return
    counts = Counter(
        (r["certification"], r["department"] or "(not on roster)", r["staff_group"], r["status"]) for r in records
    )
    groups = sorted({key[:3] for key in counts})
    rows = [
        {
            "certification": c,
            "department": d,
            "staff_group": g,
            **{s: counts[(c, d, g, s)] for s in ("red", "amber", "green", "none")},
        }
        for c, d, g in groups
    ]
    show(rows, fmt, ("certification", "department", "staff_group", "red", "amber", "green", "none"))
