"""What a test does when a service it needs (PostgreSQL, a browser) is missing: skip with how to get it, except
under CI=true, where a missing service is a failure, never a silent skip."""

from __future__ import annotations

import os

import pytest


def need_service(what: str, how: str) -> None:
    message = f"{what} is not available here. {how}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)
