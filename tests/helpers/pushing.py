"""Certification events as the store makes them: statements taken in for real, mapped and evaluated with sinks
configured, so the sink tests send what a sync would send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lrs_adapter.config import SINK_EVENTS, RetryPolicy, SinkConfig
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.rules.events import EVENTS
from lrs_adapter.sinks.lms_file import LmsFileSink
from lrs_adapter.sinks.webhook import WebhookSink
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import Delivery, deliveries
from lrs_adapter.store.statements import save_statements
from tests.helpers.prevent import HOME, RECEIVED

PREVENT = load_mapping(Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml")
EVERY_EVENT = {"everything": frozenset(EVENTS)}


def take(db: Database, *statements: dict[str, Any]) -> None:
    accepted = [take_in(dict(s), source="t", received_at=RECEIVED) for s in statements]
    assert all(isinstance(a, Accepted) for a in accepted)
    with db.transaction():
        save_statements(db, accepted, connector="c", run_id=1, received_at="now")  # type: ignore[arg-type]


def evaluate(db: Database, now: str, sinks: dict[str, frozenset[str]] = EVERY_EVENT) -> list[Delivery]:
    """Map what is queued as of `now`; the deliveries this made, oldest first."""
    seen = {d.id for d in deliveries(db, limit=100_000)}
    map_queued(db, [PREVENT], now, home_page=HOME, sinks=sinks)
    return [d for d in reversed(deliveries(db, limit=100_000)) if d.id not in seen]


def totara_sink(directory: Path) -> LmsFileSink:
    """Totara's upload files for Prevent, written into `directory`."""
    return LmsFileSink(
        SinkConfig(
            name="totara",
            kind="lms_file",
            events=SINK_EVENTS["lms_file"],
            directory=directory,
            certifications={"prevent": {"shortname": "PREVENT", "idnumber": "CERT-PREVENT-01"}},
        )
    )


def webhook_sink(url: str) -> WebhookSink:
    """A webhook sink `hook` posting every event to `url`, signed with the secret in $HOOK_SECRET, retrying quickly:
    a receiver's faults show in a second."""
    return WebhookSink(
        SinkConfig(
            name="hook",
            kind="webhook",
            events=SINK_EVENTS["webhook"],
            url=url,
            secret_env="HOOK_SECRET",
            timeout=2,
            retry=RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05, max_total=1),
        )
    )
