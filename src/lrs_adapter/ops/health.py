"""Is each connector being synced, and is each sink taking what is pushed? A connector is stale when its newest
successful run ended longer ago than the configured age (or never), failing when its newest finished run failed. A
sink is at fault when its newest push stopped on a configuration fault (every run would: a person must act), when
it holds dead letters (given up on: a person must retry or discard them), when a delivery has waited longer than
the same age (the target has been down that long), or when it is no longer configured but still holds deliveries
(they would wait for ever). Either way cron, a monitor or a load balancer is told, and the sink is named."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from lrs_adapter.model.timestamps import read_timestamp
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED, SUCCEEDED
from lrs_adapter.pipeline.push import STOPPED
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import depth, oldest_pending
from lrs_adapter.store.runs import Run, last_ended, last_outcome, last_push_runs

INTERRUPTED = "interrupted"  # a run whose process stopped before it ended (store/runs.py)


@dataclass(frozen=True)
class ConnectorHealth:
    connector: str
    last_success: str | None  # when its newest successful run ended
    last_outcome: str | None  # its newest finished run's outcome
    problem: str | None  # None when healthy

    @property
    def healthy(self) -> bool:
        return self.problem is None


def judge(
    connector: str, last_success: str | None, last_outcome: str | None, max_age: timedelta, now: datetime
) -> ConnectorHealth:
    if last_outcome in (FAILED, INTERRUPTED):
        problem: str | None = f"its newest run {last_outcome}"
    elif last_success is None:
        problem = "no successful run yet"
    elif now - read_timestamp(last_success) > max_age:
        problem = f"no successful run for more than {max_age}"
    else:
        problem = None
    return ConnectorHealth(connector, last_success, last_outcome, problem)


def connector_health(
    db: Database, connectors: Iterable[str], max_age: timedelta, now: datetime
) -> list[ConnectorHealth]:
    verdicts = []
    for connector in connectors:
        success = last_ended(db, (SUCCEEDED, QUARANTINED), connector).get(connector)
        verdicts.append(judge(connector, success, last_outcome(db, connector), max_age, now))
    return verdicts


@dataclass(frozen=True)
class SinkHealth:
    sink: str
    last_outcome: str | None  # its newest finished push run's outcome
    pending: int
    dead: int
    oldest_pending: str | None  # when its oldest pending delivery was put in the outbox
    problem: str | None  # what is wrong, each fault in turn; None when healthy

    @property
    def healthy(self) -> bool:
        return self.problem is None


def sink_health(db: Database, sinks: Iterable[str], max_age: timedelta, now: datetime) -> list[SinkHealth]:
    """Every configured sink, and every sink no longer configured that still holds deliveries, judged by name."""
    configured = set(sinks)
    runs, by_status, oldest = last_push_runs(db), depth(db), oldest_pending(db)
    held_somewhere = {sink for sink, counts in by_status.items() if counts.get("pending") or counts.get("dead")}
    verdicts = []
    for sink in sorted(configured | held_somewhere):
        counts: Mapping[str, int] = by_status.get(sink, {})
        run, since = runs.get(sink), oldest.get(sink)
        verdicts.append(
            SinkHealth(
                sink,
                run.outcome if run else None,
                counts.get("pending", 0),
                counts.get("dead", 0),
                since,
                "; ".join(_sink_problems(sink, sink in configured, run, counts, since, max_age, now)) or None,
            )
        )
    return verdicts


def _sink_problems(
    sink: str,
    configured: bool,
    run: Run | None,
    counts: Mapping[str, int],
    since: str | None,
    max_age: timedelta,
    now: datetime,
) -> tuple[str, ...]:
    problems = []
    if not configured:
        problems.append(
            f"not configured, yet holds {counts.get('pending', 0) + counts.get('dead', 0)} deliveries: configure it"
            f" again, or lrs-adapter outbox discard --sink {sink} --reason TEXT"
        )
    elif run is not None and run.outcome == STOPPED and run.error_class == "config":
        problems.append(f"its newest push stopped on its configuration: {run.error_message}")
    if counts.get("dead"):
        problems.append(f"{counts['dead']} dead letters (lrs-adapter outbox list --status dead --sink {sink})")
    if since is not None and now - read_timestamp(since) > max_age:
        problems.append(f"deliveries pending for more than {max_age} (since {since})")
    return tuple(problems)
