"""Erasing a person as the pipeline does it (SQLite and PostgreSQL): the identity they were merged into evaluated
again at once, so nobody stays certified on erased evidence; an `erased` event, naming only event ids, for each
receiver that was sent events about them and for no other."""

from __future__ import annotations

from pathlib import Path

import orjson

from lrs_adapter.config import Config, load_config
from lrs_adapter.pipeline.erasure import erase_person
from lrs_adapter.pipeline.settle import reevaluate, retire_states
from lrs_adapter.sinks import sink_events
from lrs_adapter.store import Database
from lrs_adapter.store.certifications import state_record
from lrs_adapter.store.identity import merge
from lrs_adapter.store.outbox import DELIVERED, deliveries
from tests.helpers.changelog import NOW, PREVENT, store_statements
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.pushing import evaluate

ROOT = Path(__file__).resolve().parents[2]


def council(tmp_path: Path, db: Database) -> Config:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n[store]\nurl = "{db.url}"'
        '\n[connectors.c]\nfile = "x.jsonl"\n[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
        'secret_env = "HOOK_SECRET"\n[sinks.other]\nkind = "webhook"\nurl = "http://127.0.0.1:9/other"\n'
        'secret_env = "HOOK_SECRET"\n'
    )
    with db.transaction():
        db.executemany(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
            " on_roster, updated_at) VALUES (?, ?, 'Highways', NULL, 'Office', 0, NULL, '2019-03-31', 1, 'n')",
            [("P00001", "Ann Example"), ("P07001", "Ann Example")],
        )
    return load_config(path)


def test_erasing_a_merged_identity_takes_its_evidence_from_the_learner_it_was_merged_into(
    tmp_path: Path, db: Database
) -> None:
    config = council(tmp_path, db)
    store_statements(
        db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P07001", timestamp="2026-05-01T10:00:00Z")
    )
    evaluate(db, NOW, dict(sink_events(config)))
    with db.transaction():
        merge(db, "P00001", "P07001", reason="second number", actor="hr", now=NOW)
        retire_states(db, "P07001", [PREVENT], now=NOW, sinks=sink_events(config))
        reevaluate(db, "P00001", [PREVENT], NOW, home_page=HOME, sinks=sink_events(config))
    assert (state_record(db, "P00001", "prevent") or {})["status"] == "green"  # certified on P07001's statement

    with db.transaction():
        erasure = erase_person(db, config, [PREVENT], "P07001", now=NOW)
    assert erasure.reevaluated == ("P00001",)
    assert (state_record(db, "P00001", "prevent") or {})["status"] != "green"
    revoked = [d for d in deliveries(db, learner="P00001") if d.event == "revoked"]
    assert {d.sink for d in revoked} == {"hook", "other"}


def test_an_erased_event_goes_only_to_a_receiver_that_was_told_and_names_only_event_ids(
    tmp_path: Path, db: Database
) -> None:
    config = council(tmp_path, db)
    store_statements(
        db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2026-05-01T10:00:00Z")
    )
    evaluate(db, NOW, dict(sink_events(config)))
    told = [d for d in deliveries(db, learner="P00001") if d.sink == "hook"]
    with db.transaction():
        db.execute("UPDATE outbox SET status = ? WHERE sink = 'hook'", (DELIVERED,))  # "other" never sent them
        erasure = erase_person(db, config, [PREVENT], "P00001", now=NOW)
    assert erasure.receivers_told == 1
    [event] = deliveries(db, learner="")
    assert (event.sink, event.event, event.status) == ("hook", "erased", "pending")
    assert sorted(event.payload["erases"]) == sorted(d.event_id for d in told)
    assert (event.payload["learner"], event.payload["cycle"], event.payload["state"]) == (None, None, {})
    assert b"P00001" not in orjson.dumps(event.payload)
    assert b"Ann Example" not in orjson.dumps(event.payload)
