"""The Prometheus metrics, read from the store at scrape time: one definition for `/metrics` and for the textfile
that node_exporter's textfile collector reads (`lrs-adapter metrics --textfile`).

Everything is derived from tables the sync already keeps (runs, cursors, the outbox), so a metric can never
disagree with the run log, and no process has to stay up to count.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, write_to_textfile
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from lrs_adapter.model.timestamps import parse_timestamp, read_timestamp
from lrs_adapter.pipeline.pull import QUARANTINED, SUCCEEDED
from lrs_adapter.pipeline.push import STOPPED
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import depth, oldest_pending, sink_totals
from lrs_adapter.store.runs import (
    cursor_positions,
    last_ended,
    last_push_runs,
    push_run_counts,
    run_counts,
    statement_totals,
)


class _Snapshot(Collector):
    """Metric families computed once, handed to the registry's exposition."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def families(db: Database, now: datetime) -> list[Metric]:
    runs = CounterMetricFamily(
        "lrs_adapter_runs", "Pull runs, by connector and outcome.", labels=["connector", "outcome"]
    )
    fetched = CounterMetricFamily("lrs_adapter_statements_fetched", "Statements fetched.", labels=["connector"])
    quarantined = CounterMetricFamily(
        "lrs_adapter_statements_quarantined", "Statements quarantined at intake.", labels=["connector"]
    )
    own = CounterMetricFamily(
        "lrs_adapter_statements_own",
        "Statements a pull skipped because the adapter wrote them (its results sink's certification statements).",
        labels=["connector"],
    )
    for row in run_counts(db):
        runs.add_metric([row.connector, row.outcome], row.runs)
    for row in statement_totals(db):
        fetched.add_metric([row.connector], row.fetched)
        quarantined.add_metric([row.connector], row.quarantined)
        own.add_metric([row.connector], row.own)
    last_success = GaugeMetricFamily(
        "lrs_adapter_last_success_timestamp_seconds",
        "When the connector's newest successful run ended (Unix time).",
        labels=["connector"],
    )
    for connector, ended_at in last_ended(db, (SUCCEEDED, QUARANTINED)).items():
        last_success.add_metric([connector], read_timestamp(ended_at).timestamp())
    lag = GaugeMetricFamily(
        "lrs_adapter_cursor_lag_seconds",
        "How far the connector's cursor (the newest `stored` it has safely read) is behind now.",
        labels=["connector"],
    )
    for connector, position in cursor_positions(db).items():
        instant = parse_timestamp(position)  # an export file's cursor is no instant: it has no lag to show
        if instant is not None:
            lag.add_metric([connector], max(0.0, (now - instant).total_seconds()))
    return [runs, fetched, quarantined, own, last_success, lag, *_outbox(db), *_push(db, now)]


def _outbox(db: Database) -> Iterable[Metric]:
    depth = GaugeMetricFamily("lrs_adapter_outbox_pending", "Deliveries waiting in the outbox.", labels=["sink"])
    dead = GaugeMetricFamily(
        "lrs_adapter_outbox_dead", "Deliveries given up on (dead letters), awaiting a person.", labels=["sink"]
    )
    failures = CounterMetricFamily(
        "lrs_adapter_push_failures",
        "Delivery attempts that failed (every attempt but a delivering one).",
        labels=["sink"],
    )
    for row in sink_totals(db):
        depth.add_metric([row.sink], row.pending)
        dead.add_metric([row.sink], row.dead)
        failures.add_metric([row.sink], row.failed_attempts)
    return depth, dead, failures


def registry(db: Database, now: datetime) -> CollectorRegistry:
    collected = CollectorRegistry(auto_describe=False)
    collected.register(_Snapshot(families(db, now)))
    return collected


def exposition(db: Database, now: datetime) -> bytes:
    """The Prometheus text format, as `/metrics` serves it."""
    return generate_latest(registry(db, now))


def write_textfile(db: Database, now: datetime, path: Path) -> None:
    """For node_exporter's textfile collector: written to a temporary file and renamed, so never read half done."""
    write_to_textfile(str(path), registry(db, now))


def _push(db: Database, now: datetime) -> Iterable[Metric]:
    """Per sink: its deliveries by status, how long the oldest pending one has waited, whether its newest push
    stopped (and on what), and its push runs by outcome."""
    by_status = GaugeMetricFamily(
        "lrs_adapter_outbox_deliveries",
        "Deliveries in the outbox, by sink and status (pending, delivered, dead, held: not on the roster, discarded,"
        " superseded: no longer true when their turn came).",
        labels=["sink", "status"],
    )
    for sink, counts in sorted(depth(db).items()):
        for status, count in sorted(counts.items()):
            by_status.add_metric([sink, status], count)
    oldest = GaugeMetricFamily(
        "lrs_adapter_outbox_oldest_pending_age_seconds",
        "How long the sink's oldest pending delivery has waited (absent: none pending).",
        labels=["sink"],
    )
    for sink, since in oldest_pending(db).items():
        oldest.add_metric([sink], max(0.0, (now - read_timestamp(since)).total_seconds()))
    stopped = GaugeMetricFamily(
        "lrs_adapter_sink_stopped",
        "1 when the sink's newest push stopped (error_class config: every run will, until a person fixes it).",
        labels=["sink", "error_class"],
    )
    for sink, run in last_push_runs(db).items():
        stopped.add_metric([sink, run.error_class or ""], float(run.outcome == STOPPED))
    runs = CounterMetricFamily("lrs_adapter_push_runs", "Push runs, by sink and outcome.", labels=["sink", "outcome"])
    for row in push_run_counts(db):
        runs.add_metric([row.sink, row.outcome], row.runs)
    return by_status, oldest, stopped, runs
