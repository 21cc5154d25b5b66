"""The report's routes over a synced store (SQLite and PostgreSQL): an unknown manager is a 404 naming them, the
page's rows download as a workbook openpyxl reads back, and the trend is served as JSON and as a page."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
from fastapi.testclient import TestClient

from lrs_adapter.report.exports import TEAM_COLUMNS


def test_an_unknown_manager_is_a_404_naming_them(client: TestClient) -> None:
    for path in ("/report", "/report.xlsx"):
        answer = client.get(path, params={"manager": "NOBODY"})
        assert answer.status_code == 404
        assert "no manager 'NOBODY'" in answer.json()["detail"]
    assert client.get("/report", params={"manager": "P00900"}).status_code == 200  # someone's manager, not on it


def test_the_served_page_links_its_rows_as_a_workbook(client: TestClient) -> None:
    page = client.get("/report", params={"manager": "P00900", "as_of": "2026-12-01"}).text
    assert 'href="/report.xlsx?manager=P00900&amp;as_of=2026-12-01" download' in page
    answer = client.get("/report.xlsx", params={"manager": "P00900", "as_of": "2026-12-01"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert answer.headers["content-disposition"] == 'attachment; filename="compliance.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(TEAM_COLUMNS)
    (row,) = sheet.iter_rows(min_row=2, values_only=True)
    record = dict(zip(TEAM_COLUMNS, row, strict=True))
    assert (record["learner"], record["status"], record["last_option"]) == ("P00001", "amber", "Prevent e-learning")
    assert isinstance(record["certified_on"], datetime)
    assert record["certified_on"].date().isoformat() == "2025-01-10"
    empty = client.get("/report.xlsx", params={"manager": "P00900", "status": "red"})
    assert list(openpyxl.load_workbook(io.BytesIO(empty.content)).active.iter_rows(min_row=2)) == []


def test_the_trend_as_json_and_as_a_page(client: TestClient) -> None:
    answer = client.get("/report/trend.json", params={"from": "2023-12", "to": "2026-12"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["department"] is None
    months = {m["month_end"]: m for m in body["months"]}
    assert len(months) == 37
    assert months["2023-12-31"]["people"] == 0  # assigned 2024-01-01: not yet on the roster
    assert months["2024-01-31"] == {
        "month_end": "2024-01-31",
        "red": 0,
        "amber": 1,
        "green": 0,
        "exempt": 0,
        "none": 0,
        "people": 1,
    }  # assigned, the first six months to certify
    assert months["2025-01-31"]["green"] == 1  # completed 10 Jan 2025
    page = client.get("/report/trend", params={"from": "2024-01", "to": "2024-12", "department": "Highways"})
    assert page.status_code == 200
    assert page.text.count("<tr data-month=") == 12
    assert '<svg class="chart"' in page.text
    assert client.get("/report/trend.json", params={"from": "2024-13", "to": "2024-12"}).status_code == 422
    assert client.get("/report/trend.json", params={"from": "2025-01", "to": "2024-12"}).status_code == 400
    assert client.get("/report/trend.json", params={"from": "2000-01", "to": "2024-12"}).status_code == 400
    nobody = client.get("/report/trend.json", params={"from": "2024-01", "to": "2024-01", "department": "Nowhere"})
    assert nobody.json()["months"][0]["people"] == 0
