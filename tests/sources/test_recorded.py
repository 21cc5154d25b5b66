"""Briefing registers: CSV and XLSX read alike; bad rows reported with line and reason, the good ones kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lrs_adapter.sources.recorded import read_register

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers"
TODAY = date(2026, 6, 1)


def test_csv_and_xlsx_give_the_same_rows_and_the_same_bad_rows() -> None:
    csv_rows, csv_bad = read_register(FIXTURES / "highways-depot-briefing.csv", today=TODAY)
    xlsx_rows, xlsx_bad = read_register(FIXTURES / "highways-depot-briefing.xlsx", today=TODAY)
    assert [(r.id, r.completed_on) for r in csv_rows] == [(r.id, r.completed_on) for r in xlsx_rows]
    assert [r.payroll_number for r in csv_rows] == ["P00003", "P00002", "P00001", "P00555"]
    assert {r.completed_on for r in csv_rows} == {date(2026, 1, 14)}
    reasons = {b.source.split(":")[1]: b.reason for b in csv_bad}
    assert reasons == {
        "6": "no date delivered",
        "7": "the date 2099-01-14 is in the future",
        "8": "'01/14/2026' is not a date (write 2026-03-31 or 31/03/2026)",
    }
    assert [b.reason for b in xlsx_bad] == list(reasons.values())


def test_the_same_row_twice_has_one_identity(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("payroll_number,name,date_delivered,delivered_by\nP1,A,2026-01-02,M\nP1,A,02/01/2026,M\n")
    rows, bad = read_register(path, today=TODAY)
    assert len({row.id for row in rows}) == 1
    assert not bad


def test_history_rows_name_their_option_and_bad_ones_are_reported(tmp_path: Path) -> None:
    from lrs_adapter.sources.recorded import read_history

    path = tmp_path / "history.csv"
    path.write_text(
        "payroll_number,option,completion_date,source\n"
        "P00001,wrap,18/11/2024,Old LMS\n"
        "P00002,classroom,2024-03-01,Old LMS\n"
        "P00003,elearning,,Old LMS\n"
    )
    rows, bad = read_history(path, today=TODAY, options=frozenset({"wrap", "elearning"}))
    assert [(r.payroll_number, r.option, r.completed_on, r.kind) for r in rows] == [
        ("P00001", "wrap", date(2024, 11, 18), "history")
    ]
    assert [(b.source, b.reason) for b in bad] == [
        ("history.csv:3", "option 'classroom' is not one of elearning, wrap"),
        ("history.csv:4", "no completion date"),
    ]
