"""Sinks: where certification results go. Each is a small adapter that sends deliveries from the outbox and
returns only once its target acknowledged them; it raises TransientError when the target is down (the push stops
that sink for this run), LrsRejected for a configuration fault, and DeliveryRefused for a delivery that will never
pass as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from lrs_adapter.config import Config
from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.sinks.agent_profile import AgentProfileSink
from lrs_adapter.sinks.email import EmailSink
from lrs_adapter.sinks.lms_file import LmsFileSink
from lrs_adapter.sinks.lrs_statements import LrsStatementsSink
from lrs_adapter.sinks.webhook import WebhookSink
from lrs_adapter.store.outbox import Delivery, SinkEvents


class Sink(Protocol):
    name: str
    #: Whether deliveries go out together (one file per run) or one by one.
    batched: bool
    #: Whether what it was sent can be taken back later (a voiding statement, a `revoked` POST, a newer document).
    #: A sink that cannot is sent only what is still true when its turn comes (pipeline/superseded.py).
    can_retract: bool
    #: Whether it writes to the learner's work e-mail: deliveries about learners without one are held, not sent.
    needs_email: bool

    def send(self, deliveries: Sequence[Delivery]) -> None: ...


#: Each kind's sink, for what a kind can do before one is built (`sync --dry-run`: whether it can take a result back).
SINK_KINDS: Mapping[str, type[Sink]] = {
    "lrs_statements": LrsStatementsSink,
    "agent_profile": AgentProfileSink,
    "lms_file": LmsFileSink,
    "webhook": WebhookSink,
    "email": EmailSink,
}


def sink_events(config: Config) -> SinkEvents:
    return {name: sink.events for name, sink in config.sinks.items()}


#: Sinks that write about learners to an LRS, naming each by their account (homePage + learner id).
LRS_KINDS = ("lrs_statements", "agent_profile")


def require_home_page(config: Config, sink: str) -> str:
    if not config.home_page:
        raise ConfigError(
            f"sink {sink!r} writes about learners to an LRS, which needs their account's homePage.",
            file=str(config.path),
            key="roster.home_page",
            fix='set [roster] home_page, e.g. "https://learning.example.org".',
        )
    return config.home_page


def build_sinks(config: Config, mappings: Sequence[CertificationMapping]) -> dict[str, Sink]:
    certifications: Mapping[str, CertificationMapping] = {m.certification.id: m for m in mappings}
    sinks: dict[str, Sink] = {}
    for name, sink in config.sinks.items():
        if sink.kind == "lrs_statements":
            home_page = require_home_page(config, name)
            sinks[name] = LrsStatementsSink(sink, config.lrs[sink.lrs or ""], home_page, certifications)
        elif sink.kind == "agent_profile":
            sinks[name] = AgentProfileSink(sink, config.lrs[sink.lrs or ""], require_home_page(config, name))
        elif sink.kind == "lms_file":
            sinks[name] = LmsFileSink(sink)
        elif sink.kind == "email":
            sinks[name] = EmailSink(sink, certifications)
        else:
            sinks[name] = WebhookSink(
                sink, schema_version=config.webhook_schema_version, include_contact=config.include_contact
            )
    return sinks
