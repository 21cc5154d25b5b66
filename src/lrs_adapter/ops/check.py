"""`lrs-adapter check`: can this configuration work? Reach each LRS and the store, and say what is wrong.

Each LRS gets `GET about` (the versions it speaks; an LRS without it, such as Ralph, is reported, not failed) and
`GET statements?limit=1` (the credentials and the endpoint); the store gets a write that is rolled back; each sink
what it needs without sending anything (a probe event would be acted on): an upload folder it can write, a webhook's
secret in the environment and its host answering on its port, an agent-profile sink's LRS answering a read of the
Agent Profile API, an e-mail sink's templates loading and its SMTP server taking TLS and the login. Each `lms`
connector connects to its LMS's database read-only and finds its tables and the SCORM activities it names. The
mappings are read against the connectors' verb and activity filters (connector_filters.py), with a warning for each
option the filters keep from ever completing.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import orjson

from lrs_adapter.config import Config, ConnectorConfig, LrsConfig, SinkConfig
from lrs_adapter.errors import AdapterError, ConfigError, error_class_of, exit_code_of
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.ops.connector_filters import blocked_options
from lrs_adapter.pipeline.push import unconfigured_sinks
from lrs_adapter.sinks import LRS_KINDS, require_home_page
from lrs_adapter.sinks.email import EmailSink
from lrs_adapter.store import open_store
from lrs_adapter.store.migrations import probe_write
from lrs_adapter.xapi.client import Request, XapiClient
from lrs_adapter.xapi.retry import RetryableFailure

Echo = Callable[[str], None]


def check_lrs(lrs: LrsConfig, echo: Echo) -> int:
    """0 when the LRS works with these settings, else the exit code of what went wrong."""
    try:
        client = XapiClient(lrs)
        about = client.about()
        if about.status == 404:
            echo(f"lrs {lrs.name}: no About resource (404) - versions unknown, carrying on")
        else:
            versions = about.body.get("version", []) if isinstance(about.body, dict) else []
            speaks = ", ".join(map(str, versions)) or "none listed"
            verdict = "ok" if lrs.xapi_version in versions else f"WARNING: it does not list {lrs.xapi_version}"
            echo(f"lrs {lrs.name}: reachable, speaks {speaks} ({verdict})")
        page = next(iter(client.statement_pages({"limit": "1"})))
        header = "sends" if page.consistent_through else "does NOT send (an overlap is re-read each run)"
        echo(f"lrs {lrs.name}: credentials accepted; {header} X-Experience-API-Consistent-Through")
    except AdapterError as error:
        echo(f"lrs {lrs.name}: FAILED ({error_class_of(error)}): {error}")
        return exit_code_of(error)
    return 0


def check_lms_connector(config: Config, connector: ConnectorConfig, echo: Echo) -> int:
    """0 when the connector's LMS answers, read-only, and holds every SCORM activity it names."""
    from lrs_adapter.sources.scorm import ScormTracks  # here: psycopg only when an LMS is checked

    assert connector.lms is not None
    source = ScormTracks(
        config.lms[connector.lms], connector, config.home_page or "", None, full=True, file=str(config.path)
    )
    try:
        echo(f"connector {connector.name}: lms {connector.lms} {source.check()}")
    except AdapterError as error:
        echo(f"connector {connector.name}: FAILED ({error_class_of(error)}): {error}")
        return exit_code_of(error)
    return 0


def check_store(config: Config, echo: Echo) -> int:
    try:
        db = open_store(config.store_url)
        try:
            probe_write(db)
        finally:
            db.close()
    except AdapterError as error:
        echo(f"store: FAILED ({error_class_of(error)}): {error}")
        return exit_code_of(error)
    except Exception as error:
        echo(f"store: FAILED: cannot write: {error}")
        return 1
    echo(f"store {config.store_url.split('@')[-1]}: writable, schema up to date")
    return 0


#: An agent no learner is: reading its profile ids changes nothing and can find nothing.
PROBE_AGENT = '{"objectType": "Agent", "account": {"homePage": "https://lrs-adapter.invalid/check", "name": "probe"}}'
#: What an LRS without a resource answers (or a web server in front of it that knows no such route).
NOT_IMPLEMENTED = frozenset({404, 405, 501})


