"""A command run on a real pseudo-terminal, as an administrator types it: what it asks is read from the terminal
and the answer typed back, so the code that asks only on a terminal is tested as it runs, not with a faked isatty."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

#: How long to wait for the command to say anything more: a guard against a hang, not a timing assertion.
PATIENCE = 120


def _read_until(leader: int, wanted: bytes | None) -> bytes:
    """What the terminal shows until `wanted` appears (None: until the command closes it)."""
    seen = b""
    while wanted is None or wanted not in seen:
        ready, _, _ = select.select([leader], [], [], PATIENCE)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # Linux: EIO once the command has closed its end
            break
        if not chunk:
            break
        seen += chunk
    return seen


def answer_on_terminal(config: Path, args: list[str], answer: str) -> tuple[int, str]:
    """Run `lrs-adapter --config CONFIG ARGS...` on a terminal, type `answer` at its yes/no question; its exit code
    and everything the terminal showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "lrs_adapter", "--config", str(config), "--actor", "ann", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
    )
    os.close(follower)
    try:
        shown = _read_until(leader, b"[y/N]: ")
        os.write(leader, answer.encode() + b"\n")
        shown += _read_until(leader, None)
        code = process.wait(timeout=PATIENCE)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    return code, shown.decode(errors="replace")
