"""Servers that echo the request's secrets in their error bodies: none of it reaches a log line, the run log, `runs`
or the outbox.

No LRS echoes the Authorization header on demand, so the LRS here is pytest-httpserver: a real HTTP server on
127.0.0.1 (the adapter's requests go over a socket as they would to any LRS) whose handler puts the headers it
received into its 503 and 401 bodies, as a debugging proxy or a careless framework error page does.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lrs_adapter.config import SINK_EVENTS, LrsConfig, RetryPolicy, SinkConfig
from lrs_adapter.errors import LrsRejected
from lrs_adapter.pipeline.push import push
from lrs_adapter.sinks.agent_profile import AgentProfileSink
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.outbox import deliveries
from lrs_adapter.store.runs import list_runs
from lrs_adapter.xapi.refusals import REDACTED
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.pushing import evaluate, take, webhook_sink

USER, PASSWORD = "adapter-user", "pa55:word with spaces"
API_KEY = "k3y-0f-the-tenant-2f9c"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
TOKEN = "eyJhbGciOiJIUzI1NiJ9.bearer-token-for-tests"
HOOK_SECRET = "whsec-for-the-echo-test"
NOW = "2026-06-01T00:00:00.000000Z"
FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.01, max_total=1)


def echo(status: int) -> Callable[[Request], Response]:
    """A body that says back the credentials the request carried, then every header, as some error pages do."""

    def handler(request: Request) -> Response:
        credentials = f"Authorization: {request.headers.get('Authorization')}, key {request.headers.get('X-Api-Key')}"
        said = f"not allowed; you sent {credentials} with {dict(request.headers.items())}"
        return Response(orjson.dumps({"message": said}), status, mimetype="application/json")

    return handler


def leaks(text: str) -> list[str]:
    """Which of the secrets (or their base64) appear in `text`."""
    secrets = {"password": PASSWORD, "basic": BASIC, "api key": API_KEY, "token": TOKEN, "hook": HOOK_SECRET}
    return [name for name, value in secrets.items() if value in text]


def test_an_lrs_echoing_the_credentials_leaves_them_in_no_log_no_run_log_and_no_runs_output(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    """The first answer, a 503, is retried (the retry's log line quotes it); the second, a 401, ends the run."""
    statements = "/xAPI/statements"
    httpserver.expect_ordered_request(statements).respond_with_handler(echo(503))
    httpserver.expect_ordered_request(statements).respond_with_handler(echo(401))
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///store.db"\n'
        f'[lrs.main]\nendpoint = "{httpserver.url_for("/xAPI/")}"\nusername = "{USER}"\npassword_env = "LRS_PW"\n'
        f'headers = {{ "X-Api-Key" = "{API_KEY}" }}\n'
        "[lrs.main.retry]\nmax_attempts = 2\ninitial_wait = 0.01\nmax_wait = 0.01\nmax_total = 1\n"
        '[connectors.main]\nlrs = "main"\n'
    )
    env = {**os.environ, "LRS_PW": PASSWORD}
    command = [sys.executable, "-m", "lrs_adapter", "--config", str(config), "--log-format", "json"]
    sync = subprocess.run([*command, "sync"], capture_output=True, text=True, env=env, check=False)
    assert sync.returncode == 2, sync.stderr
    (served_401, _), (served_503, _) = reversed(httpserver.log)
    assert served_401.headers["Authorization"] == f"Basic {BASIC}"  # the server did see (and echo) the secrets
    assert served_503.headers["X-Api-Key"] == API_KEY
    log_lines = [orjson.loads(line) for line in sync.stderr.splitlines()]
    assert any(line["event"] == "retrying LRS request" and REDACTED in line["error"] for line in log_lines)
    assert leaks(sync.stdout + sync.stderr) == []
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    (run,) = list_runs(db)
    db.close()
    assert run.error_class == "config"
    assert "answered 401" in str(run.error_message)
    assert REDACTED in str(run.error_message)
    assert leaks(str(run.error_message)) == []
    for output in ("table", "json"):
        shown = subprocess.run([*command, "runs", "--format", output], capture_output=True, text=True, env=env)
        assert "answered 401" in shown.stdout
        assert leaks(shown.stdout + shown.stderr) == []


@pytest.fixture
def evaluated(db: Database) -> Database:
    """A learner certified, with a delivery for a webhook `hook` and an agent profile sink `state`."""
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    evaluate(db, NOW, {"hook": SINK_EVENTS["webhook"], "state": SINK_EVENTS["agent_profile"]})
    return db


def test_a_bearer_token_echoed_alone_by_an_agent_profile_lrs_is_redacted(
    evaluated: Database, httpserver: HTTPServer
) -> None:
    """A token set as a configured `Authorization` header, echoed without its scheme, in an HTML error page."""

    def token_page(request: Request) -> Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return Response(f"<html><body><h1>401</h1><p>token {token} has expired</p></body></html>", 401)

    httpserver.expect_request("/xAPI/agents/profile").respond_with_handler(token_page)
    lrs = LrsConfig(
        name="main", endpoint=httpserver.url_for("/xAPI/"), headers={"Authorization": f"Bearer {TOKEN}"}, retry=FAST
    )
    sink = SinkConfig(name="state", kind="agent_profile", events=SINK_EVENTS["agent_profile"], lrs="main")
    profiles = AgentProfileSink(sink, lrs, HOME)
    with pytest.raises(LrsRejected) as refused:
        profiles.send(deliveries(evaluated, sink="state"))
    assert refused.value.lrs_message == f"401 token {REDACTED} has expired"
    assert leaks(str(refused.value)) == []


def test_a_webhook_receiver_echoing_its_secret_leaves_it_out_of_the_outbox(
    evaluated: Database, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", HOOK_SECRET)
    httpserver.expect_request("/events").respond_with_response(
        Response(f"signature does not match the key {HOOK_SECRET}", status=422)
    )
    sink = webhook_sink(httpserver.url_for("/events"))
    counts = push(evaluated, {"hook": sink}, now=lambda: NOW, max_attempts=3)
    assert counts.sinks["hook"].failed == 1
    (failed,) = deliveries(evaluated, sink="hook")
    assert failed.last_error is not None
    assert f"signature does not match the key {REDACTED}" in failed.last_error
    assert leaks(failed.last_error) == []