def _json_or_page(content: bytes) -> Any:
    """The body as JSON, or None for anything else (an HTML page served with 200 is an answer, not a torn body)."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


def probe_agent_profile(config: Config, sink: SinkConfig) -> None:
    """The Agent Profile API answers, with a read that changes nothing: the profile ids of a made-up agent, which an
    LRS that implements it answers with a JSON list (empty). Learning Locker's statements service and Ralph have no
    such resource and answer 404 (an HTML page, or Ralph's `Not Found`): every push would then fail."""
    assert sink.lrs is not None
    client = XapiClient(config.lrs[sink.lrs])
    url = urljoin(client.endpoint, "agents/profile")
    answer = client.request("GET", url, Request(params={"agent": PROBE_AGENT}, read=_json_or_page), NOT_IMPLEMENTED)
    if answer.status in NOT_IMPLEMENTED or not isinstance(answer.body, list):
        said = f"answered {answer.status}" if answer.status in NOT_IMPLEMENTED else "did not answer a JSON list"
        raise ConfigError(
            f"LRS {sink.lrs!r} does not implement the Agent Profile API: GET {url} (a made-up agent's profile ids)"
            f" {said}, so every push to this sink would fail.",
            file=str(config.path),
            key=f"sinks.{sink.name}.lrs",
            fix="point the sink at an LRS that has the Agent Profile API, or remove the sink.",
        )


def check_sink(config: Config, sink: SinkConfig, echo: Echo) -> int:
    events = ", ".join(sorted(sink.events))
    try:
        if sink.kind in LRS_KINDS:
            require_home_page(config, sink.name)
            if sink.kind == "agent_profile":
                probe_agent_profile(config, sink)
            echo(f"sink {sink.name}: {sink.kind} to lrs {sink.lrs} (checked above) for {events}")
        elif sink.kind == "lms_file" and sink.directory is not None:
            sink.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=sink.directory):
                pass
            echo(f"sink {sink.name}: upload folder {sink.directory} writable")
        elif sink.kind == "webhook":
            sink.secret()  # named when missing, never shown
            parts = urlsplit(str(sink.url))
            port = parts.port or (443 if parts.scheme == "https" else 80)
            with socket.create_connection((parts.hostname or "", port), timeout=sink.timeout):
                pass
            echo(f"sink {sink.name}: webhook host {parts.hostname}:{port} answers; secret set; for {events}")
        elif sink.kind == "email":
            EmailSink(sink, {}).probe()
            echo(f"sink {sink.name}: SMTP server {sink.host} answers ({sink.security}), login taken, templates load")
    except RetryableFailure as error:  # the SMTP server said "try later"
        echo(f"sink {sink.name}: FAILED (transient): {error}")
        return 1
    except AdapterError as error:
        echo(f"sink {sink.name}: FAILED ({error_class_of(error)}): {error}")
        return exit_code_of(error)
    except OSError as error:
        echo(f"sink {sink.name}: FAILED: {error.strerror or error}")
        return 1
    return 0


def check_connector_filters(config: Config, echo: Echo) -> int:
    """Warn of each mapping option the connectors' verb and activity filters keep from ever completing; a warning
    fails nothing (a connector may leave an option to another source on purpose). A mapping that does not load
    fails with its own error."""
    try:
        mappings = load_mappings(config.mappings)
    except AdapterError as error:
        echo(f"mappings: FAILED ({error_class_of(error)}): {error}")
        return exit_code_of(error)
    for blocked in blocked_options(mappings, list(config.connectors.values())):
        echo(str(blocked))
    return 0


def run_checks(config: Config, echo: Echo) -> tuple[bool, int]:
    """Every check runs, so one pass shows every problem; the worst exit code wins (2 over 1)."""
    codes = [check_lrs(lrs, echo) for lrs in config.lrs.values()] + [check_store(config, echo)]
    codes.append(check_connector_filters(config, echo))
    codes += [check_sink(config, sink, echo) for sink in config.sinks.values()]
    codes += [check_lms_connector(config, c, echo) for c in config.connectors.values() if c.lms is not None]
    for connector in config.connectors.values():
        if connector.file is not None and not connector.file.is_file():
            echo(f"connector {connector.name}: FAILED: export file {connector.file} does not exist")
            codes.append(2)
    check_unconfigured_sinks(config, echo)
    failures = [code for code in codes if code]
    return not failures, (2 if 2 in failures else 1) if failures else 0


def check_unconfigured_sinks(config: Config, echo: Echo) -> None:
    """A warning, not a failure: a sink removed from the config whose deliveries are still in the outbox. They will
    never go, and `health` fails on them until they are discarded (or the sink is configured again)."""
    try:
        db = open_store(config.store_url)
        try:
            holding = unconfigured_sinks(db, config.sinks)
        finally:
            db.close()
    except AdapterError:
        return  # the store's own check says what is wrong with it
    for sink, count in holding.items():
        echo(
            f"sink {sink}: WARNING: no longer configured, yet the outbox holds {count} undelivered deliveries for it:"
            f" configure it again, or lrs-adapter outbox discard --sink {sink} --reason TEXT"
        )
