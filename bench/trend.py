"""The trend (`report --trend`) alone: a council's staff evaluated at each month's end, on the process's CPU time.

Target (issue 21): 5,000 staff x 36 months (180,000 evaluations) in under 2 s of CPU, so a board's page or a
`GET /report/trend.json` answers while a person waits. Each repetition is one whole trend over the same people
(their histories generated outside the timing, like bench/evaluate.py's: 1-5 completions over 7 years, an
assignment date for 80%, one in ten left); the figure is the median CPU seconds with the range beside it.

    python bench/trend.py [--people 5000] [--months 36]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta

from evaluate import PARAMS, history
from judge import MIN_ROUNDS, Spread, Target, load_average, verdicts
from lrs_adapter.rules.trend import Tracked, month_ends, trend


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000)
    parser.add_argument("--months", type=int, default=36)
    args = parser.parse_args()
    rnd = random.Random(7)
    people = []
    for learner in range(args.people):
        pieces, assigned = history(rnd, learner)
        left = date(2024, 1, 1) + timedelta(days=rnd.randrange(0, 3 * 365)) if rnd.random() < 0.1 else None
        people.append(Tracked(str(learner), "prevent", assigned, left, pieces, PARAMS, {}, None))
    first = date(2024, 1, 1)
    days = month_ends(first, date(first.year + (args.months - 1) // 12, (args.months - 1) % 12 + 1, 1))
    seconds, loads = [], []
    for _ in range(MIN_ROUNDS):
        loads.append(load_average())
        began = time.process_time()
        months = trend(people, days)
        seconds.append(time.process_time() - began)
    spread = Spread.of(seconds)
    evaluations = sum(m.people for m in months)
    target = Target(f"CPU seconds for {args.people:,} staff x {len(days)} months", spread.median, 2.0, at_least=False)
    print(f"{args.people:,} people x {len(days)} month ends: {evaluations:,} evaluations (people on the roster then)")
    print(
        f"  trend: {spread.show('.2f')} s of CPU (median [range] of {MIN_ROUNDS}); "
        f"{spread.median / max(evaluations, 1) * 1e6:.1f} µs an evaluation; load average {Spread.of(loads).show('.1f')}"
    )
    print(f"  {target.line()}")
    return verdicts([target])


if __name__ == "__main__":
    sys.exit(main())
