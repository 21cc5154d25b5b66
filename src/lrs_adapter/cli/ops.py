"""Ops' commands: `health` for cron and monitors (exit 1 when a connector is stale or failing, or a sink at fault)
and `metrics
--textfile` for node_exporter."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lrs_adapter.cli import EXIT_FAILED, EXIT_OK, Context, echo, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.model.timestamps import utc_now
from lrs_adapter.ops.health import connector_health, sink_health
from lrs_adapter.ops.metrics import write_textfile


@main.command("health")
@pass_context
def health_command(context: Context) -> None:
    """Exit 0 when every connector's newest successful sync is within [health] max_age and its newest run did not
    fail, and no sink is stopped on its configuration, holds dead letters or deliveries pending longer than max_age
    (or is no longer configured yet holds deliveries); exit 1 otherwise, naming each connector and sink at fault."""
    try:
        config = context.config
        with context.store() as db:
            verdicts = connector_health(db, sorted(config.connectors), config.health_max_age, utc_now())
            sinks = sink_health(db, config.sinks, config.health_max_age, utc_now())
    except AdapterError as error:
        fail(error)
    for verdict in verdicts:
        state = "ok" if verdict.healthy else f"UNHEALTHY: {verdict.problem}"
        echo(f"{verdict.connector}: {state} (last success {verdict.last_success or 'never'})")
    for sink in sinks:
        state = "ok" if sink.healthy else f"UNHEALTHY: {sink.problem}"
        echo(f"sink {sink.sink}: {state} (pending {sink.pending}, dead {sink.dead})")
    sys.exit(EXIT_OK if all(v.healthy for v in verdicts) and all(s.healthy for s in sinks) else EXIT_FAILED)


@main.command("metrics")
@click.option(
    "--textfile",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the metrics here, e.g. /var/lib/node_exporter/textfile/lrs_adapter.prom.",
)
@pass_context
def metrics_command(context: Context, textfile: Path) -> None:
    """The same metrics as the API's /metrics, as a Prometheus textfile (written whole, then renamed into place)."""
    try:
        with context.store() as db:
            write_textfile(db, utc_now(), textfile)
    except AdapterError as error:
        fail(error)
    except OSError as error:
        echo(f"error: cannot write {textfile}: {error.strerror}", err=True)
        sys.exit(EXIT_FAILED)
