"""Exemptions as an administrator meets them: `exempt` shows at once in status, the manager's report, the feed and
the outbox, with its end date, and in the audit with before and after; `unexempt` puts the rules back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.store import open_store

ROOT = Path(__file__).resolve().parents[2]


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "--actor", "ann.admin", *args])
    return result.exit_code, result.output


def lines(config: Path, *args: str) -> list[dict[str, Any]]:
    code, output = cli(config, *args)
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines()]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HR's roster synced: P00001 was assigned in 2024 and has completed nothing, so is overdue."""
    monkeypatch.setenv("HOOK_SECRET", "a-secret-never-printed")
    (tmp_path / "export.jsonl").write_text("")
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"'
        f'\n[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n[connectors.export]\nfile = "export.jsonl"\n'
        '[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\nsecret_env = "HOOK_SECRET"\n'
    )
    assert cli(path, "roster", "import", str(ROOT / "fixtures" / "roster.csv"))[0] == 0
    assert cli(path, "sync", "--dry-run")[0] == 0  # evaluated, nothing pushed
    return path


def status(config: Path) -> dict[str, Any]:
    [record] = lines(config, "status", "--learner", "P00001", "--format", "json")
    return record


def feed_state(config: Path) -> dict[str, Any]:
    return [r for r in lines(config, "feed", "export", "--kind", "certifications") if r["learner_id"] == "P00001"][-1]


def outbox_events(config: Path) -> list[str]:
    db = open_store(f"sqlite:///{config.parent / 'store.db'}")
    try:
        return [row[0] for row in db.execute("SELECT event FROM outbox WHERE learner = 'P00001' ORDER BY id")]
    finally:
        db.close()


def shows_exempt_everywhere(config: Path, until: str) -> None:
    """P00001 exempt until `until` in status, the manager's report (JSON and table) and the feed."""
    assert (status(config)["status"], status(config)["exempt_until"]) == ("exempt", until)
    [reported] = [
        r for r in lines(config, "report", "--manager", "P00900", "--format", "json") if r["learner"] == "P00001"
    ]
    assert (reported["status"], reported["exempt_until"]) == ("exempt", until)
    code, table = cli(config, "report", "--manager", "P00900")
    assert code == 0
    assert "exempt_until" in table
    assert until in table
    assert (feed_state(config)["status"], feed_state(config)["exempt_until"]) == ("exempt", until)


def test_exempt_then_unexempt_shows_everywhere_at_once_and_is_audited(config: Path) -> None:
    assert status(config)["status"] == "red"
    code, output = cli(config, "exempt", "P00001", "--until", "2099-01-01", "--reason", "long-term leave")
    assert code == 0, output
    assert "P00001 prevent: exempt until 2099-01-01" in output

    shows_exempt_everywhere(config, "2099-01-01")
    assert outbox_events(config)[-1] == "exempted"
    [later] = lines(config, "status", "--learner", "P00001", "--format", "json", "--as-of", "2099-01-01")
    assert later["status"] == "red"  # the day it ends, the rules apply as before

    [entry] = lines(config, "audit", "--learner", "P00001", "--format", "json")
    assert (entry["actor"], entry["action"], entry["reason"]) == ("ann.admin", "exempt", "long-term leave")
    assert entry["before"]["exemption"] is None
    assert entry["before"]["states"]["prevent"]["status"] == "red"
    assert entry["after"]["exemption"] == {"certification": "*", "until": "2099-01-01", "reason": "long-term leave"}
    assert entry["after"]["states"]["prevent"] == {
        **entry["before"]["states"]["prevent"],
        "status": "exempt",
        "exempt_until": "2099-01-01",
    }

    code, output = cli(config, "unexempt", "P00001", "--reason", "back from leave")
    assert code == 0
    assert "P00001 prevent: red" in output
    assert (status(config)["status"], status(config)["exempt_until"]) == ("red", None)
    assert (feed_state(config)["status"], feed_state(config)["exempt_until"]) == ("red", None)
    assert outbox_events(config)[-1] == "overdue"
    unexempted = lines(config, "audit", "--learner", "P00001", "--format", "json")[-1]
    assert (unexempted["action"], unexempted["reason"]) == ("unexempt", "back from leave")
    assert unexempted["before"]["states"]["prevent"]["status"] == "exempt"
    assert unexempted["after"] == {"exemption": None, "states": {"prevent": entry["before"]["states"]["prevent"]}}


def test_refusals_name_what_is_wrong_and_change_nothing(config: Path) -> None:
    code, output = cli(config, "exempt", "P99999", "--until", "2099-01-01", "--reason", "r")
    assert code == 2
    assert "no learner 'P99999'" in output
    code, output = cli(config, "exempt", "P00001", "--until", "2020-01-01", "--reason", "r")
    assert code == 2
    assert "would already have ended" in output
    code, output = cli(config, "exempt", "P00001", "--until", "2099-01-01", "--reason", "r", "--certification", "x")
    assert code == 2
    assert "no certification 'x'" in output
    code, output = cli(config, "unexempt", "P00001", "--reason", "r")
    assert code == 2
    assert "P00001 has no exemption" in output
    assert [e["action"] for e in lines(config, "audit", "--format", "json")] == ["roster.import"]
    assert status(config)["status"] == "red"


