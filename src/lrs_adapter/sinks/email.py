"""Certification events as e-mails through an SMTP server: to the learner's work e-mail, and for an escalation
(`overdue_reminder`) to their line manager as well (Cc), both from the roster.

Each event kind has three Jinja2 templates in the sink's `templates` folder: `<kind>.subject.txt`,
`<kind>.txt` (the plain-text part) and `<kind>.html` (the HTML part, autoescaped: a name with markup in it is shown,
never run). The `Message-ID` is derived from the event's id, so a delivery sent again after a push was killed before
the acknowledgement was recorded is the same message to the recipient's mail client.

The server's replies decide what happens, as HTTP statuses do for the webhook: a 4xx (try later) and a connection
that fails are retried, then the push stops this sink for the run; a 5xx refusing the message or every recipient
refuses this delivery alone; a refused login (535) or a server that will not start TLS is a configuration fault.
The password comes from the environment variable the configuration names, read when logging in, and is never
logged. A learner the roster gives no work e-mail is held by the push before this sink sees them (pipeline/push.py).
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import structlog
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape
from tenacity import RetryCallState

from lrs_adapter.config import SinkConfig
from lrs_adapter.errors import ConfigError, DeliveryRefused, TransientError
from lrs_adapter.mapping.model import Mapping as CertificationMapping
from lrs_adapter.model.contract import Contact
from lrs_adapter.model.durations import parse_period
from lrs_adapter.store.outbox import Delivery
from lrs_adapter.xapi.retry import RetryableFailure, retrying

log = structlog.get_logger(__name__)

#: The templates of each event: the subject, the plain-text part, the HTML part.
PARTS = (".subject.txt", ".txt", ".html")
#: The events whose mail goes to the line manager too.
ESCALATIONS = frozenset({"overdue_reminder"})
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
#: SMTP's refusal of the login itself: every message after it would be refused too.
AUTH_REFUSED = 535


class EmailSink:
    batched = False
    #: A mail cannot be taken back: a pending one that stopped being true before it went is superseded, not sent.
    can_retract = False
    #: It writes to the learner: deliveries about one without a work e-mail, or a leaver, are held (hold_unaddressed).
    needs_email = True

    def __init__(
        self,
        sink: SinkConfig,
        certifications: Mapping[str, CertificationMapping],
        *,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> None:
        self.name = sink.name
        self.sink = sink
        self.certifications = certifications
        self.sleep = sleep
        self.templates = Environment(
            loader=FileSystemLoader(str(sink.templates)),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.templates.filters["day"] = _day

    def send(self, deliveries: Sequence[Delivery]) -> None:
        for delivery in deliveries:
            message = self.message(delivery)
            recipients = [address.addr_spec for field in ("To", "Cc") for address in _addresses(message, field)]
            controller = retrying(self.sink.retry, sleep=self.sleep, before_sleep=self._log_retry)
            try:
                controller(self._attempt, message, recipients)
            except RetryableFailure as error:
                raise TransientError(f"gave up on SMTP server of sink {self.name!r}; last error: {error}") from error

    def message(self, delivery: Delivery) -> EmailMessage:
        """The e-mail of one delivery, rendered from its kind's templates."""
        contact = delivery.facts.contact  # the roster's, read by the push (pipeline/push.py with_learner_facts)
        if contact is None or contact.email is None:  # held by the push; a roster changed since is caught here
            raise DeliveryRefused(f"the roster gives learner {delivery.learner!r} no work e-mail")
        context = self._context(delivery, contact)
        message = EmailMessage()
        try:
            subject = self._render(f"{delivery.event}.subject.txt", context)
            message["Subject"] = " ".join(subject.split())  # one line, whatever the template or a name holds
            message["From"] = str(self.sink.sender)
            message["To"] = Address(contact.name or "", addr_spec=contact.email)
            if context["manager"] and contact.manager_email:
                message["Cc"] = Address(contact.manager_name or "", addr_spec=contact.manager_email)
        except (ValueError, IndexError) as error:  # an address the mail library cannot write
            raise DeliveryRefused(f"cannot address the e-mail about {delivery.learner!r}: {error}") from error
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{delivery.event_id}@{str(self.sink.sender).rpartition('@')[2]}>"
        message.set_content(self._render(f"{delivery.event}.txt", context))
        message.add_alternative(self._render(f"{delivery.event}.html", context), subtype="html")
        return message

    def _context(self, delivery: Delivery, contact: Contact) -> dict[str, Any]:
        """What a template may use: the learner and manager, the certification and its options, the state's dates
        (as `date`s, for the template to format), and a reminder's offset in days before or after the due date."""
        state = delivery.payload.get("state") or {}
        mapping = self.certifications.get(delivery.certification)
        day = {key: date.fromisoformat(state[key]) if state.get(key) else None for key in ("due_on", "window_opens_on")}
        offset = delivery.payload.get("offset")
        copied = delivery.event in ESCALATIONS and contact.manager_email
        return {
            "event": delivery.event,
            "learner": {"id": delivery.learner, "name": contact.name or delivery.learner},
            "manager": {"name": contact.manager_name} if copied else None,  # only when copied on the mail
            "certification": {
                "id": delivery.certification,
                "name": mapping.certification.name if mapping else delivery.certification,
            },
            "options": [option.name for option in mapping.options.values()] if mapping else [],
            "status": state.get("status"),
            "due_on": day["due_on"],
            "window_opens_on": day["window_opens_on"],
            "days": _days(offset, day["due_on"], delivery.event) if offset else None,
        }

    def probe(self) -> None:
        """What `lrs-adapter check` asks, sending nothing: every template of the sink's events loads, and the
        server answers, starts TLS and takes the login."""
        for event in sorted(self.sink.events):
            for part in PARTS:
                self._render(f"{event}{part}", None)
        try:
            with self._connect() as smtp:
                self._login(smtp)
        except smtplib.SMTPResponseException as error:
            self._refused(error)
        except (smtplib.SMTPException, OSError) as error:
            raise TransientError(f"{type(error).__name__} talking to SMTP server of sink {self.name!r}") from error

    def _render(self, name: str, context: Mapping[str, Any] | None) -> str:
        """The template `name` rendered with `context` (None: only loaded, as `probe` does)."""
        try:
            template = self.templates.get_template(name)
            return template.render(context) if context is not None else ""
        except TemplateError as error:
            raise ConfigError(
                f"the e-mail template {name!r} of sink {self.name!r} cannot be used: {error}",
                key=f"sinks.{self.name}.templates",
                fix=f"put {name} in {self.sink.templates} (the README lists the templates and what they may use).",
            ) from error

    def _attempt(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        try:
            with self._connect() as smtp:
                self._login(smtp)
                refused = smtp.send_message(message, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            if any(400 <= code < 500 for code in codes):
                raise RetryableFailure(f"SMTP server deferred every recipient ({codes})") from error
            raise DeliveryRefused(f"SMTP server of sink {self.name!r} refused every recipient ({codes})") from error
        except smtplib.SMTPResponseException as error:
            self._refused(error)
        except (smtplib.SMTPException, OSError) as error:
            raise RetryableFailure(f"{type(error).__name__} talking to SMTP server of sink {self.name!r}") from error
        if refused:  # some went: the message is delivered, the refused ones are for a person to look at
            log.warning("recipients refused", sink=self.name, refused={a: c for a, (c, _) in refused.items()})

    def _connect(self) -> smtplib.SMTP:
        security, host = self.sink.security, str(self.sink.host)
        port = self.sink.port or DEFAULT_PORTS[security]
        context = ssl.create_default_context(cafile=str(self.sink.ca_bundle) if self.sink.ca_bundle else None)
        try:
            if security == "ssl":
                return smtplib.SMTP_SSL(host, port, timeout=self.sink.timeout, context=context)
            smtp = smtplib.SMTP(host, port, timeout=self.sink.timeout)
        except ssl.SSLCertVerificationError as error:
            raise self._untrusted(error) from error
        if security == "starttls":
            try:
                smtp.starttls(context=context)
            except ssl.SSLCertVerificationError as error:
                smtp.close()
                raise self._untrusted(error) from error
            except smtplib.SMTPNotSupportedError as error:
                smtp.close()
                raise self._config_fault("the SMTP server does not offer STARTTLS") from error
        return smtp

    def _untrusted(self, error: ssl.SSLCertVerificationError) -> ConfigError:
        return self._config_fault(f"the SMTP server's certificate is not trusted ({error.verify_message})")

    def _login(self, smtp: smtplib.SMTP) -> None:
        if self.sink.username:
            smtp.login(self.sink.username, self.sink.password() or "")

    def _refused(self, error: smtplib.SMTPResponseException) -> None:
        said = error.smtp_error
        code, words = error.smtp_code, (said.decode("utf-8", "replace") if isinstance(said, bytes) else said)[:200]
        if code == AUTH_REFUSED:
            raise self._config_fault(f"the SMTP server refused the login ({code})") from error
        if 400 <= code < 500:
            raise RetryableFailure(f"SMTP server of sink {self.name!r} answered {code} {words}") from error
        raise DeliveryRefused(f"SMTP server of sink {self.name!r} refused the message: {code} {words}") from error

    def _config_fault(self, what: str) -> ConfigError:
        return ConfigError(
            f"{what}, so no e-mail of sink {self.name!r} can go until that is fixed (no delivery spent an attempt).",
            key=f"sinks.{self.name}",
            fix="check host, port, security, ca_bundle, username and the password variable, then run"
            " `lrs-adapter push`.",
        )

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning("retrying SMTP", sink=self.name, attempt=state.attempt_number, error=str(error))


def _day(day: date | None) -> str:
    """A day as the policy writes one: 18 November 2022."""
    return f"{day.day} {day:%B %Y}" if day else ""


def _addresses(message: EmailMessage, field: str) -> tuple[Address, ...]:
    header = message.get(field)
    return tuple(header.addresses) if header is not None else ()


def _days(offset: str, due_on: date | None, event: str) -> int | None:
    """A reminder's offset as whole days from the due date (a period in months counted on the calendar)."""
    if due_on is None:
        return None
    period = parse_period(offset)
    other = period.before(due_on) if event == "due_soon" else period.after(due_on)
    return abs((due_on - other).days)
