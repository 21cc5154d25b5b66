"""The API through FastAPI's test client: tokens, the feed's cursor, a consumer deleting an erased learner's
records, filters, a learner, runs, health, metrics, and a bug answered without its stack trace."""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lrs_adapter.api import create_app
from lrs_adapter.config import Config
from lrs_adapter.pipeline.settle import reevaluate
from lrs_adapter.store import open_store
from lrs_adapter.store.erasure import erase
from lrs_adapter.store.exemptions import ALL, Exemption, save_exemption
from tests.helpers.changelog import PREVENT, settle
from tests.helpers.prevent import HOME


def assert_problem(answer: httpx.Response, status: int, detail: str) -> None:
    """An RFC 9457 problem: the one error shape of every status."""
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": answer.request.url.path,
    }


def test_every_route_wants_a_valid_bearer_token(app: FastAPI, token: str) -> None:
    anonymous = TestClient(app)
    paths = ("/completions", "/certifications", "/certifications/changes", "/learners/P00001", "/runs", "/audit")
    for path in (*paths, "/health", "/metrics"):
        assert anonymous.get(path).status_code == 401, path
        wrong = anonymous.get(path, headers={"Authorization": f"Bearer {token}x"})
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"] == "Bearer"
        assert_problem(wrong, 401, "a valid bearer token is required")
        assert token not in wrong.text
    assert anonymous.get("/runs", headers={"Authorization": f"Basic {token}"}).status_code == 401


@pytest.mark.parametrize("path", ["/completions", "/certifications/changes"])
def test_a_feed_pages_with_next_and_has_more(client: TestClient, path: str) -> None:
    seen = []
    after = 0
    pages = 0
    while True:
        page = client.get(path, params={"after": after, "limit": 2}).json()
        assert page["schema_version"] == 3
        seen += page["records"]
        pages += 1
        assert page["next"] == page["records"][-1]["seq"]
        after = page["next"]
        if not page["has_more"]:
            break
    assert pages == 2  # three records: a full page with has_more, then the last, with no empty page to end on
    assert sorted(r["learner_id"] for r in seen) == ["P00001", "P00002", "P00003"]
    assert len({r["seq"] for r in seen}) == 3
    end = client.get(path, params={"after": after}).json()
    assert (end["records"], end["next"], end["has_more"]) == ([], after, False)  # read on from there later


def test_version_1_of_the_completion_feed_is_still_served(client: TestClient) -> None:
    old = client.get("/completions", params={"schema_version": 1}).json()
    assert set(old) == {"records", "next"}
    assert {r["schema_version"] for r in old["records"]} == {2}
    new = client.get("/completions").json()["records"]
    assert [r["id"] for r in old["records"]] == [r["id"] for r in new]


def test_paging_limits_and_a_bad_cursor_are_refused(client: TestClient) -> None:
    too_many = client.get("/completions", params={"limit": 51})
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert [(e["loc"], e["type"]) for e in too_many.json()["errors"]] == [(["query", "limit"], "less_than_equal")]
    assert "query.limit: Input should be less than or equal to 50" in too_many.json()["detail"]
    assert client.get("/completions", params={"limit": 0}).status_code == 422
    bad = client.get("/completions", params={"after": 999})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert "seq 999" in bad.json()["detail"]
    assert client.get("/certifications/changes", params={"after": 999}).json()["status"] == 400


def test_certifications_filtered_and_as_of_another_day(client: TestClient) -> None:
    everyone = client.get("/certifications").json()
    assert (everyone["total"], everyone["has_more"]) == (3, False)
    assert {s["learner_id"]: s["status"] for s in everyone["records"]} == {
        "P00001": "green",
        "P00002": "red",
        "P00003": "green",
    }
    team = client.get("/certifications", params={"manager": "P00900"}).json()
    assert [(s["learner_id"], s["contact"]["name"], s["department"]) for s in team["records"]] == [
        ("P00001", "Ann Example", "Highways")
    ]
    nobody = client.get("/certifications", params={"department": "Nowhere"}).json()
    assert nobody == {"schema_version": 3, "records": [], "next": None, "has_more": False, "total": 0}
    later = client.get("/certifications", params={"as_of": "2026-08-01", "status": "amber"}).json()
    assert [(s["learner_id"], s["status_as_of"], s["due_on"]) for s in later["records"]] == [
        ("P00001", "2026-08-01", "2027-01-10")
    ]
    first = client.get("/certifications", params={"limit": 2}).json()
    assert ([s["learner_id"] for s in first["records"]], first["next"], first["has_more"]) == (
        ["P00001", "P00002"],
        "P00002|prevent",
        True,
    )
    rest = client.get("/certifications", params={"limit": 2, "after": first["next"]}).json()
    assert ([s["learner_id"] for s in rest["records"]], rest["has_more"]) == (["P00003"], False)
    old = client.get("/certifications", params={"limit": 1, "offset": 1, "schema_version": 1}).json()
    assert (len(old["states"]), old["total"], old["states"][0]["learner"]) == (1, 3, "P00002")


