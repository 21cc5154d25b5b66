"""Certification events as signed JSON POSTs, for an LMS or a mailer to act on (certified, revoked,
window_opened, overdue).

The receiver checks `X-LRS-Adapter-Signature: t=<unix seconds>,v1=<hex>`, where hex is HMAC-SHA256 under the
shared secret of `<t>.<body>`: the signature covers the time, so a captured request cannot be replayed later
(reject a t more than a few minutes old). Each event carries an `event_id`: a re-sent event (after a push killed
before the acknowledgement was recorded) has the same id, and the receiver drops it.

A 401 or 403 is the receiver refusing the signature or the adapter itself, not this event: every event after it
would be refused too. It is a configuration fault (a wrong secret, a URL that needs another token), as a 401 from an
LRS sink is, so the push stops the sink without spending an attempt of any delivery; other 4xx refuse that event.

The body is the contract's event (`model/contract.py`, `feed/schemas/event-v3.schema.json`), or the body before it
for a receiver that asked for it (`[push] schema_version = 1`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import requests
import structlog
from tenacity import RetryCallState

from lrs_adapter.config import SinkConfig
from lrs_adapter.errors import ConfigError, DeliveryRefused, TransientError
from lrs_adapter.model import contract
from lrs_adapter.model.contract import CONTRACT_VERSION
from lrs_adapter.store.outbox import Delivery
from lrs_adapter.xapi.refusals import Redactor, refusal_words, url_secrets
from lrs_adapter.xapi.retry import RetryableFailure, is_retryable_status, parse_retry_after, retrying

log = structlog.get_logger(__name__)
SIGNATURE, EVENT, EVENT_ID = "X-LRS-Adapter-Signature", "X-LRS-Adapter-Event", "X-LRS-Adapter-Event-Id"
#: Statuses that refuse the sender, not the event.
NOT_AUTHORISED = frozenset({401, 403})


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, *, now: float, tolerance: float = 300) -> bool:
    """What a receiver does (in Python); the tests use it to check what was sent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body)
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, header)


class WebhookSink:
    batched = False
    can_retract = True
    needs_email = False

    def __init__(
        self,
        sink: SinkConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.time,
        schema_version: int = CONTRACT_VERSION,
        include_contact: bool = False,
    ) -> None:
        self.name = sink.name
        self.schema_version, self.include_contact = schema_version, include_contact
        self.sink = sink
        self.session = session or requests.Session()
        self.sleep, self.clock = sleep, clock

    def send(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            self._post(delivery)

    def _post(self, delivery: Delivery) -> None:
        body = orjson.dumps(self.body(delivery))
        controller = retrying(self.sink.retry, sleep=self.sleep, before_sleep=self._log_retry)
        try:
            controller(self._attempt, delivery, body)
        except RetryableFailure as error:
            raise TransientError(f"gave up on webhook {self.name!r}; last error: {error}") from error

    def body(self, delivery: Delivery) -> dict[str, Any]:
        """The contract's event (`model/contract.py`), or, for a receiver still on version 1, the outbox's payload as
        it was sent before the contract (served until `OLD_VERSIONS_UNTIL`)."""
        if self.schema_version == 1:
            return delivery.payload
        return contract.event(delivery.payload, delivery.facts, with_contact=self.include_contact)

    def _attempt(self, delivery: Delivery, body: bytes) -> None:
        url = str(self.sink.url)
        headers = {
            "Content-Type": "application/json",
            EVENT: delivery.event,
            EVENT_ID: delivery.event_id,
            SIGNATURE: signature(self.sink.secret(), int(self.clock()), body),
        }
        try:
            response = self.session.post(url, data=body, headers=headers, timeout=self.sink.timeout)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise RetryableFailure(f"{type(error).__name__} on POST to webhook {self.name!r}") from error
        if is_retryable_status(response.status_code):
            raise RetryableFailure(
                f"webhook {self.name!r} answered {response.status_code}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code in NOT_AUTHORISED:
            raise ConfigError(
                f"webhook {self.name!r} answered {response.status_code}: it does not accept the adapter's signature"
                " or credentials, so no event can go until that is fixed (no delivery spent an attempt).",
                key=f"sinks.{self.name}.secret_env",
                fix=f"give {self.sink.secret_env} the secret the receiver checks (and check sinks.{self.name}.url),"
                " then run `lrs-adapter push`.",
            )
        if response.status_code >= 300:
            raise DeliveryRefused(
                f"webhook {self.name!r} answered {response.status_code}: {refusal_words(response, self._redact())}."
                " A 4xx means the receiver will not take this event as it is."
            )

    def _redact(self) -> Redactor:
        """The signing secret and the URL (its path or query may be a token, its user part credentials), which a
        receiver's error page must not echo back."""
        return Redactor.of([self.sink.secret().decode(), *url_secrets(self.sink.url)])

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("retrying webhook", sink=self.name, attempt=state.attempt_number, error=str(error))
