"""An API over a store holding a few synced learners, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from lrs_adapter.api import create_app
from lrs_adapter.config import Config, load_config
from lrs_adapter.store import open_store
from tests.helpers.changelog import sync
from tests.helpers.prevent import IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def config(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    db = open_store(store_url)
    with db.transaction():
        db.execute(
            "INSERT INTO learners (id, name, department, manager, staff_group, no_it_access, assigned_on, left_on,"
            " on_roster, updated_at) VALUES ('P00001', 'Ann Example', 'Highways', 'P00900', 'Admin', 0,"
            " '2024-01-01', NULL, 1, 'n')"
        )
        db.execute("INSERT INTO learner_identifiers (ifi, learner_id) VALUES ('mbox:mailto:ann@example.org', 'P00001')")
    sync(
        db,
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00001", timestamp="2025-01-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00002", timestamp="2024-01-10T10:00:00Z"),
        statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00003", timestamp="2026-02-10T10:00:00Z"),
    )
    db.close()
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[store]\nurl = "{store_url}"\n'
        '[connectors.demo]\nfile = "export.jsonl"\n[api]\ntokens_env = ["LRS_ADAPTER_TEST_TOKEN"]\nmax_limit = 50\n'
    )
    monkeypatch.setenv("LRS_ADAPTER_TEST_TOKEN", TOKEN)
    return load_config(path)


@pytest.fixture
def app(config: Config) -> FastAPI:
    return create_app(config)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, headers=AUTH, raise_server_exceptions=False) as test_client:
        yield test_client
