"""The page in a real browser (Debian's chromium, headless, through its own chromedriver): it renders, every badge
and summary count has the colour and number the store's data says, and a screenshot is kept to look at.

Set REPORT_SCREENSHOT_DIR to keep the screenshots somewhere other than pytest's temporary directory.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from lrs_adapter.mapping.model import Mapping
from lrs_adapter.report import render_report
from lrs_adapter.report.page import STATUSES
from lrs_adapter.store import Database
from tests.helpers.browser import chromium, console
from tests.helpers.team import AS_OF, HOSTILE_NAME, MANAGER, TEAM, expected_counts

COLOUR = {status.key: status.colour for status in STATUSES}
BADGE = {status.key: f"{status.symbol} {status.label}" for status in STATUSES}


def rgb(colour: str) -> str:
    """How getComputedStyle reports a #rrggbb colour."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    with chromium() as driver:
        yield driver


def open_page(driver: webdriver.Chrome, page: str, path: Path) -> None:
    """Open the page as a file, its console clean: its <meta> Content-Security-Policy refused nothing."""
    console(driver)
    path.write_text(page, encoding="utf-8")
    driver.get(path.as_uri())
    assert console(driver) == []


def style(driver: webdriver.Chrome, selector: str, prop: str) -> list[str]:
    values: list[str] = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => getComputedStyle(e)[arguments[1]])",
        selector,
        prop,
    )
    return values


def texts(driver: webdriver.Chrome, selector: str) -> list[str]:
    values: list[str] = driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent.trim())", selector
    )
    return values


def screenshot(driver: webdriver.Chrome, path: Path) -> Path:
    """The whole page, not just the window (through the DevTools protocol, which chromedriver speaks)."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))
    if keep := os.environ.get("REPORT_SCREENSHOT_DIR"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def test_the_page_renders_with_the_colours_and_counts_of_the_data(
    browser: webdriver.Chrome, team_store: Database, prevent_mapping: Mapping, tmp_path: Path
) -> None:
    page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF)
    open_page(browser, page, tmp_path / "report.html")
    assert texts(browser, "h1") == ["Morgan Manager's team"]
    learners = texts(browser, "tbody tr .id")
    assert sorted(learners) == sorted(TEAM)
    expected = [TEAM[learner][4] for learner in learners]
    assert texts(browser, "tbody .badge") == [BADGE[s] for s in expected]
    assert style(browser, "tbody .badge", "backgroundColor") == [rgb(COLOUR[s]) for s in expected]
    assert HOSTILE_NAME in texts(browser, "tbody th")[learners.index("P10006")]  # shown as text, not run
    counts = expected_counts()
    assert texts(browser, ".summary li .count") == [str(counts[s]) for s in COLOUR]
    assert style(browser, ".summary li", "borderLeftColor") == [rgb(c) for c in COLOUR.values()]
    segments = browser.execute_script(
        "return [...document.querySelectorAll('.bar rect')].map(e => [e.getAttribute('class'),"
        " e.getBoundingClientRect().width, getComputedStyle(e).fill])"
    )
    assert [(name, colour) for name, _, colour in segments] == [(s, rgb(COLOUR[s])) for s in COLOUR if counts[s]]
    bar_width = sum(width for _, width, _ in segments)
    for name, width, _ in segments:  # each segment's share of the bar is its share of the team
        assert width / bar_width == pytest.approx(counts[name] / len(TEAM), abs=0.01)
    shot = screenshot(browser, tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000


def test_a_filtered_page_in_the_browser(
    browser: webdriver.Chrome, team_store: Database, prevent_mapping: Mapping, tmp_path: Path
) -> None:
    page = render_report(
        team_store,
        mappings=[prevent_mapping],
        manager=MANAGER,
        department="Adult Care",
        status="green",
        as_of=AS_OF,
        form_action="/report",
    )
    open_page(browser, page, tmp_path / "report-filtered.html")
    learners = texts(browser, "tbody tr .id")
    assert sorted(learners) == sorted(k for k, v in TEAM.items() if v[1] == "Adult Care" and v[4] == "green")
    assert set(style(browser, "tbody .badge", "backgroundColor")) == {rgb(COLOUR["green"])}
    counts = expected_counts("Adult Care")
    assert texts(browser, ".summary li .count") == [str(counts[s]) for s in COLOUR]
    selected = browser.execute_script(
        "return ['department', 'status', 'as_of'].map(id => document.getElementById(id).value)"
    )
    assert selected == ["Adult Care", "green", "2026-12-01"]
    screenshot(browser, tmp_path / "report-filtered.png")


def test_the_first_screen_is_mostly_people(
    browser: webdriver.Chrome, team_store: Database, prevent_mapping: Mapping, tmp_path: Path
) -> None:
    """On a 1400x1000 screen the whole team of 11 is visible without scrolling, under a summary and filters that
    take less than a third of it; the screenshot is docs/report-page.png."""
    screen = {"width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", screen)
    try:
        page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF)
        open_page(browser, page, tmp_path / "report-first-screen.html")
        height = browser.execute_script("return window.innerHeight")
        table_top, bottoms = browser.execute_script(
            "return [document.querySelector('tbody').getBoundingClientRect().top,"
            " [...document.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().bottom)]"
        )
        assert table_top < height * 0.35
        assert sum(bottom <= height for bottom in bottoms) == len(TEAM)
        assert texts(browser, "thead th") == ["Name", "Department", "Status", "Overdue by", "Due on", "Last completed"]
        overdue = dict(zip(texts(browser, "tbody tr .id"), texts(browser, "tbody td.overdue"), strict=True))
        assert overdue["P10001"] == "2 years 5 months"
        assert overdue["P10004"] == "—"
        screenshot(browser, tmp_path / "report-page.png")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_static_files_filters_work_by_its_script(
    browser: webdriver.Chrome, team_store: Database, prevent_mapping: Mapping, tmp_path: Path
) -> None:
    """The file's one script runs under its policy (the console stays clean), shows the filters it hides without
    script, and hides the rows they leave out."""
    page = render_report(team_store, mappings=[prevent_mapping], manager=MANAGER, as_of=AS_OF)
    open_page(browser, page, tmp_path / "report-static-filters.html")
    assert browser.find_element(By.ID, "filters").is_displayed()
    Select(browser.find_element(By.ID, "status")).select_by_value("red")
    shown = browser.execute_script(
        "return [...document.querySelectorAll('tbody tr')].filter(r => !r.hidden).map(r => r.dataset.learner)"
    )
    assert sorted(shown) == sorted(k for k, v in TEAM.items() if v[4] == "red")
    Select(browser.find_element(By.ID, "department")).select_by_value("Highways")
    shown = browser.execute_script(
        "return [...document.querySelectorAll('tbody tr')].filter(r => r.offsetParent !== null)"
        ".map(r => r.dataset.learner)"
    )
    assert sorted(shown) == sorted(k for k, v in TEAM.items() if v[4] == "red" and v[1] == "Highways")
    assert texts(browser, "#shown-count") == [str(len(shown))]
    assert console(browser) == []
