"""Register rows through the store: idempotent imports, held until the roster knows the payroll number, flagged
when the roster does not mark the learner as without IT access."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pipeline.settle import map_queued
from lrs_adapter.sources.recorded import read_register
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.database import Row
from lrs_adapter.store.learners import import_roster, unresolved
from lrs_adapter.store.recorded import save_recorded
from tests.helpers.prevent import HOME

ROOT = Path(__file__).resolve().parents[2]
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
ROWS, _ = read_register(ROOT / "fixtures" / "registers" / "highways-depot-briefing.csv", today=date(2026, 6, 1))
ROSTER = read_roster(ROOT / "fixtures" / "roster.csv")


def briefings(db: Database) -> list[Row]:
    return db.execute(
        "SELECT learner, substr(instant, 1, 10), source, flags FROM evidence WHERE option_id = 'briefing' ORDER BY learner"
    )


def test_register_rows_become_briefing_evidence_once_their_learners_resolve(db: Database) -> None:
    assert save_recorded(db, ROWS, certification="prevent", now="now") == (4, 0)
    assert save_recorded(db, ROWS, certification="prevent", now="now") == (0, 4)  # the same file again
    assert map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME).unresolved == 4  # no roster yet
    import_roster(db, ROSTER, home_page=HOME, today=date(2026, 6, 1), now="now")
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert briefings(db) == [
        ("P00001", "2026-01-14", "highways-depot-briefing.csv:4", "not_marked_no_it_access"),
        ("P00002", "2026-01-14", "highways-depot-briefing.csv:3", ""),
        ("P00003", "2026-01-14", "highways-depot-briefing.csv:2", ""),
    ]
    assert [key for key, _, _ in unresolved(db, HOME)] == ["payroll:P00555"]
    newcomer = replace(ROSTER[0], line=9, payroll_numbers=("P00555",), name="Not Yet On Roster", work_emails=())
    import_roster(db, [*ROSTER, newcomer], home_page=HOME, today=date(2026, 6, 1), now="now")
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert [row[0] for row in briefings(db)] == ["P00001", "P00002", "P00003", "P00555"]
    assert unresolved(db, HOME) == []


def test_history_rows_complete_their_option_by_themselves(db: Database, tmp_path: Path) -> None:
    from lrs_adapter.sources.recorded import read_history

    path = tmp_path / "history.csv"
    path.write_text("payroll_number,option,completion_date,source\nP00002,wrap,18/11/2024,Old LMS\n")
    rows, _ = read_history(path, today=date(2026, 6, 1), options=frozenset(PREVENT.options))
    import_roster(db, ROSTER, home_page=HOME, today=date(2026, 6, 1), now="now")
    assert save_recorded(db, rows, certification="prevent", now="now") == (1, 0)
    assert save_recorded(db, rows, certification="prevent", now="now") == (0, 1)
    map_queued(db, [PREVENT], "2026-06-01T00:00:00.000000Z", home_page=HOME)
    assert db.execute("SELECT learner, option_id, component, substr(instant, 1, 10), source FROM evidence") == [
        ("P00002", "wrap", "history", "2024-11-18", "history.csv:2")
    ]
