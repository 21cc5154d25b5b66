"""Files as Windows tools save them: a UTF-8 byte-order mark before the first byte of a roster, a register, an LMS
history, an export file (JSON Lines, a JSON array, concatenated objects), a mapping or the configuration is read as
if it were not there. Before, it quarantined a JSON Lines file's first statement and failed a JSON array outright."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import orjson
import pytest

from lrs_adapter.config import load_config
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.pipeline.pull import SUCCEEDED
from lrs_adapter.sources.recorded import read_history, read_register
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from tests.helpers.factory import make_statement
from tests.hostile.test_export_file import pull_file

ROOT = Path(__file__).resolve().parents[2]
BOM = codecs.BOM_UTF8
TODAY = date(2026, 6, 1)


def with_bom(path: Path, data: bytes) -> Path:
    assert not data.startswith(BOM)
    path.write_bytes(BOM + data)
    return path


def test_a_roster_with_a_bom_reads_its_first_column(tmp_path: Path) -> None:
    """Excel's 'CSV UTF-8' starts with one: left in, the first column would be '\\ufeffpayroll_number'."""
    fixture = ROOT / "fixtures" / "roster.csv"
    rows = read_roster(with_bom(tmp_path / "roster.csv", fixture.read_bytes()))
    assert [row.payroll_numbers for row in rows] == [row.payroll_numbers for row in read_roster(fixture)]


def test_a_register_and_a_history_with_a_bom_read_their_first_column(tmp_path: Path) -> None:
    register = with_bom(
        tmp_path / "register.csv", b"payroll_number,name,date_delivered,delivered_by\nP1,Ann,2026-01-02,M\n"
    )
    rows, bad = read_register(register, today=TODAY)
    assert ([row.payroll_number for row in rows], bad) == (["P1"], [])
    history = with_bom(
        tmp_path / "history.csv", b"payroll_number,option,completion_date,source\nP1,wrap,2025-03-04,LMS\n"
    )
    rows, bad = read_history(history, today=TODAY, options=frozenset({"wrap"}))
    assert ([row.payroll_number for row in rows], bad) == (["P1"], [])


def statements(count: int) -> list[bytes]:
    return [orjson.dumps(make_statement(i)) for i in range(count)]


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("export.jsonl", lambda items: b"\n".join(items) + b"\n"),
        ("export.json", lambda items: b"[" + b",".join(items) + b"]"),
        ("export.json", lambda items: b"\n".join(items)),
        ("export.json", lambda items: b"  \n[" + b",".join(items) + b"]"),
    ],
    ids=["JSON Lines", "JSON array", "concatenated objects", "an array after blank space"],
)
def test_an_export_file_with_a_bom_is_taken_in_whole(db: Database, tmp_path: Path, name: str, layout: object) -> None:
    assert callable(layout)
    path = with_bom(tmp_path / name, layout(statements(3)))
    run = pull_file(db, path)
    assert (run.outcome, run.new, run.quarantined) == (SUCCEEDED, 3, 0)
    stored = db.one("SELECT COUNT(*) FROM statements")
    assert stored is not None
    assert stored[0] == 3


def test_a_bom_inside_a_json_lines_file_is_still_broken_json(db: Database, tmp_path: Path) -> None:
    """Only the file's first bytes may be a BOM: one on line 2 (two files pasted together) is kept, quarantined."""
    first, second = statements(2)
    path = with_bom(tmp_path / "export.jsonl", first + b"\n" + BOM + second + b"\n")
    run = pull_file(db, path)
    assert (run.new, run.quarantined) == (1, 1)
    row = db.one("SELECT source, field FROM quarantine")
    assert row == (f"{path}:2", "(json)")


def test_a_mapping_and_a_config_with_a_bom_load(tmp_path: Path) -> None:
    """Notepad saved UTF-8 with a BOM until 2019; tomllib refuses one."""
    mapping = with_bom(tmp_path / "prevent.toml", (ROOT / "mappings" / "prevent.toml").read_bytes())
    assert load_mapping(mapping).certification.id == load_mapping(ROOT / "mappings" / "prevent.toml").certification.id
    config = with_bom(tmp_path / "lrs-adapter.toml", f'mappings = ["{mapping}"]\n'.encode())
    assert load_config(config).mappings == (mapping,)
