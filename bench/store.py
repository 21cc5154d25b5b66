"""Benchmark of the store alone: how fast a pull's batches go into a store as it grows, on the schema of migration 19
(16-byte ids, rows in arrival order, integer learner keys) and on the one before it, and into PostgreSQL by binary
COPY and by one statement a row.

Why this exists: issue 19 found that at 1M statements the text-UUID primary key and the text learner index outgrew
SQLite's page cache, so a row cost 148 us against 59 at 100k, and that PostgreSQL took rows at half the speed with
one statement a row as by binary COPY. Its targets: the pull's rate at 1M >= 85% of its rate at 100k, and the
PostgreSQL pull >= 0.8x the SQLite pull. This benchmark measures the store's share of them directly: statements
already taken in (`Accepted` rows, made before the clock starts) are saved with `save_statements` in batches of
10,000, each in its own transaction as a pull commits them; the rate "at 100k" is that over the first `--small`
statements of an empty store, the rate "at 1M" that over the last `--small` statements up to `--large`.

The statements are bench/pull.py's (about 2 KB, random UUIDs, spread over 50,000 learners). Cases run in
`--rounds` rounds in rotated order (bench/judge.py); figures are medians with their range and the load average
beside them. Wall time is what a pull waits for; CPU is this process's (PostgreSQL's server is another process).

Run: `python bench/store.py` (quick: 30,000 and 100,000) or `python bench/store.py --small 100000 --large 1000000`
(the issue's sizes: ~2 GB a store in `--workdir`, deleted case by case). PostgreSQL cases run when `--pg` names a
database (each case in a fresh schema of it). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judge import MIN_ROUNDS, Spread, Target, load_average, rotations, verdicts
from lrs_adapter.model.statements import Accepted
from lrs_adapter.pipeline.intake import take_in_text
from lrs_adapter.store.database import Database, rows_in
from lrs_adapter.store.migrations import migrate
from lrs_adapter.store.statements import save_statements
from pull import LEARNERS, statements, templates

BATCH = 10_000  # statements a pull commits at once (pipeline/pull.py)
SCALE_FACTOR = 0.85  # the rate at the large size >= 85% of the rate at the small one
PG_FACTOR = 0.8  # PostgreSQL's rate >= 0.8x SQLite's
HOME = "https://learning.example.gov.uk"
_NAMESPACE = uuid.UUID("3d1f6a0e-8c55-4b8e-a2f4-7e6a2b9c0d15")  # bench/pull.py's, so the ids are the same

#: How migration 17's store took a batch: its statements.py, SQL for SQL (the content hash made at intake).
INSERT_AS_OF_17 = (
    "INSERT INTO statements (id, connector, learner, verb_id, object_type, object_id, registration, timestamp,"
    " stored, voids, voided_by, content_hash, raw, run_id, received_at, facts)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
)


def save_as_of_17(db: Database, rows: Sequence[Accepted], received_at: str) -> None:
    known = {
        r.id for r in rows_in(db, "SELECT id, content_hash FROM statements WHERE id IN ({})", [i.id for i in rows])
    }
    fresh = [item for item in rows if item.id not in known]
    voided = dict(rows_in(db, "SELECT target_id, voiding_id FROM voids WHERE target_id IN ({})", [i.id for i in fresh]))
    db.executemany(
        INSERT_AS_OF_17,
        [_row_as_of_17(item, voided.get(item.id), received_at) for item in fresh],
    )
    db.executemany(
        "INSERT INTO learners_to_map (learner) VALUES (?) ON CONFLICT DO NOTHING",
        sorted({(i.learner,) for i in fresh if i.learner}),
    )


def _row_as_of_17(item: Accepted, voided_by: str | None, received_at: str) -> tuple[Any, ...]:
    keys = (item.id, "bench", item.learner, item.verb_id, item.object_type, item.object_id, item.registration)
    return (
        *keys,
        item.timestamp,
        item.stored,
        item.voids,
        voided_by,
        item.content_hash or "",
        item.raw,
        1,
        received_at,
        item.facts,
    )


def save_now(db: Database, rows: Sequence[Accepted], received_at: str) -> None:
    save_statements(db, rows, connector="bench", run_id=1, received_at=received_at)


class RowByRow(Database):
    """A PostgreSQL store that inserts new statements with one statement a row (`executemany`), as before COPY."""

    def insert_new(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]], key: str
    ) -> None:
        names = ", ".join(name for name, _ in columns)
        marks = ", ".join("?" * len(columns))
        self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING", rows)


@dataclass(frozen=True)
class Case:
    name: str
    size: int  # statements stored
    open: Callable[[Path], Database]  # a fresh store in the given directory
    schema: int | None  # migrate through this version (None: all)
    save: Callable[[Database, Sequence[Accepted], str], None]


@dataclass(frozen=True)
class Measured:
    """Per batch: (statements stored so far, wall seconds, CPU seconds)."""

    batches: list[tuple[int, float, float]]
    load: float

    def rate(self, start: int, end: int) -> tuple[float, float]:
        """(statements a second, CPU us a statement) over the batches that end after `start` and by `end`."""
        chosen = [(wall, cpu) for done, wall, cpu in self.batches if start < done <= end]
        count = BATCH * len(chosen)
        return count / sum(w for w, _ in chosen), 1e6 * sum(c for _, c in chosen) / count


def accepted_rows(count: int) -> Iterator[list[Accepted]]:
    """bench/pull.py's statements as intake makes them, a batch at a time: a few thousand shapes taken in once, then
    each statement that shape with its own id, learner and text (intake is not what is measured)."""
    shapes = templates(2000)
    taken: dict[int, Accepted] = {}
    batch: list[Accepted] = []
    for i, text in enumerate(statements(count, shapes)):
        if i % len(shapes) not in taken:
            row = take_in_text(text.encode(), source="bench", received_at=datetime.now(UTC))
            assert isinstance(row, Accepted), row
            taken[i % len(shapes)] = row
        learner = f"account:{HOME} P{(i * 7919) % LEARNERS:05d}"
        batch.append(taken[i % len(shapes)]._replace(id=str(uuid.uuid5(_NAMESPACE, str(i))), learner=learner, raw=text))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def run(case: Case, workdir: Path) -> Measured:
    directory = Path(tempfile.mkdtemp(prefix=case.name.replace(" ", "-") + "-", dir=workdir))
    db = case.open(directory)
    try:
        migrate(db, through=case.schema)
        load = load_average()
        batches = []
        done = 0
        for number, batch in enumerate(accepted_rows(case.size)):
            wall, cpu = time.perf_counter(), time.process_time()
            with db.transaction():
                case.save(db, batch, f"2026-12-06T00:00:{number:02d}.{number:06d}Z")
            done += len(batch)
            batches.append((done, time.perf_counter() - wall, time.process_time() - cpu))
        return Measured(batches, (load + load_average()) / 2)
    finally:
        db.close()
        shutil.rmtree(directory)


def sqlite(directory: Path) -> Database:
    return Database(f"sqlite:///{directory / 'bench.db'}")


def postgresql(url: str, kind: type[Database]) -> Callable[[Path], Database]:
    def open_fresh(directory: Path) -> Database:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = Database(url)
        admin.execute(f"CREATE SCHEMA {schema}")
        admin.close()
        (directory / "schema").write_text(schema)
        return kind(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")

    return open_fresh


def drop_schemas(url: str) -> None:
    admin = Database(url)
    for row in admin.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'bench_')"):
        admin.execute(f"DROP SCHEMA {row.nspname} CASCADE")
    admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=30_000, help="the first size (the issue's: 100000)")
    parser.add_argument("--large", type=int, default=100_000, help="the largest size (the issue's: 1000000)")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--pg", help="a PostgreSQL URL: adds COPY and row-by-row cases at --small statements")
    parser.add_argument("--no-old", action="store_true", help="leave out the schema before migration 19")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    cases = [Case("sqlite", args.large, sqlite, None, save_now)]
    if not args.no_old:
        cases.append(Case("sqlite as of migration 17", args.large, sqlite, 17, save_as_of_17))
    if args.pg:
        cases.append(Case("postgresql copy", args.small, postgresql(args.pg, Database), None, save_now))
        cases.append(Case("postgresql row by row", args.small, postgresql(args.pg, RowByRow), None, save_now))
    results: dict[str, list[Measured]] = {case.name: [] for case in cases}
    try:
        for number, order in enumerate(rotations(cases, args.rounds), start=1):
            for case in order:
                measured = run(case, args.workdir)
                results[case.name].append(measured)
                small, _ = measured.rate(0, args.small)
                print(f"round {number}: {case.name}: {small:,.0f}/s over the first {args.small:,}", flush=True)
    finally:
        if args.pg:
            drop_schemas(args.pg)
    return report(cases, results, args.small, args.large)


def report(cases: Sequence[Case], results: dict[str, list[Measured]], small: int, large: int) -> int:
    print("\n| case | statements | rate over the first | /s | CPU us/statement | load (1 min) |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    medians: dict[tuple[str, str], Spread] = {}
    for case in cases:
        spans = [("first", 0, small)] + ([("last", case.size - small, case.size)] if case.size > small else [])
        for label, start, end in spans:
            rates = [m.rate(start, end) for m in results[case.name]]
            medians[case.name, label] = rate = Spread.of([r for r, _ in rates])
            cpu = Spread.of([c for _, c in rates])
            load = Spread.of([m.load for m in results[case.name]])
            print(
                f"| {case.name} | {case.size:,} | {label} {small:,} | {rate.show()} | {cpu.show('.1f')} |"
                f" {load.show('.1f')} |"
            )
    targets, notes = [], []
    for case in cases:
        if (case.name, "last") in medians:
            (targets if case.schema is None else notes).append(
                Target(
                    f"{case.name}: rate over the last {small:,} of {large:,} / over the first {small:,}",
                    medians[case.name, "last"].median / medians[case.name, "first"].median,
                    SCALE_FACTOR,
                    paired=Spread.of(
                        [m.rate(large - small, large)[0] / m.rate(0, small)[0] for m in results[case.name]]
                    ),
                )
            )
    if ("postgresql copy", "first") in medians:
        targets.append(
            Target(
                f"postgresql copy / sqlite, over the first {small:,}",
                medians["postgresql copy", "first"].median / medians["sqlite", "first"].median,
                PG_FACTOR,
            )
        )
        copy, by_row = medians["postgresql copy", "first"], medians["postgresql row by row", "first"]
        print(f"\npostgresql copy / row by row, over the first {small:,}: {copy.median / by_row.median:.2f}")
    print()
    for target in notes:  # the old schema's, to compare: no target of this schema
        print(f"(before migration 19) {target.line()}")
    for target in targets:
        print(target.line())
    return verdicts(targets)


if __name__ == "__main__":
    sys.exit(main())
