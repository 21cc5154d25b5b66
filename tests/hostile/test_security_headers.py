"""The API's answers carry the security headers, and the report page lives within its Content-Security-Policy: in the
real application (TestClient), and in Debian's chromium against `lrs-adapter serve`, where the page renders, its
filters and summary links work, and the console shows no refused style or script."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from lrs_adapter.api import create_app
from lrs_adapter.config import load_config
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.report import render_report
from lrs_adapter.store import open_store
from tests.helpers.browser import chromium, console
from tests.helpers.serving import serving
from tests.helpers.team import AS_OF, MANAGER, TEAM, build_team_store

TOKEN = "headers-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXPECTED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


#: Paths that want no token: the OpenAPI document, and a route that does not exist (404 before any check).
OPEN = ("/openapi.json", "/no-such-route")


@pytest.fixture(scope="module")
def team_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_team_store(tmp_path_factory.mktemp("team"))
    with path.open("a") as config:
        config.write('[api]\ntokens_env = ["HEADERS_TEST_TOKEN"]\n')
    return path


@pytest.fixture
def client(team_config: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("HEADERS_TEST_TOKEN", TOKEN)
    with TestClient(create_app(load_config(team_config)), raise_server_exceptions=False) as test_client:
        yield test_client


def policy(header: str) -> dict[str, str]:
    return {name: value for name, _, value in (part.strip().partition(" ") for part in header.split(";"))}


class PageParts(HTMLParser):
    """What a Content-Security-Policy governs in a page: its <style> texts, scripts, style and on* attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.inline_attributes: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        if tag == "script":
            self.scripts.append(tag)
        self.inline_attributes += [name for name, _ in attrs if name == "style" or name.startswith("on")]

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def parts_of(page: str) -> PageParts:
    parts = PageParts()
    parts.feed(page)
    return parts


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/report?manager={MANAGER}", 200),
        ("/runs", 200),
        ("/health", 200),
        ("/openapi.json", 200),
        (f"/report?manager={MANAGER}&status=purple", 422),
        ("/no-such-route", 404),
    ],
)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str, status: int) -> None:
    for headers in (AUTH, {}):  # the refusals of a missing token (401) too
        answer = client.get(path, headers=headers)
        assert answer.status_code == (status if headers or path in OPEN else 401), answer.text
        assert {name: answer.headers.get(name) for name in EXPECTED} == EXPECTED
        directives = policy(answer.headers["content-security-policy"])
        assert directives["frame-ancestors"] == "'none'"
        assert directives["default-src"] == "'none'"
        assert "unsafe" not in answer.headers["content-security-policy"]


def test_a_bugs_500_carries_them_too(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> str:
        raise RuntimeError("a bug")

    monkeypatch.setattr("lrs_adapter.report.render_report", broken)
    answer = client.get("/report", params={"manager": MANAGER}, headers=AUTH)
    assert answer.status_code == 500
    assert {name: answer.headers.get(name) for name in EXPECTED} == EXPECTED
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_no_interactive_docs_whose_cdn_scripts_the_policy_would_refuse(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_the_page_has_no_script_no_style_attribute_and_one_stylesheet_the_policy_names(client: TestClient) -> None:
    answer = client.get("/report", params={"manager": MANAGER}, headers=AUTH)
    parts = parts_of(answer.text)
    assert (parts.scripts, parts.inline_attributes) == ([], [])
    (stylesheet,) = parts.styles
    digest = base64.b64encode(hashlib.sha256(stylesheet.encode()).digest()).decode()
    assert policy(answer.headers["content-security-policy"])["style-src"] == f"'sha256-{digest}'"


def test_the_static_file_carries_the_policy_in_a_meta_element_without_frame_ancestors(team_config: Path) -> None:
    """Browsers ignore frame-ancestors in a <meta> (and warn of it in the console), so the file leaves it out."""
    db = open_store(f"sqlite:///{team_config.parent / 'store.db'}")
    page = render_report(db, mappings=load_mappings(load_config(team_config).mappings), manager=MANAGER, as_of=AS_OF)
    db.close()
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert meta is not None
    content = html.unescape(meta.group(1))
    assert policy(content)["default-src"] == "'none'"
    assert "frame-ancestors" not in content
    assert page.index("Content-Security-Policy") < page.index("<style>")  # in force before what it governs


def rows(driver: webdriver.Chrome) -> list[str]:
    learners: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('tbody tr .id')].map(e => e.textContent)"
    )
    return sorted(learners)


def navigated(driver: webdriver.Chrome, query: str) -> None:
    """A click starts a navigation that a loaded machine may not have finished when the next line runs: wait for the
    new page (whose URL holds `query`) to be loaded, up to a generous bound, rather than read the old one."""
    WebDriverWait(driver, 30).until(
        lambda d: query in d.current_url and d.execute_script("return document.readyState") == "complete"
    )


def test_the_served_page_renders_and_filters_in_a_browser_with_nothing_refused(team_config: Path) -> None:
    with serving(team_config, {"HEADERS_TEST_TOKEN": TOKEN}, AUTH) as base, chromium() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": AUTH})
        driver.get(f"{base}/report?manager={MANAGER}&as_of={AS_OF.isoformat()}")
        assert rows(driver) == sorted(TEAM)
        badge = driver.execute_script("return getComputedStyle(document.querySelector('.badge.red')).backgroundColor")
        assert badge == "rgb(180, 35, 24)"  # the stylesheet applied: the policy let it through
        Select(driver.find_element(By.ID, "department")).select_by_value("Adult Care")
        Select(driver.find_element(By.ID, "status")).select_by_value("green")
        driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        navigated(driver, "department=Adult+Care")
        assert rows(driver) == sorted(k for k, v in TEAM.items() if v[1] == "Adult Care" and v[4] == "green")
        driver.find_element(By.CSS_SELECTOR, ".summary li.red a").click()  # a count links to its status
        navigated(driver, "status=red")
        assert rows(driver) == sorted(k for k, v in TEAM.items() if v[1] == "Adult Care" and v[4] == "red")
        assert console(driver) == []
