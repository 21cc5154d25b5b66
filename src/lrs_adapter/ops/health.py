"""Is each connector being synced? Stale when its newest successful run ended longer ago than the configured age
(or never), failing when its newest finished run failed: either way cron, a monitor or a load balancer is told."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lrs_adapter.model.timestamps import read_timestamp
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED, SUCCEEDED
from lrs_adapter.store.database import Database
from lrs_adapter.store.runs import last_ended, last_outcome

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
