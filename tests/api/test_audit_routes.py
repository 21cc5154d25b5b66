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
    page = client.get("/audit").json()
    everything = page["records"]
    assert (page["schema_version"], page["has_more"], page["next"]) == (3, False, everything[-1]["id"])
    assert [(e["actor"], e["action"]) for e in everything] == [("hr.admin", "roster.import"), ("lms.admin", "exempt")]
    assert everything[1]["before"] == {"status": "amber"}
    assert everything[1]["reason"] == "long-term leave"
    assert [e["action"] for e in client.get("/audit", params={"learner": "P00001"}).json()["records"]] == ["exempt"]
    assert [e["action"] for e in client.get("/audit", params={"since": "2026-11-01"}).json()["records"]] == ["exempt"]
    first = client.get("/audit", params={"limit": 1}).json()
    assert (first["records"], first["next"], first["has_more"]) == (everything[:1], everything[0]["id"], True)
    second = client.get("/audit", params={"after": first["next"], "limit": 1}).json()
    assert (second["records"], second["has_more"]) == (everything[1:], False)
    assert client.get("/audit", params={"limit": 51}).status_code == 422
    # Version 1, the list before the contract, is still served on request.
    assert client.get("/audit", params={"schema_version": 1}).json() == everything
