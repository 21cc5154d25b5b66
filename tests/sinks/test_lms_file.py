"""Totara's certification completion upload file: its exact bytes, one file per push, rewritten not doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs_adapter.config import SINK_EVENTS
from lrs_adapter.pipeline.push import push
from lrs_adapter.store import Database
from lrs_adapter.store.outbox import depth
from tests.helpers.prevent import ATTENDED, IRI, SATISFIED, statement
from tests.helpers.pushing import evaluate, take
from tests.helpers.pushing import totara_sink as sink

GOLDEN = Path(__file__).parent / "golden" / "totara-certification-upload.csv"
NOW = "2026-06-01T00:00:00.000000Z"


def certify_three(db: Database) -> None:
    take(
        db,
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2025-01-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2024-02-29T23:30:00Z"),
        statement(ATTENDED, f"{IRI}/prevent-briefing", learner="P00003", timestamp="2025-10-26T00:30:00+01:00"),
    )
    evaluate(db, NOW, {"totara": SINK_EVENTS["lms_file"]})


def test_the_upload_file_matches_the_golden_file(db: Database, tmp_path: Path) -> None:
    certify_three(db)
    counts = push(db, {"totara": sink(tmp_path)}, now=lambda: NOW, max_attempts=3)
    assert counts.sinks["totara"].delivered == 3
    (written,) = tmp_path.glob("*.csv")
    assert written.read_bytes() == GOLDEN.read_bytes()
    assert not list(tmp_path.glob(".*.tmp"))
    assert push(db, {"totara": sink(tmp_path)}, now=lambda: NOW, max_attempts=3).sinks["totara"].delivered == 0
    assert len(list(tmp_path.glob("*.csv"))) == 1


def test_a_push_killed_after_writing_rewrites_the_same_file_not_a_second(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certify_three(db)

    class Killed(BaseException):
        pass

    def killed_before_the_acknowledgement_is_recorded(*_: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr("lrs_adapter.pipeline.push.mark_delivered", killed_before_the_acknowledgement_is_recorded)
        with pytest.raises(Killed):
            push(db, {"totara": sink(tmp_path)}, now=lambda: NOW, max_attempts=3)
    assert depth(db) == {"totara": {"pending": 3}}
    take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00004", timestamp="2025-03-01T10:00:00Z"))
    evaluate(db, NOW, {"totara": SINK_EVENTS["lms_file"]})
    push(db, {"totara": sink(tmp_path)}, now=lambda: NOW, max_attempts=3)
    files = sorted(tmp_path.glob("*.csv"))
    assert len(files) == 2  # the interrupted batch again, under its own name, and the newcomer's
    assert files[0].read_bytes() == GOLDEN.read_bytes()
    assert files[1].read_text().splitlines()[1:] == ['"P00004","PREVENT","CERT-PREVENT-01","2025-03-01","2027-03-01"']
    assert depth(db) == {"totara": {"delivered": 4}}
