"""The e-mail sink against a real SMTP server (aiosmtpd, STARTTLS and a login required): the messages, their
headers and recipients as received; a 4xx retried, a 5xx refused, a refused login or an untrusted certificate a
configuration fault; the password never in an error."""

from __future__ import annotations

from datetime import date

import pytest

from lrs_adapter.errors import ConfigError, DeliveryRefused, TransientError
from lrs_adapter.model.contract import Contact, LearnerFacts
from lrs_adapter.rules.events import reminder_event
from lrs_adapter.rules.reminders import DUE_SOON, OVERDUE_REMINDER, Reminder
from lrs_adapter.sinks.email import EmailSink
from lrs_adapter.store.outbox import Delivery
from tests.helpers.pushing import PREVENT
from tests.helpers.smtp import PASSWORD, PASSWORD_ENV, SmtpServer, mail_sink_config

DUE = date(2026, 6, 1)
STATE = {"status": "amber", "due_on": "2026-06-01", "window_opens_on": "2025-12-01"}
HOSTILE = "Siobhán <script>alert(1)</script> O'Brien"
CONTACTS = {
    "P1": Contact(HOSTILE, "siobhan@example.gov.uk", "Morgan Manager", "morgan@example.gov.uk"),
    "P2": Contact("Pat Nomanager", "pat@example.gov.uk", None, None),
    "P9": Contact("Eve\r\nBcc: mallory@example.org", "eve@example.gov.uk", None, None),
}


def sink(server: SmtpServer, *, password_env: str = PASSWORD_ENV, trusted: bool = True) -> EmailSink:
    config = mail_sink_config(server, password_env=password_env, trusted=trusted)
    return EmailSink(config, {"prevent": PREVENT}, sleep=lambda _: None)


def delivery(learner: str, kind: str, offset: str, day: date, state: dict[str, str] = STATE) -> Delivery:
    event = reminder_event(learner, "prevent", Reminder(DUE, kind, offset, day), state)
    facts = LearnerFacts(True, None, "Adult Care", "Care", CONTACTS[learner])  # as the push reads the roster
    return Delivery(1, event.id, "mail", kind, learner, "prevent", event.payload("2026-05-02T06:00:00Z"), "pending",
                    0, None, None, "2026-05-02T06:00:00Z", None, None, facts)  # fmt: skip


def test_a_due_soon_mail_reaches_the_learner_with_both_parts_and_the_name_escaped(smtp_server: SmtpServer) -> None:
    sent = delivery("P1", DUE_SOON, "P30D", date(2026, 5, 2))
    sink(smtp_server).send([sent])
    [got] = smtp_server.mailbox.received
    assert got.recipients == ("siobhan@example.gov.uk",)
    assert got.sender == "training@example.gov.uk"
    message = got.message
    assert message["Message-ID"] == f"<{sent.event_id}@example.gov.uk>"
    assert message["Subject"] == "Reminder: your Prevent and WRAP Certification Pathway is due on 1 June 2026 (30 days)"
    assert message["Cc"] is None
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    plain, markup = text.get_content(), html.get_content()
    assert f"Dear {HOSTILE}," in plain
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "opened on 1 December 2025" in plain
    assert "in 30 days" in plain
    for option in PREVENT.options.values():
        assert option.name in plain
        assert option.name in markup
    assert smtp_server.mailbox.logins in (["PLAIN:ok"], ["LOGIN:ok"])


def test_an_escalation_copies_the_line_manager(smtp_server: SmtpServer) -> None:
    red = STATE | {"status": "red"}
    sink(smtp_server).send([delivery("P1", OVERDUE_REMINDER, "P14D", date(2026, 6, 15), red)])
    [got] = smtp_server.mailbox.received
    assert set(got.recipients) == {"siobhan@example.gov.uk", "morgan@example.gov.uk"}
    assert "morgan@example.gov.uk" in str(got.message["Cc"])
    assert "Morgan Manager, you are copied" in got.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "14 days ago" in got.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_an_escalation_without_a_manager_goes_to_the_learner_alone(smtp_server: SmtpServer) -> None:
    red = STATE | {"status": "red"}
    sink(smtp_server).send([delivery("P2", OVERDUE_REMINDER, "P14D", date(2026, 6, 15), red)])
    [got] = smtp_server.mailbox.received
    assert got.recipients == ("pat@example.gov.uk",)
    assert "copied" not in got.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_resent_delivery_is_the_same_message(smtp_server: SmtpServer) -> None:
    sent = delivery("P2", DUE_SOON, "P7D", date(2026, 5, 25))
    sink(smtp_server).send([sent])
    sink(smtp_server).send([sent])
    first, second = smtp_server.mailbox.received
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_a_4xx_is_retried_then_delivered(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.replies += ["451 4.3.0 try again later", "451 4.3.0 try again later"]
    sink(smtp_server).send([delivery("P2", DUE_SOON, "P7D", date(2026, 5, 25))])
    assert len(smtp_server.mailbox.received) == 1


def test_a_4xx_that_lasts_stops_the_sink_for_the_run(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.replies += ["451 4.3.0 try again later"] * 5
    with pytest.raises(TransientError, match="451"):
        sink(smtp_server).send([delivery("P2", DUE_SOON, "P7D", date(2026, 5, 25))])
    assert smtp_server.mailbox.received == []


def test_a_5xx_refuses_the_delivery_at_once(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.replies += ["554 5.7.1 message refused"]
    with pytest.raises(DeliveryRefused, match="554"):
        sink(smtp_server).send([delivery("P2", DUE_SOON, "P7D", date(2026, 5, 25))])
    assert smtp_server.mailbox.replies == []  # one attempt, not retried


def test_a_refused_login_is_a_config_fault_that_never_shows_the_password(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG_SMTP_PASSWORD", "not-" + PASSWORD)
    with pytest.raises(ConfigError, match="refused the login") as raised:
        sink(smtp_server, password_env="WRONG_SMTP_PASSWORD").send([delivery("P2", DUE_SOON, "P7D", DUE)])
    assert PASSWORD not in str(raised.value)
    assert PASSWORD not in repr(raised.value.__cause__)
    assert smtp_server.mailbox.received == []


def test_an_untrusted_certificate_is_a_config_fault(smtp_server: SmtpServer) -> None:
    with pytest.raises(ConfigError, match="not trusted"):
        sink(smtp_server, trusted=False).send([delivery("P2", DUE_SOON, "P7D", DUE)])
    assert smtp_server.mailbox.logins == []  # the password never went over an unverified connection


def test_a_name_with_a_line_break_is_refused_never_sent_with_another_header(smtp_server: SmtpServer) -> None:
    """A roster name is data: one holding a line break and a header is refused (that delivery alone), never sent
    with a header or a recipient it would add."""
    with pytest.raises(DeliveryRefused, match="cannot address the e-mail about 'P9'"):
        sink(smtp_server).send([delivery("P9", DUE_SOON, "P7D", date(2026, 5, 25))])
    assert smtp_server.mailbox.received == []
