"""The trend over a real store (SQLite and PostgreSQL): the roster's people, leavers included until they left,
their stored evidence and exemptions read in a few queries, evaluated at each month's end."""

from __future__ import annotations

from datetime import date

from lrs_adapter.pipeline.trend import roster_trend, tracked_people
from lrs_adapter.rules.trend import month_ends
from lrs_adapter.store import Database
from lrs_adapter.store.certifications import stored_evidence, stored_evidence_of
from lrs_adapter.store.exemptions import ALL, Exemption, save_exemption
from tests.helpers.changelog import PREVENT, sync
from tests.helpers.prevent import IRI, SATISFIED, statement

#: id, department, assigned, left: on the roster from `assigned` until the day before `left`.
PEOPLE = [
    ("P00001", "Highways", "2024-01-01", None),
    ("P00002", "Highways", "2024-01-01", "2024-04-01"),  # left on 1 April: counted to March
    ("P00003", "Adult Care", "2024-03-15", None),
]


def roster(db: Database) -> None:
    with db.transaction():
        for learner, department, assigned, left in PEOPLE:
            db.execute(
                "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
                " on_roster, updated_at) VALUES (?, ?, ?, 'M1', 'Office', 0, ?, ?, ?, 'n')",
                (learner, f"Name {learner}", department, assigned, left, 0 if left else 1),
            )
        save_exemption(db, Exemption("P00003", ALL, date(2024, 5, 1), "leave", "ann", "n"))
    sync(
        db,
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2024-02-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2022-03-01T10:00:00Z"),
    )


def test_each_month_counts_the_roster_then_with_todays_evidence(db: Database) -> None:
    roster(db)
    months = roster_trend(db, [PREVENT], month_ends(date(2024, 1, 1), date(2024, 6, 1)))
    counts = {m.day.month: (m.counts, m.people) for m in months}
    nothing = {"red": 0, "amber": 0, "green": 0, "exempt": 0, "none": 0}
    assert counts[1] == ({**nothing, "amber": 2}, 2)  # P00001 new (amber); P00002 certified 2022, window open
    assert counts[2] == ({**nothing, "amber": 1, "green": 1}, 2)  # P00001 certified on 10 February
    assert counts[3] == ({**nothing, "red": 1, "green": 1, "exempt": 1}, 3)  # P00002 due 1 March 2024, P00003 away
    assert counts[4] == ({**nothing, "green": 1, "exempt": 1}, 2)  # P00002 gone
    assert counts[5] == ({**nothing, "green": 1, "amber": 1}, 2)  # the exemption over, P00003's window open
    highways = roster_trend(db, [PREVENT], [date(2024, 3, 31)], department="Highways")
    assert (highways[0].counts["red"], highways[0].people) == (1, 2)


def test_the_evidence_read_for_everyone_is_each_ones_evidence(db: Database) -> None:
    roster(db)
    everyone = stored_evidence_of(db, ["P00001", "P00002", "P00003"])
    assert set(everyone) == {("P00001", "prevent"), ("P00002", "prevent")}
    for (learner, certification), found in everyone.items():
        assert found == stored_evidence(db, learner, certification)
    tracked = {t.learner: t for t in tracked_people(db, [PREVENT])}
    assert tracked["P00002"].left_on == date(2024, 4, 1)
    assert tracked["P00003"].exempt_until == date(2024, 5, 1)
    assert tracked["P00003"].pieces == []
