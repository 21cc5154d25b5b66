"""Attendance as joined/left statements: shaped by the mapping's presence component, the same from either platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.attendance import Interval
from lrs_adapter.sources.attendance import read_report
from lrs_adapter.xapi.attendance import attendance_statements, session_activities
from lrs_adapter.xapi.statement import check_statement

ROOT = Path(__file__).resolve().parents[2]
PRESENT = load_mapping(ROOT / "mappings" / "prevent.toml").options["webinar_live"].components["present"]
SESSION_PREFIX = "https://learning.example.gov.uk/xapi/activities/prevent-webinar-live/session/"
LONDON = ZoneInfo("Europe/London")


def _report(name: str) -> list[dict[str, object]]:
    report = read_report(ROOT / "fixtures" / "attendance" / name, LONDON)
    return [statement for _, statement in attendance_statements(report.intervals, PRESENT, "2026-03-10", frozenset())]


def _interval(*addresses: str, name: str = "Kim Lee") -> Interval:
    return Interval(
        "r.csv:2", name, addresses, datetime(2026, 3, 10, 10, tzinfo=UTC), datetime(2026, 3, 10, 11, tzinfo=UTC)
    )


def test_a_teams_and_a_zoom_report_of_one_session_make_the_same_statements() -> None:
    teams = _report("teams-prevent-webinar-2026-03-10.csv")
    zoom = _report("zoom-prevent-webinar-2026-03-10.csv")
    assert len(teams) == 14
    assert sorted(teams, key=lambda s: str(s["id"])) == sorted(zoom, key=lambda s: str(s["id"]))
    assert len({s["id"] for s in teams}) == 14


def test_each_statement_is_one_the_checker_takes_on_the_profile_s_session_and_parent() -> None:
    for statement in _report("teams-prevent-webinar-2026-03-10.csv"):
        checked = check_statement(statement, "1.0.3")
        assert checked.object_id == SESSION_PREFIX + "2026-03-10"
        assert checked.verb_id in ("http://activitystrea.ms/join", "http://activitystrea.ms/leave")
        assert statement["context"]["contextActivities"] == {  # type: ignore[index]
            "parent": [
                {"objectType": "Activity", "id": "https://learning.example.gov.uk/xapi/activities/prevent-webinar-live"}
            ]
        }


def test_the_address_the_roster_knows_is_the_actor_else_the_first_else_the_name() -> None:
    email, upn = "kim.lee@council.example", "k.lee@council.onmicrosoft.com"
    made = attendance_statements(
        [_interval(email, upn), _interval(email, upn), _interval(name="Pat Guest")], PRESENT, "s1", frozenset({upn})
    )
    actors = [statement["actor"] for _, statement in made[::2]]
    assert actors[0] == {"objectType": "Agent", "mbox": f"mailto:{upn}"}
    unknown = attendance_statements([_interval(email, upn)], PRESENT, "s1", frozenset())[0][1]["actor"]
    assert unknown == {"objectType": "Agent", "mbox": f"mailto:{email}"}
    assert actors[2] == {"objectType": "Agent", "account": {"homePage": SESSION_PREFIX + "s1", "name": "Pat Guest"}}


def test_a_session_id_is_made_part_of_the_iri_and_the_stretch_its_id() -> None:
    assert session_activities(PRESENT, "Cohort 3/March")[0] == SESSION_PREFIX + "Cohort%203%2FMarch"
    one = attendance_statements([_interval("a@b.example")], PRESENT, "s1", frozenset())
    later = replace(_interval("a@b.example"), left=datetime(2026, 3, 10, 11, 5, tzinfo=UTC))
    other = attendance_statements([later], PRESENT, "s1", frozenset())
    assert one[0][1]["id"] != other[0][1]["id"]
    assert one == attendance_statements([_interval("a@b.example")], PRESENT, "s1", frozenset())


def test_a_presence_component_naming_no_object_cannot_make_a_session() -> None:
    parent_only = replace(PRESENT, activities=PRESENT.activities[1:])
    with pytest.raises(ConfigError, match="names no activity"):
        session_activities(parent_only, "s1")
