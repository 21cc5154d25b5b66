"""Certification results pushed to a real LRS (Learning Locker's statements service) and read back from it,
with the webhook on a real local HTTP server and the agent profile (which neither test LRS has) on `responses`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.config import SINK_EVENTS, Config, ConnectorConfig, LrsConfig, RetryPolicy, SinkConfig
from lrs_adapter.pipeline.pull import pull
from lrs_adapter.pipeline.push import PushCounts, deliver
from lrs_adapter.pipeline.settle import reevaluate, settle
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.sinks import sink_events
from lrs_adapter.sinks.agent_profile import KEY
from lrs_adapter.sinks.certification_statement import DUE_ON, EARNED, ISSUE, VOIDED, voiding_statement_id
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.corrections import completion_of, retract, unretract
from lrs_adapter.store.outbox import DELIVERED, deliveries, mark_delivered
from tests.helpers.certification_run import config as certification_config
from tests.helpers.certification_run import post, received, rounds, sync_until_done
from tests.helpers.lrs_servers import LRS
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import PREVENT
from tests.helpers.stored import stored_ids

PREVENT_FILE = Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml"
FAST = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=0.05, max_total=1)
SECRET = "hook-secret"


def config(lrs: LRS, tmp_path: Path, *, hook: str | None = None, profile: bool = False) -> Config:
    sinks = {"lrs": SinkConfig(name="lrs", kind="lrs_statements", events=SINK_EVENTS["lrs_statements"], lrs="ll")}
    if hook:
        sinks["hook"] = SinkConfig(
            name="hook", kind="webhook", events=SINK_EVENTS["webhook"], url=hook, secret_env="HOOK", retry=FAST
        )
    if profile:
        sinks["profile"] = SinkConfig(
            name="profile", kind="agent_profile", events=SINK_EVENTS["agent_profile"], lrs="ll"
        )
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        mappings=(PREVENT_FILE,),  # the pull knows the adapter's own statements about it
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        lrs={"ll": LrsConfig(name="ll", endpoint=lrs.endpoint, username="any", page_size=100, retry=FAST)},
        connectors={"ll": ConnectorConfig(name="ll", lrs="ll")},
        home_page=HOME,
        sinks=sinks,
        max_attempts=3,
        roster_only=False,  # no roster here: every learner evaluated is pushed
    )


def every_statement(lrs: LRS) -> set[str]:
    found: set[str] = set()
    url: str | None = "statements"
    params: dict[str, Any] = {"limit": 500}
    while url:
        body = lrs.get(url, **params).json()
        found |= {s["id"] for s in body["statements"]}
        url, params = body.get("more") or None, {}
    return found


def sync(cfg: Config, db: Database, day: str) -> PushCounts:
    """`lrs-adapter sync` on a given day: pull, settle as of that day, push."""
    pull(cfg, db, "ll")
    settle(cfg, db, [PREVENT], datetime.fromisoformat(f"{day}T06:00:00+00:00").astimezone(UTC))
    return deliver(cfg, db, [PREVENT])


def earned(lrs: LRS) -> list[dict[str, Any]]:
    """The certification statements the LRS holds: a voided one no longer answers queries, though its voiding
    statement does (xAPI returns the voiding statements of what matches the filter)."""
    body = lrs.get("statements", verb=EARNED, limit=500).json()
    assert not body.get("more")
    return [s for s in body["statements"] if s["verb"]["id"] == EARNED]


def elearning(learner: str, when: str = "2025-01-10T10:00:00Z") -> dict[str, Any]:
    made = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=when)
    made.pop("stored")
    return made


def test_a_sync_run_twice_pushes_each_result_once(learning_locker: LRS, db: Database, tmp_path: Path) -> None:
    learning_locker.post([elearning(f"P0000{i}") for i in range(1, 4)])
    cfg = config(learning_locker, tmp_path)
    assert sync(cfg, db, "2026-06-01").sinks["lrs"].delivered == 3
    assert sync(cfg, db, "2026-06-01").sinks["lrs"].delivered == 0
    held = earned(learning_locker)
    assert len(held) == len({s["id"] for s in held}) == 3
    assert {s["actor"]["account"]["name"] for s in held} == {"P00001", "P00002", "P00003"}
    assert {s["id"] for s in held} == {d.payload["cycle"]["statement_id"] for d in deliveries(db, sink="lrs")}
    first = held[0]
    assert first["object"]["id"] == PREVENT.certification.iri
    assert first["result"]["completion"] is True


def revoked_everywhere(
    learning_locker: LRS, certification: dict[str, Any], documents: list[dict[str, Any]], httpserver: HTTPServer
) -> None:
    """The cycle's certification statement voided in the LRS, the agent profile and the webhook told."""
    assert earned(learning_locker) == []
    withdrawn = learning_locker.get("statements", voidedStatementId=certification["id"])
    assert withdrawn.status_code == 200  # still there, voided: the voiding statement is ours
    voids = learning_locker.get("statements", verb=VOIDED).json()["statements"]
    assert certification["id"] in {v["object"]["id"] for v in voids}
    assert documents[-1][KEY]["last_event"] == "revoked"
    assert documents[-1][KEY]["status"] == "none"
    hooks = [request.get_json() for request, _ in httpserver.log]
    assert [h["event"] for h in hooks] == ["certified", "revoked"]
    assert hooks[1]["cycle"]["statement_id"] == certification["id"]


