"""Hostile registers refused: the seconds `read_register` takes to refuse each hostile workbook.

Target (issue 17): each is refused in well under a second: the refusal itself in a median of at most 0.1 s, and with
the imports any `register import` pays first (the reader, openpyxl) in at most 1 s every time. Before the bounds,
the far-cell workbook (5 KB) kept `register import` busy for 15 minutes. The workbooks are those of the tests
(tests/helpers/workbooks.py), written once to a temporary folder; a good register of 1,000 rows is timed beside them
for scale (no target). Each timing is a fresh process, so that the imports are counted as a command pays them; the
cases take turns within each repetition, in a rotating order, and each case prints its medians and ranges with PASS
or MISS. Exits 1 on a miss.

    python bench/workbook.py [--reps 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_REFUSAL, TARGET_WHOLE = 0.1, 1.0  # seconds: the refusal's median; the slowest, imports included
REFERENCE = "a good register of 1,000 rows"


def write_cases(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))  # the test helpers: tests.helpers
    import openpyxl

    from tests.helpers.workbooks import FAR_CELL, add_part, register_rows, write_workbook

    book = openpyxl.Workbook()
    book.active[FAR_CELL] = "x"
    book.save(folder / "far-openpyxl.xlsx")
    far = register_rows(3) | {FAR_CELL: "x"}
    return {
        "far cell, as openpyxl writes it": folder / "far-openpyxl.xlsx",
        "far cell, a dimension that lies": write_workbook(folder / "far-lying.xlsx", far, dimension="A1:D4"),
        "far cell, no dimension": write_workbook(folder / "far-none.xlsx", far, dimension=None),
        "zip bomb, 256 MB of shared strings": add_part(
            write_workbook(folder / "bomb.xlsx", register_rows(3), dimension="A1:D4"),
            "xl/sharedStrings.xml",
            256_000_000,
        ),
        REFERENCE: write_workbook(folder / "good.xlsx", register_rows(1000), dimension="A1:D1001"),
    }


def time_one(path: Path) -> None:
    """In a fresh process: the seconds the imports take, then the reader's answer, and the answer."""
    began = time.perf_counter()
    import openpyxl  # noqa: F401  # imported by the reader when it meets a workbook: counted with the imports

    from lrs_adapter.errors import ConfigError
    from lrs_adapter.sources.recorded import read_register

    imported = time.perf_counter()
    try:
        rows, _ = read_register(path, today=date(2026, 6, 1))
        answer = f"{len(rows)} rows read"
    except ConfigError as error:
        answer = str(error).split(": ", 1)[1].split(";")[0]
    done = time.perf_counter()
    print(json.dumps({"imports": imported - began, "answer_s": done - imported, "answer": answer}))


def verdict(case: str, answers: list[float], wholes: list[float]) -> str:
    if case == REFERENCE:
        return "(no target)"
    passed = statistics.median(answers) <= TARGET_REFUSAL and max(wholes) <= TARGET_WHOLE
    return (
        f"refusal median <= {TARGET_REFUSAL} s and slowest with imports <= {TARGET_WHOLE} s: "
        f"{'PASS' if passed else 'MISS'}"
    )


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (range {min(values):.3f}-{max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--one", type=Path, help="time one workbook in this process (what each repetition runs)")
    args = parser.parse_args()
    if args.one:
        time_one(args.one)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        cases = write_cases(Path(folder))
        names = list(cases)
        times: dict[str, list[float]] = {name: [] for name in names}
        wholes: dict[str, list[float]] = {name: [] for name in names}
        answers: dict[str, str] = {}
        for rep in range(args.reps):
            for name in names[rep % len(names) :] + names[: rep % len(names)]:
                command = [sys.executable, __file__, "--one", str(cases[name])]
                result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
                times[name].append(result["answer_s"])
                wholes[name].append(result["imports"] + result["answer_s"])
                answers[name] = result["answer"]
    lines = []
    for name, values in times.items():
        lines.append(
            f"{name}: answered in {spread(values)}, with the imports {spread(wholes[name])}, over {len(values)} "
            f"runs; {verdict(name, values, wholes[name])}\n    {answers[name]}"
        )
    print("\n".join(lines))
    return 1 if any("MISS" in line for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
