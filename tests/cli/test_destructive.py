"""Destructive commands ask first on a terminal (a real pseudo-terminal, answered no and then yes), naming the
latest backup; off a terminal they refuse without `--yes`, changing nothing; with it they go ahead and log where the
latest backup is."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.store import open_store
from tests.helpers.team import build_team_store
from tests.helpers.terminal import answer_on_terminal


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "--actor", "ann", *args])
    return result.exit_code, result.output


def store_contents(config: Path) -> list[object]:
    """Everything a destructive command could change: the audit trail, the outbox, states, completions, learners,
    merges, retractions, quarantine."""
    db = open_store(f"sqlite:///{config.parent / 'store.db'}")
    try:
        tables = ("audit", "outbox", "certification_states", "completions", "learners", "merges", "retractions")
        return [db.execute(f"SELECT * FROM {table} ORDER BY 1") for table in (*tables, "quarantine")]
    finally:
        db.close()


@pytest.fixture
def team(tmp_path: Path) -> Path:
    config = build_team_store(tmp_path)
    with config.open("a") as handle:
        handle.write(
            '[retention]\nleavers_after = "P6Y"\n[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/"\n'
            'secret_env = "UNSET_HOOK_SECRET"\n'
        )
    return config


def a_completion_of(config: Path, learner: str) -> str:
    code, listing = cli(config, "completion", "list", learner)
    assert code == 0, listing
    return listing.split()[0]


#: Every destructive command of cli/, with arguments it would act on.
DESTRUCTIVE = [
    ["learners", "erase", "P10002", "--reason", "request 7", "--force"],
    ["retention", "apply"],
    ["completion", "retract", "P10007", "{completion}", "--reason", "wrong person"],
    ["learners", "merge", "P10001", "P10007", "--reason", "one person"],
    ["learners", "unmerge", "P10007", "--reason", "two people"],
    ["outbox", "discard", "--sink", "hook", "--reason", "retired"],
    ["store", "restore", "{backup}", "--reason", "back to yesterday"],
    ["quarantine", "discard", "1"],
]


@pytest.mark.parametrize("command", DESTRUCTIVE, ids=lambda c: " ".join(c[:2]))
def test_off_a_terminal_a_destructive_command_refuses_without_yes_and_changes_nothing(
    team: Path, command: list[str]
) -> None:
    assert cli(team, "store", "backup", str(team.parent / "backup.db"))[0] == 0
    filled = [a.format(completion=a_completion_of(team, "P10007"), backup=team.parent / "backup.db") for a in command]
    before = store_contents(team)
    code, output = cli(team, *filled)
    assert code == 2, output
    assert "there is no terminal to ask on" in output
    assert "pass --yes" in output
    assert store_contents(team) == before


def test_with_yes_it_goes_ahead_and_logs_where_the_latest_backup_is(team: Path) -> None:
    code, output = cli(team, "learners", "merge", "P10001", "P10007", "--reason", "one person", "--yes")
    assert code == 0, output
    [logged] = [orjson.loads(line) for line in output.splitlines() if "--yes" in line]
    assert logged["latest_backup"] == "none on record: take one first with `lrs-adapter store backup FILE`"
    assert cli(team, "store", "backup", str(team.parent / "nightly.db"))[0] == 0
    code, output = cli(team, "learners", "unmerge", "P10007", "--reason", "two people", "--yes")
    assert code == 0, output
    [logged] = [orjson.loads(line) for line in output.splitlines() if "--yes" in line]
    assert logged["latest_backup"].startswith(f"{team.parent / 'nightly.db'}, taken 20")
    (team.parent / "nightly.db").unlink()
    code, output = cli(team, "learners", "merge", "P10001", "P10007", "--reason", "one person", "--yes")
    assert "(the file is no longer there)" in output


def test_on_a_terminal_it_asks_naming_the_latest_backup_and_no_means_nothing_happens(team: Path) -> None:
    assert cli(team, "store", "backup", str(team.parent / "nightly.db"))[0] == 0
    completion = a_completion_of(team, "P10007")
    retract = ["completion", "retract", "P10007", completion, "--reason", "wrong person"]
    before = store_contents(team)

    code, shown = answer_on_terminal(team, retract, "n")

    assert code == 1, shown
    assert f"Latest backup: {team.parent / 'nightly.db'}, taken 20" in shown, shown
    assert f"Retract P10007's completion {completion}" in shown
    assert "Aborted" in shown
    assert store_contents(team) == before

    code, shown = answer_on_terminal(team, retract, "y")

    assert code == 0, shown
    assert "P10007 prevent: red" in shown, shown
    assert f"undo with: lrs-adapter completion restore P10007 {completion}" in shown
