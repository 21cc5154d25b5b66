"""Running the job: sync, pull, the run log, and the pre-flight check."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import click
import orjson
from rich.progress import Progress

from lrs_adapter.cli import (
    EXIT_OK,
    Context,
    echo,
    echo_shown,
    exit_code_of_run,
    fail,
    main,
    most_urgent,
    pass_context,
    run_summary,
)
from lrs_adapter.cli.outbox import echo_pending, echo_push, exit_code_of_push
from lrs_adapter.cli.progress import ProgressLines, drawn_progress
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.ops.check import run_checks
from lrs_adapter.pipeline.mail_preview import MailPreview, write_mail
from lrs_adapter.pipeline.remap import remap
from lrs_adapter.pipeline.run import run_sync
from lrs_adapter.pipeline.settle import MapCounts
from lrs_adapter.pipeline.workers import Pulled, pull_all
from lrs_adapter.store import Database
from lrs_adapter.store.runs import PULL, PUSH, PUSH_COUNTERS, Run, count_runs, list_runs

CONNECTOR = click.option(
    "--connector", "connectors", multiple=True, help="Only this connector (repeatable); default: all."
)


def pull_each(
    context: Context,
    db: Database,
    connectors: tuple[str, ...],
    *,
    full: bool = False,
    workers: int = 1,
    share: bool = False,
) -> list[int]:
    """Every connector (in turn, or spread over worker processes), each printing its summary."""
    with drawn_progress() as progress:
        outcomes = pull_all(
            context.config,
            db,
            connectors,
            full=full,
            workers=workers,
            share=share,
            log_format=context.log_format,
            on_progress=ProgressLines(progress).pulling,
        )
    return echo_pulled(outcomes)


def echo_pulled(outcomes: Sequence[Pulled]) -> list[int]:
    """Each connector's summary; the exit code of each."""
    codes = []
    for outcome in outcomes:
        if outcome.run is not None:
            for line in run_summary(outcome.run):
                echo(line)
            codes.append(exit_code_of_run(outcome.run))
        elif outcome.skipped:
            echo(f"connector {outcome.connector}: skipped, another worker is pulling it")
        else:
            echo(f"connector {outcome.connector}: error ({outcome.error})", err=True)
            codes.append(outcome.exit_code)
    return codes


class Printing(ProgressLines):
    """A sync's stages drawn as they go (on a terminal) and printed as they end."""

    def __init__(self, progress: Progress | None) -> None:
        super().__init__(progress)
        self.codes: list[int] = []

    def pulled(self, outcomes: Sequence[Pulled]) -> None:
        super().pulled(outcomes)
        self.codes = echo_pulled(outcomes)

    def settled(self, counts: MapCounts, mappings: Sequence[Mapping]) -> None:
        super().settled(counts, mappings)
        echo_mapped(counts, mappings)


WORKERS = click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Pull this many connectors at once, each in its own process.",
)
SHARE = click.option(
    "--all",
    "share",
    is_flag=True,
    help="Every connector, sharing the work with other workers (here or on other machines using the same"
    " PostgreSQL store): a connector another worker is pulling is skipped, not failed.",
)


@main.command("pull")
@CONNECTOR
@SHARE
@WORKERS
@click.option("--full", is_flag=True, help="Ignore the cursor and read from the connector's `since` (or the start).")
@pass_context
def pull_command(context: Context, connectors: tuple[str, ...], share: bool, workers: int, full: bool) -> None:
    """Pull new statements from each connector's source into the store."""
    try:
        with context.store() as db:
            codes = pull_each(context, db, connectors, full=full, workers=workers, share=share)
    except AdapterError as error:
        fail(error)
    sys.exit(most_urgent(codes))


@main.command("sync")
@CONNECTOR
@SHARE
@WORKERS
@click.option(
    "--dry-run",
    is_flag=True,
    help="Pull, map and evaluate into the store as usual, then show what would be pushed and push nothing.",
)
@click.option(
    "--mail-folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --dry-run: write the e-mails a push would send as .eml files into this folder (one per sink).",
)
@pass_context
def sync_command(
    context: Context, connectors: tuple[str, ...], share: bool, workers: int, dry_run: bool, mail_folder: Path | None
) -> None:
    """One scheduled run: pull every connector, map and evaluate the learners whose history changed or whose
    status changes with time today, then push the certification results to the configured sinks."""
    if mail_folder and not dry_run:
        raise click.UsageError("--mail-folder writes what a dry run would send: give --dry-run with it.")
    try:
        with context.store() as db, drawn_progress() as progress:
            printing = Printing(progress)
            result = run_sync(
                context.config,
                db,
                connectors=connectors,
                workers=workers,
                share=share,
                dry_run=dry_run,
                log_format=context.log_format,
                watcher=printing,
            )
            if dry_run:
                echo_pending(context.config, db)
            if mail_folder:
                echo_mail_written(write_mail(context.config, db, load_mappings(context.config.mappings), mail_folder))
    except AdapterError as error:
        fail(error)
    codes = printing.codes
    if result.pushed is not None:
        echo_push(result.pushed)
        codes.append(exit_code_of_push(result.pushed))
    sys.exit(most_urgent(codes))


