"""The `lrs-adapter` command. Exit codes: 0 done, 1 failed, 2 configuration error, 3 done but something quarantined."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson

from lrs_adapter.check import run_checks
from lrs_adapter.config import DEFAULT_CONFIG, Config, load_config
from lrs_adapter.errors import AdapterError, ConfigError, error_class_of, exit_code_of
from lrs_adapter.logs import configure_logging
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pull import FAILED, QUARANTINED, pull, utc_now
from lrs_adapter.quarantine_review import retry_entries
from lrs_adapter.sources.register import read_register
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.evidence import map_queued
from lrs_adapter.store.learners import import_roster, unresolved
from lrs_adapter.store.quarantine import DISCARDED, HELD, get_entry, list_entries, resolve
from lrs_adapter.store.register import save_register
from lrs_adapter.store.runs import Run, list_runs
from lrs_adapter.xapi.timestamps import format_instant

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_QUARANTINED = 0, 1, 2, 3


def fail(error: BaseException) -> NoReturn:
    click.echo(f"error ({error_class_of(error)}): {error}", err=True)
    sys.exit(exit_code_of(error))


class Context:
    def __init__(self, config_path: str) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @contextmanager
    def store(self) -> Iterator[Database]:
        db = open_store(self.config.store_url)
        try:
            yield db
        finally:
            db.close()


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    default=DEFAULT_CONFIG,
    show_default=True,
    envvar="LRS_ADAPTER_CONFIG",
    help="The TOML configuration file.",
)
@click.option(
    "--log-format",
    type=click.Choice(["json", "text"]),
    default=None,
    help="Log lines on stderr: json (the default off a terminal) or text.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str, log_format: str | None) -> None:
    """Pull xAPI statements about a recurring certification out of Learning Record Stores."""
    configure_logging(log_format)
    ctx.obj = Context(config_path)


def run_summary(run: Run) -> str:
    lines = [
        f"run {run.id} · connector {run.connector} · {run.outcome}",
        f"  pages {run.pages} · fetched {run.fetched} · new {run.new} · duplicate {run.duplicate}"
        f" · quarantined {run.quarantined} · voided {run.voided} · conflicts {run.conflicts}",
        f"  cursor {run.cursor_before or '(start)'} -> {run.cursor_after or '(unchanged)'}",
    ]
    if run.notes:
        lines.append(f"  note: {run.notes}")
    if run.error_message:
        lines.append(f"  error ({run.error_class}): {run.error_message}")
    if run.quarantined:
        lines.append(f"  see: lrs-adapter quarantine list --connector {run.connector}")
    return "\n".join(lines)


#: When several connectors end differently, the exit code tells the most urgent: config, then failure, then quarantine.
URGENCY = (EXIT_CONFIG, EXIT_FAILED, EXIT_QUARANTINED, EXIT_OK)


def exit_code_of_run(run: Run) -> int:
    if run.outcome == FAILED:
        return EXIT_CONFIG if run.error_class == "config" else EXIT_FAILED
    return EXIT_QUARANTINED if run.outcome == QUARANTINED else EXIT_OK


def most_urgent(codes: list[int]) -> int:
    return min(codes, key=URGENCY.index, default=EXIT_OK)


@main.command("pull")
@click.option("--connector", "connectors", multiple=True, help="Only this connector (repeatable); default: all.")
@click.option("--full", is_flag=True, help="Ignore the cursor and read from the connector's `since` (or the start).")
@pass_context
def pull_command(context: Context, connectors: tuple[str, ...], full: bool) -> None:
    """Pull new statements from each connector's source into the store; one failing connector stops no other."""
    codes: list[int] = []
    try:
        names = list(connectors) or sorted(context.config.connectors)
        with context.store() as db:
            for name in names:
                try:
                    run = pull(context.config, db, name, full=full)
                except AdapterError as error:  # locked, or a config error found before the run began
                    click.echo(f"connector {name}: error ({error_class_of(error)}): {error}", err=True)
                    codes.append(exit_code_of(error))
                    continue
                click.echo(run_summary(run))
                codes.append(exit_code_of_run(run))
    except AdapterError as error:
        fail(error)
    sys.exit(most_urgent(codes))


