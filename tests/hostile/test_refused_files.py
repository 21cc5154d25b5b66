"""Hostile files people hand the adapter: a roster, a register or a mapping that is not what it claims to be is
refused with its line and reason (a ConfigError the command prints, exit 2), never a traceback.

Bad rows in well-formed files are tested beside their readers (tests/sources, tests/mapping); these are the files
that cannot be read as rows or TOML at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.sources.recorded import read_history, read_register
from lrs_adapter.sources.roster import RosterError, read_roster

ROOT = Path(__file__).resolve().parents[2]
ROSTER_HEADER = b"payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date,leaving_date\n"
GOOD_ROSTER_ROW = b"P%d,Ann,,D,,G,no,2024-01-01,\n"
REGISTER_HEADER = b"payroll_number,name,date_delivered,delivered_by\n"

#: (what, bytes on line 4 of the file, reason)
BROKEN_LINES = [
    ("invalid UTF-8", b"P9,Ann \xff\xfe,,D,,G,no,2024-01-01,\n", "byte 0xff is not UTF-8 text"),
    ("a NUL byte", b"P9,A\x00nn,,D,,G,no,2024-01-01,\n", "a NUL character"),
    ("a 200 KB cell", b"P9," + b"A" * 200_000 + b",,D,,G,no,2024-01-01,\n", "field larger than field limit"),
]


@pytest.mark.parametrize(("what", "line", "reason"), BROKEN_LINES, ids=[case[0] for case in BROKEN_LINES])
def test_a_roster_that_is_not_csv_text_is_refused_with_the_line(
    tmp_path: Path, what: str, line: bytes, reason: str
) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER_HEADER + GOOD_ROSTER_ROW % 1 + GOOD_ROSTER_ROW % 2 + line + GOOD_ROSTER_ROW % 3)
    with pytest.raises(RosterError, match=f"line 4: {reason}.*nothing was imported"):
        read_roster(path)


def test_a_binary_file_given_as_a_roster_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(RosterError, match="line 2: byte 0x80 is not UTF-8 text"):
        read_roster(path)


@pytest.mark.parametrize(("what", "line", "reason"), BROKEN_LINES, ids=[case[0] for case in BROKEN_LINES])
def test_a_register_or_history_that_is_not_csv_text_is_refused_with_the_line(
    tmp_path: Path, what: str, line: bytes, reason: str
) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes(REGISTER_HEADER + b"P1,A,2026-01-02,M\nP2,B,2026-01-02,M\n" + line)
    with pytest.raises(ConfigError, match=f"register.csv: line 4: {reason}"):
        read_register(path, today=date(2026, 6, 1))
    with pytest.raises(ConfigError, match=f"register.csv: line 4: {reason}"):
        read_history(path, today=date(2026, 6, 1), options=frozenset({"wrap"}))


@pytest.mark.parametrize("content", [b"hello", b"PK\x03\x04 not a zip" * 10, b""])
def test_a_register_named_xlsx_that_is_not_a_workbook_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "register.xlsx"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"register\.xlsx: not an XLSX workbook"):
        read_register(path, today=date(2026, 6, 1))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'[certification]\nid = "x"\nname = "Caf\xe9"\n', r"not UTF-8 text: byte 0xe9 on line 3"),
        (b'[certification]\nid = "x"\nvalidity = P24M\n', r"not valid TOML: Invalid value \(at line 3, column 12\)"),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "not valid TOML: nested too deeply"),
        (b"\x00\x01\x02", r"not valid TOML: .*\(at line 1, column 1\)"),
    ],
    ids=["latin-1", "syntax", "nested 100,000 deep", "binary"],
)
def test_a_mapping_that_is_not_toml_is_refused_with_the_line(tmp_path: Path, text: bytes, reason: str) -> None:
    path = tmp_path / "mapping.toml"
    path.write_bytes(text)
    with pytest.raises(ConfigError, match=reason):
        load_mapping(path)


def test_the_commands_print_the_refusal_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_bytes(ROSTER_HEADER + b"P1,Ann \xff,,D,,G,no,2024-01-01,\n")
    (tmp_path / "register.xlsx").write_bytes(b"not a workbook")
    mapping = tmp_path / "broken.toml"
    mapping.write_bytes(b"a = " + b"[" * 100_000)
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[store]\nurl = "sqlite:///store.db"\n')
    for args, words in [
        (["roster", "import", str(tmp_path / "roster.csv")], "line 2: byte 0xff is not UTF-8 text"),
        (["register", "import", str(tmp_path / "register.xlsx")], "not an XLSX workbook"),
        (["mappings", "check", str(mapping)], "nested too deeply"),
    ]:
        result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output, (args, result.output)
        assert isinstance(result.exception, SystemExit), result.exception  # a refusal, not a traceback
