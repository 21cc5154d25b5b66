"""`sync --dry-run --mail-folder DIR`: the e-mails a push would send now, written as files instead of sent.

Each e-mail sink's pending deliveries, but those a push would supersede (no longer true) or hold (the roster gives
the learner no work e-mail), rendered from its templates exactly as the push would send them and written as
`<sink>/<delivery id>-<event>.eml` (RFC 5322, what a mail client opens), for a person to read before switching the
sink on. Nothing is sent and nothing in the store changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lrs_adapter.config import Config
from lrs_adapter.errors import DeliveryRefused
from lrs_adapter.files import atomic_file
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.push import with_learner_facts
from lrs_adapter.pipeline.superseded import would_supersede
from lrs_adapter.sinks.email import EmailSink
from lrs_adapter.store.database import Database
from lrs_adapter.store.outbox import pending


@dataclass
class MailPreview:
    written: int = 0
    unaddressed: int = 0  # a push would hold them: the roster gives the learner no work e-mail


def write_mail(config: Config, db: Database, mappings: Sequence[Mapping], folder: Path) -> dict[str, MailPreview]:
    """Each e-mail sink's messages a push would send now, written into `folder`/<sink>/; counts by sink."""
    certifications = {m.certification.id: m for m in mappings}
    superseded = {d.id for found in would_supersede(config, db).values() for d, _ in found}
    previews: dict[str, MailPreview] = {}
    for name, sink_config in config.sinks.items():
        if sink_config.kind != "email":
            continue
        sink, preview = EmailSink(sink_config, certifications), MailPreview()
        (folder / name).mkdir(parents=True, exist_ok=True)
        for delivery in with_learner_facts(db, pending(db, name)):
            if delivery.id in superseded:
                continue
            try:
                message = sink.message(delivery)
            except DeliveryRefused:
                preview.unaddressed += 1
                continue
            with atomic_file(folder / name / f"{delivery.id:010d}-{delivery.event}.eml") as out:
                out.write(message.as_string())
            preview.written += 1
        previews[name] = preview
    return previews
