"""The `lrs-adapter` command. Exit codes: 0 done, 1 failed, 2 configuration error, 3 done but something quarantined."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from lrs_adapter.config import DEFAULT_CONFIG, Config, load_config
from lrs_adapter.errors import error_class_of, exit_code_of
from lrs_adapter.logs import configure_logging
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.audit import os_user
from lrs_adapter.store.runs import Run
from lrs_adapter.terminal import printable

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_QUARANTINED = 0, 1, 2, 3


def echo(line: object = "", *, err: bool = False) -> None:
    """Print one line, its control characters escaped (`terminal.printable`): how every command prints, since any
    line may carry data (a learner id, a name, an LRS's message). A line break inside is escaped too, so data cannot
    forge a line: print several lines with one call each."""
    click.echo(printable(line), err=err)


def echo_lines(text: str) -> None:
    """Print text whose line breaks are its own (indented JSON, a statement's raw text): a line at a time, each
    escaped as `echo` escapes it."""
    for line in text.split("\n"):
        echo(line)


def fail(error: BaseException) -> NoReturn:
    echo(f"error ({error_class_of(error)}): {error}", err=True)
    sys.exit(exit_code_of(error))


BOM = click.option(
    "--bom",
    is_flag=True,
    help="With --format csv: start with a UTF-8 byte order mark, which Excel on Windows needs to show accented"
    " names right (off by default: programs reading the file do not expect one).",
)


def check_bom(fmt: str, bom: bool) -> None:
    if bom and fmt != "csv":
        raise click.UsageError("--bom is for --format csv")


def echo_shown(shown: int, total: int, more: str, *, err: bool = False) -> None:
    """Say so when a listing was cut at its limit: 100 lines must not pass for all there are. `more` says how to
    see the rest; `err` sends the line to stderr, for a listing whose stdout a program reads (JSON lines)."""
    if shown < total:
        echo(f"showing {shown} of {total}; {more}", err=err)


class Context:
    def __init__(self, config_path: str, log_format: str | None = None, actor: str | None = None) -> None:
        self.config_path = config_path
        self.log_format = log_format
        self.actor = actor or os_user()  # who the audit trail names for what this command changes
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
@click.option(
    "--actor",
    default=None,
    help="Who the audit trail names for this command's changes (default: the operating system user).",
)
@click.pass_context
def main(ctx: click.Context, config_path: str, log_format: str | None, actor: str | None) -> None:
    """A recurring certification's learning records: pull xAPI statements from Learning Record Stores, map them to
    completions, apply the certification's window rules, push the results and serve the feed.

    After editing the configuration run `check`; the scheduled job is `sync`; `status` and `report` show the
    colours; `runs`, `quarantine list` and `outbox list` show what went wrong."""
    configure_logging(log_format)
    ctx.obj = Context(config_path, log_format, actor)


def run_summary(run: Run) -> list[str]:
    lines = [
        f"run {run.id} · connector {run.connector} · {run.outcome}",
        f"  pages {run.pages} · fetched {run.fetched} · new {run.new} · duplicate {run.duplicate}"
        f" · quarantined {run.quarantined} · voided {run.voided} · conflicts {run.conflicts} · own {run.own}",
        f"  cursor {run.cursor_before or '(start)'} -> {run.cursor_after or '(unchanged)'}",
    ]
    if run.notes:
        lines.append(f"  note: {run.notes}")
    if run.error_message:
        lines.append(f"  error ({run.error_class}): {run.error_message}")
    if run.quarantined:
        lines.append(f"  see: lrs-adapter quarantine list --connector {run.connector}")
    return lines


#: When several connectors end differently, the exit code tells the most urgent: config, then failure, then quarantine.
URGENCY = (EXIT_CONFIG, EXIT_FAILED, EXIT_QUARANTINED, EXIT_OK)


def exit_code_of_run(run: Run) -> int:
    if run.outcome == FAILED:
        return EXIT_CONFIG if run.error_class == "config" else EXIT_FAILED
    return EXIT_QUARANTINED if run.outcome == QUARANTINED else EXIT_OK


def most_urgent(codes: list[int]) -> int:
    return min(codes, key=URGENCY.index, default=EXIT_OK)


# The commands register themselves on `main` when their modules load.
from lrs_adapter.cli import (  # noqa: E402, F401
    admin,
    attendance,
    audit,
    backup,
    feed,
    identity,
    learning,
    ops,
    outbox,
    quarantine,
    retention,
    running,
    serve,
    status,
)
