"""Mapping throughput beside pull throughput, measured the same way, in one process.

Builds a SQLite store of N statements of mixed Prevent options (e-learning, live webinar with join/leave pairs,
recorded webinar, WRAP, briefing, and not-evidence noise) through the real intake and store, timing that as the
pull's rate (parse, check, store; no HTTP); then maps and evaluates every queued learner with
mappings/prevent.toml, storing evidence, completions, states and the change log, as `sync` does, and times that;
then times the pure mapper alone on the stored facts. All three on the process's CPU time (``time.process_time``),
in ``--rounds`` repetitions on fresh stores; each figure is the median of the rounds with the range beside it, and
the targets are judged on the medians:

- the pure mapper >= 2x the pull's rate (issue 3: mapping is never the bottleneck; measured 8-9.5x, so a 2x margin
  is far outside the noise and fails only if the mapper really got several times slower);
- map + evaluate + store >= 1.0x the pull's rate: the in-process form of issue 19's ``sync end to end >= 0.5x the
  pull`` (sync's time is the pull's plus this step's). It was 0.91-1.05x round by round on a quiet machine, so it
  is the figure to watch, not a margin; the round-by-round range is printed beside it so a verdict inside the noise
  is seen as such.

The default is 20,000 statements (a quick run); ``--size 1000000`` is the issue's size.

    python bench/map.py [--size 1000000] [--per-learner 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from judge import MIN_ROUNDS, Spread, Target, load_average, verdicts

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the test helpers: tests.helpers

from lrs_adapter.mapping.loader import load_mapping  # noqa: E402
from lrs_adapter.mapping.mapper import map_learner  # noqa: E402
from lrs_adapter.mapping.model import Mapping  # noqa: E402
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
MAPPER_FACTOR = 2.0  # the pure mapper's rate >= 2x the pull's
MAP_FACTOR = 1.0  # map + evaluate + store >= the pull's rate
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
    (building each page's JSON is outside the timing); CPU seconds of this process."""
    seconds = 0.0
    for start in range(0, learners, 50):  # 50 learners x 10 statements = one 500-statement page
        page = [
            orjson.dumps(s)
            for n in range(start, min(start + 50, learners))
            for s in statements_of(f"P{n:07d}", per_learner, datetime(2026, 1, 5, 9, tzinfo=UTC))
        ]
        began = time.process_time()
        accepted = [take_in(orjson.loads(raw), source="bench", received_at=received) for raw in page]
        with db.transaction():
            save_statements(
                db, [a for a in accepted if isinstance(a, Accepted)], connector="bench", run_id=1, received_at="now"
            )
        seconds += time.process_time() - began
    return seconds


@dataclass(frozen=True)
class Round:
    """One repetition's rates, statements a CPU second, and the load average it started at."""

    pull: float
    map: float
    mapper: float
    evidence: int
    load: float


def one_round(size: int, per_learner: int, mapping: Mapping) -> Round:
    """Pull ``size`` statements into a fresh store, map and evaluate them all, then the mapper alone on a tenth."""
    received = datetime(2026, 6, 1, tzinfo=UTC)
    load = load_average()
    with tempfile.TemporaryDirectory() as workdir:
        db = open_store(f"sqlite:///{Path(workdir) / 'bench.db'}")
        learners = size // per_learner
        pull_seconds = pull(db, learners, per_learner, received)
        began = time.process_time()
        counts = map_queued(db, [mapping], "2026-06-01T00:00:00.000000Z", home_page=HOME)
        map_seconds = time.process_time() - began
        # The mapper alone, on the facts the store keeps (read once, outside the timing).
        histories = [(f"P{n:07d}", learner_facts(db, [f"account:{HOME} P{n:07d}"])) for n in range(0, learners, 10)]
        began = time.process_time()
        for learner, facts in histories:
            map_learner(learner, facts, mapping)
        mapper_rate = sum(len(facts) for _, facts in histories) / (time.process_time() - began)
        db.close()
    return Round(size / pull_seconds, size / map_seconds, mapper_rate, counts.evidence, load)


def ratio(name: str, rounds: list[Round], top: str, need: float) -> Target:
    """``top``'s rate / the pull's, from the medians, with the round-by-round ratios for the noise."""
    value = Spread.of([getattr(r, top) for r in rounds]).median / Spread.of([r.pull for r in rounds]).median
    return Target(name, value, need, paired=Spread.of([getattr(r, top) / r.pull for r in rounds]))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--per-learner", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    args = parser.parse_args()
    if args.rounds < MIN_ROUNDS:
        parser.error(f"--rounds: at least {MIN_ROUNDS} for a median and a range")
    mapping = load_mapping(ROOT / "mappings" / "prevent.toml")
    rounds = [one_round(args.size, args.per_learner, mapping) for _ in range(args.rounds)]
    targets = [
        ratio("the pure mapper's rate / the pull's", rounds, "mapper", MAPPER_FACTOR),
        ratio("map + evaluate + store rate / the pull's (sync >= 0.5x pull)", rounds, "map", MAP_FACTOR),
    ]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    learners = args.size // args.per_learner
    print(
        f"{args.size:,} statements, {learners:,} learners, {rounds[0].evidence:,} pieces of evidence,"
        f" {len(rounds)} rounds"
    )
    print(f"  statements a CPU second, median [range]; load average {Spread.of([r.load for r in rounds]).show('.1f')}")
    print(f"  pull (parse, check, store)                 {Spread.of([r.pull for r in rounds]).show()}")
    print(f"  map + evaluate + store                     {Spread.of([r.map for r in rounds]).show()}")
    print(f"  the mapper alone (pure, one learner in ten) {Spread.of([r.mapper for r in rounds]).show()}")
    for target in targets:
        print(f"  {target.line()}")
    print(f"  peak RSS {rss:.0f} MB")
    return verdicts(targets)


if __name__ == "__main__":
    sys.exit(main())
