"""Webinar attendance reports from Teams and Zoom, taken in as `joined`/`left` statements."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lrs_adapter.cli import (
    EXIT_FAILED,
    EXIT_QUARANTINED,
    Context,
    echo,
    exit_code_of_run,
    fail,
    main,
    most_urgent,
    pass_context,
    run_summary,
)
from lrs_adapter.errors import AdapterError
from lrs_adapter.pipeline.attendance import AttendanceImport, Person, import_attendance
from lrs_adapter.pipeline.pull import SUCCEEDED


@main.group("attendance")
def attendance_group() -> None:
    """Attendance reports of live webinars (Microsoft Teams, Zoom)."""


@attendance_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--option", required=True, help="The mapping's option the webinar evidences (e.g. webinar_live).")
@click.option("--session", required=True, help="The session's id: its activity is the option's session IRI + ID.")
@click.option("--certification", default=None, help="The certification id (when several mappings have the option).")
@click.option(
    "--time-zone", default=None, help="The zone of the report's local times (default: the mapping's time_zone)."
)
@click.option("--lrs", "to_lrs", default=None, help="Also PUT the statements to this [lrs.NAME] under their ids.")
@pass_context
def attendance_import(
    context: Context,
    file: Path,
    option: str,
    session: str,
    certification: str | None,
    time_zone: str | None,
    to_lrs: str | None,
) -> None:
    """Import a Teams or Zoom attendance report of one session: each stretch in the meeting becomes a `joined` and a
    `left` statement, taken in as a run (`runs --connector attendance`); each person's time present is measured
    against the option's presence rule; bad rows are listed with their lines (exit 3). The same file twice adds
    nothing. With --lrs, the statements are then PUT to that LRS (a push run `attendance:NAME`). Run `sync` to map
    them."""
    if not session.strip():
        fail(click.UsageError("--session needs an id"))
    try:
        with context.store() as db:
            done = import_attendance(
                context.config, db, file, option=option, session=session, certification=certification,
                time_zone=time_zone, to_lrs=to_lrs,
            )  # fmt: skip
    except AdapterError as error:
        fail(error)
    _print(file, done)
    codes = [exit_code_of_run(done.run), *([EXIT_QUARANTINED] if done.report.bad else [])]
    if done.sent is not None and done.sent.outcome != SUCCEEDED:
        codes.append(EXIT_FAILED)
    sys.exit(most_urgent(codes))


def _print(file: Path, done: AttendanceImport) -> None:
    report = done.report
    echo(
        f"attendance {file}: {report.platform} report{f' of {report.title!r}' if report.title else ''} ·"
        f" {len(report.intervals)} stretches in the meeting · {len(done.people)} people · {done.statements}"
        f" statements · {len(report.bad)} bad rows"
    )
    for person in done.people:
        echo(f"  {_who(person)}: {_verdict(person)}")
    for row in report.bad:
        echo(f"  {row.source}: {row.reason}")
    for line in run_summary(done.run):
        echo(line)
    if done.sent is not None:
        sent = done.sent
        echo(
            f"run {sent.id} · sink {sent.connector} · {sent.outcome} · delivered {sent.delivered} · refused"
            f" {sent.refused} (another statement held under the id: see the log) · not sent {sent.failed}"
        )
        if sent.error_message:
            echo(f"  error ({sent.error_class}): {sent.error_message}")
    echo("run `lrs-adapter sync` to map and evaluate them")


def _who(person: Person) -> str:
    if person.learner is not None:
        held = person.learner
    elif person.key.startswith("mbox:"):
        held = "unresolved (an address the roster does not know: kept, mapped once a roster import lists it)"
    else:
        held = "unresolved (a guest known by name only: kept, evidence for nobody)"
    return f"{held} · {person.name} · {person.key}"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min"


def _verdict(person: Person) -> str:
    present = f"present {_minutes(person.present_s)} (joins and leaves united)"
    if person.met:
        return f"{present}: meets the {_minutes(person.at_least_s)} the option asks"
    return f"{present}: not counted, under the {_minutes(person.at_least_s)} the option asks"
