"""Exemptions through the store: an exempt learner's state, change log and outbox say `exempt` with its end, the
state's next transition is that end, and the sync of that day puts the rules back (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.certifications import requeue_due
from lrs_adapter.store.exemptions import ALL, Exemption, exempt_until, remove_exemption, save_exemption
from lrs_adapter.store.learners import account_key, import_roster
from tests.helpers.prevent import HOME

ROOT = Path(__file__).resolve().parents[2]
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
SINKS = {"hook": frozenset({"exempted", "overdue"})}


def state_of(db: Database, learner: str) -> tuple[str, str | None, str | None]:
    row = db.one(
        "SELECT status, exempt_until, next_transition FROM certification_states WHERE learner = ? AND"
        " certification = 'prevent'",
        (learner,),
    )
    assert row is not None
    return row[0], row[1], row[2]


def test_exempt_until_a_day_then_the_rules_again_from_that_days_sync(db: Database) -> None:
    import_roster(db, read_roster(ROOT / "fixtures" / "roster.csv"), home_page=HOME, today=date(2026, 6, 1), now="n")
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME, sinks=SINKS)
    assert state_of(db, "P00001")[0] == "red"  # assigned 2024-09-01, due 2025-03-01, nothing completed

    with db.transaction():
        save_exemption(db, Exemption("P00001", ALL, date(2026, 9, 1), "long-term leave", "ann", "n"))
    db.execute("INSERT INTO learners_to_map (learner) VALUES ('payroll:P00001')")
    map_queued(db, [PREVENT], "2026-06-02T00:00:00.000000Z", home_page=HOME, sinks=SINKS)
    assert state_of(db, "P00001") == ("exempt", "2026-09-01", "2026-09-01")
    [record] = certification_states(db, learner="P00001")
    assert (record["status"], record["exempt_until"], record["due_on"]) == ("exempt", "2026-09-01", "2025-03-01")
    logged = db.execute("SELECT record FROM changes WHERE subject = 'P00001|prevent' ORDER BY seq")
    assert [orjson.loads(r[0])["status"] for r in logged] == ["red", "exempt"]
    events = db.execute("SELECT event FROM outbox WHERE learner = 'P00001' ORDER BY id")
    assert events == [("overdue",), ("exempted",)]
    assert [
        r["status"] for r in certification_states(db, learner="P00001", as_of=date(2026, 9, 1), mappings=[PREVENT])
    ] == ["red"]

    queued = "SELECT 1 FROM learners_to_map WHERE learner = ?"
    requeue_due(db, date(2026, 8, 31), HOME)
    assert db.one(queued, (account_key(HOME, "P00001"),)) is None  # still exempt: nothing to do
    requeue_due(db, date(2026, 9, 1), HOME)  # the exemption ends: the day's sync re-evaluates
    assert db.one(queued, (account_key(HOME, "P00001"),)) is not None
    map_queued(db, [PREVENT], "2026-09-01T00:00:00.000000Z", home_page=HOME, sinks=SINKS)
    assert state_of(db, "P00001") == ("red", None, None)
    assert db.execute("SELECT event FROM outbox WHERE learner = 'P00001' ORDER BY id")[-1] == ("overdue",)


def test_the_later_of_an_exemption_from_one_certification_and_from_all_holds(db: Database) -> None:
    with db.transaction():
        save_exemption(db, Exemption("P1", "prevent", date(2027, 1, 1), "leave", "ann", "n"))
        save_exemption(db, Exemption("P1", ALL, date(2026, 12, 1), "leave", "ann", "n"))
        save_exemption(db, Exemption("P1", ALL, date(2026, 12, 15), "leave extended", "ann", "n"))  # replaces
    assert exempt_until(db, "P1", "prevent") == date(2027, 1, 1)
    assert exempt_until(db, "P1", "information-governance") == date(2026, 12, 15)
    assert exempt_until(db, "P2", "prevent") is None
    with db.transaction():
        removed = remove_exemption(db, "P1", "prevent")
    assert removed is not None
    assert removed.until == date(2027, 1, 1)
    assert exempt_until(db, "P1", "prevent") == date(2026, 12, 15)
