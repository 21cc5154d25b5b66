"""Benchmark of a pull: the adapter against the loop a user would write instead, at 100k and 1M statements.

Why this exists: issue 2 promises that the adapter's pull (parse, check, store) runs at least half as fast as a
bare ``requests`` + ``json`` loop that stores nothing, at least 3x as fast as the same loop building tincan
objects, and that its memory does not grow with the number of statements (1M within 10% of 100k), an export
file included. Those are claims about a real HTTP exchange and a real process, so everything here is real:

- statements come from ``tests/helpers/factory.py`` (realistic shapes, about 2 KB each, as an LRS returns them with
  ``stored``, ``authority`` and ``version``), written as static StatementResult pages of ``--page-size``;
- the pages are served by Python's ``http.server`` on a loopback port (no mocks): the adapter asks for each page by
  ``since`` and is answered with the page file linked to that ``since``, while the users' loops follow ``more``
  through the same files;
- each case runs as its own child process, timed from spawn to exit (start-up included, as a user sees it),
  and its peak RSS is the kernel's ``ru_maxrss`` for that child alone (``os.wait4``).

Run it with ``make bench`` or ``python bench/pull.py [--sizes 100000,1000000] [--page-size 500]``. It is not
part of the test suite: a 1M run takes about 12 minutes on 2 CPUs and writes ~10 GB to a temporary directory
(``--workdir``), deleted size by size as the run goes. It prints each target with PASS or MISS beside it and exits
1 if any target is missed or any case did not see every statement, so a regression cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import psutil

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

# Targets from issue 2.
PLAIN_FACTOR = 0.5  # adapter rate >= 0.5 x the plain loop's
TINCAN_FACTOR = 3.0  # adapter rate >= 3 x the tincan loop's
RSS_GROWTH = 0.10  # peak RSS at the largest size within 10% of the smallest


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
        stored = _stored(i)
        timestamp = stored - timedelta(seconds=1 + (i * 7919) % 600)
        yield shapes[i % len(shapes)].format(
            id=uuid.uuid5(_NAMESPACE, str(i)),
            learner=f"P{(i * 7919) % LEARNERS:05d}",
            timestamp=_timestamp(timestamp, i % 3),
            stored=_timestamp(stored, 0),
        )


def _stored(i: int) -> datetime:
    return _BASE + timedelta(milliseconds=i * 30_000 + (i * 137) % 1000)


@dataclass(frozen=True)
class Dataset:
    """One size's files: the LRS's pages under ``site``, and the same statements as two export files."""

    count: int
    site: Path
    jsonl: Path
    array: Path
    bytes: int


def page_path(number: int) -> str:
    """Page 1 is what ``GET /xapi/statements`` returns (without `since`); the rest are `more` links."""
    return "xapi/statements" if number == 1 else f"xapi/pages/page-{number:06d}.json"


def since_path(since: str) -> str:
    """Where the page answering a request with `since` is linked (SinceHandler)."""
    return f"xapi/since/{since.replace(':', '-')}.json"


def write_dataset(directory: Path, count: int, page_size: int, shapes: Sequence[str]) -> Dataset:
    """Write the pages and both export files in one pass, a page at a time, so memory stays flat here too. The
    adapter asks for the page after one from its last `stored` but one (the last one's group may go on): that
    `since` is linked to the next page, and after the last page to an empty one."""
    site = directory / "site"
    for folder in ("pages", "since"):
        (site / "xapi" / folder).mkdir(parents=True)
    (site / "xapi" / "pages" / "empty.json").write_text('{"statements":[],"more":""}', encoding="utf-8")
    jsonl, array = directory / "export.jsonl", directory / "export.json"
    pages = (count + page_size - 1) // page_size
    total = 0
    source = statements(count, shapes)
    with jsonl.open("w", encoding="utf-8") as lines, array.open("w", encoding="utf-8") as items:
        items.write("[\n")
        for number in range(1, pages + 1):
            first = (number - 1) * page_size
            page = [next(source) for _ in range(min(page_size, count - first))]
            more = "/" + page_path(number + 1) if number < pages else ""
            body = '{"statements":[' + ",".join(page) + '],"more":"' + more + '"}'
            (site / page_path(number)).write_text(body, encoding="utf-8")
            since = _timestamp(_stored(first + max(len(page) - 2, 0)), 0)
            following = Path(page_path(number + 1)).name if number < pages else "empty.json"
            (site / since_path(since)).symlink_to(Path("..") / "pages" / following)
            total += len(body)
            lines.write("\n".join(page) + "\n")
            items.write((",\n" if number > 1 else "") + ",\n".join(page))
        items.write("\n]\n")
    return Dataset(count, site, jsonl, array, total)


# -- the static server ----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SinceHandler(http.server.SimpleHTTPRequestHandler):
    """http.server's own file handler; a request with `since` gets the page file linked to it (write_dataset)."""

    def translate_path(self, path: str) -> str:
        since = parse_qs(urlsplit(path).query).get("since")
        return super().translate_path("/" + since_path(since[0]) if since else path)


def serve(directory: Path, port: int) -> int:
    """The child side of StaticServer."""
    handler = functools.partial(SinceHandler, directory=str(directory))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()
    return 0


class StaticServer:
    """Python's http.server over the pages (SinceHandler): a real HTTP server, sending no xAPI headers (that is
    fine)."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(directory), "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.endpoint = f"http://127.0.0.1:{self.port}/xapi/"
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("http.server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


# -- measuring a child process --------------------------------------------------------------------------------
@dataclass
class Result:
    case: str
    size: int
    statements: int
    wall: float
    rss_mb: float  # the largest single process's peak
    tree_mb: float  # the peak of all its processes' memory at once (PSS)
    ok: bool
    note: str = ""

    @property
    def rate(self) -> float:
        return self.statements / self.wall if self.wall else 0.0


def measure(
    command: Sequence[str | Path], stdout: int | TextIO = subprocess.DEVNULL
) -> tuple[int, float, float, float]:
    """Run one child to its end: (exit code, wall seconds from spawn to exit, its own peak RSS in MB, the peak PSS
    in MB of it and every process under it at once).

    ``os.wait4`` gives the rusage of exactly that child, so a previous case's peak cannot leak into this one
    (``RUSAGE_CHILDREN`` would report the maximum over all children so far); its ``ru_maxrss`` is the largest
    single process's, though, and a pull takes pages in on processes of its own. So the tree is also sampled every
    50 ms (psutil): proportional set sizes, so that pages a forked process shares with its parent count once.
    """
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
    return process.returncode, wall, usage.ru_maxrss / 1024, peak_tree  # ru_maxrss is in KiB on Linux


def write_config(
    directory: Path, *, endpoint: str | None = None, file: Path | None = None, page_size: int, sync: bool = False
) -> Path:
    """A config with one connector named ``bench`` and a fresh SQLite store beside it; with ``sync``, the Prevent
    mapping and a Totara upload sink too, so that ``sync`` maps, evaluates and pushes what it pulled."""
    config = directory / "lrs-adapter.toml"
    lines = [f'[store]\nurl = "sqlite:///{directory / "bench.db"}"\n']
    if sync:
        lines.insert(0, f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n')
        lines.append('[roster]\nhome_page = "https://learning.example.gov.uk"\n')
        lines.append(f'[sinks.totara]\nkind = "lms_file"\ndirectory = "{directory / "upload"}"\n')
    if endpoint is not None:
        lines.append(f'[lrs.bench]\nendpoint = "{endpoint}"\npage_size = {page_size}\n')
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
    endpoint: str | None = None,
    file: Path | None = None,
    command: str = "pull",
) -> Result:
    """``lrs-adapter pull`` (or ``sync``: pull, map, evaluate, push) into an empty SQLite store, then the run log
    checked: every statement new, none lost."""
    store = directory / case.replace(" ", "-")
    store.mkdir()
    config = write_config(store, endpoint=endpoint, file=file, page_size=page_size, sync=command == "sync")
    code, wall, rss, tree = measure([ADAPTER, "--log-format", "json", "--config", config, command])
    runs = subprocess.run(
        [ADAPTER, "--config", config, "runs", "--stage", "pull", "--format", "json", "--limit", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    run = json.loads(runs.stdout.splitlines()[0]) if runs.stdout.strip() else {}
    ok = code == 0 and run.get("new") == size and run.get("quarantined") == 0
    note = "" if ok else f"exit {code}, run log: {run or runs.stderr.strip()}"
    shutil.rmtree(store)  # a 1M store is ~2.5 GB
    return Result(case, size, run.get("new", 0), wall, rss, tree, ok, note)


def loop(case: str, size: int, endpoint: str, page_size: int, limit: int) -> Result:
    """The loop a user would write, in a child process of its own; it prints how many statements it went through."""
    command = [sys.executable, __file__, "--loop", case, "--url", endpoint, "--page-size", str(page_size)]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        code, wall, rss, tree = measure([*command, "--limit", str(limit)], stdout=out)
        out.seek(0)
        seen = int(out.read().strip() or 0)
    expected = min(size, limit)
    note = f"capped at {limit:,} by --tincan-max" if expected < size else ""
    ok = code == 0 and seen == expected
    return Result(case, size, seen, wall, rss, tree, ok, note if ok else f"exit {code}, saw {seen} of {expected}")


def run_loop(kind: str, endpoint: str, page_size: int, limit: int) -> int:
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
        while url and seen < limit:
            response = session.get(url, params=params, timeout=60)
            response.raise_for_status()
            body = json.loads(response.content)
            for statement in body["statements"]:
                if build is not None:
                    build(statement)
                seen += 1
            more = body.get("more")
            url, params = (urljoin(root, more.lstrip("/")) if more else None), None
    print(seen)
    return 0


# -- the report -----------------------------------------------------------------------------------------------
def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def targets(results: list[Result]) -> dict[tuple[str, int], list[str]]:
    """Each target of issue 2 as text beside the row it judges: ``(case, size) -> ["target ... PASS", ...]``."""
    by = {(r.case, r.size): r for r in results}
    sizes = sorted({r.size for r in results})
    notes: dict[tuple[str, int], list[str]] = {}
    for size in sizes:
        pull = by.get(("adapter pull", size))
        if pull is None:
            continue
        for other, factor in (("plain", PLAIN_FACTOR), ("tincan", TINCAN_FACTOR)):
            if (base := by.get((other, size))) is not None:
                need = factor * base.rate
                notes.setdefault(("adapter pull", size), []).append(
                    f">= {factor:g}x {other} = {need:,.0f}/s {verdict(pull.ok and pull.rate >= need)}"
                )
        sync = by.get(("adapter sync", size))
        if sync is not None and (base := by.get(("plain", size))) is not None:
            notes.setdefault(("adapter sync", size), []).append(
                f"end to end (pull, map, evaluate, push): {sync.rate / base.rate:.2f}x plain (no target of its own)"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        for case in ("adapter pull", "adapter sync", "file jsonl", "file array"):
            if (a := by.get((case, small))) and (b := by.get((case, large))):
                limit = a.tree_mb * (1 + RSS_GROWTH)
                notes.setdefault((case, large), []).append(
                    f"all processes' memory <= {limit:,.0f} MB (+{RSS_GROWTH:.0%} of {small:,})"
                    f" {verdict(b.ok and b.tree_mb <= limit)}"
                )
    return notes


def table(results: list[Result]) -> str:
    """A Markdown table: readable on a terminal and pasteable into RESULTS.md as it is."""
    notes = targets(results)
    rows = [
        "| size | case | statements | wall s | statements/s | peak RSS MB | all processes MB | target |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        target = "; ".join(notes.get((r.case, r.size), []))
        if r.note:
            target = "; ".join(filter(None, [target, r.note if r.ok else f"INVALID: {r.note}"]))
        rows.append(
            f"| {r.size:,} | {r.case} | {r.statements:,} | {r.wall:,.1f} | {r.rate:,.0f} | {r.rss_mb:,.0f}"
            f" | {r.tree_mb:,.0f} | {target} |"
        )
    return "\n".join(rows)


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
def bench_size(size: int, args: argparse.Namespace, shapes: Sequence[str], workdir: Path) -> list[Result]:
    """All cases for one size against the same files; the files are deleted before the next size is written."""
    directory = Path(tempfile.mkdtemp(prefix=f"lrs-bench-{size}-", dir=workdir))
    try:
        started = time.perf_counter()
        data = write_dataset(directory, size, args.page_size, shapes)
        print(
            f"{size:,} statements: {data.bytes / 1e9:.2f} GB of pages, avg {data.bytes / size:,.0f} B a statement, "
            f"written in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results = []
        server = StaticServer(data.site)
        try:
            results.append(adapter_pull("adapter pull", size, directory, args.page_size, endpoint=server.endpoint))
            _progress(results[-1])
            results.append(
                adapter_pull("adapter sync", size, directory, args.page_size, endpoint=server.endpoint, command="sync")
            )
            _progress(results[-1])
            results.append(loop("plain", size, server.endpoint, args.page_size, size))
            _progress(results[-1])
            results.append(loop("tincan", size, server.endpoint, args.page_size, args.tincan_max))
            _progress(results[-1])
        finally:
            server.stop()
        shutil.rmtree(data.site)
        results.append(adapter_pull("file jsonl", size, directory, args.page_size, file=data.jsonl))
        _progress(results[-1])
        data.jsonl.unlink()
        results.append(adapter_pull("file array", size, directory, args.page_size, file=data.array))
        _progress(results[-1])
        return results
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _progress(result: Result) -> None:
    print(
        f"  {result.case:<13} {result.statements:>9,} in {result.wall:7.1f} s = {result.rate:8,.0f}/s, "
        f"peak RSS {result.rss_mb:6,.0f} MB, all processes {result.tree_mb:6,.0f} MB "
        f"{'' if result.ok else 'INVALID: ' + result.note}",
        flush=True,
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated statement counts")
    parser.add_argument("--page-size", type=int, default=500, help="statements per page (the adapter's limit)")
    parser.add_argument(
        "--tincan-max", type=int, default=100_000, help="stop the tincan loop after this many (it runs ~4k/s)"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary files go (default: $TMPDIR)")
    parser.add_argument("--markdown", type=Path, default=None, help="also write the report to this file")
    # The child side of the user loops; not for direct use.
    parser.add_argument("--loop", choices=["plain", "tincan"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=sys.maxsize, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the child side of StaticServer
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.loop:
        return run_loop(args.loop, args.url, args.page_size, args.limit)
    if args.serve:
        return serve(args.serve, args.port)
    if not ADAPTER.exists():
        sys.exit(f"{ADAPTER} not found: run this with the project's venv python (make bench).")
    sizes = sorted({int(size) for size in args.sizes.split(",")})
    started = datetime.now(UTC)
    workdir = args.workdir or Path(tempfile.gettempdir())
    shapes = templates(TEMPLATES)
    command = " ".join(["python bench/pull.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"{command}\n{machine()}\n", flush=True)
    results: list[Result] = []
    for size in sizes:
        results += bench_size(size, args, shapes, workdir)
    figures = table(results) + "\n"
    if len(sizes) < 2:
        figures += "\nThe peak-RSS targets compare two sizes: give --sizes at least two to judge them.\n"
    print("\n" + figures)
    report = (
        f"Command: `{command}`, started {started:%Y-%m-%d %H:%M} UTC, pages of {args.page_size}, "
        f"tincan loop capped at {args.tincan_max:,} statements.\n\n{machine()}\n\n{figures}"
    )
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
    return 1 if "MISS" in figures or "INVALID" in figures else 0


if __name__ == "__main__":
    sys.exit(main())
