"""Benchmark of taking pages in across processes: what crossing costs, apart from HTTP and the store.

Why this exists: issue 19 (item 2) asks that no statement's text make the round trip between a pull's processes,
and whether one process is cheaper once intake is. bench/pull.py answers for a whole pull, where HTTP, the store and
the load swamp a few microseconds; this takes the same pages (bench/pull.py's statements, 500 a page) through
``PageIntake`` alone, with 0 (all on this process) or N intake processes, and counts the CPU of every process
(``RUSAGE_SELF`` + ``RUSAGE_CHILDREN``, the intake processes being waited for when the pool shuts down).

Each case runs as its own child process, so ``--against DIR`` can point one at another checkout's ``src`` (say
``git archive main src | tar -x -C /tmp/main``, then ``--against /tmp/main/src``): the same pages through that code,
in the same rounds. Cases run in ``--rounds`` rotated rounds (bench/judge.py); the figures are medians with ranges
and the load average. It judges nothing and is not part of the test suite:

    python bench/intake.py --processes 0,2 --against /tmp/main/src
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import subprocess
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judge import MIN_ROUNDS, Spread, load_average, rotations

HERE = Path(__file__).resolve().parent
PAGE = 500


def take_in(processes: int, pages: int) -> dict[str, float]:
    """The child side: ``pages`` pages taken in as a pull takes them (oldest first, ``ahead`` in flight)."""
    from lrs_adapter.pipeline.page_intake import PageIntake, intake_of
    from lrs_adapter.sources import Page
    from pull import statements, templates

    texts = [text.encode() for text in statements(PAGE * pages, templates(200))]
    given = [
        Page(f"p{n}", [(f"p{n} #{i}", text) for i, text in enumerate(texts[n * PAGE : (n + 1) * PAGE])])
        for n in range(pages)
    ]
    # main's intake_of took the future alone; this branch's takes the page too (it puts the texts back).
    with_page = len(inspect.signature(intake_of).parameters) == 2
    received = datetime.now(UTC)
    before = _cpu()
    started = time.perf_counter()
    taken = 0
    flight: deque[tuple[Future[Any], Page]] = deque()

    def take_oldest() -> int:
        future, page = flight.popleft()
        return len((intake_of(future, page) if with_page else intake_of(future)).accepted)

    with PageIntake(processes, "1.0.3") as intake:
        for page in given:
            flight.append((intake.submit(page, received), page))
            while len(flight) > intake.ahead:
                taken += take_oldest()
        while flight:
            taken += take_oldest()
    wall = time.perf_counter() - started
    after = _cpu()
    return {
        "statements": taken,
        "this_us": (after[0] - before[0]) / taken * 1e6,
        "intake_us": (after[1] - before[1]) / taken * 1e6,
        "wall_us": wall / taken * 1e6,
    }


def _cpu() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def run_case(source: Path | None, processes: int, pages: int) -> dict[str, float]:
    """One case in a child process of its own, on ``source`` (a ``src`` directory) or the installed lrs_adapter."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    load = load_average()
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(processes), "--pages", str(pages)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures | {"load": load}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--processes", default="0,2", help="comma-separated intake_processes values (default 0,2)")
    parser.add_argument("--pages", type=int, default=60, help=f"pages of {PAGE} taken in by each case (default 60)")
    parser.add_argument("--against", type=Path, default=None, help="another checkout's src directory to compare")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS, help=f"interleaved rounds (at least {MIN_ROUNDS})")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(take_in(args.child, args.pages)))
        return 0
    sources: list[tuple[str, Path | None]] = [("this", None)]
    if args.against is not None:
        sources.append((str(args.against), args.against.resolve()))
    cases = [(name, source, int(n)) for name, source in sources for n in args.processes.split(",")]
    runs: dict[tuple[str, int], list[dict[str, float]]] = {(name, n): [] for name, _, n in cases}
    for number, order in enumerate(rotations(cases, args.rounds), 1):
        for name, source, processes in order:
            figures = run_case(source, processes, args.pages)
            runs[name, processes].append(figures)
            print(
                f"  round {number}: {name} with {processes} intake processes: {figures['this_us']:.1f} µs here +"
                f" {figures['intake_us']:.1f} on intake processes a statement, load {figures['load']:.1f}",
                flush=True,
            )
    print("\n| code | intake processes | CPU µs a statement, all | this process | intake processes | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for (name, processes), figures in runs.items():

        def spread(key: str, of: list[dict[str, float]] = figures) -> str:
            return Spread.of([run[key] for run in of]).show(".1f")

        for run in figures:
            run["all_us"] = run["this_us"] + run["intake_us"]
        print(
            f"| {name} | {processes} | {spread('all_us')} | {spread('this_us')} | {spread('intake_us')}"
            f" | {spread('load')} |"
        )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
