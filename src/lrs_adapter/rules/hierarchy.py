"""Who is below whom in HR's roster: each person names one manager, so a manager's people are everyone whose chain
of managers reaches them, at any depth (Totara's "all staff below me").

HR's data can loop (A manages B, B manages A, after a re-organisation half typed in). A loop is reported, never
followed twice: `everyone_below` visits each person once, and `manager_cycles` names every loop once, so the report
can tell HR which rows to fix instead of hanging or showing a manager to themselves.

Pure: a mapping of person to manager in, sets and tuples out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping


def everyone_below(managers: Mapping[str, str | None], manager: str) -> frozenset[str]:
    """Everyone whose chain of managers reaches `manager`, never `manager` themselves (even inside a loop)."""
    reports: dict[str, list[str]] = defaultdict(list)
    for person, their_manager in managers.items():
        if their_manager is not None:
            reports[their_manager].append(person)
    below: set[str] = set()
    waiting = [manager]
    while waiting:
        for person in reports.get(waiting.pop(), ()):
            if person != manager and person not in below:
                below.add(person)
                waiting.append(person)
    return frozenset(below)


def manager_cycles(managers: Mapping[str, str | None]) -> list[tuple[str, ...]]:
    """Every loop in the chains of managers, once each: its people in chain order (each one's manager is the next,
    the last one's is the first), starting from the smallest id so that a loop always reads the same."""
    finished: set[str] = set()
    cycles: list[tuple[str, ...]] = []
    for start in sorted(managers):
        path: list[str] = []
        on_path: dict[str, int] = {}
        person: str | None = start
        while person is not None and person in managers and person not in finished and person not in on_path:
            on_path[person] = len(path)
            path.append(person)
            person = managers[person]
        if person is not None and person in on_path:
            loop = path[on_path[person] :]
            first = loop.index(min(loop))
            cycles.append(tuple(loop[first:] + loop[:first]))
        finished.update(path)
    return cycles
