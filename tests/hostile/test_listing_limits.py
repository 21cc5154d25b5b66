"""Listings cut at their limit say so: `quarantine list` (100), `outbox list` (100), `runs` (20) and a dry run's
would-push list (20 a sink) end with "showing N of M" rather than passing a part for the whole."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from lrs_adapter.cli import main
from tests.helpers.factory import make_statements

ROOT = Path(__file__).resolve().parents[2]
ROSTER_HEADER = "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,"
ROSTER_HEADER += "assignment_date,leaving_date"


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])


def test_quarantine_list_says_it_shows_100_of_296(tmp_path: Path) -> None:
    broken = []
    for statement in make_statements(296):
        bad = copy.deepcopy(statement)
        bad["verb"] = {"id": "not an iri"}
        broken.append(orjson.dumps(bad))
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(broken) + b"\n")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n')
    assert cli(config, "pull").exit_code == 3
    listed = cli(config, "quarantine", "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 101
    assert lines[-1] == "showing 100 of 296; --limit 296 lists them all"
    whole = cli(config, "quarantine", "list", "--limit", "296").stdout.splitlines()
    assert len(whole) == 296
    assert not any(line.startswith("showing") for line in whole)
    assert "showing 3 of 296" in cli(config, "quarantine", "list", "--connector", "demo", "--limit", "3").stdout
    assert "showing" not in cli(config, "quarantine", "list", "--status", "released").stdout  # nothing to cut


@pytest.fixture
def overdue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """25 learners on the roster since 2024 who completed nothing: 25 `overdue` events for a webhook, not pushed."""
    monkeypatch.setenv("HOOK_SECRET", "a-secret-never-printed")
    rows = [f"P{n:05d},Learner {n},,Highways,,Office,no,2024-01-01," for n in range(1, 26)]
    (tmp_path / "roster.csv").write_text("\n".join([ROSTER_HEADER, *rows]) + "\n", encoding="utf-8")
    (tmp_path / "export.jsonl").write_text("")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"'
        '\n[store]\nurl = "sqlite:///store.db"\n[connectors.export]\nfile = "export.jsonl"\n'
        '[sinks.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\nsecret_env = "HOOK_SECRET"\n'
    )
    assert cli(config, "roster", "import", str(tmp_path / "roster.csv")).exit_code == 0
    return config


def test_a_dry_run_and_outbox_list_say_how_many_they_left_out(overdue: Path) -> None:
    dry_run = cli(overdue, "sync", "--dry-run")
    assert dry_run.exit_code == 0, dry_run.output
    assert "dry run: would push 25 to hook:" in dry_run.stdout
    more = "lrs-adapter outbox list --status pending --sink hook --limit 25 lists them"
    assert f"showing 20 of 25; {more}" in dry_run.stdout
    listed = cli(overdue, "outbox", "list", "--limit", "5").stdout.splitlines()
    assert "showing 5 of 25; --limit 25 lists them all" in listed
    assert not any(line.startswith("showing") for line in cli(overdue, "outbox", "list").stdout.splitlines())


def test_runs_says_it_was_cut_in_its_table_and_on_stderr_beside_json_lines(overdue: Path) -> None:
    for _ in range(3):
        assert cli(overdue, "pull").exit_code == 0
    table = cli(overdue, "runs", "--limit", "2").stdout.splitlines()
    assert table[-1] == "showing 2 of 3; --limit 3 lists them all"
    as_json = cli(overdue, "runs", "--format", "json", "--limit", "2")
    assert [orjson.loads(line)["outcome"] for line in as_json.stdout.splitlines()] == ["succeeded"] * 2
    assert as_json.stderr.strip() == "showing 2 of 3; --limit 3 lists them all"
    assert "showing" not in cli(overdue, "runs", "--limit", "3").output
