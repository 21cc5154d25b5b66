"""Corrections through the store (SQLite and PostgreSQL): a recorded correction completes its option like a history
row; a retracted completion no longer stands, is tombstoned in the change log, and stays out when mapped again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pipeline.settle import map_queued, reevaluate
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.corrections import Correction, add_correction, completion_of, retract
from lrs_adapter.store.learners import account_key, import_roster
from tests.helpers.prevent import HOME

ROOT = Path(__file__).resolve().parents[2]
PREVENT = load_mapping(ROOT / "mappings" / "prevent.toml")
NOW = "2026-06-01T00:00:00.000000Z"


def test_a_correction_counts_and_a_retraction_tombstones_it_for_good(db: Database) -> None:
    import_roster(db, read_roster(ROOT / "fixtures" / "roster.csv"), home_page=HOME, today=date(2026, 6, 1), now="n")
    map_queued(db, [PREVENT], NOW, home_page=HOME)
    correction = Correction(
        "P00001", account_key(HOME, "P00001"), "prevent", "wrap", date(2026, 5, 1), "signed sheet", "ann"
    )
    with db.transaction():
        add_correction(db, correction, NOW)
        assert add_correction(db, correction, NOW)  # the same correction again is the same row
        reevaluate(db, "P00001", [PREVENT], NOW, home_page=HOME)
    [(completion_id, counted, sources)] = db.execute(
        "SELECT id, counted, sources FROM completions WHERE learner = 'P00001'"
    )
    assert counted == 1
    assert "correction by ann: signed sheet" in sources
    assert db.one("SELECT status FROM certification_states WHERE learner = 'P00001'") == ("green",)

    completion = completion_of(db, "P00001", completion_id)
    assert completion is not None
    with db.transaction():
        retract(db, "P00001", completion, "wrong person", "ann", NOW)
        reevaluate(db, "P00001", [PREVENT], NOW, home_page=HOME)
    assert db.execute("SELECT id FROM completions WHERE learner = 'P00001'") == []
    assert db.one("SELECT status FROM certification_states WHERE learner = 'P00001'") == ("red",)
    [last] = db.execute("SELECT record FROM changes WHERE subject = ? ORDER BY seq DESC LIMIT 1", (completion_id,))
    assert last == (None,)  # a tombstone
    assert db.one("SELECT COUNT(*) FROM recorded_completions") == (1,)  # kept

    with db.transaction():  # mapped again, as a remap or a roster change would
        db.execute("INSERT INTO learners_to_map (learner) VALUES (?)", (account_key(HOME, "P00001"),))
        map_queued(db, [PREVENT], NOW, home_page=HOME)
    assert db.execute("SELECT id FROM completions WHERE learner = 'P00001'") == []
