"""The states the reports read: a manager's view leaves out leavers and other managers' people, and `as_of`
evaluates another day from the stored evidence without touching what the last sync stored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.store import open_store
from lrs_adapter.store.states import learner_name
from tests.helpers.council import BELOW_MANAGER, DIRECTOR, LOOP, TEAM_LEADER, build_council_store
from tests.helpers.team import AS_OF, MANAGER, TEAM, build_team_store


def test_a_managers_view_and_another_day(tmp_path: Path) -> None:
    config = build_team_store(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("".join(line for line in roster.open() if not line.startswith("P10001,")))
    result = CliRunner().invoke(
        main, ["--config", str(config), "--log-format", "json", "roster", "import", str(roster)]
    )
    assert result.exit_code == 0, result.output
    mapping = load_mapping(Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml")
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        team = certification_states(db, manager=MANAGER, as_of=AS_OF, mappings=[mapping])
        assert {r["learner"]: r["status"] for r in team} == {k: v[4] for k, v in TEAM.items() if k != "P10001"}
        assert [r["learner"] for r in certification_states(db, learner="P10001")] == ["P10001"]  # a leaver's record
        later = certification_states(db, learner="P10005", as_of=date(2027, 3, 4), mappings=[mapping])
        assert (later[0]["status"], later[0]["as_of"]) == ("red", "2027-03-04")
        stored = certification_states(db, learner="P10005")
        assert stored[0]["as_of"] != "2027-03-04"
        assert learner_name(db, MANAGER) == "Morgan Manager"
        assert learner_name(db, "nobody") is None
    finally:
        db.close()


def test_report_manager_shows_everyone_below_and_tells_of_loops(tmp_path: Path) -> None:
    config = build_council_store(tmp_path)

    def report(manager: str) -> tuple[set[str], str]:
        result = CliRunner().invoke(main, ["--config", str(config), "report", "--manager", manager, "--format", "json"])
        assert result.exit_code == 0, result.output
        return {orjson.loads(line)["learner"] for line in result.stdout.splitlines()}, result.stderr

    assert report(DIRECTOR)[0] == BELOW_MANAGER | {MANAGER}  # two levels down and a third
    assert report(MANAGER)[0] == BELOW_MANAGER
    assert report("P10007")[0] == {TEAM_LEADER}
    people, warning = report(LOOP[0])
    assert people == {LOOP[1]}  # the loop followed once: not back to LOOP[0] themselves
    assert f"({LOOP[0]} -> {LOOP[1]} -> {LOOP[0]})" in warning
