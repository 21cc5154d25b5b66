"""The certification engine alone: learners evaluated per second, for N learners with 1-5 completions each.

Target (issue 4): 1M learners in under 60 s on one core of this machine. Histories are generated one learner at a
time and dropped after evaluation, so memory does not hold them all at once.

    python bench/evaluate.py [--learners 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Params, Piece, evaluate

PARAMS = Params(Period(months=24), Period(months=6), Period(months=6), "completion", "Europe/London")
OPTIONS = ("elearning", "webinar_live", "webinar_recorded", "wrap", "briefing")
START = datetime(2019, 1, 1, 9, tzinfo=UTC)


def history(rnd: random.Random, learner: int) -> tuple[list[Piece], date | None]:
    pieces = [
        Piece(f"{learner}-{n}", rnd.choice(OPTIONS), "done", START + timedelta(days=rnd.randrange(0, 7 * 365)))
        for n in range(rnd.randint(1, 5))
    ]
    assigned = date(2019, 1, 1) + timedelta(days=rnd.randrange(0, 5 * 365)) if rnd.random() < 0.8 else None
    return pieces, assigned


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    args = parser.parse_args()
    rnd = random.Random(7)
    as_of = date(2026, 11, 26)
    generating = evaluating = 0.0
    for learner in range(args.learners):
        began = time.perf_counter()
        pieces, assigned = history(rnd, learner)
        made = time.perf_counter()
        evaluate(pieces, params=PARAMS, as_of=as_of, assigned_on=assigned)
        evaluating += time.perf_counter() - made
        generating += made - began
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scaled = evaluating * 1_000_000 / args.learners
    verdict = "PASS" if scaled < 60 else "MISS"
    print(f"{args.learners:,} learners, 1-5 completions each (generating them took {generating:.1f} s, not counted)")
    print(
        f"  engine: {evaluating:.1f} s = {args.learners / evaluating:,.0f} learners/s;"
        f" 1M would take {scaled:.1f} s  target: under 60 s on one core  {verdict}"
    )
    print(f"  peak RSS {rss:.0f} MB")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
