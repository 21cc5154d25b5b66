"""Benchmark of a pull: the adapter against the loop a user would write instead, on a static LRS and Learning Locker.

Why this exists: issues 2 and 19 promise that the adapter's pull (parse, check, store) runs at least 0.6x as fast
as a bare ``requests`` + ``json`` loop that stores nothing against static pages and 0.8x against Learning Locker,
spending at most 2x the loop's CPU a statement; at least 3x the same loop building tincan objects; that ``sync``
end to end (pull, map, evaluate, push) runs at least 0.5x the pull's rate; and that memory does not grow with the
number of statements (within 10% of a baseline size's), an export file included. Those are claims about a real
HTTP exchange and real processes, so everything here is real:

- statements come from ``tests/helpers/factory.py`` (realistic shapes, about 2 KB each, as an LRS returns them with
  ``stored``, ``authority`` and ``version``), written as a JSON Lines file with an index of ``stored`` values;
- bench/static_lrs.py serves them honouring ``since``, ``limit`` and ``more`` (so the pull's paging by ``since``
  and its cursor are exercised), and Learning Locker's statements service, started by tests/helpers/lrs_servers.py
  as the integration tests start it, serves the same statements POSTed to it (its own ``stored``);
- each case runs as its own child process, timed from spawn to exit (start-up included, as a user sees it); its
  CPU is the user + system time ``os.wait4`` reports for it and every process it waited for (the adapter's intake
  processes), and its memory the peak PSS of all its processes at once.

Cases run in ``--rounds`` rounds (at least 3), each round in a rotated order (bench/judge.py), so that the adapter
and the loops see the same loads; each figure is the median of its rounds with the range beside it, the 1-minute
load average with it, and every target is judged on the medians. A baseline size runs every time, so the memory
target is judged every time.

Run it with ``make bench`` or ``python bench/pull.py`` (quick: 30,000 statements, a 10,000 baseline, minutes) or
``python bench/pull.py --full`` (100k and 1M, Learning Locker at 100k: about an hour on 2 CPUs and ~10 GB in a
temporary directory, ``--workdir``, deleted size by size). It is not part of the test suite. It exits 1 if any
target is missed or any case did not see every statement, so a regression cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import psutil

from judge import MIN_ROUNDS, Spread, Target, load_average, rotations, verdicts
from static_lrs import epoch_ms

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ADAPTER = Path(sys.executable).with_name("lrs-adapter")

#: Distinct statement shapes made with the factory; the rest are these with a fresh id, times and learner.
TEMPLATES = 2000
#: Learners the generated statements are spread over (a large council's staff).
LEARNERS = 50_000
#: Sentinels put in the templates and replaced per statement; braces elsewhere are escaped for str.format.
FIELDS = {"id": "@@ID@@", "learner": "@@LEARNER@@", "timestamp": "@@TS@@", "stored": "@@STORED@@"}
AUTHORITY = {"objectType": "Agent", "name": "LRS client", "mbox": "mailto:lrs-client@learning.example.gov.uk"}
_NAMESPACE = uuid.UUID("3d1f6a0e-8c55-4b8e-a2f4-7e6a2b9c0d15")
_BASE = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_LONDON = ZoneInfo("Europe/London")

# Targets from issues 2 and 19, judged on medians of interleaved rounds.
PLAIN_FACTOR = {"static": 0.6, "Learning Locker": 0.8}  # pull rate >= this x the plain loop's on the same server
CPU_FACTOR = 2.0  # the adapter's CPU a statement <= 2 x the plain loop's
TINCAN_FACTOR = 3.0  # pull rate >= 3 x the tincan loop's
SYNC_FACTOR = 0.5  # sync end to end >= 0.5 x the pull's rate
SCALE_FACTOR = 0.85  # the pull's rate at the largest size >= 85% of its rate at the smallest
RSS_GROWTH = 0.10  # all processes' peak memory at the largest size within 10% of the baseline size's
MEMORY_CASES = ("adapter pull", "adapter sync", "file jsonl", "file array")

#: The default run: small enough for a busy machine in minutes (a 10,000 baseline, so the adapter's 10,000-statement
#: batches are full at both sizes); ``--full`` gives the issue's sizes (about an hour and ~10 GB on 2 CPUs).
QUICK = {"sizes": "30000", "baseline": 10_000, "ll_size": 30_000, "tincan_max": 10_000}
FULL = {"sizes": "100000,1000000", "baseline": 100_000, "ll_size": 100_000, "tincan_max": 100_000}
NOTE_WIDTH = 160  # characters of a run's note in the table (the whole note is printed as the run ends)
LL_POST = 500  # statements a POST when loading Learning Locker
CREDENTIAL_ENV = "LRS_BENCH_LRS_CREDENTIAL"  # the children read the LRS's password here, never from argv


# -- the statements -------------------------------------------------------------------------------------------
def load_factory() -> Any:
    """The tests' statement factory (``tests.helpers.factory``), with the repository root on the path."""
    sys.path.insert(0, str(ROOT))
    return importlib.import_module("tests.helpers.factory")


