"""What every benchmark here shares: repetitions in rotating order, median and range, and PASS/MISS from medians.

Why: a case run once, after another case, sees a different machine (on a shared host the same loop ranged 4x within
an hour), so a single figure can pass quiet and fail busy. Cases run in rounds, each round in a rotated order, so
every case sees the same loads in turn; a figure is the median of its rounds with the range beside it, and a
target is judged on the medians only. The load average is recorded with each figure so a reader can weigh it.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: Fewer rounds than this give no median worth the name.
MIN_ROUNDS = 3


def rotations(cases: Sequence[T], rounds: int) -> list[list[T]]:
    """Round ``r`` runs ``cases`` starting from case ``r mod n``: each case goes first, second, ... in turn."""
    if rounds < MIN_ROUNDS:
        raise ValueError(f"{rounds} rounds: at least {MIN_ROUNDS} are needed for a median and a range")
    if not cases:
        return [[] for _ in range(rounds)]
    return [[*cases[r % len(cases) :], *cases[: r % len(cases)]] for r in range(rounds)]


@dataclass(frozen=True)
class Spread:
    """The median of some repetitions and their range."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values: a case that never ran has no figure")
        return cls(statistics.median(values), min(values), max(values))

    def show(self, spec: str = ",.0f") -> str:
        """``median [low-high]`` in the given format."""
        return f"{self.median:{spec}} [{self.low:{spec}}-{self.high:{spec}}]"


@dataclass(frozen=True)
class Target:
    """A target judged on a figure made from medians; ``paired`` is the same figure round by round, for its noise.

    ``at_least`` is whether the figure must reach ``need`` (a rate, a ratio of rates) or stay within it (CPU, memory,
    seconds).
    """

    name: str
    value: float
    need: float
    at_least: bool = True
    paired: Spread | None = None
    spec: str = ".2f"

    @property
    def passed(self) -> bool:
        return self.value >= self.need if self.at_least else self.value <= self.need

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"

    def line(self) -> str:
        """One line: verdict, name, the figure from medians, the target, and the round-by-round range if any."""
        sign = ">=" if self.at_least else "<="
        rounds = f" (round by round {self.paired.show(self.spec)})" if self.paired else ""
        return f"{self.verdict}  {self.name}: {self.value:{self.spec}} {sign} {self.need:{self.spec}}{rounds}"


def verdicts(targets: Sequence[Target]) -> int:
    """The exit status: 1 if any target is missed, else 0."""
    return 0 if all(target.passed for target in targets) else 1


def load_average() -> float:
    """The 1-minute load average now: the figure a reader needs beside a time taken on a shared machine."""
    return os.getloadavg()[0]
