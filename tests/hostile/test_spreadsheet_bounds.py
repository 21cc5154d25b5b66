"""Hostile workbooks given as registers: a far cell (declared, behind a lying <dimension>, or with none), a value past
the columns a register may have, a zip bomb. Each is refused with the file, what was too big and the fix, and none
keeps `register import` busy: before the bounds, the far-cell workbook took 15 minutes. How fast the refusals are is
measured in bench/workbook.py; here a generous timeout only stops a regression from hanging the suite."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.errors import ConfigError
from lrs_adapter.sources import workbook
from lrs_adapter.sources.recorded import read_register
from lrs_adapter.sources.workbook import MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED, MB
from tests.helpers.workbooks import FAR_CELL, SHEET, add_part, register_rows, write_workbook

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 6, 1)
#: Far beyond what any of these takes once bounded (milliseconds), far below what the unbounded read took.
HANG = pytest.mark.timeout(60)
DECLARED = r"sheet 'Register' declares 1,048,576 rows and 16,384 columns, more than the 100,000 rows and 50 columns"
PAST_ROWS = r"sheet 'Register' has rows past row 100,000"


@HANG
def test_a_far_cell_written_by_openpyxl_is_refused_by_its_dimension(tmp_path: Path) -> None:
    """The issue's file: a 5 KB workbook whose only cell is at XFD1048576, as a spreadsheet program writes it."""
    book = openpyxl.Workbook()
    book.active[FAR_CELL] = "x"
    path = tmp_path / "register.xlsx"
    book.save(path)
    assert path.stat().st_size < 10_000
    with pytest.raises(ConfigError, match=r"declares 1,048,576 rows and 16,384 columns") as refused:
        read_register(path, today=TODAY)
    message = str(refused.value)
    assert message.startswith(f"{path}: sheet 'Sheet' declares")
    assert "nothing was imported. Fix: remove the rows and columns past the register's own" in message


@HANG
@pytest.mark.parametrize(
    ("dimension", "reason"),
    [(f"A1:{FAR_CELL}", DECLARED), ("A1:D4", PAST_ROWS), (None, PAST_ROWS)],
    ids=["declared", "behind a dimension that lies", "no dimension"],
)
def test_a_far_cell_after_a_register_is_refused(tmp_path: Path, dimension: str | None, reason: str) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3) | {FAR_CELL: "x"}, dimension=dimension)
    with pytest.raises(ConfigError, match=f"register.xlsx: {reason}.*nothing was imported. Fix: "):
        read_register(path, today=TODAY)


@HANG
def test_a_far_row_that_holds_no_value_is_refused_too(tmp_path: Path) -> None:
    """A row element far down with an empty cell: the sheet's real extent, whatever it holds."""
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3) | {"A1048576": ""}, dimension="A1:D4")
    with pytest.raises(ConfigError, match=PAST_ROWS):
        read_register(path, today=TODAY)


def test_a_value_past_the_last_column_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3) | {"AY3": "note"}, dimension="A1:D4")
    with pytest.raises(ConfigError, match=r"line 3: a value in column AY, past the 50 columns \(A to AX\)"):
        read_register(path, today=TODAY)


def test_a_dimension_wider_than_a_register_is_refused(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3), dimension="A1:AY4")
    with pytest.raises(ConfigError, match=r"declares 4 rows and 51 columns"):
        read_register(path, today=TODAY)


def test_a_dimension_that_claims_too_few_rows_loses_none(tmp_path: Path) -> None:
    """openpyxl left to the dimension would have read 3 of these 40 rows and dropped the rest without a word."""
    path = write_workbook(tmp_path / "register.xlsx", register_rows(40), dimension="A1:D4")
    rows, bad = read_register(path, today=TODAY)
    assert (len(rows), bad) == (40, [])
    assert rows[-1].source == "register.xlsx:41"


def test_rows_up_to_the_limit_are_read_and_one_more_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a limit of 10 rows, not 100,000: the boundary is the same code, and 100,000 rows take seconds to write."""
    monkeypatch.setattr(workbook, "MAX_ROWS", 10)
    path = write_workbook(tmp_path / "register.xlsx", register_rows(9), dimension=None)
    rows, _ = read_register(path, today=TODAY)
    assert len(rows) == 9
    path = write_workbook(tmp_path / "register.xlsx", register_rows(10), dimension=None)
    with pytest.raises(ConfigError, match="has rows past row 10;"):
        read_register(path, today=TODAY)


def test_values_up_to_the_last_column_are_read(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "register.xlsx", register_rows(3) | {"AX1": "notes", "AX3": "late"}, dimension=None
    )
    rows, bad = read_register(path, today=TODAY)
    assert ([row.source for row in rows], bad) == (["register.xlsx:2", "register.xlsx:3", "register.xlsx:4"], [])


@HANG
def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3), dimension="A1:D4")
    add_part(path, "xl/sharedStrings.xml", MAX_UNPACKED + 1_000_000)
    assert path.stat().st_size < 1_000_000  # deflate packs the repeated text a thousandfold
    with pytest.raises(
        ConfigError,
        match=r"register.xlsx: its parts unpack to 65 MB \(xl/sharedStrings.xml: 65 MB\), more than the 64 MB a "
        r"register's workbook may take; nothing was imported. Fix: copy the register's cells into a new workbook",
    ):
        read_register(path, today=TODAY)


def test_parts_within_the_limit_are_read(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3), dimension="A1:D4")
    add_part(path, "xl/media/notes.xml", MAX_UNPACKED - 100_000)
    rows, _ = read_register(path, today=TODAY)
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"</sheetData>", b""),
        (b'<c r="A2" t="inlineStr"><is><t>P00002</t></is></c>', b'<c r="A2" t="s"><v>99</v></c>'),
        (b'<c r="A2"', b'<c r="ZZZZZ2"'),
        (b"A1:D3", b"nonsense"),
    ],
    ids=["XML cut short", "a shared string that is not there", "a column past ZZZ", "a dimension that is no range"],
)
def test_a_workbook_whose_sheet_is_broken_is_refused(tmp_path: Path, old: bytes, new: bytes) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(2), dimension="A1:D3")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for part in source.infolist():
            data = source.read(part)
            assert part.filename != SHEET or old in data
            target.writestr(part, data.replace(old, new) if part.filename == SHEET else data)
    with pytest.raises(ConfigError, match=r"broken.xlsx: not an XLSX workbook \([^\n]*\); nothing was imported"):
        read_register(broken, today=TODAY)


@HANG
def test_register_import_prints_the_refusal_and_exits_2(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "register.xlsx", register_rows(3) | {FAR_CELL: "x"}, dimension="A1:D4")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[store]\nurl = "sqlite:///store.db"\n')
    result = CliRunner().invoke(
        main, ["--config", str(config), "--log-format", "json", "register", "import", str(path)]
    )
    assert result.exit_code == 2, result.output
    assert f"has rows past row {MAX_ROWS:,}; nothing was imported. Fix:" in result.output
    assert isinstance(result.exception, SystemExit), result.exception


def test_the_readme_states_the_limits() -> None:
    """The limits are named once, in sources/workbook.py; the README says them to the people who make registers."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for limit in (f"**{MAX_ROWS:,} rows**", f"**{MAX_COLUMNS} columns** (A to AX)", f"**{MAX_UNPACKED // MB} MB**"):
        assert limit in readme, limit
