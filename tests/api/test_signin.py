"""Sign-in to the report in headless Chromium against a real OpenID Connect provider (npm's oidc-provider, which
refuses an authorization request without PKCE): a manager signs in and sees everyone below them, signs out of the
report and of the provider, and a learner signs in and sees their own status. The two pages' screenshots are kept
(REPORT_SCREENSHOT_DIR=docs keeps them as docs/signin-*.png).

Also without a browser: the authorization request asks for PKCE (S256) with a state and a nonce, and a callback
whose state the session never issued is refused without signing anyone in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.helpers.browser import chromium, console
from tests.helpers.council import BELOW_MANAGER, LEARNER
from tests.helpers.signin import Served, served_council
from tests.helpers.team import MANAGER
from tests.report.test_browser import screenshot, texts


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_council(tmp_path_factory.mktemp("council")) as running:
        yield running


def wait_for_url(driver: webdriver.Chrome, start: str) -> None:
    WebDriverWait(driver, 20).until(lambda d: d.current_url.startswith(start))


def click(driver: webdriver.Chrome, selector: str) -> None:
    WebDriverWait(driver, 20).until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, selector))).click()


def sign_in_at_provider(driver: webdriver.Chrome, served: Served, login: str) -> None:
    """The provider's own login form (and its consent form, the first time), as a person fills them in."""
    wait_for_url(driver, served.issuer)
    driver.find_element(By.NAME, "login").send_keys(login)
    driver.find_element(By.NAME, "password").send_keys("any password")
    click(driver, "button[type=submit]")
    WebDriverWait(driver, 20).until(
        lambda d: d.current_url.startswith(served.base) or d.find_elements(By.CSS_SELECTOR, "input[value=consent]")
    )
    if not driver.current_url.startswith(served.base):
        click(driver, "button[type=submit]")
    wait_for_url(driver, served.base)


def test_sign_in_and_out_in_chromium(served: Served, tmp_path: Path) -> None:
    with chromium() as driver:
        driver.get(f"{served.base}/report")  # not signed in: sent to the provider
        sign_in_at_provider(driver, served, "morgan")
        assert urlsplit(driver.current_url).path == "/report"
        ours = [line for line in console(driver) if line.startswith(served.base) and "/favicon.ico" not in line]
        assert ours == []  # the page's Content-Security-Policy refused nothing (the provider's pages are its own)
        assert texts(driver, ".signed-in strong") == ["Morgan Manager"]
        assert set(texts(driver, "tbody tr .id")) == BELOW_MANAGER  # every level below, from one sign-in
        screenshot(driver, tmp_path / "signin-manager-page.png")

        click(driver, "a.sign-out")
        wait_for_url(driver, served.issuer)  # the provider asks to end its own session too
        click(driver, "button[name=logout]")
        wait_for_url(driver, f"{served.base}/signout/done")
        driver.get(f"{served.base}/report")
        wait_for_url(driver, served.issuer)  # signed out of both: the provider asks who it is again
        assert driver.find_elements(By.NAME, "login")

        sign_in_at_provider(driver, served, "ben")
        assert urlsplit(driver.current_url).path == "/report/me"
        assert texts(driver, ".signed-in strong") == ["Ben Lapsed"]
        assert texts(driver, "section .badge") == ["✕ Overdue"]
        assert "Prevent e-learning" in texts(driver, ".options li")
        assert LEARNER in texts(driver, ".as-of")[0]
        screenshot(driver, tmp_path / "signin-learner-page.png")
        driver.get(f"{served.base}/report?manager={MANAGER}")
        assert "no such page" in driver.page_source  # the learner cannot open their manager's page


def test_the_authorization_request_asks_for_pkce(served: Served) -> None:
    with httpx.Client(base_url=served.base) as client:
        redirect = client.get("/signin")
        assert redirect.status_code == 302
        asked = parse_qs(urlsplit(redirect.headers["location"]).query)
        assert asked["code_challenge_method"] == ["S256"]
        assert len(asked["code_challenge"][0]) == 43  # base64url of a SHA-256
        assert asked["response_type"] == ["code"]
        assert asked["state"][0]
        assert asked["nonce"][0]
        forged = client.get("/signin/callback", params={"code": "stolen", "state": "not-the-one-issued"})
        assert forged.status_code == 400
        assert client.get("/report").status_code == 303