@main.command("sync")
@click.option("--connector", "connectors", multiple=True, help="Only this connector (repeatable); default: all.")
@pass_context
def sync_command(context: Context, connectors: tuple[str, ...]) -> None:
    """One scheduled run: pull every connector, then map the learners whose history changed."""
    codes: list[int] = []
    try:
        config = context.config
        mappings = [load_mapping(path) for path in config.mappings]
        with context.store() as db:
            for name in list(connectors) or sorted(config.connectors):
                try:
                    run = pull(config, db, name)
                except AdapterError as error:
                    click.echo(f"connector {name}: error ({error_class_of(error)}): {error}", err=True)
                    codes.append(exit_code_of(error))
                    continue
                click.echo(run_summary(run))
                codes.append(exit_code_of_run(run))
            mapped = map_queued(db, mappings, format_instant(utc_now()), home_page=config.home_page)
    except AdapterError as error:
        fail(error)
    names = ", ".join(m.certification.id for m in mappings) or "no mappings configured"
    click.echo(f"mapped {mapped.learners} learners ({names}): {mapped.evidence} pieces of component evidence")
    if mapped.unresolved:
        click.echo(f"  {mapped.unresolved} identifiers resolve to no learner yet: lrs-adapter learners unresolved")
    sys.exit(most_urgent(codes))