def templates(count: int) -> list[str]:
    """``count`` factory statements as JSON text with str.format fields where each statement differs.

    Building 1M statements through the factory would take longer than the pull being measured; formatting a
    template keeps every byte realistic while costing a few microseconds a statement.
    """
    factory = load_factory()
    texts = []
    for statement in factory.make_statements(count):
        statement["id"] = FIELDS["id"]
        statement["actor"]["name"] = f"Learner {FIELDS['learner']}"
        statement["actor"]["account"]["name"] = FIELDS["learner"]
        statement["timestamp"] = FIELDS["timestamp"]
        # What an LRS adds on POST, in the order Learning Locker returns them.
        statement |= {"stored": FIELDS["stored"], "authority": AUTHORITY, "version": "1.0.3"}
        text = json.dumps(statement, separators=(",", ":"), ensure_ascii=False)
        text = text.replace("{", "{{").replace("}", "}}")
        for name, sentinel in FIELDS.items():
            text = text.replace(sentinel, "{" + name + "}")
        texts.append(text)
    return texts


def _timestamp(instant: datetime, style: int) -> str:
    """The three ways real tools write a timestamp: UTC with Z, and local time with its offset, with or without ms."""
    if style == 0:
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    local = instant.astimezone(_LONDON)
    return local.isoformat(timespec="seconds" if style == 1 else "milliseconds")


def statements(count: int, shapes: Sequence[str]) -> Iterator[str]:
    """Statement ``i`` as JSON text: a template with its own id, learner and times; ``stored`` strictly increases.

    About 30 s between statements (1M is a year of a busy LRS); each timestamp is up to 10 minutes before its
    ``stored``, as a player that queues statements would send them.
    """
    for i in range(count):
        stored = _BASE + timedelta(milliseconds=i * 30_000 + (i * 137) % 1000)
        timestamp = stored - timedelta(seconds=1 + (i * 7919) % 600)
        yield shapes[i % len(shapes)].format(
            id=uuid.uuid5(_NAMESPACE, str(i)),
            learner=f"P{(i * 7919) % LEARNERS:05d}",
            timestamp=_timestamp(timestamp, i % 3),
            stored=stored.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stored.microsecond // 1000:03d}Z",
        )


@dataclass(frozen=True)
class Dataset:
    """One size's files: the statements as JSON Lines with the static LRS's index beside it, and as a JSON array."""

    count: int
    directory: Path
    jsonl: Path
    array: Path
    bytes: int


