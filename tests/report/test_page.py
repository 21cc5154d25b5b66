"""The page from the team's real store: who is on it, in what order, what the filters and summary count, and that
nothing a roster says can become markup."""

from __future__ import annotations

import re
from datetime import date

import pytest

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.report import render_report
from lrs_adapter.report.page import FILTER_SCRIPT, STATUSES, Report, TeamMember, overdue_by, render
from lrs_adapter.store import Database
from tests.helpers.team import AS_OF, EXEMPT_UNTIL, HOSTILE_NAME, MANAGER, TEAM, expected_counts

URGENCY = [status.key for status in STATUSES]


def rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr data-learner="([^"]+)" data-status="([^"]+)"', page)


def summary(page: str) -> dict[str, int]:
    found = re.findall(r'<li class="[\w ]+" data-status="(\w+)"[^>]*>.*?<span class="count">(\d+)</span>', page, re.S)
    return {status: int(count) for status, count in found}


def test_the_managers_direct_reports_most_urgent_first(team_store: Database, prevent_mapping: Mapping) -> None:
    page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF)
    shown = rows(page)
    assert dict(shown) == {learner: row[4] for learner, row in TEAM.items()}  # P20001 is another manager's
    assert [URGENCY.index(status) for _, status in shown] == sorted(URGENCY.index(status) for _, status in shown)
    assert summary(page) == expected_counts()
    assert "Morgan Manager" in page
    assert "Prevent and WRAP Certification Pathway" in page
    assert 'datetime="2026-12-01"' in page
    assert "1 Dec 2026" in page


def test_filters_narrow_the_table_and_the_department_narrows_the_summary(
    team_store: Database, prevent_mapping: Mapping
) -> None:
    page = render_report(
        team_store, mappings=[prevent_mapping], manager=MANAGER, department="Highways", status="red", as_of=AS_OF
    )
    assert sorted(rows(page)) == [("P10002", "red"), ("P10003", "red")]
    assert summary(page) == expected_counts("Highways")
    assert 'showing <span id="shown-count">2</span> of 6' in page
    assert '<li class="red chosen" data-status="red" aria-current="true"' in page


def test_without_as_of_the_page_shows_what_the_last_sync_stored(team_store: Database, prevent_mapping: Mapping) -> None:
    page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER)
    stored = team_store.one("SELECT MAX(as_of) FROM certification_states")
    assert stored is not None
    assert f'evaluated on <time datetime="{stored[0]}">' in page
    assert len(rows(page)) == len(TEAM)


def test_names_are_text_never_markup_and_the_only_script_is_the_filters(
    team_store: Database, prevent_mapping: Mapping
) -> None:
    page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF)
    assert page.count("<script") == 1
    assert f"<script>{FILTER_SCRIPT}</script>" in page
    served = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF, form_action="/r")
    assert "<script" not in served
    assert "Siobhán O&#39;Brien &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE_NAME not in page


def test_served_pages_get_a_get_form_and_summary_links_that_keep_the_other_filters() -> None:
    report = Report(manager="M1", manager_name=None, members=[], department="A & B", as_of=date(2026, 12, 1))
    static, served = render(report), render(Report(**{**report.__dict__, "form_action": "/report"}))
    assert '<form id="filters" aria-label="Filters" hidden>' in static  # shown by its script, or not at all
    assert "Written for department <strong>A &amp; B</strong>" in static
    assert 'class="download"' not in static  # a file has nowhere to download from
    assert '<form method="get" action="/report">' in served
    assert '<input type="hidden" name="manager" value="M1">' in served
    for name in ("department", "status", "as_of"):
        assert f'name="{name}"' in served
    assert 'href="/report?manager=M1&amp;department=A+%26+B&amp;status=red&amp;as_of=2026-12-01"' in served
    assert 'href="/report.xlsx?manager=M1&amp;department=A+%26+B&amp;as_of=2026-12-01" download' in served


def test_an_empty_team_says_so() -> None:
    page = render(Report(manager="M9", manager_name=None, members=[]))
    assert "No one matches these filters." in page
    assert "no certification states stored yet" in page
    assert summary(page) == dict.fromkeys(URGENCY, 0)


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="status must be one of red, amber, green, exempt, none"):
        Report(manager="M1", manager_name=None, members=[], status="purple")


def test_an_exempt_learner_shows_the_end_of_the_exemption_and_the_rules_from_it(
    team_store: Database, prevent_mapping: Mapping
) -> None:
    for as_of in (None, AS_OF):  # as the exempt command stored it, and as of another day before it ends
        page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=as_of)
        assert dict(rows(page))["P10011"] == "exempt"
        row = page[page.index('<tr data-learner="P10011"') :].split("</tr>")[0]
        assert f'Exempt</span> until <time datetime="{EXEMPT_UNTIL.isoformat()}">1 Jan 2030</time>' in row
    ended = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=EXEMPT_UNTIL)
    assert dict(rows(ended))["P10011"] == "red"


@pytest.mark.parametrize(
    ("due_on", "on", "said"),
    [
        (date(2023, 1, 2), date(2026, 6, 15), "3 years 5 months"),
        (date(2026, 5, 31), date(2026, 6, 29), "29 days"),
        (date(2026, 5, 31), date(2026, 6, 30), "1 month"),  # months clamp to the month's end, as the policy's dates
        (date(2025, 6, 1), date(2026, 6, 1), "1 year"),
        (date(2026, 6, 14), date(2026, 6, 15), "1 day"),
    ],
)
def test_overdue_by_as_a_manager_says_it(due_on: date, on: date, said: str) -> None:
    assert overdue_by(due_on, on) == said


def member(learner: str, certification: str, status: str = "red") -> TeamMember:
    due = date(2024, 7, 1)
    return TeamMember(learner, f"Name {learner}", "Highways", certification, status, None, None, due, AS_OF)


def test_the_certification_is_named_once_and_a_column_only_when_there_are_several() -> None:
    one = render(Report(manager="M1", manager_name=None, members=[member("P1", "Prevent"), member("P2", "Prevent")]))
    assert '<th scope="col">Certification</th>' not in one
    assert "Certification compliance · Prevent</p>" in one
    assert one.count("Prevent") == 2  # the header and the caption, no row
    several = render(Report(manager="M1", manager_name=None, members=[member("P1", "Prevent"), member("P2", "Fire")]))
    assert '<th scope="col">Certification</th>' in several
    assert "<td>Fire</td>" in several


def test_a_red_learner_who_never_certified_shows_how_long_overdue_and_never() -> None:
    page = render(Report(manager="M1", manager_name=None, members=[member("P1", "Prevent")], as_of=AS_OF))
    row = page[page.index('<tr data-learner="P1"') :].split("</tr>")[0]
    assert '<td class="overdue">2 years 5 months</td>' in row
    assert '<td class="last">never</td>' in row
    assert "window opens" not in row.lower()
