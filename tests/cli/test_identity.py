"""Identity administration through the command line, on the manager's team synced from HR's roster and an export:
a merge gives the kept learner the other's history at once (feed and audit say so), survives a roster import, and
an unmerge restores every learner's state and completions exactly; a learner added by hand is no leaver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.store import open_store
from tests.helpers.team import build_team_store


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "--actor", "ann.admin", *args])
    return result.exit_code, result.output


def lines(config: Path, *args: str) -> list[dict[str, Any]]:
    code, output = cli(config, *args)
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines()]


def snapshot(config: Path) -> tuple[list[Any], list[Any]]:
    """Every stored state and completion, all but the time each was evaluated."""
    db = open_store(f"sqlite:///{config.parent / 'store.db'}")
    try:
        states = db.execute(
            "SELECT learner, certification, as_of, status, certified_on, due_on, window_opens_on, option_id,"
            " evidence_ids, next_transition, exempt_until FROM certification_states ORDER BY learner, certification"
        )
        completions = db.execute(
            "SELECT id, learner, certification, option_id, completed_at, completed_on, evidence_ids, statement_ids,"
            " sources, counted, reason, cycle_due_on FROM completions ORDER BY id"
        )
        return states, completions
    finally:
        db.close()


def status_of(config: Path, learner: str) -> list[str]:
    return [r["status"] for r in lines(config, "status", "--learner", learner, "--format", "json")]


def test_a_merge_then_an_unmerge_leaves_every_learner_as_it_was(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    before = snapshot(config)
    assert status_of(config, "P10001") == ["red"]
    assert status_of(config, "P10007") == ["green"]

    code, output = cli(
        config, "learners", "merge", "P10001", "P10007", "--reason", "old and new payroll number", "--yes"
    )
    assert code == 0, output
    assert "P10001 prevent: green" in output, output
    assert "P10007: merged into P10001" in output, output
    assert status_of(config, "P10001") == ["green"]
    assert status_of(config, "P10007") == []
    feed = lines(config, "feed", "export", "--kind", "certifications")
    assert [r["deleted"] for r in feed if r["learner_id"] == "P10007"][-1] is True
    completions = lines(config, "feed", "export", "--kind", "completions")
    assert [r["deleted"] for r in completions if r["learner_id"] == "P10007"][-1] is True
    assert [r["counted"] for r in completions if r["learner_id"] == "P10001"] == [True]
    for learner in ("P10001", "P10007"):
        [entry] = [
            e
            for e in lines(config, "audit", "--learner", learner, "--format", "json")
            if e["action"] == "learners.merge"
        ]
        assert entry["before"]["states"]["P10007"]["prevent"]["status"] == "green"
        assert entry["after"]["states"] == {
            "P10001": {"prevent": entry["after"]["states"]["P10001"]["prevent"]},
            "P10007": {},
        }
        assert entry["after"]["merged"] == {"kept": "P10001", "merged": "P10007"}

    assert cli(config, "roster", "import", str(tmp_path / "roster.csv"))[0] == 0
    assert cli(config, "remap")[0] == 0  # everything mapped again: the merge stands
    assert status_of(config, "P10001") == ["green"]
    assert status_of(config, "P10007") == []

    code, output = cli(config, "learners", "unmerge", "P10007", "--reason", "two people after all", "--yes")
    assert code == 0, output
    assert "P10007 prevent: green" in output, output
    assert snapshot(config) == before
    assert status_of(config, "P10001") == ["red"]


def test_refusals_leave_everything_as_it_was(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    before = snapshot(config)
    assert cli(config, "learners", "merge", "P10001", "P10001", "--reason", "r", "--yes")[0] == 2
    code, output = cli(config, "learners", "merge", "P10001", "P99999", "--reason", "r", "--yes")
    assert code == 2
    assert "no learner 'P99999'" in output
    code, output = cli(config, "learners", "unmerge", "P10002", "--reason", "r", "--yes")
    assert code == 2
    assert "P10002 is not merged into anyone" in output
    assert cli(config, "learners", "merge", "P10001", "P10002", "--reason", "r", "--yes")[0] == 0
    code, output = cli(config, "learners", "merge", "P10003", "P10002", "--reason", "r", "--yes")
    assert code == 2
    assert "P10002 is merged into another learner already" in output
    assert cli(config, "learners", "unmerge", "P10002", "--reason", "r", "--yes")[0] == 0
    assert snapshot(config) == before


def test_a_learner_added_by_hand_is_reported_and_no_leaver(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    code, output = cli(
        config,
        "learners",
        "add",
        "G00001",
        "--name",
        "Cllr Gwen Governor",
        "--department",
        "Members",
        "--staff-group",
        "Elected Members",
        "--manager",
        "M00001",
        "--email",
        "gwen.governor@example.org",
        "--assigned",
        "2024-01-01",
        "--reason",
        "elected member, not on HR's payroll",
    )
    assert code == 0, output
    assert "G00001 prevent: red" in output, output
    assert cli(config, "roster", "import", str(tmp_path / "roster.csv"))[0] == 0  # HR's snapshot does not list her
    [record] = [
        r for r in lines(config, "report", "--manager", "M00001", "--format", "json") if r["learner"] == "G00001"
    ]
    assert (record["name"], record["status"]) == ("Cllr Gwen Governor", "red")
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        assert db.one("SELECT on_roster, left_on, added_by FROM learners WHERE id = 'G00001'") == (1, None, "ann.admin")
    finally:
        db.close()
    [entry] = lines(config, "audit", "--learner", "G00001", "--format", "json")
    assert (entry["action"], entry["before"]) == ("learners.add", None)
    assert entry["after"]["learner"]["emails"] == ["gwen.governor@example.org"]
    code, output = cli(
        config, "learners", "add", "G00002", "--name", "X", "--department", "D", "--staff-group", "S",
        "--email", "gwen.governor@example.org", "--reason", "r",
    )  # fmt: skip
    assert code == 2
    assert "known already (G00001)" in output
