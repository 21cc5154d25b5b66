"""Fault injection against a real LRS: 50 seeded schedules of dropped connections, 429s with Retry-After, 500s,
503s, answers held past the read timeout and torn bodies, each schedule spanning both rounds of a certification's
traffic (8+ pages pulled, 20+ statements pushed) with at least 3 faults; after each, the store, the feed and what
the LRS received equal the fault-free run's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lrs_adapter.sinks.certification_statement import EARNED
from tests.helpers.certification_run import differences, rounds, run_both_rounds
from tests.helpers.lrs_servers import LRS
from tests.helpers.transport_faults import FaultPlan, faulty_sessions

SCHEDULES = 50
#: The adapter's requests in the two rounds without faults (pull pages, statement PUTs: ~112): faults land among them.
REQUESTS_IN_A_RUN = 110


def test_the_fault_free_run_certifies_revokes_and_re_certifies(fault_free: dict[str, Any]) -> None:
    """The reference is itself checked, so that comparing with it means something."""
    one, two = rounds()
    stored = {row[0] for row in fault_free["statements"]}
    assert {s["id"] for s in one + two} <= stored
    # The certification statements pushed come back on the next pulls, and are skipped as the adapter's own.
    assert EARNED not in {verb for _, _, verb, _ in fault_free["statements"]}
    assert not {earned_id for earned_id, _, _ in fault_free["lrs_received"]["earned"]} & stored
    earned = {name for _, name, _ in fault_free["lrs_received"]["earned"]}
    assert {f"P1{n:04d}" for n in (1, 2, *range(5, 17))} <= earned  # P10003 and P10004: voided, not re-sent
    assert not {"P10003", "P10004"} & earned
    revoked = [event for _, event, _, _ in fault_free["outbox"] if event == "revoked"]
    assert len(revoked) == 4
    assert len(fault_free["lrs_received"]["voided"]) == 4 + 4  # the source's and ours


@pytest.mark.parametrize("seed", range(SCHEDULES))
def test_a_faulty_schedule_ends_in_the_fault_free_state(
    seed: int, fault_free: dict[str, Any], fresh_lrs: LRS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = FaultPlan.seeded(seed, requests_in_a_run=REQUESTS_IN_A_RUN)
    plan.read_timeout = 0.2
    monkeypatch.setattr("requests.Session", faulty_sessions(plan))
    got = run_both_rounds(fresh_lrs, tmp_path)
    assert len(plan.met) >= 3, f"only {plan.met} of {plan.faults} were met"
    assert differences(got, fault_free) == {}, f"after faults {plan.met}"
