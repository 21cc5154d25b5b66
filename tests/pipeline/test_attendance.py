"""`attendance import` end to end in the store (SQLite and PostgreSQL): a Teams and a Zoom report of one webinar
give the same evidence; the union counts a person who left and came back; 40 minutes is not counted, and says why;
the same file twice adds nothing; guests and unknown addresses are held, never dropped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lrs_adapter.config import Config, load_config
from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.pipeline.attendance import AttendanceImport, import_attendance
from lrs_adapter.pipeline.settle import settle
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.learners import import_roster, unresolved
from lrs_adapter.store.runs import list_runs
from tests.helpers.configs import WriteConfig

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "attendance"
TEAMS = FIXTURES / "teams-prevent-webinar-2026-03-10.csv"
ZOOM = FIXTURES / "zoom-prevent-webinar-2026-03-10.csv"
HOME = "https://learning.example.gov.uk"
NOW = datetime(2026, 3, 11, 8, tzinfo=UTC)


@pytest.fixture
def config(write_config: WriteConfig) -> Config:
    mapping = ROOT / "mappings" / "prevent.toml"
    return load_config(write_config(f'mappings = ["{mapping}"]\n[roster]\nhome_page = "{HOME}"\n'))


def _with_roster(db: Database) -> Database:
    import_roster(db, read_roster(ROOT / "fixtures" / "roster.csv"), home_page=HOME, today=date(2026, 3, 1), now="x")
    return db


@pytest.fixture
def second_store(tmp_path: Path) -> Iterator[Database]:
    db = open_store(f"sqlite:///{tmp_path / 'second.db'}")
    try:
        yield _with_roster(db)
    finally:
        db.close()


def _import(config: Config, db: Database, file: Path, session: str = "2026-03-10") -> AttendanceImport:
    return import_attendance(config, db, file, option="webinar_live", session=session, now=lambda: NOW)


def _evidence(config: Config, db: Database) -> list[tuple[object, ...]]:
    settle(config, db, load_mappings(config.mappings), NOW)
    rows = db.execute("SELECT id, learner, option_id, component, instant, statement_ids FROM evidence ORDER BY id")
    return [tuple(row) for row in rows]


def test_a_teams_and_a_zoom_report_of_one_webinar_give_identical_evidence(
    config: Config, db: Database, second_store: Database
) -> None:
    _with_roster(db)
    teams, zoom = _import(config, db, TEAMS), _import(config, second_store, ZOOM)
    assert (teams.run.new, zoom.run.new) == (14, 14)
    evidence = _evidence(config, db)
    assert evidence == _evidence(config, second_store)
    assert sorted((row[1], row[2], row[4]) for row in evidence) == [
        ("P00001", "webinar_live", "2026-03-10T11:30:02.000000Z"),  # met at the leave that reached the hour
        ("P00002", "webinar_live", "2026-03-10T11:20:00.000000Z"),  # 36 + 30 minutes: met when he left again
        ("P00900", "webinar_live", "2026-03-10T11:32:45.000000Z"),
    ]
    assert teams.people == zoom.people


def test_a_person_who_left_and_came_back_is_counted_by_the_union_of_their_stretches(
    config: Config, db: Database
) -> None:
    done = _import(config, _with_roster(db), TEAMS)
    bob = next(person for person in done.people if person.learner == "P00002")
    assert (bob.present_s, bob.met) == (66 * 60, True)
    (evidence,) = [row for row in _evidence(config, db) if row[1] == "P00002"]
    assert len(str(evidence[5]).split(",")) == 4  # both joins and both leaves


def test_forty_minutes_is_not_counted_and_the_import_says_why(config: Config, db: Database) -> None:
    done = _import(config, _with_roster(db), ZOOM)
    cat = next(person for person in done.people if person.learner == "P00003")
    assert (cat.present_s, cat.at_least_s, cat.met) == (40 * 60, 3600, False)
    assert [row for row in _evidence(config, db) if row[1] == "P00003"] == []


def test_the_same_file_twice_adds_nothing_and_each_import_is_a_run_in_the_log(config: Config, db: Database) -> None:
    _import(config, _with_roster(db), TEAMS)
    before = _evidence(config, db)
    again = _import(config, db, TEAMS)
    other_platform = _import(config, db, ZOOM)
    assert [(r.new, r.duplicate, r.conflicts) for r in (again.run, other_platform.run)] == [(0, 14, 0), (0, 14, 0)]
    assert _evidence(config, db) == before
    runs = list_runs(db, connector="attendance")
    assert [(run.outcome, run.source_kind) for run in runs] == [("succeeded", "attendance")] * 3
    assert "zoom report zoom-prevent-webinar-2026-03-10.csv, session 2026-03-10" in str(runs[0].notes)


def test_guests_and_unknown_addresses_are_held_as_unresolved(config: Config, db: Database) -> None:
    done = _import(config, _with_roster(db), TEAMS)
    held = {person.key for person in done.people if person.learner is None}
    assert held == {
        "mbox:mailto:sam.visitor@partner-agency.example.org",
        f"account:{HOME}/xapi/activities/prevent-webinar-live/session/2026-03-10 Pat Guest (Unverified)",
    }
    assert {key for key, count, _ in unresolved(db, HOME) if count == 2} == held


def test_an_option_without_a_presence_rule_is_refused_naming_the_mapping(config: Config, db: Database) -> None:
    with pytest.raises(ConfigError, match="no component with a `presence` rule") as refused:
        import_attendance(config, db, TEAMS, option="wrap", session="s1")
    assert refused.value.key == "options.wrap.components"
    assert list_runs(db, connector="attendance") == []
