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


@contextmanager
def serving(config: Path, env: dict[str, str], probe_headers: dict[str, str], log: Path | None = None) -> Iterator[str]:
    """The API's base URL once `/health` answers (asked with `probe_headers`); the server is stopped afterwards.
    `log`: a file that gets what the server writes on stderr (its log lines), readable once it stopped."""
    port = free_port()
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
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/health", headers=probe_headers)
                break
            except httpx.ConnectError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start in 20 s"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
