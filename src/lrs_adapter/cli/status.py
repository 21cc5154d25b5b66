"""Certification status for the people who ask: one learner, everyone, or as of another day."""

from __future__ import annotations

import csv
import sys
from datetime import date
from typing import Any

import click
import orjson

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.store.certifications import assigned_on, evaluate_learner, stored_evidence

COLUMNS = ("learner", "name", "certification", "status", "certified_on", "due_on", "window_opens_on", "option", "as_of")


@main.command("status")
@click.option("--learner", default=None, help="One learner's id (payroll number).")
@click.option("--certification", default=None, help="One certification's id.")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Evaluate as of this day (default: the states stored by the last sync).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@pass_context
def status_command(context: Context, learner: str | None, certification: str | None, as_of: Any, fmt: str) -> None:
    """Red, amber or green per learner and certification, with the dates that matter."""
    try:
        mappings = {m.certification.id: m for m in map(load_mapping, context.config.mappings)}
        with context.store() as db:
            clauses, params = [], []
            for column, value in (("s.learner", learner), ("s.certification", certification)):
                if value:
                    clauses.append(f"{column} = ?")
                    params.append(value)
            where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            rows = db.execute(
                "SELECT s.learner, COALESCE(l.name, ''), s.certification, s.status, s.certified_on, s.due_on,"
                f" s.window_opens_on, s.option_id, s.as_of FROM certification_states s LEFT JOIN learners l"
                f" ON l.id = s.learner {where} ORDER BY s.certification, s.learner",
                tuple(params),
            )
            records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
            if as_of is not None:
                day: date = as_of.date()
                for record in records:
                    mapping = mappings.get(record["certification"])
                    if mapping is None:
                        continue
                    evidence = stored_evidence(db, record["learner"], record["certification"])
                    state, _ = evaluate_learner(mapping, evidence, assigned_on(db, record["learner"]), day)
                    record.update(
                        status=state.status,
                        certified_on=state.certified_on and state.certified_on.isoformat(),
                        due_on=state.due_on and state.due_on.isoformat(),
                        window_opens_on=state.window_opens_on and state.window_opens_on.isoformat(),
                        option=state.option,
                        as_of=day.isoformat(),
                    )
    except AdapterError as error:
        fail(error)
    if fmt == "json":
        for record in records:
            click.echo(orjson.dumps(record).decode())
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(records)
    else:
        click.echo(
            f"{'learner':<10} {'name':<20} {'certification':<14} {'status':<6} {'certified':<10} {'due':<10}"
            f" {'window':<10} option"
        )
        for r in records:
            click.echo(
                f"{r['learner']:<10} {r['name'][:20]:<20} {r['certification'][:14]:<14} {r['status']:<6}"
                f" {r['certified_on'] or '-':<10} {r['due_on'] or '-':<10} {r['window_opens_on'] or '-':<10}"
                f" {r['option'] or '-'}"
            )
        if not records:
            click.echo("no certification states yet: run `lrs-adapter sync`")
