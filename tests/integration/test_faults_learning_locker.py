"""Fault injection against a real LRS: 50 seeded schedules of dropped connections, 429s with Retry-After, 500s,
503s, answers held past the read timeout and torn bodies, each schedule spanning both rounds of a certification's
traffic (8+ pages pulled, 20+ statements pushed) with at least 3 faults; after each, the store, the feed and what
the LRS received equal the fault-free run's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certification_run import config, outcome, post, rounds, sync_until_done
from lrs_servers import LRS, LearningLocker, require

from lrs_adapter.store import open_store
from transport_faults import FaultPlan, faulty_sessions

SCHEDULES = 50
#: The adapter's requests in the two rounds without faults (pull pages, statement PUTs: ~112): faults land among them.
REQUESTS_IN_A_RUN = 110


def run(lrs: LRS, tmp_path: Path, store_url: str | None = None) -> dict[str, Any]:
    one, two = rounds()
    cfg = config(lrs, tmp_path, store_url=store_url, read_timeout=5)
    db = open_store(cfg.store_url)
    try:
        post(lrs, one)
        sync_until_done(cfg, db)
        post(lrs, two)
        sync_until_done(cfg, db)
        return outcome(db, lrs)
    finally:
        db.close()


@pytest.fixture
def fresh_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("ll"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def fault_free(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("ll-reference"))
    try:
        lrs = server.start()
        return run(lrs, tmp_path_factory.mktemp("reference"))
    finally:
        server.stop()


def test_the_fault_free_run_certifies_revokes_and_re_certifies(fault_free: dict[str, Any]) -> None:
    """The reference is itself checked, so that comparing with it means something."""
    one, two = rounds()
    stored = {row[0] for row in fault_free["statements"]}
    assert {s["id"] for s in one + two} <= stored  # and the certification statements pushed, pulled back
    earned = {name for _, name, _ in fault_free["lrs_received"]["earned"]}
    assert {f"P1{n:04d}" for n in (1, 2, *range(5, 17))} <= earned  # P10003 and P10004: voided, not re-sent
    assert not {"P10003", "P10004"} & earned
    revoked = [event for _, event, _, _ in fault_free["outbox"] if event == "revoked"]
    assert len(revoked) == 4 and len(fault_free["lrs_received"]["voided"]) == 4 + 4  # the source's and ours


@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_a_faulty_schedule_ends_in_the_fault_free_state(
    seed: int, fault_free: dict[str, Any], fresh_lrs: LRS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = FaultPlan.seeded(seed, requests_in_a_run=REQUESTS_IN_A_RUN)
    plan.read_timeout = 0.2
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    got = run(fresh_lrs, tmp_path)
    assert len(plan.met) >= 3, f"only {plan.met} of {plan.faults} were met"
    for part, expected in fault_free.items():
        assert got[part] == expected, f"{part} differs after faults {plan.met}"
