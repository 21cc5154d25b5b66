"""The API through FastAPI's test client: tokens, the feed's cursor, a consumer deleting an erased learner's
records, filters, a learner, runs, health, metrics, and a bug answered without its stack trace."""

from __future__ import annotations

from datetime import date
from typing import Any

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


def test_every_route_wants_a_valid_bearer_token(app: FastAPI, token: str) -> None:
    anonymous = TestClient(app)
    for path in ("/completions", "/certifications", "/learners/P00001", "/runs", "/health", "/metrics"):
        assert anonymous.get(path).status_code == 401, path
        wrong = anonymous.get(path, headers={"Authorization": f"Bearer {token}x"})
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"] == "Bearer"
        assert token not in wrong.text
    assert anonymous.get("/runs", headers={"Authorization": f"Basic {token}"}).status_code == 401


def test_the_completion_feed_pages_with_its_next_cursor(client: TestClient) -> None:
    seen = []
    after = 0
    while True:
        page = client.get("/completions", params={"after": after, "limit": 2}).json()
        if not page["records"]:
            assert page["next"] == after
            break
        seen += page["records"]
        after = page["next"]
        assert after == page["records"][-1]["seq"]
    assert sorted(r["learner_id"] for r in seen) == ["P00001", "P00002", "P00003"]
    assert len({r["seq"] for r in seen}) == 3


def test_paging_limits_and_a_bad_cursor_are_refused(client: TestClient) -> None:
    assert client.get("/completions", params={"limit": 51}).status_code == 422
    assert client.get("/completions", params={"limit": 0}).status_code == 422
    bad = client.get("/completions", params={"after": 999})
    assert bad.status_code == 400
    assert "seq 999" in bad.json()["detail"]


def test_certifications_filtered_and_as_of_another_day(client: TestClient) -> None:
    everyone = client.get("/certifications").json()
    assert everyone["total"] == 3
    assert {s["learner"]: s["status"] for s in everyone["states"]} == {
        "P00001": "green",
        "P00002": "red",
        "P00003": "green",
    }
    team = client.get("/certifications", params={"manager": "P00900"}).json()
    assert [(s["learner"], s["name"], s["department"]) for s in team["states"]] == [
        ("P00001", "Ann Example", "Highways")
    ]
    assert client.get("/certifications", params={"department": "Nowhere"}).json() == {"states": [], "total": 0}
    later = client.get("/certifications", params={"as_of": "2026-08-01", "status": "amber"}).json()
    assert [(s["learner"], s["as_of"], s["due_on"]) for s in later["states"]] == [
        ("P00001", "2026-08-01", "2027-01-10")
    ]
    page = client.get("/certifications", params={"limit": 1, "offset": 1}).json()
    assert (len(page["states"]), page["total"]) == (1, 3)


def test_a_learner_with_states_and_completions(client: TestClient) -> None:
    ann = client.get("/learners/P00001").json()
    assert (ann["name"], ann["on_roster"], ann["manager"]) == ("Ann Example", True, "P00900")
    assert [(s["certification"], s["status"]) for s in ann["states"]] == [("prevent", "green")]
    assert [(c["option"], c["completed_on"], c["counted"]) for c in ann["completions"]] == [
        ("elearning", "2025-01-10", True)
    ]
    assert client.get("/learners/P00002").json()["on_roster"] is False  # evaluated, not on the roster
    assert client.get("/learners/nobody").status_code == 404


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
    assert answer.status_code == 500
    assert answer.json() == {"detail": "internal server error"}
    assert "secret" not in answer.text


def test_an_exempt_learner_is_exempt_with_its_end_in_states_and_feed(client: TestClient, config: Config) -> None:
    db = open_store(config.store_url)
    with db.transaction():
        save_exemption(db, Exemption("P00002", ALL, date(2099, 1, 1), "long-term leave", "ann", "n"))
        reevaluate(db, "P00002", [PREVENT], "2026-06-02T00:00:00.000000Z", home_page=HOME)
    settle(db)
    db.close()
    [state] = client.get("/certifications", params={"status": "exempt"}).json()["states"]
    assert (state["learner"], state["exempt_until"]) == ("P00002", "2099-01-01")
    learner = client.get("/learners/P00002").json()
    assert learner["states"][0]["status"] == "exempt"
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
    assert all(r["schema_version"] == 2 for r in held.values())