@main.command("runs")
@click.option("--connector", default=None, help="Only this connector.")
@click.option("--limit", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
def runs_command(context: Context, connector: str | None, limit: int, fmt: str) -> None:
    """The run log, newest first."""
    try:
        with context.store() as db:
            runs = list_runs(db, connector=connector, limit=limit)
    except AdapterError as error:
        fail(error)
    if fmt == "json":
        for run in runs:
            click.echo(orjson.dumps(asdict(run)).decode())
        return
    header = f"{'run':>5}  {'connector':<16} {'started':<27} {'outcome':<26} {'fetched':>8} {'new':>7} {'quar':>5}"
    click.echo(header)
    for run in runs:
        click.echo(
            f"{run.id:>5}  {run.connector:<16} {run.started_at:<27} {run.outcome:<26} {run.fetched:>8} {run.new:>7}"
            f" {run.quarantined:>5}" + (f"  {run.error_class}: {run.error_message}" if run.error_message else "")
        )


@main.group("quarantine")
def quarantine_group() -> None:
    """Statements that failed intake, with their reasons."""


@quarantine_group.command("list")
@click.option("--connector", default=None)
@click.option("--status", type=click.Choice(["held", "released", "discarded", "all"]), default="held")
@click.option("--limit", default=100, show_default=True)
@pass_context
def quarantine_list(context: Context, connector: str | None, status: str, limit: int) -> None:
    try:
        with context.store() as db:
            entries = list_entries(db, connector=connector, status=None if status == "all" else status, limit=limit)
    except AdapterError as error:
        fail(error)
    for entry in entries:
        click.echo(
            f"{entry.id:>6}  {entry.connector:<16} {entry.status:<9} {entry.field}: {entry.reason}  [{entry.source}]"
        )
    if not entries:
        click.echo("nothing quarantined" + (f" with status {status}" if status != "all" else ""))


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
        click.echo(f"no quarantine entry {entry_id}", err=True)
        sys.exit(EXIT_FAILED)
    data: dict[str, Any] = asdict(entry)
    raw = data.pop("raw")
    for key, value in data.items():
        click.echo(f"{key:>13}: {value}")
    click.echo("          raw:")
    click.echo(raw)


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
    click.echo(f"released {released}, still held {still_held}")
    sys.exit(EXIT_QUARANTINED if still_held else EXIT_OK)


@quarantine_group.command("discard")
@click.argument("entry_ids", type=int, nargs=-1, required=True)
@pass_context
def quarantine_discard(context: Context, entry_ids: tuple[int, ...]) -> None:
    """Mark entries as looked at and not wanted; they stay on record."""
    try:
        with context.store() as db, db.transaction():
            for entry_id in entry_ids:
                entry = get_entry(db, entry_id)
                if entry is None or entry.status != HELD:
                    click.echo(f"entry {entry_id}: not held, left as it is", err=True)
                    continue
                resolve(db, entry_id, DISCARDED, format_instant(utc_now()))
                click.echo(f"entry {entry_id}: discarded")
    except AdapterError as error:
        fail(error)


@main.command("check")
@pass_context
def check_command(context: Context) -> None:
    """Validate the config, then reach each LRS and the store: the first thing to run after an edit."""
    try:
        config = context.config
    except AdapterError as error:
        fail(error)
    click.echo(f"config {config.path}: valid")
    ok, code = run_checks(config, click.echo)
    sys.exit(EXIT_OK if ok else code)


@main.group("mappings")
def mappings_group() -> None:
    """Certification mapping files (mappings/*.toml)."""


@mappings_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def mappings_check(files: tuple[str, ...]) -> None:
    """Validate mapping files and show what each option needs; exit 2 naming the key of any mistake."""
    codes = []
    for file in files:
        try:
            mapping = load_mapping(file)
        except AdapterError as error:
            click.echo(f"error ({error_class_of(error)}): {error}", err=True)
            codes.append(exit_code_of(error))
            continue
        cert = mapping.certification
        click.echo(
            f"{file}: valid · {cert.name} ({cert.id}) · {len(mapping.options)} options · validity {cert.validity},"
            f" window {cert.window}, first due {cert.first_due}, recertify from {cert.recertify_from}, {cert.time_zone}"
        )
        for option in mapping.options.values():
            routes = " | ".join(" + ".join(route) for route in option.routes)
            click.echo(f"  {option.id}: {routes}")
        codes.append(EXIT_OK)
    sys.exit(most_urgent(codes))


@main.group("roster")
def roster_group() -> None:
    """HR's roster: the people who must hold the certifications."""


@roster_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def roster_import(context: Context, file: Path) -> None:
    """Import a full snapshot: people missing from it become leavers (never deleted). One bad row refuses the file."""
    try:
        rows = read_roster(file)
        with context.store() as db:
            counts = import_roster(
                db, rows, home_page=context.config.home_page, today=utc_now().date(), now=format_instant(utc_now())
            )
    except AdapterError as error:
        fail(error)
    click.echo(
        f"roster {file}: {len(rows)} rows · added {counts.added} · changed {counts.changed} · unchanged"
        f" {counts.unchanged} · leavers {counts.leavers} · identifiers to map again {counts.requeued}"
    )


@main.group("learners")
def learners_group() -> None:
    """Learners and the identifiers their statements carry."""


@learners_group.command("unresolved")
@pass_context
def learners_unresolved(context: Context) -> None:
    """Actors that no learner answers to yet: kept, not mapped, until the roster knows them."""
    try:
        with context.store() as db:
            rows = unresolved(db, context.config.home_page)
    except AdapterError as error:
        fail(error)
    for key, count, last in rows:
        click.echo(f"{count:>7}  {last}  {key}")
    if not rows:
        click.echo("every actor resolves to a learner")


@main.group("register")
def register_group() -> None:
    """Managers' briefing registers (CSV or XLSX)."""


@register_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--certification", default=None, help="The mapping's certification id (default: the one that takes registers)."
)
@pass_context
def register_import(context: Context, file: Path, certification: str | None) -> None:
    """Import register rows; bad rows are listed with their lines, the good ones imported. Run `sync` to map them."""
    try:
        config = context.config
        takers = [
            m
            for m in map(load_mapping, config.mappings)
            if any(c.register for o in m.options.values() for c in o.components.values())
        ]
        chosen = [m for m in takers if certification in (None, m.certification.id)]
        if len(chosen) != 1:
            raise ConfigError(
                "cannot tell which certification this register is for.",
                file=str(config.path),
                fix="list a mapping with a `register = true` component under `mappings` (pass --certification when"
                " several do).",
            )
        rows, bad = read_register(file, today=utc_now().date())
        with context.store() as db:
            new, again = save_register(
                db,
                rows,
                certification=chosen[0].certification.id,
                now=format_instant(utc_now()),
            )
    except AdapterError as error:
        fail(error)
    click.echo(f"register {file}: {new} rows imported, {again} already imported, {len(bad)} bad")
    for row in bad:
        click.echo(f"  {row.source}: {row.reason}")
    sys.exit(EXIT_QUARANTINED if bad else EXIT_OK)
