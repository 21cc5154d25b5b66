"""The command line as an admin meets it: summaries, exit codes, the quarantine commands, the run log."""

from __future__ import annotations

import copy
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
from click.testing import CliRunner

from lrs_adapter.cli import main
from tests.helpers.factory import make_statements

ROOT = Path(__file__).resolve().parents[1]


def export_config(tmp_path: Path, lines: list[bytes]) -> Path:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n')
    return config


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def test_the_readme_demo_runs_from_a_clean_copy(tmp_path: Path) -> None:
    """What `make demo` runs, against the shipped config and export, as a real process."""
    shutil.copy(ROOT / "lrs-adapter.toml", tmp_path)
    shutil.copytree(ROOT / "fixtures" / "demo", tmp_path / "fixtures" / "demo")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    command = [sys.executable, "-m", "lrs_adapter", "--log-format", "json", "sync"]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert first.returncode == 3, first.stderr
    assert "fetched 123 · new 121 · duplicate 0 · quarantined 2 · voided 1" in first.stdout
    assert "mapped 120 learners (prevent): 119 pieces of component evidence" in first.stdout
    lines = [orjson.loads(line) for line in first.stderr.splitlines()]
    assert all(line["connector"] == "demo" for line in lines if line["phase"] != "settle")  # settling: all connectors
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert "new 0 · duplicate 121 · quarantined 2" in again.stdout
    assert "mapped 0 learners" in again.stdout
    assert (tmp_path / "var" / "lrs-adapter.db").exists()


def test_exit_0_when_clean_and_3_when_something_is_quarantined(tmp_path: Path) -> None:
    good = [orjson.dumps(s) for s in make_statements(3)]
    assert cli(export_config(tmp_path, good), "pull")[0] == 0
    assert cli(export_config(tmp_path, [*good, b'{"actor": 1}']), "pull")[0] == 3


def test_config_error_exits_2_naming_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[lrs.main]\nendpoint = "not a url"\n')
    code, output = cli(config, "pull")
    assert code == 2
    assert str(config) in output
    assert "key lrs.main.endpoint" in output


def test_unknown_connector_exits_2(tmp_path: Path) -> None:
    code, output = cli(export_config(tmp_path, []), "pull", "--connector", "nope")
    assert code == 2
    assert "no connector 'nope'" in output
    assert "known: demo" in output


def test_quarantine_list_show_discard_retry(tmp_path: Path) -> None:
    statement = make_statements(1)[0]
    broken = copy.deepcopy(statement)
    broken["verb"] = {"id": "not an iri"}
    config = export_config(tmp_path, [orjson.dumps(broken), b"{torn"])
    assert cli(config, "pull")[0] == 3
    code, listing = cli(config, "quarantine", "list")
    assert code == 0
    assert "verb.id" in listing
    assert "(json): not valid JSON" in listing
    by_field = {line.split()[3].rstrip(":"): line.split()[0] for line in listing.splitlines()}
    code, shown = cli(config, "quarantine", "show", by_field["verb.id"])
    assert code == 0
    assert "not an iri" in shown
    assert cli(config, "quarantine", "discard", by_field["(json)"], "--yes")[0] == 0
    code, held = cli(config, "quarantine", "list")
    assert len(held.splitlines()) == 1
    code, retried = cli(config, "quarantine", "retry", "--all")
    assert code == 3
    assert "released 0, still held 1" in retried
    code, everything = cli(config, "quarantine", "list", "--status", "all")
    assert "discarded" in everything


def test_runs_as_json(tmp_path: Path) -> None:
    config = export_config(tmp_path, [orjson.dumps(s) for s in make_statements(2)])
    cli(config, "pull")
    cli(config, "pull")
    code, output = cli(config, "runs", "--format", "json")
    runs = [orjson.loads(line) for line in output.splitlines()]
    assert code == 0
    assert [r["id"] for r in runs] == [2, 1]
    assert [(r["new"], r["duplicate"], r["outcome"]) for r in runs] == [(0, 2, "succeeded"), (2, 0, "succeeded")]


def test_check_reports_a_missing_export_file(tmp_path: Path) -> None:
    config = export_config(tmp_path, [])
    (tmp_path / "export.jsonl").unlink()
    code, output = cli(config, "check")
    assert code == 2
    assert "does not exist" in output
    assert "store" in output
    assert "writable" in output


def test_one_failing_connector_stops_no_other_and_the_most_urgent_code_wins(tmp_path: Path) -> None:
    config = export_config(tmp_path, [orjson.dumps(s) for s in make_statements(2)] + [b"{torn"])
    config.write_text(config.read_text() + '[connectors.gone]\nfile = "missing.jsonl"\n')
    code, output = cli(config, "pull")
    assert code == 2  # the missing file (config) outranks the quarantine (3)
    assert "connector demo · succeeded_with_quarantine" in output
    assert "connector gone · failed" in output
    assert "cannot read the export file" in output


def test_status_after_sync_and_as_of_another_day(tmp_path: Path) -> None:
    from tests.helpers.prevent import IRI, SATISFIED, statement

    lines = [
        orjson.dumps(
            statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00042", timestamp="2025-03-03T10:00:00Z")
        )
    ]
    config = export_config(tmp_path, lines)
    root = Path(__file__).resolve().parents[1]
    config.write_text(
        f'mappings = ["{root / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        + config.read_text()
    )
    code, output = cli(config, "sync")
    assert code == 0
    assert "evaluated: " in output  # the colour depends on today: asked for below by date
    code, output = cli(config, "status", "--learner", "P00042", "--as-of", "2026-01-01", "--format", "json")
    record = orjson.loads(output)
    assert (record["status"], record["certified_on"], record["due_on"], record["window_opens_on"]) == (
        "green",
        "2025-03-03",
        "2027-03-03",
        "2026-09-03",
    )
    code, output = cli(config, "status", "--learner", "P00042", "--as-of", "2027-03-04", "--format", "csv")
    [row] = list(csv.DictReader(output.splitlines()))
    assert code == 0
    assert (row["learner"], row["status"], row["due_on"]) == ("P00042", "red", "2027-03-03")


