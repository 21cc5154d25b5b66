"""The managers' and the board's views: everyone below a manager (most urgent first, as their page orders them),
their compliance page, one page per manager for councils that e-mail them, counts by department and staff group,
and the trend of those counts at each month's end; as text, JSON lines, CSV or an Excel workbook."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import click

from lrs_adapter.cli import BOM, Context, check_bom, echo, fail, main, pass_context
from lrs_adapter.cli.status import AS_OF, mappings_for, show
from lrs_adapter.errors import AdapterError
from lrs_adapter.files import atomic_binary_file, atomic_file
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.pipeline.states import certification_states, team
from lrs_adapter.pipeline.trend import roster_trend
from lrs_adapter.report import UnknownManager, render_report, team_states
from lrs_adapter.report.exports import TEAM_COLUMNS, team_rows, trend_rows
from lrs_adapter.report.page import STATUSES
from lrs_adapter.report.trend_page import render_trend
from lrs_adapter.report.xlsx import write_xlsx
from lrs_adapter.rules.trend import month_ends
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import managers
from lrs_adapter.terminal import printable

STATUS_KEYS = [status.key for status in STATUSES]
SUMMARY_COLUMNS = ("certification", "department", "staff_group", "red", "amber", "green", "exempt", "none")
TREND_COLUMNS = ("month_end", *STATUS_KEYS, "people")
MONTH = click.DateTime(formats=["%Y-%m"])


@main.command("report")
@click.option(
    "--manager",
    default=None,
    help="A manager's id: everyone below them in the roster's chain of managers, most urgent first.",
)
@click.option("--all-managers", is_flag=True, help="With --html DIR: one page per manager the roster names.")
@click.option("--summary", is_flag=True, help="Counts of red, amber and green by department and staff group.")
@click.option("--trend", is_flag=True, help="Counts per status at each month's end from --from to --to.")
@click.option("--from", "first", type=MONTH, default=None, help="With --trend: the first month (YYYY-MM).")
@click.option("--to", "last", type=MONTH, default=None, help="With --trend: the last month (YYYY-MM).")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the page to this file (a directory with --all-managers).",
)
@click.option("--department", default=None, help="With --html or --trend: only this department's people.")
@click.option("--status", type=click.Choice(STATUS_KEYS), default=None, help="With --html: only this status.")
@AS_OF
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
    help="xlsx: an Excel workbook written to --output.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="With --format xlsx.")
@BOM
@pass_context
def report_command(context: Context, /, **options: Any) -> None:
    """The manager's view (name, status, overdue by, due on, last completed), their compliance page, a page per
    manager, the compliance summary, or its trend."""
    view = _view(options)
    try:
        if view == "trend":
            _trend(context, options)
        elif view == "all_managers":
            _all_managers(context, options)
        elif options["html_path"] is not None:
            _manager_page(context, options)
        else:
            _table(context, options, view)
    except UnknownManager as error:
        raise click.BadParameter(printable(str(error)), param_hint="--manager") from None
    except AdapterError as error:
        fail(error)


def _view(options: dict[str, Any]) -> str:
    """Which view the options ask for, refusing options that belong to another."""
    chosen = [name for name in ("manager", "all_managers", "summary", "trend") if options[name]]
    if len(chosen) != 1:
        raise click.UsageError("give one of --manager ID, --all-managers, --summary or --trend")
    view, fmt = chosen[0], options["fmt"]
    check_bom(fmt, options["bom"])
    if (fmt == "xlsx") != (options["output"] is not None):
        raise click.UsageError("--format xlsx writes a workbook to --output FILE (and --output is for xlsx)")
    if options["html_path"] is None and (options["status"] or (options["department"] and view != "trend")):
        raise click.UsageError("--department and --status filter the page written by --html")
    if view in ("summary", "all_managers") and options["department"] is not None:
        raise click.UsageError(f"--department is not for --{view.replace('_', '-')}")
    if view == "all_managers" and options["html_path"] is None:
        raise click.UsageError("--all-managers writes one page per manager: give --html DIR")
    if view == "summary" and options["html_path"] is not None:
        raise click.UsageError("--html writes a manager's page or the trend's: give --manager ID or --trend")
    if (view == "trend") != bool(options["first"] and options["last"]) or (view != "trend" and options["first"]):
        raise click.UsageError("--trend needs --from YYYY-MM and --to YYYY-MM, and they are for --trend")
    if view == "trend" and (options["as_of"] or options["status"]):
        raise click.UsageError("--trend evaluates each month's end: --as-of and --status are not for it")
    return view


def _day(options: dict[str, Any]) -> date | None:
    return options["as_of"].date() if options["as_of"] else None


def _table(context: Context, options: dict[str, Any], view: str) -> None:
    day = _day(options)
    with context.store() as db:
        if view == "manager":
            mappings = load_mappings(context.config.mappings)
            records = team_states(db, mappings=mappings, manager=options["manager"], as_of=day)
            warn_of_loops(team(db, options["manager"]).cycles)
            rows, columns, title = team_rows(records, mappings, day), list(TEAM_COLUMNS), "Team"
        else:
            records = certification_states(db, as_of=day, mappings=mappings_for(context, day))
            rows, columns, title = summary_rows(records), list(SUMMARY_COLUMNS), "Summary"
    _output(rows, columns, options, title)


def warn_of_loops(loops: list[tuple[str, ...]]) -> None:
    """HR's chains of managers that go round: followed once by the report, and told to whoever can have HR fix them."""
    for loop in loops:
        chain = " -> ".join((*loop, loop[0]))
        echo(f"warning: the roster's managers go round in a loop ({chain}): fix manager_payroll_number", err=True)