def echo_mail_written(previews: dict[str, MailPreview]) -> None:
    if not previews:
        echo("dry run: no e-mail sink is configured: no e-mail written")
    for sink, preview in sorted(previews.items()):
        held = f" ({preview.unaddressed} held: no work e-mail on the roster)" if preview.unaddressed else ""
        echo(f"dry run: wrote {preview.written} e-mails of {sink} into {sink}/{held}")


def echo_mapped(mapped: MapCounts, mappings: Sequence[Mapping]) -> None:
    names = ", ".join(m.certification.id for m in mappings) or "no mappings configured"
    echo(f"mapped {mapped.learners} learners ({names}): {mapped.evidence} pieces of component evidence")
    if mapped.statuses:
        colours = " · ".join(f"{status} {count}" for status, count in sorted(mapped.statuses.items()))
        echo(f"  evaluated: {colours} (lrs-adapter status for each learner)")
    if mapped.unresolved:
        echo(f"  {mapped.unresolved} identifiers resolve to no learner yet: lrs-adapter learners unresolved")


@main.command("runs")
@click.option("--connector", default=None, help="Only this connector's pull runs, or this sink's push runs.")
@click.option("--stage", type=click.Choice([PULL, PUSH]), default=None, help="Only pull runs, or only push runs.")
@click.option("--failed", is_flag=True, help="Only failed, interrupted or stopped runs.")
@click.option("--limit", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
def runs_command(
    context: Context, connector: str | None, stage: str | None, failed: bool, limit: int, fmt: str
) -> None:
    """The run log, newest first: a pull run per connector, a push run per sink."""
    try:
        with context.store() as db:
            runs = list_runs(db, connector=connector, limit=limit, failed=failed, stage=stage)
            total = count_runs(db, connector=connector, failed=failed, stage=stage)
    except AdapterError as error:
        fail(error)
    more = f"--limit {total} lists them all"
    if fmt == "json":
        for run in runs:
            echo(orjson.dumps(asdict(run)).decode())
        echo_shown(len(runs), total, more, err=True)  # stdout stays JSON lines
        return
    echo(f"{'run':>5}  {'stage':<5} {'connector/sink':<16} {'started':<27} {'outcome':<26} counts")
    for run in runs:
        echo(
            f"{run.id:>5}  {run.stage:<5} {run.connector:<16} {run.started_at:<27} {run.outcome:<26} {run_tally(run)}"
            + (f"  {run.error_class}: {run.error_message}" if run.error_message else "")
        )
    echo_shown(len(runs), total, more)


def run_tally(run: Run) -> str:
    """What a run moved: statements for a pull, deliveries for a push (the counts that are not zero, but the first)."""
    names = ("fetched", "new", "quarantined", "own") if run.stage == PULL else PUSH_COUNTERS
    counts = [(name, getattr(run, name)) for name in names]
    return " · ".join(f"{name} {count}" for index, (name, count) in enumerate(counts) if count or not index)


@main.command("check")
@pass_context
def check_command(context: Context) -> None:
    """Validate the config, then reach each LRS and the store: the first thing to run after an edit."""
    try:
        config = context.config
    except AdapterError as error:
        fail(error)
    echo(f"config {config.path}: valid")
    ok, code = run_checks(config, echo)
    sys.exit(EXIT_OK if ok else code)


@main.command("remap")
@click.option("--dry-run", is_flag=True, help="Show whose state would change, and change nothing.")
@pass_context
def remap_command(context: Context, dry_run: bool) -> None:
    """Map and evaluate every learner again from the stored statements (after a mapping fix), showing each learner
    whose certification state changes; the next push delivers what changed."""
    try:
        with context.store() as db:
            remapped = remap(context.config, db, actor=context.actor, dry_run=dry_run)
    except AdapterError as error:
        fail(error)
    for change in remapped.changes:
        state = change.after
        echo(
            f"{change.learner} {change.certification}: {state['status']} · certified {state['certified_on'] or '-'}"
            f" · due {state['due_on'] or '-'} · window {state['window_opens_on'] or '-'}"
        )
    echo(
        f"{'would change' if dry_run else 'changed'}: {len(remapped.changes)} certification states"
        f" among {remapped.learners} learners"
    )
    if dry_run:
        echo("dry run: nothing was changed")
