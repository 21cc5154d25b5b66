"""Debian's chromium, headless, through its own chromedriver: the browser the report page's tests open it in.

The driver comes from the same source package as the browser, so their versions always match and selenium downloads
nothing. The console is logged (goog:loggingPrefs), so a test can tell that the page broke no Content-Security-Policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.helpers.services import need_service

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        need_service(
            "Debian's chromium (/usr/bin/chromium, with /usr/bin/chromedriver)",
            "Install them: apt-get install -y chromium chromium-driver (.ci/run does).",
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,900",
        "--hide-scrollbars",
        "--lang=en-GB",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console(driver: webdriver.Chrome) -> list[str]:
    """What the page wrote to the console since the last call (a refused style or script says so there)."""
    entries = driver.execute("getLog", {"type": "browser"})["value"]  # what get_log does, typed
    return [str(entry["message"]) for entry in entries]
