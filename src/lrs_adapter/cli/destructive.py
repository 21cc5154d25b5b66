"""Commands that erase, withdraw or replace something ask first, and say where the latest backup is.

On a terminal the command asks, after naming the latest backup (`store backup` records each one in the audit
trail), and does nothing unless told yes. Off a terminal (cron, a script, input piped in) nobody can answer, so
it refuses, naming `--yes`, unless it was given: a scheduled job states once, in its crontab line, that it means
it, and a command typed into the wrong window or a pipe fed by mistake does nothing. With `--yes` the latest
backup goes into the log instead, so a run at 2 a.m. leaves a line saying what could be restored.
"""

from __future__ import annotations

import sys

import click
import structlog

from lrs_adapter.cli import Context, echo
from lrs_adapter.store.backup import latest_backup

log = structlog.get_logger(__name__)

YES = click.option(
    "--yes",
    is_flag=True,
    help="Do it without asking (cron, scripts). Without a terminal to ask on, the command refuses unless given this.",
)


def ask_first(context: Context, action: str, *, yes: bool) -> None:
    """`action`: what is about to happen, in words ("erase P00123's personal data"). Returns to go ahead; raises
    click's Abort (exit 1) when the answer is no, a UsageError (exit 2) when there is no terminal and no `--yes`."""
    with context.store() as db:
        backup = latest_backup(db)
    if yes:
        log.info("going ahead without asking (--yes)", action=action, latest_backup=backup)
        return
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"refused to {action}: there is no terminal to ask on. Run it on a terminal to be asked, or pass --yes"
            " when a script or cron job means it."
        )
    echo(f"Latest backup: {backup}", err=True)
    click.confirm(f"{action[:1].upper()}{action[1:]}?", abort=True, err=True)