def write_dataset(directory: Path, count: int, page_size: int, shapes: Sequence[str]) -> Dataset:
    """Write both export files and the index (``stored`` in epoch ms, line offsets) a page at a time, so memory stays
    flat here too; bench/static_lrs.py serves the JSON Lines file through that index."""
    jsonl, array_file = directory / "export.jsonl", directory / "export.json"
    stored, offsets = array("q"), array("q", [0])
    total = 0
    source = statements(count, shapes)
    with jsonl.open("wb") as lines, array_file.open("w", encoding="utf-8") as items:
        items.write("[\n")
        for first in range(0, count, page_size):
            page = [next(source) for _ in range(min(page_size, count - first))]
            for text in page:
                raw = text.encode()
                stored.append(epoch_ms(text[text.index('"stored":"') + 10 :][:24]))
                lines.write(raw + b"\n")
                total += len(raw) + 1
                offsets.append(total)
            items.write((",\n" if first else "") + ",\n".join(page))
        items.write("\n]\n")
    (directory / "stored.bin").write_bytes(stored.tobytes())
    (directory / "offsets.bin").write_bytes(offsets.tobytes())
    return Dataset(count, directory, jsonl, array_file, total)


def lrs_statements(count: int, shapes: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The same statements as a client POSTs them: without what the LRS adds (``stored``, ``authority``,
    ``version``)."""
    for text in statements(count, shapes):
        statement = json.loads(text)
        for added in ("stored", "authority", "version"):
            del statement[added]
        yield statement


# -- the servers ------------------------------------------------------------------------------------------------
@dataclass
class Server:
    """A running LRS the cases pull from: its name in the report, its xAPI endpoint, credentials, how to stop it."""

    name: str
    endpoint: str
    stop: Callable[[], None]
    username: str | None = None
    password: str | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def static_server(data: Dataset) -> Server:
    """bench/static_lrs.py over ``data``: a real HTTP server honouring since/limit/more, at almost no cost."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, HERE / "static_lrs.py", data.directory, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)

    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Server("static", f"http://127.0.0.1:{port}/xapi/", stop)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                stop()
                raise RuntimeError("bench/static_lrs.py did not start") from None
            time.sleep(0.05)


def learning_locker(directory: Path, count: int, shapes: Sequence[str]) -> Server:
    """Learning Locker's statements service started as the integration tests start it (tests/helpers/lrs_servers.py),
    loaded with ``count`` statements by POSTs of 500; the load is not timed."""
    from tests.helpers.lrs_servers import LearningLocker, missing_prerequisites

    if (reason := missing_prerequisites("learning_locker")) is not None:
        raise RuntimeError(f"Learning Locker cannot start: {reason} (or give --ll-size 0)")
    server = LearningLocker(directory / "learning-locker")
    lrs = server.start()
    os.environ[CREDENTIAL_ENV] = lrs.password  # for the children; AUTH_REPO=test takes any credentials
    try:
        source = lrs_statements(count, shapes)
        for first in range(0, count, LL_POST):
            lrs.post([next(source) for _ in range(min(LL_POST, count - first))])
    except BaseException:
        server.stop()
        raise
    return Server("Learning Locker", lrs.endpoint, server.stop, lrs.username, lrs.password)


# -- measuring a child process --------------------------------------------------------------------------------
@dataclass
class Result:
    """One run of one case."""

    case: str
    statements: int
    wall: float
    cpu: float  # user + system seconds of the child and every process it waited for (wait4)
    rss_mb: float  # the largest single process's peak
    tree_mb: float  # the peak of all its processes' memory at once (PSS)
    load: float  # the 1-minute load average when it started
    ok: bool
    note: str = ""

    @property
    def rate(self) -> float:
        return self.statements / self.wall if self.wall else 0.0

    @property
    def cpu_us(self) -> float:
        """CPU microseconds a statement, over all the case's processes."""
        return self.cpu / self.statements * 1e6 if self.statements else 0.0


@dataclass(frozen=True)
class Measured:
    code: int
    wall: float
    cpu: float
    rss_mb: float
    tree_mb: float
    load: float


def measure(command: Sequence[str | Path], stdout: int | TextIO = subprocess.DEVNULL) -> Measured:
    """Run one child to its end, timed from spawn to exit (start-up included, as a user sees it).

    ``os.wait4`` gives the rusage of exactly that child and of the processes it waited for (the adapter's intake
    processes), so CPU time counts all of a case's work and a previous case's cannot leak in; its ``ru_maxrss`` is
    the largest single process's, though, so the tree is also sampled every 50 ms (psutil): proportional set sizes,
    so that pages a forked process shares with its parent count once.
    """
    load = load_average()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak_tree = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        try:
            root = psutil.Process(process.pid)
            while not done.wait(0.05):
                total = 0
                for member in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a process may end between listing and reading
                        total += member.memory_full_info().pss
                peak_tree = max(peak_tree, total / 2**20)
        except psutil.Error:  # the child ended before a sample
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(process.returncode, wall, cpu, usage.ru_maxrss / 1024, peak_tree, load)  # ru_maxrss: KiB


def write_config(
    directory: Path, *, server: Server | None = None, file: Path | None = None, page_size: int, sync: bool = False
) -> Path:
    """A config with one connector named ``bench`` and a fresh SQLite store beside it; with ``sync``, the Prevent
    mapping and a Totara upload sink too, so that ``sync`` maps, evaluates and pushes what it pulled."""
    config = directory / "lrs-adapter.toml"
    lines = [f'[store]\nurl = "sqlite:///{directory / "bench.db"}"\n']
    if sync:
        lines.insert(0, f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n')
        lines.append('[roster]\nhome_page = "https://learning.example.gov.uk"\n')
        lines.append(f'[sinks.totara]\nkind = "lms_file"\ndirectory = "{directory / "upload"}"\n')
    if server is not None:
        lines.append(f'[lrs.bench]\nendpoint = "{server.endpoint}"\npage_size = {page_size}\n')
        if server.username:
            lines.append(f'username = "{server.username}"\npassword_env = "{CREDENTIAL_ENV}"\n')
        lines.append('[connectors.bench]\nlrs = "bench"\n')
    else:
        lines.append(f'[connectors.bench]\nfile = "{file}"\n')
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def adapter_pull(
    case: str,
    size: int,
    directory: Path,
    page_size: int,
    *,
    server: Server | None = None,
    file: Path | None = None,
    command: str = "pull",
) -> Result:
    """``lrs-adapter pull`` (or ``sync``: pull, map, evaluate, push) into an empty SQLite store, then the run log
    checked: every statement new, none lost."""
    store = Path(tempfile.mkdtemp(prefix=case.replace(" ", "-") + "-", dir=directory))
    config = write_config(store, server=server, file=file, page_size=page_size, sync=command == "sync")
    run = measure([ADAPTER, "--log-format", "json", "--config", config, command])
    runs = subprocess.run(
        [ADAPTER, "--config", config, "runs", "--format", "json", "--limit", "5"],
        capture_output=True,
        text=True,
        check=False,
    )
    # sync logs its push after its pull: the pull's run is the connector's.
    logged = next((run for run in map(json.loads, runs.stdout.splitlines()) if run["connector"] == "bench"), {})
    ok = run.code == 0 and logged.get("new") == size and logged.get("quarantined") == 0
    note = "" if ok else f"exit {run.code}, run log: {logged or runs.stderr.strip()}"
    shutil.rmtree(store)  # a 1M store is ~2.5 GB
    return Result(case, logged.get("new", 0), run.wall, run.cpu, run.rss_mb, run.tree_mb, run.load, ok, note)


def loop(case: str, size: int, server: Server, page_size: int, limit: int) -> Result:
    """The loop a user would write, in a child process of its own; it prints how many statements it went through."""
    command = [sys.executable, __file__, "--loop", case, "--url", server.endpoint, "--page-size", str(page_size)]
    if server.username:
        command += ["--user", server.username]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        run = measure([*command, "--limit", str(limit)], stdout=out)
        out.seek(0)
        seen = int(out.read().strip() or 0)
    expected = min(size, limit)
    ok = run.code == 0 and seen == expected
    note = f"capped at {limit:,} by --tincan-max" if ok and expected < size else ""
    note = note if ok else f"exit {run.code}, saw {seen} of {expected}"
    return Result(case, seen, run.wall, run.cpu, run.rss_mb, run.tree_mb, run.load, ok, note)


def run_loop(kind: str, endpoint: str, page_size: int, limit: int, user: str | None) -> int:
    """The child side of ``loop``: GET a page, parse it with stdlib json, go through it, follow ``more``.

    No store and no checks: this is the floor the adapter is compared with. ``json.loads(response.content)``
    rather than ``response.json()`` because it skips the encoding guess and so is the faster (stricter) baseline.
    """
    import requests

    build: Any = None
    if kind == "tincan":
        import tincan

        build = tincan.Statement
    parts = urlsplit(endpoint)
    root = f"{parts.scheme}://{parts.netloc}/"
    url: str | None = urljoin(endpoint, "statements")
    params: dict[str, str] | None = {"ascending": "true", "limit": str(page_size)}
    seen = 0
    with requests.Session() as session:
        session.headers["X-Experience-API-Version"] = "1.0.3"
        if user:
            session.auth = (user, os.environ[CREDENTIAL_ENV])
        while url and seen < limit:
            response = session.get(url, params=params, timeout=60)
            response.raise_for_status()
            body = json.loads(response.content)
            for statement in body["statements"][: limit - seen]:  # a cap inside a page stops inside it
                if build is not None:
                    build(statement)
                seen += 1
            more = body.get("more")
            url, params = (urljoin(root, more.lstrip("/")) if more else None), None
    print(seen)
    return 0


# -- the report -----------------------------------------------------------------------------------------------
@dataclass
class Row:
    """A case's runs on one server at one size."""

    server: str
    size: int
    case: str
    runs: list[Result]

    def spread(self, figure: Callable[[Result], float]) -> Spread:
        return Spread.of([figure(run) for run in self.runs])

    @property
    def ok(self) -> bool:
        return all(run.ok for run in self.runs)


def _rate(run: Result) -> float:
    return run.rate


def _cpu(run: Result) -> float:
    return run.cpu_us


def _tree(run: Result) -> float:
    return run.tree_mb


def ratio_target(name: str, a: Row, b: Row, figure: Callable[[Result], float], need: float, at_least: bool) -> Target:
    """``figure(a) / figure(b)`` from the medians, judged against ``need``; the round-by-round ratios beside it
    (a's and b's runs of one round are paired: they saw the same load). An invalid run misses the target."""
    value = a.spread(figure).median / b.spread(figure).median
    paired = Spread.of([figure(x) / figure(y) for x, y in zip(a.runs, b.runs, strict=False)])
    if not (a.ok and b.ok):
        value = 0.0 if at_least else float("inf")
    return Target(name, value, need, at_least, paired)


def targets(rows: list[Row], baseline: int) -> list[Target]:
    """Every target of issues 2 and 19 that these rows can judge."""
    by = {(r.server, r.size, r.case): r for r in rows}
    found: list[Target] = []
    for server, size, case in by:
        if case != "adapter pull":
            continue
        pull, where = by[(server, size, case)], f"{server}, {size:,}"
        plain, tincan, sync = (by.get((server, size, c)) for c in ("plain", "tincan", "adapter sync"))
        factor = PLAIN_FACTOR[server]
        if plain is not None:
            found.append(ratio_target(f"pull rate / plain loop's ({where})", pull, plain, _rate, factor, True))
            found.append(
                ratio_target(f"pull CPU a statement / plain's ({where})", pull, plain, _cpu, CPU_FACTOR, False)
            )
        if tincan is not None:
            found.append(ratio_target(f"pull rate / tincan loop's ({where})", pull, tincan, _rate, TINCAN_FACTOR, True))
        if sync is not None:
            found.append(ratio_target(f"sync rate / pull's ({where})", sync, pull, _rate, SYNC_FACTOR, True))
    sizes = sorted({size for server, size, _ in by if server == "static"})  # the baseline among them
    if (
        len(sizes) > 1
        and (a := by.get(("static", sizes[-1], "adapter pull")))
        and (b := by.get(("static", sizes[0], "adapter pull")))
    ):
        found.append(ratio_target(f"pull rate at {sizes[-1]:,} / at {sizes[0]:,}", a, b, _rate, SCALE_FACTOR, True))
    for case in MEMORY_CASES:
        small, large = by.get(("static", baseline, case)), by.get(("static", sizes[-1], case))
        if small is not None and large is not None and large is not small:
            name = f"{case}: all processes' memory at {large.size:,} / at {small.size:,}"
            found.append(ratio_target(name, large, small, _tree, 1 + RSS_GROWTH, False))
    return found


def table(rows: list[Row]) -> str:
    """A Markdown table, medians with [ranges]: readable on a terminal and pasteable into RESULTS.md as it is."""
    lines = [
        "| server | size | case | runs | statements | statements/s | CPU µs/statement | all processes MB"
        " | load (1 min) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        notes = sorted({run.note[:NOTE_WIDTH] for run in r.runs if run.note})
        note = f" ({'; '.join(notes)})" if notes else ""
        flag = "" if r.ok else " INVALID"
        lines.append(
            f"| {r.server} | {r.size:,} | {r.case}{flag}{note} | {len(r.runs)} | {r.runs[0].statements:,}"
            f" | {r.spread(_rate).show()} | {r.spread(_cpu).show('.1f')} | {r.spread(_tree).show()}"
            f" | {r.spread(lambda run: run.load).show('.1f')} |"
        )
    return "\n".join(lines)


def adapter_source() -> str:
    """Which lrs_adapter the children run (PYTHONPATH can point them at a snapshot) and its git state."""
    spec = importlib.util.find_spec("lrs_adapter")
    where = Path(spec.origin).parent if spec and spec.origin else None
    if where is None:
        return "lrs_adapter: not importable"
    if not where.is_relative_to(ROOT):
        return f"lrs_adapter from {where}"
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run([*git, "status", "--porcelain", "src"], capture_output=True, text=True, check=False)
    state = " with uncommitted changes under src/" if dirty.stdout.strip() else ""
    return f"lrs_adapter from {where}, commit {head.stdout.strip() or '?'}{state}"


def machine() -> str:
    """What the figures depend on: cores, memory, CPU model, Python, and which adapter code ran."""
    cpu = "unknown"
    with Path("/proc/cpuinfo").open(encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.rstrip()
    return (
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs (nproc)\n"
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.platform()}\n"
        f"- {adapter_source()}\n"
        f"- free -h:\n\n```\n{memory}\n```"
    )


# -- the run --------------------------------------------------------------------------------------------------
def interleave(server: str, size: int, cases: dict[str, Callable[[], Result]], rounds: int) -> list[Row]:
    """Run ``cases`` in ``rounds`` rounds, each in a rotated order, so that every case sees the same loads."""
    rows = {name: Row(server, size, name, []) for name in cases}
    for number, order in enumerate(rotations(list(cases), rounds), 1):
        for name in order:
            result = cases[name]()
            rows[name].runs.append(result)
            print(
                f"  {server} {size:,} round {number}: {name:<13} {result.statements:>9,} in {result.wall:6.1f} s ="
                f" {result.rate:8,.0f}/s, {result.cpu_us:6.1f} µs CPU a statement,"
                f" all processes {result.tree_mb:5,.0f} MB, load {result.load:.1f}"
                f"{'' if result.ok else ' INVALID: ' + result.note}",
                flush=True,
            )
    return list(rows.values())


def bench_size(size: int, args: argparse.Namespace, shapes: Sequence[str], workdir: Path) -> list[Row]:
    """The static server's and the export files' cases for one size, interleaved over the same files; then, at the
    Learning Locker size, the LRS cases against Learning Locker; the files are deleted before the next size."""
    directory = Path(tempfile.mkdtemp(prefix=f"lrs-bench-{size}-", dir=workdir))
    try:
        started = time.perf_counter()
        data = write_dataset(directory, size, args.page_size, shapes)
        print(
            f"{size:,} statements: {data.bytes / 1e9:.2f} GB as JSON Lines, avg {data.bytes / size:,.0f} B a statement,"
            f" written in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        rows: list[Row] = []
        servers = [static_server]
        if size == args.ll_size:
            servers.append(lambda _: learning_locker(directory, size, shapes))
        for start in servers:
            server = start(data)
            try:
                cases = lrs_cases(server, size, directory, args)
                if server.name == "static":
                    cases["file jsonl"] = lambda: adapter_pull(
                        "file jsonl", size, directory, args.page_size, file=data.jsonl
                    )
                    cases["file array"] = lambda: adapter_pull(
                        "file array", size, directory, args.page_size, file=data.array
                    )
                rows += interleave(server.name, size, cases, args.rounds)
            finally:
                server.stop()
        return rows
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def lrs_cases(server: Server, size: int, directory: Path, args: argparse.Namespace) -> dict[str, Callable[[], Result]]:
    """The cases that pull from ``server``: the adapter's pull and sync, the plain loop, and (static only) tincan."""
    page = args.page_size
    cases: dict[str, Callable[[], Result]] = {
        "adapter pull": lambda: adapter_pull("adapter pull", size, directory, page, server=server),
        "adapter sync": lambda: adapter_pull("adapter sync", size, directory, page, server=server, command="sync"),
        "plain": lambda: loop("plain", size, server, page, size),
    }
    if server.name == "static":
        cases["tincan"] = lambda: loop("tincan", size, server, page, args.tincan_max)
    return cases


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--full", action="store_true", help=f"the issue's sizes: {FULL}")
    parser.add_argument("--sizes", default=None, help=f"comma-separated statement counts (default {QUICK['sizes']})")
    parser.add_argument("--baseline", type=int, default=None, help="the small size memory is compared with")
    parser.add_argument("--ll-size", type=int, default=None, help="statements loaded into Learning Locker (0: none)")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS, help=f"interleaved rounds (at least {MIN_ROUNDS})")
    parser.add_argument("--page-size", type=int, default=500, help="statements per page (the adapter's limit)")
    parser.add_argument("--tincan-max", type=int, default=None, help="stop the tincan loop after this many (~4k/s)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary files go (default: $TMPDIR)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the report to this file")
    # The child side of the user loops; not for direct use.
    parser.add_argument("--loop", choices=["plain", "tincan"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=sys.maxsize, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    for key, value in (FULL if args.full else QUICK).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.loop:
        return run_loop(args.loop, args.url, args.page_size, args.limit, args.user)
    if not ADAPTER.exists():
        sys.exit(f"{ADAPTER} not found: run this with the project's venv python (make bench).")
    sizes = sorted({int(size) for size in args.sizes.split(",")} | {args.baseline})
    if args.baseline >= sizes[-1]:
        sys.exit(f"--baseline {args.baseline:,} must be below the largest of --sizes, or memory would not be judged.")
    started = datetime.now(UTC)
    workdir = args.workdir or Path(tempfile.gettempdir())
    shapes = templates(TEMPLATES)
    command = " ".join(["python bench/pull.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"{command}\n{machine()}\n", flush=True)
    rows: list[Row] = []
    for size in sizes:
        rows += bench_size(size, args, shapes, workdir)
    judged = targets(rows, args.baseline)
    figures = table(rows) + "\n\nTargets, judged on the medians:\n\n" + "\n".join(f"- {t.line()}" for t in judged)
    print("\n" + figures)
    report = (
        f"Command: `{command}`, started {started:%Y-%m-%d %H:%M} UTC, pages of {args.page_size}, {args.rounds} rounds,"
        f" tincan loop capped at {args.tincan_max:,} statements.\n\n{machine()}\n\n{figures}\n"
    )
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(report, encoding="utf-8")
    return max(verdicts(judged), 0 if all(row.ok for row in rows) else 1)


if __name__ == "__main__":
    sys.exit(main())