@responses.activate
def test_a_voided_completion_is_revoked_everywhere_and_a_resend_under_a_new_id_re_certifies(
    learning_locker: LRS, db: Database, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    responses.add_passthru(learning_locker.endpoint)
    responses.add_passthru(httpserver.url_for("/"))
    profile_url = learning_locker.endpoint + "agents/profile"
    documents: list[dict[str, Any]] = []

    def keep(request: Any) -> tuple[int, dict[str, str], str]:
        documents.append(json.loads(request.body))
        return 204, {}, ""

    responses.get(profile_url, status=404)
    responses.add_callback(responses.PUT, profile_url, callback=keep)
    monkeypatch.setenv("HOOK", SECRET)
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    cfg = config(learning_locker, tmp_path, hook=httpserver.url_for("/hook"), profile=True)

    completion = elearning("P00001")
    learning_locker.post([completion])
    sync(cfg, db, "2026-06-01")
    (certification,) = earned(learning_locker)

    learning_locker.post([voiding(completion) | {"timestamp": "2026-06-02T09:00:00Z"}])
    sync(cfg, db, "2026-06-02")
    revoked_everywhere(learning_locker, certification, documents, httpserver)

    resent = elearning("P00001") | {"id": "6d1c8a52-0f55-4c55-9a8e-1d7c3b0e4f21"}
    learning_locker.post([resent])
    sync(cfg, db, "2026-06-03")
    (again,) = earned(learning_locker)
    assert again["id"] != certification["id"]
    assert again["context"]["statement"]["id"] == resent["id"]
    assert learning_locker.get("statements", statementId=again["id"]).status_code == 200
    assert documents[-1][KEY]["last_event"] == "certified"
    assert documents[-1][KEY]["status"] == "green"
    assert [request.get_json()["event"] for request, _ in httpserver.log][-1] == "certified"


def administer(cfg: Config, db: Database, learner: str, day: str, change: Callable[[], object]) -> None:
    """An administrator's change to `learner` as the command makes it: in one transaction with the learner
    re-evaluated at once, then the push the next sync would make."""
    with db.transaction():
        change()
        reevaluate(db, learner, [PREVENT], f"{day}T09:00:00.000000Z", home_page=HOME, sinks=sink_events(cfg))
    deliver(cfg, db, [PREVENT])


def test_a_certification_retracted_then_restored_is_live_again_in_the_lrs_and_heard_three_times(
    learning_locker: LRS, db: Database, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Certified, revoked (the statement voided), certified again on the same evidence: a voided statement id
    stays voided at the LRS, so the cycle's second issue has a new id, live; the webhook's receiver, which drops an
    event id it has seen, hears all three; syncing again sends and stores nothing more."""
    monkeypatch.setenv("HOOK", SECRET)
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    cfg = config(learning_locker, tmp_path, hook=httpserver.url_for("/hook"))
    learning_locker.post([elearning("P00001")])
    sync(cfg, db, "2026-06-01")
    (first,) = earned(learning_locker)
    [completion_id] = [row.id for row in completions_of(db, "P00001")]
    completion = completion_of(db, "P00001", completion_id)
    assert completion is not None

    administer(cfg, db, "P00001", "2026-06-02", lambda: retract(db, "P00001", completion, "wrong person", "ann", "t"))
    assert earned(learning_locker) == []
    assert learning_locker.get("statements", voidedStatementId=first["id"]).status_code == 200
    administer(cfg, db, "P00001", "2026-06-03", lambda: unretract(db, "P00001", completion_id))

    (live,) = earned(learning_locker)
    assert live["id"] != first["id"]
    assert learning_locker.get("statements", statementId=live["id"]).status_code == 200  # not voided
    assert live["result"]["extensions"][ISSUE] == 1
    [state] = certification_states(db, learner="P00001")
    assert state["status"] == "green"
    assert live["result"]["extensions"][DUE_ON] == state["due_on"] == first["result"]["extensions"][DUE_ON]
    hooks = [request.get_json() for request, _ in httpserver.log]
    assert [(h["event"], h["cycle"]["statement_id"]) for h in hooks] == [
        ("certified", first["id"]),
        ("revoked", first["id"]),
        ("certified", live["id"]),
    ]
    assert len({h["event_id"] for h in hooks}) == 3
    synced_again_changes_nothing(cfg, db, learning_locker)
    assert [s["id"] for s in earned(learning_locker)] == [live["id"]]
    assert len(httpserver.log) == 3


def synced_again_changes_nothing(cfg: Config, db: Database, lrs: LRS) -> None:
    """Two more syncs: the pulls meet the adapter's own statements (skipped, not stored), nothing is evaluated
    anew, nothing put in the outbox or sent."""
    made = len(deliveries(db, limit=1000))
    for day in ("2026-06-04", "2026-06-05"):
        counts = sync(cfg, db, day)
        assert all(c.delivered == 0 for c in counts.sinks.values())
    assert len(deliveries(db, limit=1000)) == made
    assert not db.execute("SELECT id FROM statements WHERE verb_id IN (?, ?)", (EARNED, VOIDED))


def test_the_day_a_window_opens_emits_window_opened_and_no_statement(
    learning_locker: LRS, db: Database, tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK", SECRET)
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    cfg = config(learning_locker, tmp_path, hook=httpserver.url_for("/hook"))
    learning_locker.post([elearning("P00001", "2024-09-10T10:00:00Z")])  # due 2026-09-10, window opens 2026-03-10
    sync(cfg, db, "2026-03-09")
    assert len(earned(learning_locker)) == 1
    counts = sync(cfg, db, "2026-03-10")
    assert (counts.sinks["lrs"].delivered, counts.sinks["hook"].delivered) == (0, 1)
    hooks = [request.get_json() for request, _ in httpserver.log]
    assert [h["event"] for h in hooks] == ["certified", "window_opened"]
    assert hooks[1]["certification_state"]["status"] == "amber"
    assert hooks[1]["certification_state"]["window_opens_on"] == "2026-03-10"
    assert len(earned(learning_locker)) == 1
    sync(cfg, db, "2026-09-11")
    assert [request.get_json()["event"] for request, _ in httpserver.log][-1] == "overdue"


def test_a_push_killed_half_way_and_run_again_delivers_every_item_once(
    learning_locker: LRS, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    learning_locker.post([elearning(f"P0000{i}") for i in range(1, 6)])
    cfg = config(learning_locker, tmp_path)
    pull(cfg, db, "ll")
    settle(cfg, db, [PREVENT], datetime(2026, 6, 1, 6, tzinfo=UTC))

    class Killed(BaseException):
        """The process dies after the LRS acknowledged the third statement, before the outbox recorded it."""

    recorded = mark_delivered

    def dies_on_the_third(db: Database, ids: list[int], now: str) -> None:
        if len(deliveries(db, status=DELIVERED)) == 2:
            raise Killed
        recorded(db, ids, now)

    with monkeypatch.context() as patch:
        patch.setattr("lrs_adapter.pipeline.push.mark_delivered", dies_on_the_third)
        with pytest.raises(Killed):
            deliver(cfg, db, [PREVENT])
    assert len(earned(learning_locker)) == 3  # acknowledged by the LRS: two recorded, one not
    assert deliver(cfg, db, [PREVENT]).sinks["lrs"].delivered == 3  # the one in flight again, and the two unsent
    held = earned(learning_locker)
    assert len(held) == len({s["id"] for s in held}) == 5
    assert sorted(d.attempts for d in deliveries(db)) == [1, 1, 1, 1, 1]


def test_the_adapters_own_statements_pulled_back_are_skipped_and_counted(learning_locker: LRS, tmp_path: Path) -> None:
    """The results sink and the connector on one Learning Locker: the `earned` and voiding statements the adapter
    wrote come back on the next pulls, and never enter the store."""
    one, two = rounds()
    cfg = certification_config(learning_locker, tmp_path)
    db = open_store(cfg.store_url)
    post(learning_locker, one)
    sync_until_done(cfg, db)
    post(learning_locker, two)
    sync_until_done(cfg, db)
    held = received(learning_locker)
    everything = every_statement(learning_locker)
    our_voids = {voiding_statement_id(target) for target in held["voided"]} & everything
    assert len(our_voids) == 4  # the revoked certifications' (the other 4 voids are the source's)
    ours = {earned_id for earned_id, _, _ in held["earned"]} | our_voids
    assert len(ours) >= 14 + 4
    assert ours <= everything
    stored = stored_ids(db)
    assert not ours & stored
    assert everything - ours <= stored
    assert EARNED not in {row.verb_id for row in db.execute("SELECT DISTINCT verb_id FROM statements")}
    (total,) = db.execute("SELECT SUM(own) AS own FROM runs")
    assert total.own >= len(ours)  # a statement re-read at a cursor's millisecond is counted again
    db.close()
