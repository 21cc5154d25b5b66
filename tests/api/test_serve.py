"""`lrs-adapter serve` as an admin starts it: refused without a token, else uvicorn answering on its port."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.store import open_store
from tests.helpers.changelog import sync
from tests.helpers.prevent import IRI, SATISFIED, statement
from tests.helpers.serving import serving


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["LRS_ADAPTER_UNSET_TOKEN"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "serve"], env={"LRS_ADAPTER_UNSET_TOKEN": ""})
    assert result.exit_code == 2
    assert "key api.tokens_env" in result.output


def test_serve_answers_over_http(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["SERVE_TEST_TOKEN"]\n')
    auth = {"Authorization": "Bearer serve-test-token"}
    with serving(config, {"SERVE_TEST_TOKEN": "serve-test-token"}, auth) as base:
        answer = httpx.get(f"{base}/health", headers=auth)
        assert answer.status_code == 200  # no connector configured: nothing stale
        assert answer.json() == {"healthy": True, "max_age_seconds": 93600.0, "connectors": [], "sinks": []}
        assert httpx.get(f"{base}/runs").status_code == 401


AUTH = {"Authorization": "Bearer serve-test-token"}


def served_feed(tmp_path: Path) -> tuple[Path, list[str]]:
    """A config whose store holds eight learners' completions: a page of them is over the gzip size."""
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    learners = [f"P{n:05d}" for n in range(1, 9)]
    sync(db, *(statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner) for learner in learners))
    db.close()
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["SERVE_TEST_TOKEN"]\n')
    return config, learners


def tagged_and_compressed(base: str, learners: list[str]) -> None:
    feed = httpx.get(f"{base}/completions", params={"limit": 8}, headers=AUTH)
    assert feed.status_code == 200
    assert feed.headers["content-encoding"] == "gzip"  # httpx asks for it; the feed's page is over 1000 bytes
    assert int(feed.headers["content-length"]) < len(feed.content) / 2  # what went over the wire
    assert [r["learner_id"] for r in feed.json()["records"]] == learners
    tag = feed.headers["etag"]
    assert tag.startswith('W/"')
    plain = httpx.get(f"{base}/completions", params={"limit": 8}, headers=AUTH | {"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert (plain.headers["etag"], plain.json()) == (tag, feed.json())  # the same representation, unzipped
    held = httpx.get(f"{base}/completions", params={"limit": 8}, headers=AUTH | {"If-None-Match": tag})
    assert (held.status_code, held.content, held.headers["etag"]) == (304, b"", tag)
    assert held.headers["x-content-type-options"] == "nosniff"
    other = httpx.get(f"{base}/completions", params={"limit": 7}, headers=AUTH | {"If-None-Match": tag})
    assert other.status_code == 200  # another answer, another tag
    small = httpx.get(f"{base}/runs", headers=AUTH)
    assert (small.json(), small.headers.get("content-encoding")) == ([], None)


def problems(base: str) -> None:
    missing = httpx.get(f"{base}/learners/nobody", headers=AUTH)
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert missing.json()["title"] == "Not Found"
    refused = httpx.get(f"{base}/completions", params={"limit": "many"}, headers=AUTH)
    assert (refused.status_code, refused.headers["content-type"]) == (422, "application/problem+json")
    assert refused.json()["errors"][0]["loc"] == ["query", "limit"]


def test_served_answers_are_tagged_compressed_and_logged_as_json(tmp_path: Path) -> None:
    """Over a real `serve`: an ETag on a GET, 304 and no body when the client holds it, gzip above the size (not
    below), problem+json errors, and one JSON access line per request with neither the query nor the token."""
    config, learners = served_feed(tmp_path)
    log = tmp_path / "serve.log"
    with serving(config, {"SERVE_TEST_TOKEN": "serve-test-token"}, AUTH, log=log) as base:
        tagged_and_compressed(base, learners)
        problems(base)
    lines = [orjson.loads(line) for line in log.read_text().splitlines()]  # every line is JSON: no uvicorn text
    requests = [line for line in lines if line["event"] == "http request"]
    assert [(r["path"], r["status"]) for r in requests if r["path"] != "/health"] == [
        ("/completions", 200),
        ("/completions", 200),
        ("/completions", 304),
        ("/completions", 200),
        ("/runs", 200),
        ("/learners/nobody", 404),
        ("/completions", 422),
    ]
    assert all(r["level"] == "info" and r["duration_ms"] >= 0 for r in requests)
    assert "serve-test-token" not in log.read_text()
    assert "limit" not in log.read_text()  # a query may name a learner: never logged
