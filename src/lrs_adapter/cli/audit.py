"""The audit trail as an administrator reads it: who changed what, for whom, when and why."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click
import orjson

from lrs_adapter.cli import Context, echo, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.store.audit import list_audit


def _brief(value: Any) -> str:
    return "-" if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@main.command("audit")
@click.option("--learner", default=None, help="Only entries about this learner.")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Only entries on or after this day (UTC)."
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@pass_context
def audit_command(context: Context, learner: str | None, since: Any, fmt: str) -> None:
    """Every administrative action and import, oldest first, with its before and after."""
    try:
        with context.store() as db:
            entries = list_audit(db, learner=learner, since=since.date() if since else None)
    except AdapterError as error:
        fail(error)
    if fmt == "json":
        for entry in entries:
            echo(orjson.dumps(asdict(entry)).decode())
        return
    for e in entries:
        echo(f"{e.id:>6}  {e.at}  {e.actor}  {e.action}  {e.learner or '-'}  {e.reason or ''}".rstrip())
        echo(f"        before: {_brief(e.before)}")
        echo(f"        after:  {_brief(e.after)}")
    if not entries:
        echo("no audit entries")
