"""The audit trail through the command line: each import and a remap leave an entry naming the actor (`--actor`
or the operating system user), with the before and after; `audit` lists and filters them."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main

ROOT = Path(__file__).resolve().parents[2]


def cli(config: Path, *args: str, actor: str | None = None) -> tuple[int, str]:
    who = ["--actor", actor] if actor else []
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *who, *args])
    return result.exit_code, result.output


def make_config(tmp_path: Path) -> Path:
    (tmp_path / "export.jsonl").write_text("")
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"'
        f'\n[store]\nurl = "sqlite:///{tmp_path / "store.db"}"\n[connectors.export]\nfile = "export.jsonl"\n'
    )
    return path


def entries(config: Path, *args: str) -> list[dict[str, object]]:
    code, output = cli(config, "audit", "--format", "json", *args)
    assert code == 0, output
    return [orjson.loads(line) for line in output.splitlines()]


def test_imports_and_a_remap_are_audited_with_actor_before_and_after(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    history = tmp_path / "history.csv"
    history.write_text("payroll_number,option,completion_date,source\nP00002,wrap,18/11/2024,Old LMS\n")
    assert cli(config, "roster", "import", str(ROOT / "fixtures" / "roster.csv"), actor="hr.admin")[0] == 0
    register = ROOT / "fixtures" / "registers" / "highways-depot-briefing.csv"
    assert cli(config, "register", "import", str(register), actor="lms.admin")[0] == 3  # three bad rows
    assert cli(config, "history", "import", str(history))[0] == 0
    assert cli(config, "sync")[0] == 0
    assert cli(config, "remap", actor="lms.admin")[0] == 0
    assert cli(config, "remap", "--dry-run", actor="lms.admin")[0] == 0  # changes nothing: no entry

    found = entries(config)
    assert [(e["action"], e["actor"]) for e in found] == [
        ("roster.import", "hr.admin"),
        ("register.import", "lms.admin"),
        ("history.import", getpass.getuser()),
        ("remap", "lms.admin"),
    ]
    roster, register_entry, history_entry, remap = found
    assert roster["before"] == {"on_roster": 0}
    assert roster["after"]["on_roster"] == roster["after"]["added"] > 0  # type: ignore[index]
    assert register_entry["before"] == {"certification": "prevent", "recorded": 0}
    assert register_entry["after"]["new"] == 4  # type: ignore[index]
    assert register_entry["after"]["bad"] == 3  # type: ignore[index]
    assert history_entry["after"]["recorded"] == 5  # type: ignore[index]
    assert "roster.csv" in str(roster["reason"])
    assert "history.csv" in str(history_entry["reason"])
    assert remap["before"] == {}  # the sync had evaluated everyone already
    assert remap["after"] == {}

    assert [e["action"] for e in entries(config, "--since", datetime.now(UTC).date().isoformat())] == [
        e["action"] for e in found
    ]
    assert entries(config, "--since", "2999-01-01") == []
    assert entries(config, "--learner", "P00001") == []  # imports are about many people, not one
    code, table = cli(config, "audit")
    assert code == 0
    assert "roster.import" in table
    assert 'before: {"on_roster":0}' in table


def test_a_remap_that_changes_a_state_shows_it_before_and_after(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert cli(config, "roster", "import", str(ROOT / "fixtures" / "roster.csv"))[0] == 0
    assert (
        cli(config, "register", "import", str(ROOT / "fixtures" / "registers" / "highways-depot-briefing.csv"))[0] == 3
    )
    assert cli(config, "sync")[0] == 0
    # A state written by hand stands for one a mapping fix corrects: the remap puts it right, and says what it was.
    from lrs_adapter.store import open_store

    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    with db.transaction():
        db.execute("UPDATE certification_states SET status = 'red' WHERE learner = 'P00001'")
        db.execute(
            "INSERT INTO changes (learner, certification, kind, subject, record, changed_at) VALUES ('P00001',"
            " 'prevent', 'state', 'P00001|prevent', ?, 'n')",
            (orjson.dumps({"status": "red"}).decode(),),
        )
    db.close()
    assert cli(config, "remap")[0] == 0
    remap = entries(config)[-1]
    assert remap["action"] == "remap"
    assert remap["before"] == {"P00001|prevent": {"status": "red"}}
    assert remap["after"]["P00001|prevent"]["status"] != "red"  # type: ignore[index]