def test_register_and_history_imports_list_bad_rows_and_change_nothing_the_second_time(tmp_path: Path) -> None:
    config = export_config(tmp_path, [])
    config.write_text(f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n' + config.read_text())
    register = str(ROOT / "fixtures" / "registers" / "highways-depot-briefing.xlsx")
    code, output = cli(config, "register", "import", register)
    assert code == 3
    assert "4 rows imported, 0 already imported, 3 bad" in output
    assert ".xlsx:7: the date" in output
    assert "0 rows imported, 4 already imported" in cli(config, "register", "import", register)[1]
    history = tmp_path / "history.csv"
    history.write_text("payroll_number,option,completion_date,source\nP1,wrap,2024-11-18,Old LMS\n")
    code, output = cli(config, "history", "import", str(history))
    assert code == 0
    assert "1 rows imported, 0 already imported, 0 bad" in output


def test_remap_after_a_mapping_fix_shows_then_applies_the_changes(tmp_path: Path) -> None:
    from tests.helpers.prevent import IRI, SATISFIED, statement

    course = "https://lms.example.org/courses/prevent-2026"  # the LMS's own IRI, which the mapping did not know
    config = export_config(tmp_path, [orjson.dumps(statement(SATISFIED, course, learner="P00042"))])
    mapping = tmp_path / "prevent.toml"
    mapping.write_text((ROOT / "mappings" / "prevent.toml").read_text())
    config.write_text(
        f'mappings = ["{mapping}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"\n' + config.read_text()
    )
    assert cli(config, "sync")[0] == 0
    assert orjson.loads(cli(config, "status", "--format", "json")[1])["status"] == "none"
    mapping.write_text(mapping.read_text().replace(f"{IRI}/prevent-elearning", course))
    code, output = cli(config, "remap", "--dry-run")
    assert code == 0
    assert "P00042 prevent: " in output
    assert "would change: 1 certification states" in output
    assert orjson.loads(cli(config, "status", "--format", "json")[1])["status"] == "none"
    code, output = cli(config, "remap")
    assert code == 0
    assert "changed: 1 certification states" in output
    assert orjson.loads(cli(config, "status", "--format", "json")[1])["certified_on"] == "2026-03-02"


def test_the_demo_fixtures_end_to_end_with_the_reports(tmp_path: Path) -> None:
    """What `make demo` runs: roster, register, sync, then the compliance summary and a manager's view."""
    shutil.copy(ROOT / "lrs-adapter.toml", tmp_path)
    shutil.copytree(ROOT / "fixtures" / "demo", tmp_path / "fixtures" / "demo")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    config = tmp_path / "lrs-adapter.toml"
    assert cli(config, "roster", "import", str(tmp_path / "fixtures" / "demo" / "roster.csv"))[0] == 0
    code, output = cli(config, "register", "import", str(tmp_path / "fixtures" / "demo" / "briefing-register.csv"))
    assert code == 3
    assert "briefing-register.csv:6: no date delivered" in output
    code, output = cli(config, "sync")
    assert code == 3
    assert "mapped 122 learners (prevent)" in output
    code, output = cli(config, "report", "--summary", "--format", "json")
    rows = [orjson.loads(line) for line in output.splitlines()]
    assert sum(r["red"] + r["amber"] + r["green"] + r["none"] for r in rows) == 122
    code, output = cli(config, "report", "--manager", "P00900", "--format", "json")
    team = [orjson.loads(line) for line in output.splitlines()]
    assert len(team) == 60
    assert all(int(member["learner"][1:]) % 2 == 1 for member in team)
    code, output = cli(config, "status", "--learner", "P00010", "--as-of", "2026-11-20")
    assert "briefing" in output
    assert "counted, due 2028-11-12" in output


def test_report_html_writes_the_managers_page_whole(tmp_path: Path) -> None:
    from tests.helpers.team import AS_OF, MANAGER, TEAM, build_team_store

    config = build_team_store(tmp_path)
    page = tmp_path / "out" / "team.html"
    page.parent.mkdir()
    page.write_text("the old page")
    args = ["report", "--manager", MANAGER, "--html", str(page), "--as-of", AS_OF.isoformat(), "--status", "red"]
    code, output = cli(config, *args)
    assert code == 0
    assert f"wrote {page}" in output
    html = page.read_text()
    assert html.count("<tr data-learner=") == sum(row[4] == "red" for row in TEAM.values())
    assert [p.name for p in page.parent.iterdir()] == ["team.html"]  # no temporary file left behind
    code, output = cli(config, "report", "--manager", MANAGER, "--html", str(tmp_path / "missing" / "x.html"))
    assert code == 1
    assert "missing" in output
    assert page.read_text() == html
    code, output = cli(config, "report", "--manager", MANAGER, "--status", "red")
    assert code == 2
    assert "--department and --status filter the page written by --html" in output
    code, output = cli(config, "report", "--summary", "--html", str(page))
    assert code == 2
    assert "give --manager ID" in output
