"""Fixtures that run the real LRSs (see tests/helpers/lrs_servers.py) for the integration tests.

``learning_locker`` is function-scoped: the service is ready in under a second, so every test
gets an empty store and tests cannot depend on each other's statements. ``ralph`` is
session-scoped and loaded once with ``RALPH_STATEMENTS`` statements, because its fs backend
accepts only the first write (and its start-up, with ``ralph auth``, takes ~3 s).

When a server cannot run here the tests are skipped with what to run, except in CI
(``CI=true``), where they fail (see ``lrs_servers.require``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.helpers.certification_run import run_both_rounds
from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS, LearningLocker, Ralph, require

# More than Ralph's default page cap (100) and not a multiple of it, so paging is exercised.
RALPH_STATEMENTS = 250
LRS_FIXTURES = {"learning_locker", "ralph", "fresh_lrs", "fault_free"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a real LRS ``lrs``, so ``-m 'not lrs'`` leaves them out."""
    for item in items:
        if LRS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.lrs)


@pytest.fixture
def learning_locker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    """A fresh, empty Learning Locker statements service (its log stays in pytest's tmp dir)."""
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("learning-locker"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    """One Ralph for the session, loaded with ``make_statements(RALPH_STATEMENTS)``; read only."""
    require("ralph")
    server = Ralph(tmp_path_factory.mktemp("ralph"))
    try:
        yield server.start(load=make_statements(RALPH_STATEMENTS))
    finally:
        server.stop()


@pytest.fixture
def fresh_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LRS]:
    """A Learning Locker of its own for a test that must compare what it received with a reference."""
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("ll"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fault_free(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The outcome of both rounds of certification_run with no fault: what every faulty or killed run must reach."""
    require("learning_locker")
    server = LearningLocker(tmp_path_factory.mktemp("ll-reference"))
    try:
        return run_both_rounds(server.start(), tmp_path_factory.mktemp("reference"))
    finally:
        server.stop()
