"""Smoke tests: the fixtures start real LRSs that behave as the adapter's tests assume."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS, LearningLocker, require

pytestmark = pytest.mark.lrs


def test_learning_locker_pages_with_more_and_consistent_through(learning_locker: LRS) -> None:
    statements = make_statements(3)
    assert learning_locker.post(statements) == [s["id"] for s in statements]

    page = learning_locker.get("statements", ascending="true", limit=2)

    assert page.status_code == 200, page.text
    assert page.headers["X-Experience-API-Consistent-Through"]
    body = page.json()
    assert [s["id"] for s in body["statements"]] == [s["id"] for s in statements[:2]]
    assert body["more"].startswith("/xAPI/statements?")  # relative to the server root
    last = learning_locker.get(body["more"]).json()
    assert [s["id"] for s in last["statements"]] == [statements[2]["id"]]
    assert last["more"] == ""


def test_learning_locker_rejects_bad_credentials_and_invalid_statements(learning_locker: LRS) -> None:
    url = f"{learning_locker.endpoint}statements"
    headers = {**learning_locker.headers, "Authorization": "Basic missing_token"}
    assert learning_locker.session.get(url, headers=headers, timeout=10).status_code == 401
    invalid = {"actor": {"mbox": "not-a-mailto"}}
    response = learning_locker.session.post(url, json=[invalid], headers=learning_locker.headers, timeout=10)
    assert response.status_code == 400


def test_learning_locker_stop_leaves_no_process(tmp_path: Path) -> None:
    require("learning_locker")
    server = LearningLocker(tmp_path)
    server.start()
    pgid = server.process.pid if server.process else 0
    server.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(pgid, 0)


def test_ralph_serves_its_loaded_statements(ralph: LRS) -> None:
    loaded = [s["id"] for s in ralph.loaded]

    page = ralph.get("statements", limit=50)

    assert page.status_code == 200, page.text
    body = page.json()
    assert [s["id"] for s in body["statements"]] == loaded[:50]  # the fs backend returns file order
    assert body["more"].startswith("/xAPI/statements?")
    seen, url = [], "statements"
    while url:  # at the default page size (capped at 100) every loaded statement comes back once
        body = ralph.get(url).json()
        seen += [s["id"] for s in body["statements"]]
        url = body.get("more", "")  # Ralph leaves "more" out on the last page
    assert seen == loaded


def test_ralph_requires_credentials(ralph: LRS) -> None:
    response = ralph.session.get(f"{ralph.endpoint}statements", params={"limit": 1}, timeout=10)
    assert response.status_code == 401
