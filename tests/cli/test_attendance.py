"""`lrs-adapter attendance import` as an administrator runs it: what it says of each person, its exit codes, and
the same `status --learner` whichever platform's report of a webinar was imported."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lrs_adapter.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "attendance"
TEAMS = FIXTURES / "teams-prevent-webinar-2026-03-10.csv"
ZOOM = FIXTURES / "zoom-prevent-webinar-2026-03-10.csv"
IMPORT = ("attendance", "import", "--option", "webinar_live", "--session", "2026-03-10")


def _config(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    config = folder / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        '[store]\nurl = "sqlite:///store.db"\n'
    )
    assert _cli(config, "roster", "import", str(ROOT / "fixtures" / "roster.csv"))[0] == 0
    return config


def _cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


def test_teams_and_zoom_give_the_same_status_and_explanations(tmp_path: Path) -> None:
    explained = []
    for report in (TEAMS, ZOOM):
        config = _config(tmp_path / report.stem)
        assert _cli(config, *IMPORT, str(report))[0] == 0
        assert _cli(config, "sync")[0] == 0
        explained.append([_cli(config, "status", "--learner", who)[1] for who in ("P00001", "P00002", "P00003")])
    assert explained[0] == explained[1]
    ann, bob, cat = explained[0]
    assert "2026-03-10  prevent  webinar_live       counted, due 2028-03-10" in bob
    assert "webinar_live" in ann
    assert "webinar_live" not in cat


def test_what_the_import_says_of_each_person(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code, output = _cli(config, *IMPORT, str(TEAMS))
    assert code == 0
    lines = [line for line in output.splitlines() if not line.startswith("{")]  # not the JSON log lines
    assert lines[0].endswith("teams report of 'Prevent webinar (live) - March session' · 7 stretches in the meeting"
                             " · 6 people · 14 statements · 0 bad rows")  # fmt: skip
    assert (
        "  P00003 · Cat Placeholder · mbox:mailto:cat.placeholder@learning.example.gov.uk: present 40 min (joins and"
        " leaves united): not counted, under the 60 min the option asks" in lines
    )
    assert any(line.startswith("  P00002 · Bob Sample") and "present 66 min" in line for line in lines)
    assert any(line.startswith("  unresolved (a guest known by name only") for line in lines)
    assert "run 1 · connector attendance · succeeded" in lines
    again = _cli(config, *IMPORT, str(TEAMS))[1]
    assert "pages 1 · fetched 14 · new 0 · duplicate 14 · quarantined 0" in again
    assert "attendance" in _cli(config, "runs")[1]


def test_bad_rows_exit_3_with_their_lines_and_hostile_names_never_come_out_live(tmp_path: Path) -> None:
    config = _config(tmp_path)
    report = tmp_path / "participants.csv"
    report.write_text(
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
        '\x1b]0;owned\x07=HYPERLINK("http://x"),ann.example@learning.example.gov.uk,03/10/2026 09:00:00 AM,'
        "03/10/2026 10:30:00 AM,90,No\r\n"
        "Nobody\u202e,,03/10/2026 09:00:00 AM,03/10/2026 10:30:00 AM,90,Yes\r\n"
        "Late,late@example.org,03/10/2026 09:00:00 AM,,,Yes\r\n",
        encoding="utf-8",
    )
    code, output = _cli(config, *IMPORT, str(report))
    assert code == 3
    assert not {"\x1b", "\x07", "\u202e"} & set(output)
    assert "\\x1b]0;owned\\x07=HYPERLINK" in output  # shown escaped, as every command shows data
    assert "  participants.csv:3: no e-mail, and the name holds U+202E" in output
    assert "  participants.csv:4: no leave time" in output
    assert "P00001 · " in output  # the good row is taken in


def test_an_option_without_presence_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code, output = _cli(config, "attendance", "import", "--option", "wrap", "--session", "s", str(TEAMS))
    assert code == 2
    assert "prevent.toml" in output
    assert "options.wrap.components" in output


def test_an_lrs_not_configured_exits_2_before_anything_is_imported(tmp_path: Path) -> None:
    config = _config(tmp_path)
    code, output = _cli(config, *IMPORT, "--lrs", "nowhere", str(TEAMS))
    assert code == 2
    assert "there is no LRS 'nowhere'" in output
    assert "--lrs" in output
    assert "attendance" not in _cli(config, "runs")[1]
