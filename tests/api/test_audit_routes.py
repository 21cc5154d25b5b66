"""`/audit` on the API: behind the same bearer token, filtered by learner and day, paged from an entry's id."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from lrs_adapter.config import Config
from lrs_adapter.store import open_store
from lrs_adapter.store.audit import append_audit


def test_the_audit_trail_is_served_filtered_and_paged(app: FastAPI, client: TestClient, config: Config) -> None:
    db = open_store(config.store_url)
    with db.transaction():
        append_audit(db, actor="hr.admin", action="roster.import", at="2026-10-01T09:00:00.000000Z", after={"added": 1})
        append_audit(
            db,
            actor="lms.admin",
            action="exempt",
            at="2026-11-20T09:00:00.000000Z",
            learner="P00001",
            reason="long-term leave",
            before={"status": "amber"},
            after={"status": "exempt"},
        )
    db.close()
    assert TestClient(app).get("/audit").status_code == 401
    everything = client.get("/audit").json()
    assert [(e["actor"], e["action"]) for e in everything] == [("hr.admin", "roster.import"), ("lms.admin", "exempt")]
    assert everything[1]["before"] == {"status": "amber"}
    assert everything[1]["reason"] == "long-term leave"
    assert [e["action"] for e in client.get("/audit", params={"learner": "P00001"}).json()] == ["exempt"]
    assert [e["action"] for e in client.get("/audit", params={"since": "2026-11-01"}).json()] == ["exempt"]
    assert client.get("/audit", params={"after": everything[0]["id"], "limit": 1}).json() == everything[1:]
    assert client.get("/audit", params={"limit": 51}).status_code == 422
