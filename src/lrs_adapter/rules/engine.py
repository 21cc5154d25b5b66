"""The certification engine: one learner's component evidence, assignment date and parameters in; completed
options per cycle, a decision per completion and the certification state as of a date out. Pure: no store, no
clock (the as-of date is an argument).

It replays DESIGN.md's rules on local dates in the mapping's time zone, in (local date, assignment before
completion, instant, id) order, so the order evidence arrived in never matters:
1. a completion on day d counts when nothing is due yet or d >= window_opens_on; then due_on = d + validity
   (with recertify_from = expiry and an in-window completion of a certification: old due_on + validity) and
   window_opens_on = due_on - window; otherwise it is recorded as not counted, `before_window`;
2. an assignment on day a with no valid certification sets due_on = a + first_due and opens the window at a;
3. status as of t replays only what happened on or before t: none / red (t > due_on) / amber / green;
4. an option of several components is completed on the day its last component is met, counting for a
   recertification only components met on or after that cycle's window_opens_on;
5. an exemption (an administrator's decision, passed in as data) shows the status `exempt` as of any day before
   it ends, and changes nothing else: the replay, the dates and every decision are the same with or without it,
   so the rules apply as before from the day it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lrs_adapter.model.period import Period

NONE, GREEN, AMBER, RED, EXEMPT = "none", "green", "amber", "red", "exempt"
BEFORE_WINDOW, VOIDED = "before_window", "voided"


@dataclass(frozen=True)
class Params:
    validity: Period
    window: Period
    first_due: Period
    recertify_from: str  # completion | expiry
    time_zone: str


@dataclass(frozen=True, slots=True)
class Piece:
    """One piece of component evidence, as the mapper found it."""

    id: str
    option: str
    component: str
    instant: datetime


@dataclass(frozen=True, slots=True)
class Completion:
    """An option completed: the day its last component was met, and the evidence it rests on."""

    option: str
    on: date
    instant: datetime
    evidence: tuple[str, ...]
    counted: bool
    reason: str | None  # why not, when not counted
    due_on: date | None  # of the cycle it started, when counted


@dataclass(frozen=True)
class State:
    status: str
    certified_on: date | None = None
    due_on: date | None = None
    window_opens_on: date | None = None
    option: str | None = None
    evidence: tuple[str, ...] = ()
    next_transition: date | None = None  # the day the status changes with time alone
    exempt_until: date | None = None  # with status exempt: the day the exemption ends and the rules apply again


@dataclass
class _Replay:
    params: Params
    routes: dict[str, tuple[tuple[str, ...], ...]]
    certified_on: date | None = None
    due_on: date | None = None
    window_opens_on: date | None = None
    due_from_certification: bool = False
    option: str | None = None
    evidence: tuple[str, ...] = ()
    met: dict[str, dict[str, Piece]] = field(default_factory=dict)
    early: dict[str, dict[str, Piece]] = field(default_factory=dict)
    completions: list[Completion] = field(default_factory=list)
    pending_assignment: date | None = None  # the assignment, until it is replayed
    replayed: int = 0  # how many of the dated pieces are

    def replay_until(self, dated: Sequence[tuple[date, Piece]], until: date | None) -> None:
        """Replay on from where the replay stands: the pieces that happened on or before `until` (None: all of
        them), and the assignment once its day has come, before a completion on the same day."""
        while self.replayed < len(dated):
            day, piece = dated[self.replayed]
            if until is not None and day > until:
                break
            if self.pending_assignment is not None and self.pending_assignment <= day:
                self.assign(self.pending_assignment)
                self.pending_assignment = None
            self.piece(piece, day)
            self.replayed += 1
        if self.pending_assignment is not None and (until is None or self.pending_assignment <= until):
            self.assign(self.pending_assignment)
            self.pending_assignment = None

    def assign(self, day: date) -> None:
        if self.due_on is None or self.due_on < day:
            self.due_on = self.params.first_due.after(day)
            self.window_opens_on = day
            self.due_from_certification = False

    def piece(self, piece: Piece, day: date) -> None:
        # Before the window opens, components gather apart and never carry over into the cycle (the LMS resets
        # course progress when the window opens); an option completed there is recorded as not counted.
        early = self.due_on is not None and self.window_opens_on is not None and day < self.window_opens_on
        gathered = (self.early if early else self.met).setdefault(piece.option, {})
        gathered.setdefault(piece.component, piece)
        for route in self.routes.get(piece.option, ((piece.component,),)):
            if all(component in gathered for component in route):
                ids = tuple(gathered[component].id for component in route)
                gathered.clear()
                self._complete(piece.option, day, piece.instant, ids)
                return

    def _complete(self, option: str, day: date, instant: datetime, evidence: tuple[str, ...]) -> None:
        if self.due_on is not None and self.window_opens_on is not None and day < self.window_opens_on:
            self.completions.append(Completion(option, day, instant, evidence, False, BEFORE_WINDOW, None))
            return
        validity = self.params.validity
        extend = (
            self.params.recertify_from == "expiry"
            and self.due_from_certification
            and self.due_on is not None
            and day <= self.due_on
        )
        assert self.due_on is not None or not extend
        self.due_on = validity.after(self.due_on) if extend and self.due_on else validity.after(day)
        self.window_opens_on = self.params.window.before(self.due_on)
        self.certified_on, self.option, self.evidence = day, option, evidence
        self.due_from_certification = True
        self.met, self.early = {}, {}  # a new cycle: components start again
        self.completions.append(Completion(option, day, instant, evidence, True, None, self.due_on))

    def state(self, as_of: date) -> State:
        if self.due_on is None or self.window_opens_on is None:
            return State(NONE)
        if as_of > self.due_on:
            status, following = RED, None
        elif as_of >= self.window_opens_on:
            status, following = AMBER, Period(days=1).after(self.due_on)
        else:
            status, following = GREEN, self.window_opens_on
        return State(
            status, self.certified_on, self.due_on, self.window_opens_on, self.option, self.evidence, following
        )


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def evaluate(
    pieces: Iterable[Piece],
    *,
    params: Params,
    as_of: date,
    assigned_on: date | None = None,
    routes: dict[str, tuple[tuple[str, ...], ...]] | None = None,
    withdrawn: Iterable[Piece] = (),
    exempt_until: date | None = None,
) -> tuple[State, list[Completion]]:
    """The state as of `as_of` (replaying what happened on or before it), and every completion with its decision
    judged with everything known (replaying all of it). `routes` per option; an option without routes is
    completed by any one piece of its evidence. `withdrawn` is evidence whose statements were voided: it is not
    replayed (DESIGN.md rule 5) but each piece is reported as not counted, `voided`, never silently dropped.
    `exempt_until`: the learner is exempt as of any day before it (rule 5 above)."""
    state, completions = _evaluate(pieces, params, as_of, assigned_on, routes, withdrawn)
    return _exempted(state, as_of, exempt_until), completions


def states_on(
    pieces: Iterable[Piece],
    *,
    params: Params,
    days: Sequence[date],
    assigned_on: date | None = None,
    routes: dict[str, tuple[tuple[str, ...], ...]] | None = None,
    exempt_until: date | None = None,
) -> list[State]:
    """The state as of each of `days` (ascending), as `evaluate` finds it for that day, from one replay that stops
    at each day in turn: a trend over 36 month ends costs about one evaluation, not 36."""
    dated = _dated(pieces, params)
    replay = _Replay(params, routes or {}, pending_assignment=assigned_on)
    states = []
    for day in days:
        replay.replay_until(dated, day)
        states.append(_exempted(replay.state(day), day, exempt_until))
    return states


def _exempted(state: State, as_of: date, exempt_until: date | None) -> State:
    if exempt_until is not None and as_of < exempt_until:
        return replace(state, status=EXEMPT, next_transition=exempt_until, exempt_until=exempt_until)
    return state


def _dated(pieces: Iterable[Piece], params: Params) -> list[tuple[date, Piece]]:
    """The pieces on their local dates, in the replay's order (the order they arrived in never matters)."""
    zone = ZoneInfo(params.time_zone)
    return sorted(((local_date(p.instant, zone), p) for p in pieces), key=lambda e: (e[0], e[1].instant, e[1].id))


def _evaluate(
    pieces: Iterable[Piece],
    params: Params,
    as_of: date,
    assigned_on: date | None,
    routes: dict[str, tuple[tuple[str, ...], ...]] | None,
    withdrawn: Iterable[Piece],
) -> tuple[State, list[Completion]]:
    zone = ZoneInfo(params.time_zone)
    dated = _dated(pieces, params)
    everything = _replay(dated, params, routes or {}, assigned_on, until=None)
    voided = [
        Completion(p.option, local_date(p.instant, zone), p.instant, (p.id,), False, VOIDED, None) for p in withdrawn
    ]
    if (not dated or dated[-1][0] <= as_of) and (assigned_on is None or assigned_on <= as_of):
        return everything.state(as_of), everything.completions + voided  # nothing lies after as_of: one replay
    known = _replay(dated, params, routes or {}, assigned_on, until=as_of)
    return known.state(as_of), everything.completions + voided


def _replay(
    dated: Sequence[tuple[date, Piece]],
    params: Params,
    routes: dict[str, tuple[tuple[str, ...], ...]],
    assigned_on: date | None,
    until: date | None,
) -> _Replay:
    replay = _Replay(params, routes, pending_assignment=assigned_on)
    replay.replay_until(dated, until)
    return replay
