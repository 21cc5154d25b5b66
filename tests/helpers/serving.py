"""`lrs-adapter serve` as a real process on a free port of 127.0.0.1, for the tests that need a real HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes], headers: dict[str, str] | None = None) -> None:
    """Return once `url` answers at all; fail with what the server said if it exits first or takes over 20 s."""
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url, headers=headers)
            return
        except httpx.ConnectError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, f"{url} did not answer in 20 s"
            time.sleep(0.1)


@contextmanager
def serving(
    config: Path, env: dict[str, str], probe_headers: dict[str, str], port: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """The API's base URL once `/health` answers (asked with `probe_headers`); the server is stopped afterwards.
    `port`: one chosen beforehand (a sign-in provider must know the URL first), else a free one. `log`: a file that
    gets what the server writes on stderr (its log lines), readable once it stopped."""
    port = port or free_port()
    log = log or Path(tempfile.mkdtemp()) / "serve.log"  # a file, not a pipe: a pipe nobody reads fills and blocks
    with log.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "lrs_adapter", "--config", str(config), "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(f"{base}/health", server, probe_headers)
        except AssertionError as error:
            raise AssertionError(f"{error}: {log.read_text()}") from None
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
