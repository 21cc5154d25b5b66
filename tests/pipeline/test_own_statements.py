"""The adapter's own statements are known by their derived ids, exactly: what the results sink writes is, a
learner's statement that looks alike is not."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from lrs_adapter.model.events import Cycle
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.own_statements import OwnStatements
from lrs_adapter.rules.events import cycle_statement_id
from lrs_adapter.sinks.certification_statement import EVIDENCE_IDS, ISSUE, earned_statement, voiding_statement
from tests.helpers.prevent import HOME, RECEIVED
from tests.helpers.pushing import PREVENT

OURS = OwnStatements.of([PREVENT.certification])
CERT = PREVENT.certification


def payload(learner: str = "P00010", issue: int = 0) -> dict[str, Any]:
    evidence = ("e1", "e2")
    cycle = Cycle(
        cycle_statement_id(learner, CERT.id, "2028-03-31", evidence, issue=issue),
        issue,
        "elearning",
        "2025-03-10T10:00:00Z",
        "2025-03-10",
        "2028-03-31",
        "2028-01-01",
        evidence,
        ("3f1c2b7e-0000-4000-8000-000000000001",),
        (),
    )
    return {"learner": learner, "occurred_at": "2026-06-01T06:00:00Z", "cycle": cycle.as_record()}


def accepted(statement: dict[str, Any]) -> Accepted:
    statement = copy.deepcopy(statement) | {"stored": "2026-06-01T06:00:01Z"}
    outcome = take_in(statement, source="test", received_at=RECEIVED)
    assert isinstance(outcome, Accepted), outcome
    return outcome


def earned(learner: str = "P00010", issue: int = 0) -> dict[str, Any]:
    return earned_statement(payload(learner, issue), home_page=HOME, activity=CERT.iri, name=CERT.name)


def test_what_the_results_sink_writes_is_ours() -> None:
    assert OURS.wrote(accepted(earned()))
    assert OURS.wrote(accepted(voiding_statement(payload(), home_page=HOME)))


def test_a_cycle_issued_again_is_ours_by_the_issue_it_carries() -> None:
    first, second = earned(), earned(issue=1)
    assert ISSUE not in first["result"]["extensions"]  # a first issue is written as before reissues existed
    assert second["result"]["extensions"][ISSUE] == 1
    assert second["id"] != first["id"]
    assert OURS.wrote(accepted(second))
    assert OURS.wrote(accepted(voiding_statement(payload(issue=1), home_page=HOME)))
    for forged in (2, "1", True, -1):  # says another issue than its id, or none a number can be
        other = earned(issue=1)
        other["result"]["extensions"][ISSUE] = forged
        assert not OURS.wrote(accepted(other))
    dropped = earned(issue=1)
    del dropped["result"]["extensions"][ISSUE]
    assert not OURS.wrote(accepted(dropped))


def test_alike_statements_with_other_ids_are_a_learners() -> None:
    assert not OURS.wrote(accepted(earned() | {"id": str(uuid.uuid4())}))  # earned about the certification
    assert not OURS.wrote(accepted(voiding_statement(payload(), home_page=HOME) | {"id": str(uuid.uuid4())}))
    other = earned()
    other["result"]["extensions"][EVIDENCE_IDS] = ["e1", "e3"]  # says another cycle than its id
    assert not OURS.wrote(accepted(other))
    assert not OURS.wrote(accepted(earned("P00011") | {"id": earned()["id"]}))


def test_our_statement_about_a_certification_not_configured_is_not_recognised() -> None:
    assert not OwnStatements.of([]).wrote(accepted(earned()))


def test_an_earned_statement_without_what_the_adapter_writes_is_a_learners() -> None:
    for broken in (
        earned() | {"result": {"completion": True}},
        earned() | {"actor": {"mbox": "mailto:a@example.org"}},
        earned() | {"result": {"extensions": {EVIDENCE_IDS: [1, 2]}}},
    ):
        assert not OURS.wrote(accepted(broken))
