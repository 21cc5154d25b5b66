"""The type of the `write_config` fixture (tests/conftest.py): writes a TOML config into the test's directory."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class WriteConfig(Protocol):
    def __call__(self, text: str, name: str = "lrs-adapter.toml") -> Path: ...
