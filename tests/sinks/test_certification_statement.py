"""The certification statements as tincan writes them, checked by the adapter's own statement checker."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lrs_adapter.sinks.certification_statement import (
    DUE_ON,
    EARNED,
    EVIDENCE_STATEMENTS,
    RECORDED_EVIDENCE,
    WINDOW_OPENS_ON,
    earned_statement,
    voiding_statement,
)
from lrs_adapter.sources.recorded import read_register
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.learners import import_roster
from lrs_adapter.store.recorded import save_recorded
from lrs_adapter.xapi.statement import check_statement
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.pushing import PREVENT, evaluate, take

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-06-01T00:00:00.000000Z"
CERT = PREVENT.certification


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_the_earned_statement_is_valid_xapi_and_says_what_the_profile_asks(db: Database, version: str) -> None:
    completion = statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z")
    take(db, completion)
    (certified,) = [d for d in evaluate(db, NOW) if d.event == "certified"]
    built = earned_statement(certified.payload, home_page=HOME, activity=CERT.iri, name=CERT.name)
    check_statement(built, version)
    assert "version" not in built  # the LRS records the version it accepted
    assert built["id"] == certified.payload["cycle"]["statement_id"]
    assert built["verb"]["id"] == EARNED
    assert built["object"]["id"] == CERT.iri
    assert built["actor"]["account"] == {"homePage": HOME, "name": "P00001"}
    assert built["result"]["completion"] is True
    assert built["result"]["extensions"][DUE_ON] == "2027-01-10"
    assert built["result"]["extensions"][WINDOW_OPENS_ON] == "2026-07-10"
    assert built["result"]["extensions"][EVIDENCE_STATEMENTS] == [completion["id"]]
    assert built["context"]["statement"] == {"objectType": "StatementRef", "id": completion["id"]}


def test_a_register_row_has_no_statement_so_its_file_and_line_go_in_an_extension(db: Database) -> None:
    rows, _ = read_register(ROOT / "fixtures" / "registers" / "highways-depot-briefing.csv", today=date(2026, 6, 1))
    import_roster(db, read_roster(ROOT / "fixtures" / "roster.csv"), home_page=HOME, today=date(2026, 6, 1), now="now")
    save_recorded(db, rows, certification="prevent", now=NOW)
    certified = {d.learner: d for d in evaluate(db, NOW) if d.event == "certified"}
    built = earned_statement(certified["P00003"].payload, home_page=HOME, activity=CERT.iri, name=CERT.name)
    check_statement(built)
    assert "statement" not in built["context"]
    assert built["context"]["extensions"][RECORDED_EVIDENCE] == ["highways-depot-briefing.csv:2"]


def test_the_voiding_statement_targets_the_cycle_and_is_the_same_every_time(db: Database) -> None:
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", timestamp="2025-01-10T10:00:00Z"))
    (certified,) = [d for d in evaluate(db, NOW) if d.event == "certified"]
    void = voiding_statement(certified.payload, home_page=HOME)
    check_statement(void)
    assert void["object"] == {"objectType": "StatementRef", "id": certified.payload["cycle"]["statement_id"]}
    assert voiding_statement(certified.payload, home_page=HOME)["id"] == void["id"]
