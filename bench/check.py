"""The statement checker alone, on the pull's hot path: ``check_statement`` over ~100k statements.

The statements: the test factory's six realistic shapes with what an LRS adds on POST (``stored``, ``authority``,
``version``), the Prevent mix of bench/map.py, and every statement in fixtures/corpus/ that parses (valid and
invalid); built once, outside the timing. One run prints the seconds of its best pass and the microseconds a
statement. ``--compare SRC`` runs this file in fresh processes, alternating the source tree ``SRC`` (e.g. an
older commit's ``src/``, from ``git archive``) with this tree's, and prints each side's median and range.

    python bench/check.py [--count 100000] [--passes 3]
    python bench/check.py --compare /tmp/base/src [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LRS_FIELDS = {
    "stored": "2026-06-01T10:00:00.123Z",
    "authority": {"objectType": "Agent", "name": "LRS client", "mbox": "mailto:lrs@example.gov.uk"},
    "version": "1.0.3",
}


def pool() -> list[Any]:
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(1, str(ROOT))  # the test helpers: tests.helpers
    from map import statements_of
    from tests.helpers import factory

    statements: list[Any] = [s | LRS_FIELDS for s in factory.make_statements(6000)]
    day = datetime(2026, 1, 5, 9, tzinfo=UTC)
    statements += [s for n in range(400) for s in statements_of(f"P{n:07d}", 10, day)]
    for path in sorted((ROOT / "fixtures" / "corpus").glob("*.json")):
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        statements += value if isinstance(value, list) else [value]
    return statements


def run(src: str | None, count: int, passes: int) -> None:
    if src:
        sys.path.insert(0, src)
    from lrs_adapter.xapi.statement import StatementInvalid, check_statement

    base = pool()
    statements = (base * (count // len(base) + 1))[:count]
    best = float("inf")
    for _ in range(passes):
        invalid = 0
        began = time.perf_counter()
        for statement in statements:
            try:
                check_statement(statement)
            except StatementInvalid:
                invalid += 1
        best = min(best, time.perf_counter() - began)
    module = sys.modules["lrs_adapter.xapi.statement"].__file__
    print(json.dumps({"seconds": best, "us_per_statement": best / count * 1e6, "invalid": invalid, "module": module}))


def compare(base_src: str, reps: int, count: int, passes: int) -> None:
    sides = {"base": base_src, "this": str(ROOT / "src")}
    times: dict[str, list[float]] = {name: [] for name in sides}
    for rep in range(reps):
        for name, src in sides.items() if rep % 2 == 0 else reversed(sides.items()):
            command = [sys.executable, __file__, "--src", src, "--count", str(count), "--passes", str(passes)]
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            times[name].append(result["seconds"])
            print(f"rep {rep + 1} {name}: {result['seconds']:.4f} s  ({result['module']})", flush=True)
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name}: median {median:.4f} s ({median / count * 1e6:.2f} us/statement), "
            f"range {min(values):.4f}-{max(values):.4f} s over {len(values)} runs"
        )
    change = statistics.median(times["this"]) / statistics.median(times["base"]) - 1
    print(f"this vs base: {change:+.1%} on the median")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--src", help="import lrs_adapter from this directory")
    parser.add_argument("--compare", metavar="SRC", help="alternate runs of SRC and this tree")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, args.reps, args.count, args.passes)
    else:
        run(args.src, args.count, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
