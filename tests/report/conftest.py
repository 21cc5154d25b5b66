"""The team of tests/helpers/team.py in a real store, built once per module: the page tests only read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.store import Database, open_store
from tests.helpers.team import ROOT, build_team_store


@pytest.fixture(scope="module")
def team_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_team_store(tmp_path_factory.mktemp("team"))


@pytest.fixture
def team_store(team_config: Path) -> Iterator[Database]:
    db = open_store(f"sqlite:///{team_config.parent / 'store.db'}")
    yield db
    db.close()


@pytest.fixture(scope="module")
def prevent_mapping() -> Mapping:
    return load_mapping(ROOT / "mappings" / "prevent.toml")
