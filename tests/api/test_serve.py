"""`lrs-adapter serve` as an admin starts it: refused without a token, else uvicorn answering on its port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner

from lrs_adapter.cli import main


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["LRS_ADAPTER_UNSET_TOKEN"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "serve"], env={"LRS_ADAPTER_UNSET_TOKEN": ""})
    assert result.exit_code == 2
    assert "key api.tokens_env" in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_over_http(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(f'[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["SERVE_TEST_TOKEN"]\nport = {port}\n')
    server = subprocess.Popen(
        [sys.executable, "-m", "lrs_adapter", "--config", str(config), "serve"],
        env={**os.environ, "SERVE_TEST_TOKEN": "serve-test-token"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = httpx.get(
                    f"http://127.0.0.1:{port}/health", headers={"Authorization": "Bearer serve-test-token"}
                )
                break
            except httpx.ConnectError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start in 20 s"
                time.sleep(0.1)
        assert answer.status_code == 200  # no connector configured: nothing stale
        assert answer.json() == {"healthy": True, "max_age_seconds": 93600.0, "connectors": [], "sinks": []}
        assert httpx.get(f"http://127.0.0.1:{port}/runs").status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)
