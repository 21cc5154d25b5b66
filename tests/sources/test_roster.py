"""The roster CSV: read whole, every bad row named with its line, nothing imported from a broken file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from lrs_adapter.sources.roster import RosterError, read_roster

ROOT = Path(__file__).resolve().parents[2]


def test_the_fixture_roster_reads_with_several_identifiers_and_uk_dates() -> None:
    rows = read_roster(ROOT / "fixtures" / "roster.csv")
    bob = next(row for row in rows if row.name == "Bob Sample")
    assert bob.payroll_numbers == ("P00002", "P07002")
    assert bob.work_emails == ("bob.sample@learning.example.gov.uk", "b.sample@learning.example.gov.uk")
    assert (bob.no_it_access, bob.assigned_on, bob.manager, bob.line) == (True, date(2024, 10, 1), "P00900", 3)


def test_bad_rows_are_all_named_and_nothing_is_returned(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "payroll_number,name,work_email,no_it_access,assignment_date,leaving_date\n"
        "P1,Ann,a@x.org,no,2024-09-01,\n"
        ",Nobody,n@x.org,no,2024-09-01,\n"
        "P2,Bob,b@x.org,perhaps,2024-09-01,\n"
        "P3,Cat,c@x.org,no,09/31/2024,\n"
        "P1,Ann again,a2@x.org,no,2024-09-01,\n"
    )
    with pytest.raises(RosterError) as caught:
        read_roster(path)
    text = str(caught.value)
    assert "4 bad rows; nothing was imported" in text
    assert "line 3: payroll_number is empty" in text
    assert "line 4: no_it_access 'perhaps'" in text
    assert "line 5: '09/31/2024' is not a date" in text
    assert "line 6: payroll number P1 is also on line 2" in text


def test_a_header_without_required_columns_names_them(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text("id,full name\nP1,Ann\n")
    with pytest.raises(RosterError, match="lacks payroll_number, name, assignment_date"):
        read_roster(path)
