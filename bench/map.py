"""Mapping throughput beside pull throughput, measured the same way, in one process.

Builds a SQLite store of N statements of mixed Prevent options (e-learning, live webinar with join/leave pairs,
recorded webinar, WRAP, briefing, and not-evidence noise) through the real intake and store, timing that as the
pull's rate (parse, check, store; no HTTP); then maps and evaluates every queued learner with
mappings/prevent.toml, storing evidence, completions, states and the change log, as `sync` does, and times that;
then times the pure mapper alone on the stored facts. Target (issue 3): mapping is never the bottleneck, i.e. the
mapping step runs at least at the pull's rate.

    python bench/map.py [--size 1000000] [--per-learner 10]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test helpers: tests.helpers

from lrs_adapter.mapping.loader import load_mapping  # noqa: E402
from lrs_adapter.mapping.mapper import map_learner  # noqa: E402
from lrs_adapter.model.statements import Accepted  # noqa: E402
from lrs_adapter.pipeline.intake import take_in  # noqa: E402
from lrs_adapter.pipeline.settle import map_queued  # noqa: E402
from lrs_adapter.store import open_store  # noqa: E402
from lrs_adapter.store.database import Database  # noqa: E402
from lrs_adapter.store.evidence import learner_facts  # noqa: E402
from lrs_adapter.store.statements import save_statements  # noqa: E402
from tests.helpers.prevent import (  # noqa: E402
    ATTENDED,
    COMPLETED,
    IRI,
    JOIN,
    LEAVE,
    PASSED,
    PLAYED,
    PROGRESS,
    SATISFIED,
    statement,
)

HOME = "https://learning.example.gov.uk"
SESSION, LIVE = f"{IRI}/prevent-webinar-live/session/7", f"{IRI}/prevent-webinar-live"
REGISTRATION = "77777777-aaaa-4aaa-8aaa-aaaaaaaaaaaa"


def statements_of(learner: str, count: int, day: datetime) -> list[dict]:
    """A realistic mix for one learner: some evidence of every option, and noise that is not evidence."""
    at = [(day + timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ") for i in range(count)]
    kinds = [
        lambda t: statement(COMPLETED, f"{IRI}/prevent-elearning", learner=learner, timestamp=t),
        lambda t: statement(PASSED, f"{IRI}/prevent-elearning", learner=learner, timestamp=t, result={"success": True}),
        lambda t: statement(
            JOIN,
            SESSION,
            parent=LIVE,
            registration=REGISTRATION,
            learner=learner,
            timestamp=t,
        ),
        lambda t: statement(
            LEAVE,
            SESSION,
            parent=LIVE,
            registration=REGISTRATION,
            learner=learner,
            timestamp=t,
        ),
        lambda t: statement(
            PLAYED,
            f"{IRI}/prevent-webinar-recording",
            learner=learner,
            timestamp=t,
            result={"extensions": {PROGRESS: 0.4}},
        ),
        lambda t: statement(
            COMPLETED,
            f"{IRI}/prevent-webinar-recording",
            learner=learner,
            timestamp=t,
            result={"extensions": {PROGRESS: 0.95}},
        ),
        lambda t: statement(
            ATTENDED, f"{IRI}/prevent-wrap/event/3", parent=f"{IRI}/prevent-wrap", learner=learner, timestamp=t
        ),
        lambda t: statement(ATTENDED, f"{IRI}/prevent-briefing", learner=learner, timestamp=t),
        lambda t: statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=t),
        lambda t: statement(COMPLETED, f"{IRI}/unrelated-course", learner=learner, timestamp=t),
    ]
    return [kinds[i % len(kinds)](at[i]) for i in range(count)]


def pull(db: Database, learners: int, per_learner: int, received: datetime) -> float:
    """Take in and store every learner's statements a page at a time, as the pull does; the seconds that took
    (building each page's JSON is outside the timing)."""
    seconds = 0.0
    for start in range(0, learners, 50):  # 50 learners x 10 statements = one 500-statement page
        page = [
            orjson.dumps(s)
            for n in range(start, min(start + 50, learners))
            for s in statements_of(f"P{n:07d}", per_learner, datetime(2026, 1, 5, 9, tzinfo=UTC))
        ]
        began = time.perf_counter()
        accepted = [take_in(orjson.loads(raw), source="bench", received_at=received) for raw in page]
        with db.transaction():
            save_statements(
                db, [a for a in accepted if isinstance(a, Accepted)], connector="bench", run_id=1, received_at="now"
            )
        seconds += time.perf_counter() - began
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--per-learner", type=int, default=10)
    args = parser.parse_args()
    mapping = load_mapping(ROOT / "mappings" / "prevent.toml")
    received = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as workdir:
        db = open_store(f"sqlite:///{Path(workdir) / 'bench.db'}")
        learners = args.size // args.per_learner
        pull_seconds = pull(db, learners, args.per_learner, received)
        began = time.perf_counter()
        counts = map_queued(db, [mapping], "2026-06-01T00:00:00.000000Z", home_page=HOME)
        map_seconds = time.perf_counter() - began
        # The mapper alone, on the facts the store keeps (read once, outside the timing).
        histories = [(f"P{n:07d}", learner_facts(db, [f"account:{HOME} P{n:07d}"])) for n in range(0, learners, 10)]
        began = time.perf_counter()
        for learner, facts in histories:
            map_learner(learner, facts, mapping)
        mapper_rate = sum(len(facts) for _, facts in histories) / (time.perf_counter() - began)
        db.close()
    pull_rate, map_rate = args.size / pull_seconds, args.size / map_seconds
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "PASS" if map_rate >= pull_rate else "MISS"
    print(f"{args.size:,} statements, {learners:,} learners, {counts.evidence:,} pieces of evidence")
    print(f"  pull (parse, check, store)  {pull_rate:10,.0f} statements/s  ({pull_seconds:.1f} s)")
    print(
        f"  map + evaluate + store      {map_rate:10,.0f} statements/s  ({map_seconds:.1f} s)"
        f"  target: >= the pull's rate  {verdict}"
    )
    print(f"  the mapper alone (pure, one learner in ten)  {mapper_rate:10,.0f} statements/s")
    print(f"  peak RSS {rss:.0f} MB")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