def test_a_learner_with_states_and_completions(client: TestClient) -> None:
    ann = client.get("/learners/P00001").json()
    assert (ann["name"], ann["email"], ann["on_roster"], ann["manager"]) == (
        "Ann Example",
        "ann@example.org",
        True,
        "P00900",
    )
    assert [(s["certification"], s["status"]) for s in ann["certifications"]] == [("prevent", "green")]
    assert [(c["option"], c["completed_on"], c["counted"], c["source"]["connectors"]) for c in ann["completions"]] == [
        ("elearning", "2025-01-10", True, ["c"])
    ]
    old = client.get("/learners/P00001", params={"schema_version": 1}).json()
    assert (old["id"], old["email"], old["states"][0]["learner"]) == ("P00001", "ann@example.org", "P00001")
    assert client.get("/learners/P00002").json()["on_roster"] is False  # evaluated, not on the roster
    assert_problem(client.get("/learners/nobody"), 404, "no such learner")


def test_runs_health_and_metrics(client: TestClient) -> None:
    assert client.get("/runs").json() == []
    health = client.get("/health")
    assert health.status_code == 503  # the configured connector has never run
    assert health.json()["connectors"] == [
        {
            "connector": "demo",
            "healthy": False,
            "last_success": None,
            "last_outcome": None,
            "problem": "no successful run yet",
        }
    ]
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "# TYPE lrs_adapter_runs_total counter" in metrics.text


def test_the_report_page_is_served_behind_the_token(config: Config, token: str) -> None:
    app = create_app(config)
    assert TestClient(app).get("/report", params={"manager": "P00900"}).status_code == 401
    client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    page = client.get("/report", params={"manager": "P00900", "status": "red"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<form method="get" action="/report">' in page.text
    assert client.get("/report", params={"manager": "P00900", "status": "purple"}).status_code == 422


def test_a_bug_shows_no_trace(config: Config, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("secret internals at /srv/lrs-adapter/store.py line 42")

    monkeypatch.setattr("lrs_adapter.report.render_report", broken)
    app = create_app(config)
    client = TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})
    answer = client.get("/report", params={"manager": "P00900"})
    assert_problem(answer, 500, "internal server error")
    assert "secret" not in answer.text


def test_an_exempt_learner_is_exempt_with_its_end_in_states_and_feed(client: TestClient, config: Config) -> None:
    db = open_store(config.store_url)
    with db.transaction():
        save_exemption(db, Exemption("P00002", ALL, date(2099, 1, 1), "long-term leave", "ann", "n"))
        reevaluate(db, "P00002", [PREVENT], "2026-06-02T00:00:00.000000Z", home_page=HOME)
    settle(db)
    db.close()
    [state] = client.get("/certifications", params={"status": "exempt"}).json()["records"]
    assert (state["learner_id"], state["exempt_until"]) == ("P00002", "2099-01-01")
    learner = client.get("/learners/P00002").json()
    assert learner["certifications"][0]["status"] == "exempt"
    feed = client.get("/completions").json()  # completions are unchanged by an exemption
    assert all(r["counted"] for r in feed["records"] if r["learner_id"] == "P00002")


def test_a_consumer_following_the_feed_deletes_an_erased_learners_completions(
    client: TestClient, config: Config
) -> None:
    def read_on(held: dict[str, dict[str, Any]], after: int) -> int:
        while page := client.get("/completions", params={"after": after, "limit": 2}).json()["records"]:
            for record in page:
                if "erased_seq" in record:  # delete what was read under that seq
                    for key in [k for k, r in held.items() if r["seq"] == record["erased_seq"]]:
                        del held[key]
                elif record["deleted"]:
                    held.pop(record["id"], None)
                else:
                    held[record["id"]] = record
            after = page[-1]["seq"]
        return after

    held: dict[str, dict[str, Any]] = {}
    after = read_on(held, 0)
    assert {r["learner_id"] for r in held.values()} == {"P00001", "P00002", "P00003"}
    assert held[max(held, key=lambda k: held[k]["seq"])]["learner_id"] == "P00003"  # the cursor is P00003's record
    db = open_store(config.store_url)
    with db.transaction():
        erase(db, "P00003", home_page=HOME, now="2026-06-02T00:00:00.000000Z")
    settle(db)
    db.close()
    read_on(held, after)  # the cursor on an erased record's seq stays valid
    assert {r["learner_id"] for r in held.values()} == {"P00001", "P00002"}
    assert all(r["schema_version"] == 3 for r in held.values())