def add_a_correction(config: Path, done: str) -> dict[str, Any]:
    """`completion add` for P00001, checked everywhere it shows at once; the feed's record of it."""
    code, output = cli(
        config, "completion", "add", "P00001", "--option", "wrap", "--on", done, "--reason", "signed sheet"
    )
    assert code == 0, output
    assert "P00001 prevent: green" in output, output
    assert status(config)["certified_on"] == done
    [added] = [r for r in lines(config, "feed", "export", "--kind", "completions") if r["learner_id"] == "P00001"]
    assert (added["option"], added["completed_on"], added["counted"]) == ("wrap", done, True)
    assert added["source"]["records"] == ["correction by ann.admin: signed sheet"]
    assert outbox_events(config)[-1] == "certified"
    [entry] = lines(config, "audit", "--learner", "P00001", "--format", "json")
    assert (entry["action"], entry["reason"]) == ("completion.add", "signed sheet")
    assert entry["before"]["states"]["prevent"]["status"] == "red"
    assert entry["after"]["states"]["prevent"]["status"] == "green"
    assert entry["after"]["recorded"]["option"] == "wrap"
    return added


def test_a_completion_added_then_retracted_shows_at_once_and_stays_retracted(config: Path) -> None:
    done = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    added = add_a_correction(config, done)
    code, listing = cli(config, "completion", "list", "P00001")
    assert code == 0
    assert listing.startswith(added["id"])
    assert "counted" in listing
    code, output = cli(
        config, "completion", "retract", "P00001", added["id"], "--reason", "typed against the wrong person", "--yes"
    )
    assert code == 0, output
    assert "P00001 prevent: red" in output, output
    assert status(config)["certified_on"] is None
    tombstone = [r for r in lines(config, "feed", "export", "--kind", "completions") if r["id"] == added["id"]][-1]
    assert tombstone["deleted"] is True
    assert outbox_events(config)[-2:] == ["revoked", "overdue"]
    retracted = lines(config, "audit", "--learner", "P00001", "--format", "json")[-1]
    assert (retracted["action"], retracted["reason"]) == ("completion.retract", "typed against the wrong person")
    assert retracted["before"]["completion"]["id"] == added["id"]
    assert retracted["after"]["states"]["prevent"]["status"] == "red"

    assert cli(config, "remap")[0] == 0  # mapped again from everything kept: still withdrawn
    assert status(config)["status"] == "red"
    db = open_store(f"sqlite:///{config.parent / 'store.db'}")
    try:  # the record is kept, only withdrawn
        assert db.execute("SELECT kind, option_id FROM recorded_completions") == [("correction", "wrap")]
    finally:
        db.close()


def test_a_retracted_completion_restored_counts_again_everywhere_and_is_audited(config: Path) -> None:
    done = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    added = add_a_correction(config, done)
    code, output = cli(config, "completion", "retract", "P00001", added["id"], "--reason", "wrong person", "--yes")
    assert code == 0, output
    code, listing = cli(config, "completion", "list", "P00001")
    assert f"{added['id']}  retracted " in listing, listing
    assert "by ann.admin: wrong person" in listing

    code, output = cli(config, "completion", "restore", "P00001", added["id"], "--reason", "it was theirs after all")

    assert code == 0, output
    assert "P00001 prevent: green" in output, output
    assert status(config)["certified_on"] == done
    record = [r for r in lines(config, "feed", "export", "--kind", "completions") if r["id"] == added["id"]][-1]
    assert (record["deleted"], record["counted"]) == (False, True)  # the same completion, standing again
    assert outbox_events(config)[-1] == "certified"
    restored = lines(config, "audit", "--learner", "P00001", "--format", "json")[-1]
    assert (restored["action"], restored["reason"]) == ("completion.restore", "it was theirs after all")
    assert restored["before"]["retraction"]["completion_id"] == added["id"]
    assert restored["before"]["retraction"]["reason"] == "wrong person"
    assert (restored["before"]["states"]["prevent"]["status"], restored["after"]["states"]["prevent"]["status"]) == (
        "red",
        "green",
    )
    code, listing = cli(config, "completion", "list", "P00001")
    assert "retracted" not in listing
    assert cli(config, "remap")[0] == 0  # mapped again from everything kept: it stands
    assert status(config)["status"] == "green"

    code, output = cli(config, "completion", "restore", "P00001", added["id"], "--reason", "twice")
    assert code == 2
    assert f"P00001 has no retracted completion {added['id']}" in output


def test_a_correction_that_cannot_be_made_is_refused_with_what_is_wrong(config: Path) -> None:
    done = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    code, output = cli(config, "completion", "retract", "P00001", "nope", "--reason", "r", "--yes")
    assert code == 2
    assert "P00001 has no completion nope" in output
    code, output = cli(config, "completion", "add", "P00001", "--option", "x", "--on", done, "--reason", "r")
    assert code == 2
    assert "no option 'x'" in output
    assert status(config)["status"] == "red"
