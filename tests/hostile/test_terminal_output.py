"""Escape sequences in the data never reach the terminal live: learner ids, names and departments holding ESC
sequences, a bell, a carriage return and a bidi override are printed escaped by `status` and `report` (tables and
lines), so none recolours, clears or retitles the terminal, writes over a line or reorders what is shown.

The learners are stored through the store's own roster import, as a store written before identifiers were checked
at intake holds them (a roster file or a statement can no longer bring such an id in); `sync` then evaluates them
and the commands print them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.model.roster import RosterRow
from lrs_adapter.store import open_store
from lrs_adapter.store.learners import import_roster
from tests.helpers.prevent import HOME

ROOT = Path(__file__).resolve().parents[2]
MANAGER = "M00001"
RED_ID = "P\x1b[31mRED\x1b[0m"
TITLE_ID = "P2\x1b]0;owned\x07"
#: learner id -> name, department
PEOPLE = {
    RED_ID: ("Ann\x1b[2J Clear", "Adult\rCare"),
    TITLE_ID: ("[bold red]Bob[/bold red] \u202eevil", "High\x1b[5mways"),
}
#: What no output may hold: ESC, BEL, CR, backspace, the C1 CSI, a bidi override.
LIVE = ("\x1b", "\x07", "\r", "\x08", "\x9b", "\u202e")


def cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("escapes")
    (directory / "export.jsonl").write_text("")
    path = directory / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        '[store]\nurl = "sqlite:///store.db"\n[connectors.export]\nfile = "export.jsonl"\n'
    )
    rows = [
        RosterRow(line, (learner,), name, (), department, MANAGER, "Office", False, date(2024, 1, 1), None)
        for line, (learner, (name, department)) in enumerate(PEOPLE.items(), start=2)
    ]
    db = open_store(f"sqlite:///{directory / 'store.db'}")
    try:
        import_roster(db, rows, home_page=HOME, today=date(2026, 6, 1), now="2026-06-01T00:00:00.000000Z")
    finally:
        db.close()
    cli(path, "sync")
    return path


def assert_escaped(output: str) -> None:
    assert not [c for c in LIVE if c in output], repr(output)


def test_status_prints_the_ids_escaped(config: Path) -> None:
    output = cli(config, "status")
    assert_escaped(output)
    assert "P\\x1b[31mRED\\x1b[0m" in output
    assert "P2\\x1b]0;owned\\x07" in output
    assert "Ann\\x1b[2J Clear" in output
    rows = output.splitlines()
    assert len(rows) == 1 + len(PEOPLE), "no data forged a line"
    assert len({row.index(" prevent ") for row in rows[1:]}) == 1, "the columns line up with the escapes"


def test_status_of_one_learner_prints_the_id_escaped(config: Path) -> None:
    output = cli(config, "status", "--learner", RED_ID)
    assert_escaped(output)
    assert "P\\x1b[31mRED\\x1b[0m" in output


def test_report_prints_the_team_and_the_summary_escaped(config: Path) -> None:
    team = cli(config, "report", "--manager", MANAGER)
    assert_escaped(team)
    assert "P2\\x1b]0;owned\\x07" in team
    assert "[bold red]Bob[/bold red] \\u202eevil" in team  # rich's markup shown as written, the override escaped
    summary = cli(config, "report", "--summary")
    assert_escaped(summary)
    assert "Adult\\rCare" in summary
    assert "High\\x1b[5mways" in summary


def test_json_keeps_the_data_and_escapes_it_as_json_does(config: Path) -> None:
    output = cli(config, "status", "--format", "json")
    assert_escaped(output)
    assert "P\\u001b[31mRED\\u001b[0m" in output
