"""Learners on both stores: snapshots and leavers, resolution by account, email and second payroll number."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.roster import RosterRow
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.learners import (
    RosterCounts,
    import_roster,
    is_known,
    is_manager_known,
    learner_facts,
    learner_row,
    managers,
    on_roster_of,
    resolve,
    roster_spans,
    unresolved,
)
from lrs_adapter.store.statements import save_statements
from tests.helpers.prevent import HOME, IRI, RECEIVED, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
ROSTER = read_roster(ROOT / "fixtures" / "roster.csv")
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
TODAY = date(2026, 6, 1)


def roster(db: Database, rows: list[RosterRow] = ROSTER) -> RosterCounts:
    return import_roster(db, rows, home_page=HOME, today=TODAY, now="now")


def pull(db: Database, *statements: dict[str, Any]) -> None:
    accepted = [take_in(dict(s), source="t", received_at=RECEIVED) for s in statements]
    assert all(isinstance(a, Accepted) for a in accepted)
    with db.transaction():
        save_statements(db, accepted, connector="c", run_id=1, received_at="now")  # type: ignore[arg-type]


def by_mbox(email: str) -> dict[str, Any]:
    s = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=email)
    s["actor"] = {"objectType": "Agent", "mbox": f"mailto:{email}"}
    return s


def test_snapshot_counts_and_leavers_are_kept(db: Database) -> None:
    first = roster(db)
    assert (first.added, first.changed, first.leavers) == (5, 0, 0)
    again = roster(db)
    assert (again.added, again.changed, again.unchanged, again.leavers) == (0, 0, 5, 0)
    without_cat = [row for row in ROSTER if row.name != "Cat Placeholder"]
    changed = [replace(row, department="Libraries") if row.name == "Ann Example" else row for row in without_cat]
    third = roster(db, changed)
    assert (third.added, third.changed, third.unchanged, third.leavers) == (0, 1, 3, 1)
    assert db.one("SELECT on_roster, left_on FROM learners WHERE id = 'P00003'") == (0, "2026-06-01")
    assert resolve(db, ["mbox:mailto:cat.placeholder@learning.example.gov.uk"], HOME) == {
        "mbox:mailto:cat.placeholder@learning.example.gov.uk": "P00003"
    }, "a leaver's history must still resolve to them"


def test_accounts_resolve_without_a_roster_and_second_numbers_through_it(db: Database) -> None:
    assert resolve(db, [f"account:{HOME} P12345", "account:https://elsewhere.org P1"], HOME) == {
        f"account:{HOME} P12345": "P12345"
    }
    roster(db)
    assert resolve(db, [f"account:{HOME} P07002"], HOME) == {f"account:{HOME} P07002": "P00002"}


def test_an_email_actor_is_unresolved_until_the_roster_knows_it_then_mapped(db: Database) -> None:
    pull(db, by_mbox("new.starter@learning.example.gov.uk"))
    counts = map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert (counts.learners, counts.unresolved) == (0, 1)
    assert [row[0] for row in unresolved(db, HOME)] == ["mbox:mailto:new.starter@learning.example.gov.uk"]
    rows = [
        *ROSTER,
        replace(
            ROSTER[0],
            line=7,
            payroll_numbers=("P00777",),
            name="New Starter",
            work_emails=("new.starter@learning.example.gov.uk",),
        ),
    ]
    assert roster(db, rows).requeued >= 1
    # Everyone on the roster is evaluated (assignment dates), the newcomer's statement mapped at last.
    assert map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME).learners == len(rows)
    assert db.execute("SELECT learner, option_id FROM evidence") == [("P00777", "elearning")]
    assert unresolved(db, HOME) == []


def test_one_person_under_two_identifiers_is_mapped_as_one(db: Database) -> None:
    roster(db)
    pull(
        db,
        by_mbox("b.sample@learning.example.gov.uk"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P07002", timestamp="2026-04-01T10:00:00Z"),
    )
    assert map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME).learners == len(ROSTER)
    assert db.execute("SELECT learner, COUNT(*) FROM evidence GROUP BY learner") == [("P00002", 2)]


def _learners(db: Database) -> None:
    with db.transaction():
        db.executemany(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
            " on_roster, updated_at) VALUES (?, ?, 'Care', ?, 'G', 0, '2024-01-01', ?, ?, 'now')",
            [("p1", "Ann", "m1", None, 1), ("p2", "Bo", None, "2025-01-01", 0)],
        )
        db.execute(
            "INSERT INTO certification_states (learner, certification, as_of, status, evidence_ids, evaluated_at)"
            " VALUES ('p9', 'c', '2026-01-01', 'red', '[]', 'now')"
        )


def test_is_known_on_the_roster_once_or_evaluated(db: Database) -> None:
    _learners(db)
    assert [is_known(db, learner) for learner in ("p1", "p2", "p9", "p0")] == [True, True, True, False]


def test_learner_row_and_learner_facts_read_the_roster_as_it_stands(db: Database) -> None:
    _learners(db)
    row = learner_row(db, "p2")
    assert row is not None
    assert row.as_dict() == {
        "name": "Bo",
        "email": None,
        "department": "Care",
        "manager": None,
        "staff_group": "G",
        "on_roster": 0,
        "assigned_on": "2024-01-01",
        "left_on": "2025-01-01",
    }
    assert learner_row(db, "p9") is None
    facts = learner_facts(db, {"p1", "p2", "p9"})
    assert sorted(facts) == ["p1", "p2"]
    assert (facts["p1"].on_roster, facts["p1"].manager, facts["p1"].department) == (True, "m1", "Care")
    assert (facts["p2"].on_roster, facts["p2"].manager, facts["p2"].staff_group) == (False, None, "G")


def test_on_the_roster_as_of_a_day_leaves_out_leavers(db: Database) -> None:
    leaving = [replace(row, left_on=date(2026, 7, 1)) if row.name == "Ann Example" else row for row in ROSTER]
    roster(db, leaving)
    everyone = ["P00001", "P00002", "P00003"]
    assert on_roster_of(db, everyone, date(2026, 6, 30)) == {"P00001", "P00002", "P00003"}
    assert on_roster_of(db, everyone, date(2026, 7, 1)) == {"P00002", "P00003"}  # their leaving day: left
    roster(db, [row for row in ROSTER if row.name != "Cat Placeholder"])  # gone from HR's snapshot: a leaver
    assert on_roster_of(db, everyone, date(2026, 6, 1)) == {"P00001", "P00002"}


def test_managers_are_those_the_roster_names_and_a_manager_is_known_by_the_roster(db: Database) -> None:
    roster(db)
    assert managers(db) == ["P00900", "P00901"]
    assert is_manager_known(db, "P00901")
    assert is_manager_known(db, "P00001")  # on the roster: an empty team, not a mistake
    assert not is_manager_known(db, "NOBODY")
    roster(db, [row for row in ROSTER if row.manager != "P00901"])  # their one report leaves
    assert managers(db) == ["P00900"]


def test_roster_spans_keep_leavers_with_their_dates(db: Database) -> None:
    roster(db)
    roster(db, [row for row in ROSTER if row.payroll_numbers[0] != "P00003"])
    spans = {row.id: (row.department, row.assigned_on, row.left_on) for row in roster_spans(db)}
    assert spans["P00003"] == ("Highways", "2025-01-06", TODAY.isoformat())  # left as of the import that dropped them
    assert spans["P00001"][2] is None
    assert [row.id for row in roster_spans(db, "Highways")] == ["P00003", "P00901"]