def _output(rows: list[dict[str, Any]], columns: Sequence[str], options: dict[str, Any], title: str) -> None:
    if options["fmt"] == "xlsx":
        path: Path = options["output"]
        _write(path, atomic_binary_file, lambda out: write_xlsx(out, columns, rows, title=title))
        echo(f"wrote {path} ({len(rows)} rows)")
        return
    show(rows, options["fmt"], tuple(columns), bom=options["bom"])


def _write(path: Path, opener: Callable[[Path], Any], write: Callable[[IO[Any]], object]) -> None:
    try:
        with opener(path) as out:
            write(out)
    except OSError as error:
        raise click.FileError(str(path), hint=error.strerror) from None


def _manager_page(context: Context, options: dict[str, Any]) -> None:
    path: Path = options["html_path"]
    mappings = load_mappings(context.config.mappings)
    with context.store() as db:
        page = render_report(
            db,
            mappings=mappings,
            manager=options["manager"],
            department=options["department"],
            status=options["status"],
            as_of=_day(options),
        )
    _write(path, atomic_file, lambda out: out.write(page))
    echo(f"wrote {path}")


def page_name(manager: str) -> str:
    """The file of a manager's page in `--all-managers`' directory: their id, percent-encoded so that no id from
    the roster can name a path outside it (`/`, `..`) or a hidden file."""
    return f"manager-{quote(manager, safe='')}.html"


def _all_managers(context: Context, options: dict[str, Any]) -> None:
    directory: Path = options["html_path"]
    if not directory.is_dir():
        raise click.BadParameter(f"{printable(str(directory))} is not a directory", param_hint="--html")
    mappings = load_mappings(context.config.mappings)
    with context.store() as db:
        written = [_one_page(db, mappings, manager, directory, options) for manager in managers(db)]
    echo(f"wrote {len(written)} pages to {directory}")


def _one_page(db: Database, mappings: Sequence[Any], manager: str, directory: Path, options: dict[str, Any]) -> Path:
    page = render_report(db, mappings=mappings, manager=manager, status=options["status"], as_of=_day(options))
    path = directory / page_name(manager)
    _write(path, atomic_file, lambda out: out.write(page))
    return path


def _trend(context: Context, options: dict[str, Any]) -> None:
    first, last = options["first"].date(), options["last"].date()
    if first > last:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    mappings = load_mappings(context.config.mappings)
    with context.store() as db:
        months = roster_trend(db, mappings, month_ends(first, last), options["department"])
    if options["html_path"] is not None:
        page = render_trend(months, department=options["department"])
        _write(options["html_path"], atomic_file, lambda out: out.write(page))
        echo(f"wrote {options['html_path']}")
        return
    _output(trend_rows(months), TREND_COLUMNS, options, "Trend")


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
