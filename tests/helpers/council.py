"""The team of tests/helpers/team.py inside a council: a director above its manager, a team leader below one of its
members, everyone with a work e-mail, and a loop of managers HR typed in, synced into a real SQLite store.

    D00001 Dana Director (Adult Care)
      M00001 Morgan Manager (the team's manager)
        P10001 .. P10011 (tests/helpers/team.py)
          P10007 Fay Current
            T00001 Tess Teamlead (Highways)
    M00002 (not on the roster) manages P20001 Zed Elsewhere
    L00001 and L00002 (Libraries) manage each other
"""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from lrs_adapter.cli import main
from tests.helpers.team import MANAGER, TEAM, build_team_store

DIRECTOR, TEAM_LEADER, LEARNER, STRANGER = "D00001", "T00001", "P10002", "P20001"
LOOP = ("L00001", "L00002")
EXTRA_ROWS = [
    [DIRECTOR, "Dana Director", "", "Adult Care", "", "Directors", "no", "2020-01-01", ""],
    [TEAM_LEADER, "Tess Teamlead", "", "Highways", "P10007", "Office", "no", "2024-01-01", ""],
    [LOOP[0], "Lou Loop", "", "Libraries", LOOP[1], "Office", "no", "2024-01-01", ""],
    [LOOP[1], "Lee Loop", "", "Libraries", LOOP[0], "Office", "no", "2024-01-01", ""],
]
#: Everyone below the team's manager, at any depth.
BELOW_MANAGER = {*TEAM, TEAM_LEADER}


def email(person: str) -> str:
    return f"{person.lower()}@council.example.gov.uk"


def build_council_store(directory: Path) -> Path:
    """The config of a store in `directory` holding the council above (roster imported, then synced)."""
    config = build_team_store(directory)
    roster = directory / "roster.csv"
    with roster.open(newline="", encoding="utf-8") as source:
        header, *rows = list(csv.reader(source))
    for row in [*rows, *EXTRA_ROWS]:
        row[2] = email(row[0])
        if row[0] == MANAGER:
            row[4] = DIRECTOR
    with roster.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([header, *rows, *EXTRA_ROWS])
    for command in (["roster", "import", str(roster)], ["sync"]):
        result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *command])
        assert result.exit_code == 0, result.output
    return config
