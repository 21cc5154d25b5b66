"""The learner's certification state as an agent profile document, one per learner and certification, so a
learner-facing app reads "certified until…" from the LRS without knowing this adapter.

Documents are written with concurrency control: `If-None-Match: *` to create, `If-Match` with the ETag read to
replace; a 412 means someone wrote in between, so the document is read again, merged and written again. The merge
keeps what other writers put in the document and replaces only this adapter's key, and never with an older
revision: a dead-lettered delivery replayed after newer ones leaves the newer state in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urljoin

import orjson

from lrs_adapter.config import LrsConfig, SinkConfig
from lrs_adapter.errors import DeliveryRefused
from lrs_adapter.sinks.certification_statement import learner_agent
from lrs_adapter.store.outbox import Delivery
from lrs_adapter.xapi.client import RESUMES_FROM_OUTBOX, Request, XapiClient

#: The key this adapter owns in the document.
KEY = "lrs_adapter"
ATTEMPTS = 5


def document_state(delivery: Delivery) -> dict[str, Any]:
    payload = delivery.payload
    state = payload["state"]
    return {
        "certification": delivery.certification,
        "status": state["status"],
        "certified_on": state["certified_on"],
        "due_on": state["due_on"],
        "window_opens_on": state["window_opens_on"],
        "option": state["option_id"],
        "last_event": payload["event"],
        "event_id": payload["event_id"],
        "cycle": payload["cycle"],
        "updated_at": payload["occurred_at"],
        "revision": f"{payload['occurred_at']}|{delivery.id:012d}",
    }


def merged(document: Any, state: dict[str, Any]) -> dict[str, Any] | None:
    """The document to write, or None when it already holds this revision or a newer one."""
    base = dict(document) if isinstance(document, dict) else {}
    held = base.get(KEY)
    if isinstance(held, dict) and str(held.get("revision", "")) >= state["revision"]:
        return None
    base[KEY] = state
    return base


class AgentProfileSink:
    batched = False
    can_retract = True
    needs_email = False

    def __init__(self, sink: SinkConfig, lrs: LrsConfig, home_page: str, client: XapiClient | None = None) -> None:
        self.name = sink.name
        self.profile_id = sink.profile_id
        self.home_page = home_page
        self.client = client or XapiClient(lrs, resumes=RESUMES_FROM_OUTBOX)
        self.url = urljoin(self.client.endpoint, "agents/profile")

    def send(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self._write(delivery)

    def _write(self, delivery: Delivery) -> None:
        agent = learner_agent(self.home_page, delivery.learner).to_json()
        params = {"agent": agent, "profileId": f"{self.profile_id}/{delivery.certification}"}
        state = document_state(delivery)
        for _ in range(ATTEMPTS):
            current = self.client.request("GET", self.url, Request(params=params), allow=frozenset({404}))
            document = merged(current.body if current.status == 200 else None, state)
            if document is None:
                return
            etag = current.headers.get("ETag")
            precondition = {"If-Match": etag} if current.status == 200 and etag else {"If-None-Match": "*"}
            request = Request(
                params=params,
                body=orjson.dumps(document),
                headers={"Content-Type": "application/json", **precondition},
            )
            answer = self.client.request("PUT", self.url, request, allow=frozenset({412}))
            if answer.status != 412:
                return
        raise DeliveryRefused(
            f"the agent profile {params['profileId']} changed under every one of {ATTEMPTS} writes (412 each time):"
            " another writer is busy on it; `lrs-adapter outbox retry` later."
        )
