"""Shared fixtures: stores on SQLite and on the machine's real PostgreSQL, and config files written per test.

PostgreSQL tests get a schema of their own (dropped afterwards) through `search_path` in the URL, so they can run
side by side in the one `test` database. Without a server they skip and say how to get one - except under CI=true,
where a missing service is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings

from lrs_adapter.store import Database, open_store
from tests.helpers.configs import WriteConfig
from tests.helpers.moodle import LEGACY, SPLIT, MoodleSite
from tests.helpers.services import need_service

# Under CI the property tests draw the same examples every run: a red CI is then a repeatable one.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

PG_URL = os.environ.get("LRS_ADAPTER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def fresh_schema(url: str) -> Iterator[str]:
    """`url` with a search_path of a fresh, empty schema, dropped afterwards."""
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        need_service(
            f"PostgreSQL at {url.split('@')[-1]} ({str(error).strip().splitlines()[0]})",
            "Start it (Debian: apt-get install postgresql; pg_ctlcluster 15 main start) with trust auth for "
            "127.0.0.1 and a database `test`, or point LRS_ADAPTER_TEST_PG at one.",
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh, empty schema."""
    yield from fresh_schema(PG_URL)


@pytest.fixture
def lms_url() -> Iterator[str]:
    """A PostgreSQL URL for an LMS's tables (its own database when LRS_ADAPTER_TEST_LMS_PG names one), in a fresh
    schema."""
    yield from fresh_schema(os.environ.get("LRS_ADAPTER_TEST_LMS_PG", PG_URL))


@pytest.fixture(params=[LEGACY, SPLIT])
def site(request: pytest.FixtureRequest, lms_url: str) -> Iterator[MoodleSite]:
    """A Moodle site's database with Moodle up to 4.2's (and Totara's) SCORM tables, or Moodle 4.3+'s."""
    made = MoodleSite(lms_url, request.param)
    yield made
    made.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(store_url: str) -> Iterator[Database]:
    database = open_store(store_url)
    yield database
    database.close()


@pytest.fixture
def write_config(tmp_path: Path) -> WriteConfig:
    """Write a TOML config into the test's directory and return its path."""

    def write(text: str, name: str = "lrs-adapter.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
