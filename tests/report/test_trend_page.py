"""The trend page from the team's real store: the table holds the trend's numbers, the chart's lines are drawn
where those numbers put them, in the statuses' colours, with no script; and a screenshot in a real browser
(docs/trend-page.png)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.trend import roster_trend
from lrs_adapter.report.page import STATUSES
from lrs_adapter.report.trend_page import BOTTOM, HEIGHT, TOP, chart_lines, render_trend
from lrs_adapter.rules.trend import Month, month_ends
from lrs_adapter.store import Database
from tests.helpers.browser import chromium
from tests.report.test_browser import open_page, rgb, screenshot, style, texts

DAYS = month_ends(date(2024, 1, 1), date(2026, 12, 1))


def test_the_table_holds_the_trends_numbers_and_the_page_no_script(
    team_store: Database, prevent_mapping: Mapping
) -> None:
    months = roster_trend(team_store, [prevent_mapping], DAYS)
    page = render_trend(months)
    assert "<script" not in page
    rows = re.findall(r'<tr data-month="([\d-]+)">(.*?)</tr>', page, re.S)
    assert [day for day, _ in rows] == [d.isoformat() for d in DAYS]
    for (_, row), month in zip(rows, months, strict=True):
        cells = dict(re.findall(r'<td data-status="(\w+)">(\d+)</td>', row))
        assert {k: int(v) for k, v in cells.items()} == month.counts
    assert "Whole council, Jan 2024 to Dec 2026" in page
    hostile = render_trend(months[:1], department="<b>Highways</b>")
    assert "&lt;b&gt;Highways&lt;/b&gt;" in hostile
    assert "<b>Highways" not in hostile


def test_each_line_is_drawn_where_its_counts_put_it() -> None:
    months = [
        Month(date(2024, 1, 31), {"red": 4, "amber": 0, "green": 0, "exempt": 0, "none": 0}),
        Month(date(2024, 2, 29), {"red": 2, "amber": 0, "green": 2, "exempt": 0, "none": 0}),
    ]
    lines, ticks, labels = chart_lines(months)
    assert [line.status for line in lines] == ["red", "green"]  # a status never seen draws no line
    red = [tuple(map(float, point.split(","))) for point in lines[0].points.split()]
    assert red[0][1] == TOP  # the highest count at the top
    assert red[1][1] == (HEIGHT - BOTTOM + TOP) / 2  # half of it half way
    assert [count for _, count in ticks] == [0, 2, 4]
    assert [label for _, label in labels] == ["Jan 2024"]


def test_the_trend_in_a_browser(team_store: Database, prevent_mapping: Mapping, tmp_path: Path) -> None:
    page = render_trend(roster_trend(team_store, [prevent_mapping], DAYS))
    with chromium() as browser:
        screen = {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", screen)
        open_page(browser, page, tmp_path / "trend.html")
        colour = {status.key: rgb(status.colour) for status in STATUSES}
        drawn = browser.execute_script(
            "return [...document.querySelectorAll('.chart polyline')].map(e => e.getAttribute('class'))"
        )
        assert style(browser, ".chart polyline", "stroke") == [colour[key] for key in drawn]
        assert len(texts(browser, "tbody tr")) == len(DAYS)
        assert browser.execute_script("return document.querySelector('.chart').getBoundingClientRect().width") > 1000
        screenshot(browser, tmp_path / "trend-page.png")
