"""A sync's log lines, as ops' log shipper reads them: one JSON object per line, each pull line with its run id."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import structlog
from click.testing import CliRunner
from structlog.testing import capture_logs

from lrs_adapter.cli import main
from lrs_adapter.config import load_config
from lrs_adapter.logs import configure_logging
from lrs_adapter.pipeline.workers import pull_connector
from lrs_adapter.store import Database
from tests.helpers.factory import make_statements


def test_a_syncs_log_lines_parse_as_json_and_carry_the_run_id(tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in make_statements(5)) + b"\n")
    (tmp_path / "lrs-adapter.toml").write_text(
        '[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "lrs_adapter", "--log-format", "json", "sync"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [orjson.loads(line) for line in done.stderr.splitlines()]
    pulls = [line for line in lines if line["phase"] == "pull"]
    assert pulls
    assert all(line["connector"] == "demo" and isinstance(line["run_id"], int) for line in pulls)
    assert len({line["run_id"] for line in pulls}) == 1
    assert [line["phase"] for line in lines if line not in pulls] == ["settle"]  # its batch of learners: no run


@pytest.fixture
def logging_restored() -> Iterator[None]:
    yield
    configure_logging()  # as the suite has it: stderr is no terminal here


def sync_setup(tmp_path: Path, store_url: str) -> Path:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in make_statements(1200)) + b"\n")
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        '[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        f'[store]\nurl = "{store_url}"\ncommit_every = 500\n[connectors.demo]\nfile = "export.jsonl"\n'
    )
    return config


def test_on_a_terminal_each_page_is_a_debug_line(
    tmp_path: Path, db: Database, store_url: str, monkeypatch: pytest.MonkeyPatch, logging_restored: None
) -> None:
    """The progress line shows the pages: one log line each would push it off the screen."""
    controller, terminal = os.openpty()
    with os.fdopen(terminal, "w") as stderr, os.fdopen(controller, "rb"):
        monkeypatch.setattr(sys, "stderr", stderr)
        configure_logging("text", logging.DEBUG)
        with capture_logs() as lines:
            pulled = pull_connector(load_config(sync_setup(tmp_path, store_url)), db, "demo")
    assert pulled.run is not None
    assert pulled.run.pages == 3
    pages = [line for line in lines if line["event"] == "page taken in"]
    assert [line["log_level"] for line in pages] == ["debug"] * 3
    assert {line["log_level"] for line in lines if line["event"] == "run finished"} == {"info"}


def test_off_a_terminal_each_page_and_batch_of_learners_is_an_info_line(
    tmp_path: Path, store_url: str, logging_restored: None
) -> None:
    """cron and CI see no progress line: the JSON lines are all there is, and carry its facts."""
    result = CliRunner().invoke(main, ["--config", str(sync_setup(tmp_path, store_url)), "sync"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stderr.splitlines()]  # JSON: the default off a terminal
    pages = [line for line in lines if line["event"] == "page taken in"]
    assert [(line["level"], line["fetched"]) for line in pages] == [("info", 500), ("info", 500), ("info", 200)]
    settled = [line for line in lines if line["event"] == "learners settled"]
    assert [(line["level"], line["learners"]) for line in settled] == [("info", n) for n in range(200, 1201, 200)]


def test_text_lines_show_a_values_control_characters_escaped(
    monkeypatch: pytest.MonkeyPatch, logging_restored: None
) -> None:
    """An LRS's message or an id in a log line on a terminal cannot clear it or forge a line."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    configure_logging("text")
    structlog.get_logger().warning("LRS said\x1b[2J", body="no\r\nway \x1b]0;owned\x07", count=3)
    line = stderr.getvalue()
    assert "\x1b" not in line
    assert "\r" not in line
    assert line.count("\n") == 1
    assert "LRS said\\x1b[2J" in line
    assert "\\x1b]0;owned" in line  # a value with a space is repr()'d by structlog after: its backslashes doubled
    assert "count=3" in line


def test_a_libraries_warning_is_a_json_log_line() -> None:
    """authlib warns at import (its httpx module moving): that must not be the one unparsable line of `serve`."""
    script = (
        "import warnings; from lrs_adapter.logs import configure_logging; configure_logging('json');"
        " warnings.warn('the httpx module is deprecated', UserWarning)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    (line,) = [orjson.loads(text) for text in done.stderr.splitlines()]
    assert line["event"] == "python warning"
    assert (line["category"], line["message"], line["level"]) == (
        "UserWarning",
        "the httpx module is deprecated",
        "warning",
    )
