"""`lrs-adapter check` on sinks: what each needs, found without sending anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from lrs_adapter.config import load_config
from lrs_adapter.ops.check import run_checks


def config(tmp_path: Path, url: str, directory: str = "upload") -> Path:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f"""[store]
url = "sqlite:///store.db"
[sinks.totara]
kind = "lms_file"
directory = "{directory}"
[sinks.hook]
kind = "webhook"
url = "{url}"
secret_env = "CHECK_HOOK_SECRET"
timeout = 2
"""
    )
    return path


def test_a_writable_folder_a_set_secret_and_an_answering_host_pass(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECK_HOOK_SECRET", "never-shown")
    lines: list[str] = []
    ok, code = run_checks(load_config(config(tmp_path, httpserver.url_for("/hook"))), lines.append)
    assert (ok, code) == (True, 0), lines
    assert any("upload folder" in line and "writable" in line for line in lines)
    assert any(line.startswith("sink hook: webhook host") and "answers; secret set" in line for line in lines)
    assert httpserver.log == []  # nothing was sent: a probe event would be acted on
    assert not any("never-shown" in line for line in lines)


def test_each_problem_is_named_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECK_HOOK_SECRET", raising=False)
    (tmp_path / "a-file").write_text("not a folder")
    lines: list[str] = []
    ok, code = run_checks(load_config(config(tmp_path, "http://127.0.0.1:9/hook", "a-file/upload")), lines.append)
    assert not ok
    assert code == 2  # the missing secret is a config error
    assert any(line.startswith("sink totara: FAILED") for line in lines)
    assert any(line.startswith("sink hook: FAILED (config)") and "CHECK_HOOK_SECRET" in line for line in lines)
