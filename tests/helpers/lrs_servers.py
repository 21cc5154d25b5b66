"""Start and stop the two real Learning Record Stores the integration tests run against.

Real LRSs differ from the spec and from each other in ways mocks would never show (see
DESIGN.md, "Real components"), so the tests talk to Learning Locker's statements service and
to Ralph, each run as an ordinary subprocess on a free loopback port. Each server runs in its
own process group (Ralph's ``runserver`` forks a reloader and a worker) so that stopping it
kills everything it started, and its output goes to a log file whose tail is put into the
error when it does not come up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_LRS_DIR = REPO_ROOT / ".test-lrs"
LL_ENTRY = TEST_LRS_DIR / "ll" / "node_modules" / "xapi-statements" / "dist" / "index.js"
#: Preloaded into Learning Locker when a test wants its record ids to wrap on demand (see the file).
LL_FAST_ID_CLOCK = Path(__file__).with_name("ll_fast_id_clock.js")
RALPH_BIN = TEST_LRS_DIR / "ralph" / "bin" / "ralph"
INSTALL_HINT = "run `bash scripts/install-test-lrs.sh`"

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Learning Locker only RPUSHes new statement ids to "<prefix>:statement.new" in this database.
# Every server gets its own prefix, so parallel runs (xdist workers, CI jobs sharing a host)
# never see each other's keys whatever the database; 15 keeps clear of the default 0.
REDIS_DB = 15
XAPI_VERSION = "1.0.3"

Statement = dict[str, Any]


class LRSStartError(RuntimeError):
    """The server exited or did not answer before its deadline; the message has its log's tail."""


class PortInUseError(LRSStartError):
    """Another process took the free port first (Learning Locker then lingers for ~30 s: don't wait)."""


def free_port() -> int:
    """A port nobody listens on right now (a server may still grab it first: callers retry)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_call(*commands: tuple[str, ...], timeout: float = 2.0) -> bytes:
    """Send ``commands`` on one connection (so a SELECT applies to what follows); return the raw replies.

    A PING and a SELECT + DEL (single-line replies) do not justify a Redis client in the dev dependencies.
    """
    request = "".join(
        f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args) for args in commands
    )
    reply = b""
    with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=timeout) as sock:
        sock.sendall(request.encode())
        while reply.count(b"\r\n") < len(commands) and (chunk := sock.recv(4096)):
            reply += chunk
    return reply


def missing_prerequisites(kind: str) -> str | None:
    """Why the ``kind`` ("learning_locker" or "ralph") server cannot start here, or None."""
    problems: list[str] = []
    entry = LL_ENTRY if kind == "learning_locker" else RALPH_BIN
    if not TEST_LRS_DIR.is_dir():
        problems.append(f"{TEST_LRS_DIR} is missing; {INSTALL_HINT}")
    elif not entry.exists():
        problems.append(f"{entry} is missing; {INSTALL_HINT}")
    if kind == "learning_locker":
        if shutil.which("node") is None:
            problems.append(f"node is not on PATH; install Node.js, then {INSTALL_HINT}")
        try:
            if not redis_call(("PING",)).startswith(b"+PONG"):
                raise OSError("no PONG")
        except OSError as error:
            problems.append(
                f"Redis on {REDIS_HOST}:{REDIS_PORT} is unreachable ({error}); Learning Locker needs it"
                " for its events: start it (e.g. `redis-server --daemonize yes`)"
            )
    return "; ".join(problems) or None


def require(kind: str) -> None:
    """Skip the test when ``kind`` cannot run here, saying what to do; fail instead in CI.

    In CI (``CI=true``) a silently skipped integration suite would hide a broken pipeline.
    """
    reason = missing_prerequisites(kind)
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{kind} cannot start: {reason}", pytrace=False)
    pytest.skip(f"{kind} cannot start: {reason}")


@dataclass
class LRS:
    """What a test needs to talk to a running LRS."""

    endpoint: str  # the xAPI base URL, ending in "/"
    username: str
    password: str
    log_path: Path
    loaded: list[Statement] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Experience-API-Version": XAPI_VERSION}

    def post(self, statements: list[Statement]) -> list[str]:
        """POST statements and return the ids the LRS assigned (Ralph answers 204 to known ids: [])."""
        response = self.session.post(
            f"{self.endpoint}statements",
            json=statements,
            headers=self.headers,
            auth=(self.username, self.password),
            timeout=60,
        )
        if not response.ok:
            raise AssertionError(f"POST statements: {response.status_code} {response.text[:2000]}")
        return list(response.json()) if response.content else []

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET ``path`` relative to the endpoint, or a ``more`` link (relative to the server root)."""
        url = urljoin(self.endpoint, path)
        return self.session.get(
            url, params=params, headers=self.headers, auth=(self.username, self.password), timeout=60
        )


