"""The certification engine alone: learners evaluated per CPU second, for N learners with 1-5 completions each.

Target (issues 4 and 19): 1M learners evaluated in under 60 s of CPU on one core. Judged on the process's CPU time
(``time.process_time``), not wall time: wall time on a shared machine counts other people's work, so the same code
passed quiet and failed busy. The learners are evaluated in chunks of at most ``CHUNK`` (histories generated before
each chunk, outside the timing, and dropped after it, so memory stays flat); each chunk is one repetition, and the
figure is the median CPU microseconds a learner over the chunks, with the range beside it. The default run takes
100,000 learners; ``--learners 1000000`` is the issue's size (the target is the same per learner either way).

    python bench/evaluate.py [--learners 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

from judge import MIN_ROUNDS, Spread, Target, load_average, verdicts
from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Params, Piece, evaluate

PARAMS = Params(Period(months=24), Period(months=6), Period(months=6), "completion", "Europe/London")
OPTIONS = ("elearning", "webinar_live", "webinar_recorded", "wrap", "briefing")
START = datetime(2019, 1, 1, 9, tzinfo=UTC)
CHUNK = 20_000  # learners a repetition: enough to time, few enough to hold their histories


def history(rnd: random.Random, learner: int) -> tuple[list[Piece], date | None]:
    pieces = [
        Piece(f"{learner}-{n}", rnd.choice(OPTIONS), "done", START + timedelta(days=rnd.randrange(0, 7 * 365)))
        for n in range(rnd.randint(1, 5))
    ]
    assigned = date(2019, 1, 1) + timedelta(days=rnd.randrange(0, 5 * 365)) if rnd.random() < 0.8 else None
    return pieces, assigned


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    args = parser.parse_args()
    rnd = random.Random(7)
    as_of = date(2026, 11, 26)
    chunks = max(MIN_ROUNDS, -(-args.learners // CHUNK))
    per_learner: list[float] = []
    loads: list[float] = []
    cpu_total = 0.0
    for chunk in range(chunks):
        first, last = args.learners * chunk // chunks, args.learners * (chunk + 1) // chunks
        histories = [history(rnd, learner) for learner in range(first, last)]
        loads.append(load_average())
        began = time.process_time()
        for pieces, assigned in histories:
            evaluate(pieces, params=PARAMS, as_of=as_of, assigned_on=assigned)
        cpu = time.process_time() - began
        cpu_total += cpu
        per_learner.append(cpu / (last - first) * 1e6)
    spread = Spread.of(per_learner)
    target = Target("CPU seconds for 1M learners, one core", spread.median, 60.0, at_least=False, spec=".1f")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.learners:,} learners, 1-5 completions each, in {chunks} chunks (generating them not counted)")
    print(
        f"  engine: {cpu_total:.1f} s of CPU; {spread.show('.1f')} µs of CPU a learner (median [range] of chunks);"
        f" load average {Spread.of(loads).show('.1f')}"
    )
    print(f"  {target.line()}  (median µs a learner x 1M / 1e6)")
    print(f"  peak RSS {rss:.0f} MB")
    return verdicts([target])


if __name__ == "__main__":
    sys.exit(main())
