"""A real SMTP server for the e-mail sink's tests: aiosmtpd on 127.0.0.1, STARTTLS required (a certificate from a
throwaway authority, trustme) and a login checked, keeping every message it accepted with its envelope. It can be
told to answer DATA with a reply code a few times first (a 451 "try later", a 554 refusal), which a real server
gives on its own only under load or for a message it will not take."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from lrs_adapter.config import SINK_EVENTS, RetryPolicy, SinkConfig

USER, PASSWORD = "adapter", "s3cret-smtp-password"
PASSWORD_ENV = "TEST_SMTP_PASSWORD"
TEMPLATES = Path(__file__).resolve().parents[2] / "mappings" / "email" / "prevent"


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage


@dataclass
class Mailbox:
    """What the server accepted, and the replies it gives DATA before it accepts again (`replies`, in order)."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.pop(0)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 2.0.0 accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            USER.encode(),
            PASSWORD.encode(),
        )
        self.logins.append(f"{mechanism}:{'ok' if ok else 'refused'}")
        return AuthResult(success=ok, handled=False)  # a refusal answered by the server: 535

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    ca_bundle: Path
    mailbox: Mailbox


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """The server, its authority's certificate for the client to trust, and the login's password exported in
    $TEST_SMTP_PASSWORD (as an operator would export it for the sink)."""
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    ca_bundle = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(ca_bundle))
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=_free_port(),
        tls_context=tls,
        require_starttls=True,
        authenticator=mailbox.authenticate,
        auth_required=True,
    )
    controller.start()
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    try:
        yield SmtpServer("127.0.0.1", controller.port, ca_bundle, mailbox)
    finally:
        controller.stop()


def mail_sink_config(server: SmtpServer, *, password_env: str = PASSWORD_ENV, trusted: bool = True) -> SinkConfig:
    """An e-mail sink `mail` writing through `server` with Prevent's templates, logging in as USER with the
    password in `password_env`, trusting the server's authority (`trusted`), retrying quickly."""
    return SinkConfig(
        name="mail",
        kind="email",
        events=SINK_EVENTS["email"],
        host=server.host,
        port=server.port,
        username=USER,
        password_env=password_env,
        sender="training@example.gov.uk",
        templates=TEMPLATES,
        ca_bundle=server.ca_bundle if trusted else None,
        timeout=5,
        retry=RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05, max_total=2),
    )