class ServerProcess:
    """One server subprocess in its own process group, its output in ``log_path``."""

    name = "server"
    ready_timeout = 60.0
    # Logged once the server holds its port: without it, another server that grabbed the same
    # free port could answer the readiness probe for us.
    listening_line = ""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = work_dir / f"{self.name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.startup_seconds = 0.0  # measured: it decides the fixtures' scope
        self._log_offset = 0

    def command(self, port: int) -> tuple[list[str], dict[str, str], Path]:
        """argv, environment and working directory for a server on ``port``."""
        raise NotImplementedError

    def is_ready(self, port: int) -> bool:
        """Whether the server answers requests (called once its listening line is logged)."""
        raise NotImplementedError

    def launch(self, attempts: int = 3) -> None:
        """Start the server and wait until it answers; retry when another process took the port."""
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            argv, env, cwd = self.command(self.port)
            self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            with self.log_path.open("ab") as log:
                log.write(f"\n$ {' '.join(argv)}  # attempt {attempt}, port {self.port}\n".encode())
                log.flush()
                self.process = subprocess.Popen(
                    argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            try:
                self._wait_ready()
                return
            except PortInUseError:
                self.stop()
                if attempt == attempts:
                    raise
            except LRSStartError:
                self.stop()
                raise

    def _wait_ready(self) -> None:
        assert self.process is not None
        started = time.monotonic()
        deadline = started + self.ready_timeout
        while time.monotonic() < deadline:
            if (code := self.process.poll()) is not None:
                raise LRSStartError(f"{self.name} exited with code {code} while starting:\n{self.log_tail()}")
            log = self._log_since_launch()
            if "EADDRINUSE" in log or "Address already in use" in log:
                raise PortInUseError(f"{self.name}: port {self.port} is taken:\n{self.log_tail()}")
            if self.listening_line.format(port=self.port) in log and self.is_ready(self.port):
                self.startup_seconds = time.monotonic() - started
                return
            time.sleep(0.05)
        waited = f"{self.ready_timeout:.0f} s"
        raise LRSStartError(f"{self.name} did not answer on port {self.port} in {waited}:\n{self.log_tail()}")

    def _log_since_launch(self) -> str:
        with self.log_path.open("rb") as log:
            log.seek(self._log_offset)
            return log.read().decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return f"--- last {lines} lines of {self.log_path} ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the whole process group, SIGKILL what is left after ``grace`` seconds."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            if self._group_gone(pgid, wait):
                break
        self.process = None

    def _group_gone(self, pgid: int, wait: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            self.process.poll()  # reap the leader, or the group never empties
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.05)
        return False


def _http_ok(url: str, headers: Mapping[str, str] | None = None) -> bool:
    try:
        return requests.get(url, headers=headers, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment minus what would leak pytest's Python into the servers."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.update(extra)
    return env


class LearningLocker(ServerProcess):
    """Learning Locker's statements service (xapi-statements 5.0.1), in-memory, on Node.js.

    ``await_updates`` sets ``SERVICE_AWAIT_UPDATES``: by default the service applies voiding
    after answering the POST, so a GET right after a voiding statement may still see its
    target; tests want the settled state (as in xapi-statements' own test suite).

    ``ids_per_wrap`` runs the clock behind its UUID-v1 record ids fast, so their text order
    wraps every that many ids (the first wrap at id ``first_wrap``) instead of every 7 min 9.5 s:
    what its `more` chain does across a wrap, on demand (ll_fast_id_clock.js).
    """

    name = "learning-locker"
    ready_timeout = 30.0
    listening_line = "Listening on port {port}"
    username = "lrs-adapter"
    password = "any-password-works"  # AUTH_REPO=test accepts any credentials

    def __init__(
        self, work_dir: Path, *, await_updates: bool = True, ids_per_wrap: int | None = None, first_wrap: int = 0
    ) -> None:
        super().__init__(work_dir)
        self.await_updates = await_updates
        self.ids_per_wrap, self.first_wrap = ids_per_wrap, first_wrap
        self.redis_prefix = f"lrs-adapter-test:{uuid.uuid4().hex[:12]}"

    def command(self, port: int) -> tuple[list[str], dict[str, str], Path]:
        env = _clean_env(
            EXPRESS_PORT=str(port),
            AUTH_REPO="test",
            MODELS_REPO="memory",
            STORAGE_REPO="memory",
            EVENTS_REPO="redis",
            REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
            REDIS_PREFIX=self.redis_prefix,
            FS_LOCAL_STORAGE_DIR=str(self.work_dir / "storage"),
            EXPRESS_MORGAN_DIRECTORY=str(self.work_dir / "logs"),
            SERVICE_AWAIT_UPDATES=str(self.await_updates).lower(),
        )
        if self.ids_per_wrap is None:
            preload: list[str] = []
        else:
            env.update(LL_IDS_PER_WRAP=str(self.ids_per_wrap), LL_IDS_FIRST_WRAP=str(self.first_wrap))
            preload = ["-r", str(LL_FAST_ID_CLOCK)]
        # cwd: the service loads ./.env (dotenv) and defaults its storage to ./storage
        return ["node", *preload, str(LL_ENTRY)], env, self.work_dir

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def is_ready(self, port: int) -> bool:
        return _http_ok(f"http://127.0.0.1:{port}/xAPI/about", {"X-Experience-API-Version": XAPI_VERSION})

    def start(self) -> LRS:
        self.launch()
        return LRS(self.endpoint, self.username, self.password, self.log_path)

    def stop(self, grace: float = 10.0) -> None:
        super().stop(grace)
        with contextlib.suppress(OSError):  # drop the new-statement ids it pushed for (absent) consumers
            redis_call(("SELECT", str(REDIS_DB)), ("DEL", f"{self.redis_prefix}:statement.new"))


class Ralph(ServerProcess):
    """Ralph 5.1.0's LRS with its ``fs`` backend (one JSON-lines file).

    The fs backend accepts only the first write to its file, so a Ralph is loaded once,
    right after it starts, and then only read.
    """

    name = "ralph"
    ready_timeout = 60.0
    listening_line = "Uvicorn running on http://127.0.0.1:{port}"

    username = "lrs-adapter"
    password = "ralph-test-secret"

    def __init__(self, work_dir: Path) -> None:
        super().__init__(work_dir)
        self.app_dir = work_dir / "app"  # auth.json lives here
        self.data_dir = work_dir / "data"  # fs_lrs.jsonl lives here
        self.run_dir = work_dir / "run"  # empty: runserver reloads on .py changes in its cwd

    def _env(self) -> dict[str, str]:
        return _clean_env(RALPH_APP_DIR=str(self.app_dir), RALPH_RUNSERVER_BACKEND="fs")

    def create_user(self) -> None:
        """Write the Basic-auth user with ``ralph auth`` (all scopes, an mbox agent)."""
        for directory in (self.app_dir, self.data_dir, self.run_dir):
            directory.mkdir(parents=True, exist_ok=True)
        argv = [str(RALPH_BIN), "auth", "-u", self.username, "-p", self.password, "-s", "all"]
        argv += ["-M", f"mailto:{self.username}@example.org", "-w"]
        with self.log_path.open("ab") as log:
            done = subprocess.run(argv, cwd=self.run_dir, env=self._env(), stdout=log, stderr=log)
        if done.returncode != 0:
            raise LRSStartError(f"`ralph auth` failed with code {done.returncode}:\n{self.log_tail()}")

    def command(self, port: int) -> tuple[list[str], dict[str, str], Path]:
        argv = [str(RALPH_BIN), "runserver", "-b", "fs", "--fs-default-directory-path", str(self.data_dir)]
        return [*argv, "-h", "127.0.0.1", "-p", str(port)], self._env(), self.run_dir

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def is_ready(self, port: int) -> bool:
        return _http_ok(f"http://127.0.0.1:{port}/__heartbeat__")

    def start(self, load: list[Statement] | None = None) -> LRS:
        """Start Ralph and, if given, write ``load`` as its one and only write."""
        self.create_user()
        self.launch()
        lrs = LRS(self.endpoint, self.username, self.password, self.log_path)
        if load:
            try:
                lrs.post(load)
            except Exception:
                self.stop()
                raise
            lrs.loaded = list(load)
        return lrs
