"""The SCORM source against a real PostgreSQL holding an LMS's SCORM tables as Moodle creates them, filled as its
SCORM player writes them (tests/helpers/moodle.py): learners certified from the LMS end to end (`sync`, `status`,
the Totara upload file), failed then passed attempts, unfinished attempts not counted, re-reading adding nothing,
and the cursor re-reading its overlap."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.config import load_config
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.pipeline.pull import SUCCEEDED, pull
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.runs import get_cursor
from tests.helpers.moodle import SCORM_12, SCORM_2004, MoodleSite, adapter_config
from tests.helpers.stored import statement_learners

pytestmark = pytest.mark.postgres
OCTOBER = int(datetime(2026, 10, 5, 9, tzinfo=UTC).timestamp())
DAY = 86_400


def cli(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(path), "--log-format", "json", *args])
    return result.exit_code, result.output


def uploaded(tmp_path: Path) -> list[dict[str, str]]:
    return [row for file in sorted((tmp_path / "upload").glob("*.csv")) for row in csv.DictReader(file.open())]


def fill(site: MoodleSite) -> None:
    """Two Prevent packages (1.2 and 2004), one other course, and what five learners did in them."""
    old, sco_12 = site.scorm("Prevent e-learning (SCORM 1.2)", SCORM_12)
    new, sco_2004 = site.scorm("Prevent e-learning", SCORM_2004)
    other, sco_other = site.scorm("Fire safety", SCORM_12)  # not named by the connector: never read
    p1, p2, p3, p4 = (site.user(f"user{n}", f"P1000{n}") for n in range(1, 5))
    nobody = site.user("contractor7")  # no idnumber: held in quarantine, never dropped
    gone = site.user("user9", "P10009", deleted=True)
    # P10001 (1.2) fails, then passes a second attempt a week later
    site.play_12(p1, old, sco_12[0], 1, at=OCTOBER, status="failed", raw="40")
    site.play_12(p1, old, sco_12[0], 2, at=OCTOBER + 7 * DAY, status="passed", raw="85")
    # P10002 (2004) completes and fails, then completes and passes
    site.play_2004(p2, new, sco_2004[0], 1, at=OCTOBER, completion="completed", success="failed", scaled="0.4")
    site.play_2004(
        p2, new, sco_2004[0], 2, at=OCTOBER + 2 * DAY, completion="completed", success="passed", scaled="0.9"
    )
    # P10003 (1.2) leaves an attempt incomplete; P10004 (2004) completes without being judged: neither counts
    site.play_12(p3, old, sco_12[0], 1, at=OCTOBER, status="incomplete")
    site.play_2004(p4, new, sco_2004[0], 1, at=OCTOBER, completion="completed")
    site.play_12(nobody, old, sco_12[0], 1, at=OCTOBER, status="passed", raw="90")
    site.play_12(gone, old, sco_12[0], 1, at=OCTOBER, status="passed", raw="90")
    site.play_12(p3, other, sco_other[0], 1, at=OCTOBER, status="passed", raw="90")


def test_scorm_12_and_2004_learners_certified_from_the_lms_tables_end_to_end(tmp_path: Path, site: MoodleSite) -> None:
    fill(site)
    path = adapter_config(tmp_path, site, "Prevent e-learning (SCORM 1.2)", "Prevent e-learning", page_size=2)

    code, output = cli(path, "sync")
    assert code == 3, output  # attempts quarantined: the exit code says so
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    [(pages, new_statements, quarantined, outcome)] = db.execute(
        "SELECT pages, new, quarantined, outcome FROM runs WHERE stage = 'pull'"
    )
    assert pages == 4  # 8 attempts read, 2 a page
    # four judged attempts: initialized, completed, and passed or failed; P10004's unjudged one: initialized and
    # completed; P10003's incomplete one: initialized only; the other course's: never read
    assert (new_statements, quarantined, outcome) == (4 * 3 + 2 + 1, 2, "succeeded_with_quarantine")
    assert sorted(reason for (reason,) in db.execute("SELECT reason FROM quarantine")) == [
        "the user is deleted in the LMS",
        "the user's idnumber (the payroll number) is empty",
    ]

    states = {
        learner: orjson.loads(cli(path, "status", "--learner", learner, "--as-of", "2026-12-01", "--format", "json")[1])
        for learner in ("P10001", "P10002")
    }
    assert (states["P10001"]["status"], states["P10001"]["certified_on"]) == ("green", "2026-10-12")
    assert (states["P10002"]["status"], states["P10002"]["certified_on"]) == ("green", "2026-10-07")
    for learner in ("P10003", "P10004"):
        code, output = cli(path, "status", "--learner", learner, "--as-of", "2026-12-01", "--format", "json")
        assert orjson.loads(output)["status"] == "none", output
    code, explained = cli(path, "status", "--learner", "P10001", "--as-of", "2026-12-01")
    assert "elearning" in explained
    assert [(row["username"], row["certificationshortname"], row["completiondate"]) for row in uploaded(tmp_path)] == [
        ("P10001", "PREVENT", "2026-10-12"),
        ("P10002", "PREVENT", "2026-10-07"),
    ]

    code, output = cli(path, "sync")  # the overlap read again: the newest attempt's 3 statements, nothing added
    assert code == 0, output
    last = "SELECT new, duplicate, quarantined FROM runs WHERE stage = 'pull' ORDER BY id DESC LIMIT 1"
    assert db.execute(last) == [(0, 3, 0)]
    assert db.execute("SELECT COUNT(*) FROM statements") == [(new_statements,)]
    assert len(uploaded(tmp_path)) == 2
    db.close()


def payrolls(db: Database) -> set[str]:
    """The payroll numbers of the learners of the statements stored (their keys end with it)."""
    return {learner.rsplit(" ", 1)[-1] for learner in statement_learners(db) if learner}


def test_the_cursor_moves_to_the_newest_write_and_the_next_run_re_reads_the_overlap(
    tmp_path: Path, site: MoodleSite
) -> None:
    scorm, [sco] = site.scorm("Prevent e-learning", SCORM_12)
    learner, late, too_late = site.user("user1", "P20001"), site.user("user2", "P20002"), site.user("user3", "P20003")
    site.play_12(learner, scorm, sco, 1, at=OCTOBER, status="passed", raw="80")
    loaded = load_config(adapter_config(tmp_path, site, "Prevent e-learning", overlap=600))
    db = open_store(loaded.store_url)

    first = pull(loaded, db, "totara_scorm")
    newest = OCTOBER + 25 * 60  # when the package's LMSFinish wrote the status
    assert (first.outcome, first.new) == (SUCCEEDED, 3)
    assert first.cursor_after == "2026-10-05T09:25:00.000000Z"
    assert get_cursor(db, "totara_scorm") is not None
    # Stamped by the LMS's clock before the cursor, committed after the first run read: within the overlap, the
    # next run reads it; one stamped before the overlap is not read (`pull --full` would).
    site.play_12(late, scorm, sco, 1, at=newest - 25 * 60 - 500, status="completed")
    site.play_12(too_late, scorm, sco, 1, at=newest - 25 * 60 - 700, status="completed")
    second = pull(loaded, db, "totara_scorm")
    assert (second.outcome, second.new, second.cursor_before) == (SUCCEEDED, 2, first.cursor_after)
    assert second.cursor_after == first.cursor_after  # nothing newer than the cursor: it stays
    assert "re-reads the last 600 s" in (second.notes or "")
    assert payrolls(db) == {"P20001", "P20002"}
    full = pull(loaded, db, "totara_scorm", full=True)
    assert (full.new, payrolls(db)) == (2, {"P20001", "P20002", "P20003"})
    db.close()


def test_an_activity_the_lms_does_not_hold_fails_the_run_naming_the_key(tmp_path: Path, site: MoodleSite) -> None:
    site.scorm("Prevent e-learning", SCORM_12)
    loaded = load_config(adapter_config(tmp_path, site, "Prevent e-learning", "Prevent elearning"))
    db = open_store(loaded.store_url)
    run = pull(loaded, db, "totara_scorm")
    assert run.outcome == "failed"
    assert run.error_message is not None
    assert "key connectors.totara_scorm.scorm[1]" in run.error_message
    assert "no SCORM activities named 'Prevent elearning'" in run.error_message
    db.close()


def test_a_value_stamped_in_the_future_does_not_carry_the_cursor_past_writes_to_come(
    tmp_path: Path, site: MoodleSite
) -> None:
    scorm, [sco] = site.scorm("Prevent e-learning", SCORM_12)
    early, later = site.user("user1", "P30001"), site.user("user2", "P30002")
    site.play_12(early, scorm, sco, 1, at=int(datetime(2090, 1, 1, tzinfo=UTC).timestamp()), status="passed")
    loaded = load_config(adapter_config(tmp_path, site, "Prevent e-learning"))
    db = open_store(loaded.store_url)
    first = pull(loaded, db, "totara_scorm")
    assert first.cursor_after is not None
    assert first.cursor_after < format_instant(datetime.now(UTC))
    assert "stamped after its database's clock" in (first.notes or "")
    site.play_12(later, scorm, sco, 1, at=int(datetime.now(UTC).timestamp()) - 60, status="passed")
    second = pull(loaded, db, "totara_scorm")
    assert (second.new, second.duplicate) == (3, 3)  # the newcomer's, and the future attempt's again
    db.close()


def test_without_the_learners_home_page_the_run_fails_at_its_start_naming_the_key(
    tmp_path: Path, site: MoodleSite
) -> None:
    path = adapter_config(tmp_path, site, "Prevent e-learning")
    path.write_text(path.read_text().replace('[roster]\nhome_page = "https://learning.example.gov.uk"\n', ""))
    loaded = load_config(path)
    db = open_store(loaded.store_url)
    run = pull(loaded, db, "totara_scorm")
    assert (run.outcome, run.source_kind, run.error_class) == ("failed", "scorm", "config")
    assert "key roster.home_page" in (run.error_message or "")
    db.close()
