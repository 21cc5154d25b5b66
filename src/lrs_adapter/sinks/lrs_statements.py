"""Certification statements to an LRS: `earned` per certification cycle, a voiding statement per revocation.

Each is PUT under its deterministic id, so a re-send is a no-op (204). An LRS that already holds the id answers
409 when the content differs, and some answer 409 even when it is the same: the statement is then read back, and
only a different one is an error. A voided id stays voided: re-sending it changes nothing, which is why a
certification re-earned on other evidence has another id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lrs_adapter.config import LrsConfig, SinkConfig
from lrs_adapter.errors import REFUSED, DeliveryRefused
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.rules.events import CERTIFIED, REVOKED
from lrs_adapter.sinks.certification_statement import earned_statement, voiding_statement
from lrs_adapter.store.outbox import Delivery
from lrs_adapter.xapi.client import RESUMES_FROM_OUTBOX, XapiClient
from lrs_adapter.xapi.put import put_statement

REFUSALS = {
    400: (REFUSED, "The LRS rejected the statement; its message names the field (lrs-adapter outbox show ID)."),
}


class LrsStatementsSink:
    batched = False
    can_retract = True

    def __init__(
        self,
        sink: SinkConfig,
        lrs: LrsConfig,
        home_page: str,
        certifications: Mapping[str, CertificationMapping],
        client: XapiClient | None = None,
    ) -> None:
        self.name = sink.name
        self.home_page = home_page
        self.certifications = certifications
        self.client = client or XapiClient(lrs, resumes=RESUMES_FROM_OUTBOX)

    def statement(self, delivery: Delivery) -> dict[str, Any] | None:
        """What this delivery sends (None: nothing, for an event this sink does not act on)."""
        payload = delivery.payload
        if delivery.event == REVOKED:
            return voiding_statement(payload, home_page=self.home_page)
        if delivery.event != CERTIFIED:
            return None
        certification = self.certifications.get(delivery.certification)
        if certification is None:
            raise DeliveryRefused(
                f"no mapping for certification {delivery.certification!r} is configured, so its activity is unknown;"
                " add its mapping file to `mappings` and run `lrs-adapter outbox retry`."
            )
        cert = certification.certification
        return earned_statement(payload, home_page=self.home_page, activity=cert.iri, name=cert.name)

    def send(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            statement = self.statement(delivery)
            if statement is not None:
                self._put(statement)

    def _put(self, statement: dict[str, Any]) -> None:
        if not put_statement(self.client, statement, REFUSALS):
            raise DeliveryRefused(
                f"the LRS holds a different statement under id {statement['id']}: it was changed there, or another"
                " system uses this adapter's ids. Compare it with `lrs-adapter outbox show ID` before retrying."
            )
