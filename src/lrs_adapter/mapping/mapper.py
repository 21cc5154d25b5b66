"""The mapper: one learner's statements and a mapping in, component evidence out. Pure: no store, no clock.

Evidence says "this learner met this component of this option at this instant, on these statements"; assembling
components into a completed option belongs to the certification engine, per cycle (DESIGN.md rule 4), because
components from before a window opens do not carry over. A voided statement gives no evidence; the statements
are taken in (instant, id) order, so the same statements in any order give the same evidence.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from lrs_adapter.mapping.model import ActivityRule, Component, Mapping, Presence
from lrs_adapter.model.evidence import CORRECTION, HISTORY, REGISTER, Evidence, RecordedCompletion
from lrs_adapter.xapi.facts import StatementFacts

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
EVIDENCE_NAMESPACE = uuid.UUID("3c9d7a8e-1f0b-4f6e-9b2a-7d5e4c3b2a19")


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, the same text, without building a UUID object: a fifth of the cost, and
    it runs once per piece of evidence and per completion."""
    digest = hashlib.sha1(namespace.bytes + name.encode()).hexdigest()  # noqa: S324 - RFC 4122 version 5 is SHA-1
    variant = "89ab"[int(digest[16], 16) & 0x3]
    return f"{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-{variant}{digest[17:20]}-{digest[20:32]}"


def evidence_id(learner: str, certification: str, option: str, component: str, statement_ids: Iterable[str]) -> str:
    """Deterministic: the same evidence found again (a remap, a re-sync) keeps its id."""
    return uuid5(EVIDENCE_NAMESPACE, "|".join((certification, option, component, learner, *sorted(statement_ids))))


def _names(rule: ActivityRule, statement: StatementFacts) -> bool:
    for place in rule.places:
        candidates = (statement.object_id,) if place == "object" else statement.places.get(place, ())
        for iri in candidates:
            if iri is not None and (iri == rule.iri or (rule.prefix and iri.startswith(rule.iri))):
                return True
    return False


def _condition(value: bool | None, wanted: str | None) -> bool:
    return wanted is None or (value is True if wanted == "true" else value is not False)


def matches(component: Component, statement: StatementFacts) -> bool:
    """Whether one statement meets a (non-presence) component on its own."""
    if statement.verb not in component.verbs or not all(_names(r, statement) for r in component.activities):
        return False
    if component.cmi5_defined_only and statement.cmi5_session and not statement.cmi5_category:
        return False  # a cmi5 "allowed" statement: recorded by the AU, but not one cmi5 lets drive moveOn
    if not (
        _condition(statement.completion, component.completion) and _condition(statement.success, component.success)
    ):
        return False
    if component.min_scaled_score is not None and (
        statement.scaled is None or statement.scaled < component.min_scaled_score
    ):
        return False
    if component.min_duration_s is not None and (
        statement.duration_s is None or statement.duration_s < component.min_duration_s
    ):
        return False
    if component.progress is not None:
        progress = statement.extensions.get(component.progress.extension)
        if progress is None:
            return statement.completion is True
        return progress >= component.progress.at_least
    return component.instructors is None or statement.instructor in component.instructors


@dataclass(frozen=True)
class Attendance:
    """One learner's time in one session (a registration, else the activity) under a presence rule: the union of
    their join/leave intervals, and the leave at which it reached the rule's minimum (None: it never did), with
    every join and leave that evidence rests on. `attendance import` reports it for each person, so what it says
    of someone is what the mapper made of them."""

    session: str | None
    present_s: float
    at_least_s: float
    met_at: datetime | None
    statement_ids: tuple[str, ...]


def attendance(component: Component, presence: Presence, statements: Iterable[StatementFacts]) -> list[Attendance]:
    """Join/leave pairs per registration, measured: the union of the intervals (overlaps count once) and, once it
    reaches the minimum, that leave as the evidence's instant. A join with no leave adds nothing."""
    sessions: dict[str | None, list[StatementFacts]] = defaultdict(list)
    for statement in sorted(statements, key=lambda s: (s.instant, s.id)):
        if statement.verb in (presence.join, presence.leave) and all(
            _names(r, statement) for r in component.activities
        ):
            sessions[statement.registration or statement.object_id].append(statement)
    found = []
    for session, events in sessions.items():
        present_s, met = _union(_join_leave_intervals(events, presence.join), presence.at_least_s)
        at, ids = met if met is not None else (None, [])
        found.append(Attendance(session, present_s, presence.at_least_s, at, tuple(ids)))
    return found


def _presence(
    component: Component, presence: Presence, statements: list[StatementFacts]
) -> list[tuple[datetime, list[str]]]:
    """The evidence of each session whose time present reached the minimum."""
    return [
        (found.met_at, list(found.statement_ids))
        for found in attendance(component, presence, statements)
        if found.met_at is not None
    ]


def _join_leave_intervals(events: list[StatementFacts], join_verb: str) -> list[tuple[datetime, datetime, list[str]]]:
    """One session's events in order: each leave closes the earliest open join (a leave with none open adds
    nothing); each interval carries the ids of its join and leave."""
    open_joins: list[StatementFacts] = []
    intervals: list[tuple[datetime, datetime, list[str]]] = []
    for event in events:
        if event.verb == join_verb:
            open_joins.append(event)
        elif open_joins:
            join = open_joins.pop(0)
            intervals.append((join.instant, event.instant, [join.id, event.id]))
    return intervals


def _union(
    intervals: list[tuple[datetime, datetime, list[str]]], at_least_s: float
) -> tuple[float, tuple[datetime, list[str]] | None]:
    """Taking the intervals in order of start: the seconds their union covers, and the end of the first one at
    which it reached ``at_least_s`` seconds, with the ids of every interval taken so far (None if it never did)."""
    covered, used = 0.0, []
    met: tuple[datetime, list[str]] | None = None
    span_start: datetime | None = None
    span_end: datetime | None = None
    for start, end, ids in sorted(intervals, key=lambda interval: interval[0]):
        used += ids
        if span_end is None or start > span_end:
            if span_start is not None and span_end is not None:
                covered += (span_end - span_start).total_seconds()
            span_start, span_end = start, end
        else:
            span_end = max(span_end, end)
        assert span_start is not None
        assert span_end is not None
        if met is None and covered + (span_end - span_start).total_seconds() >= at_least_s:
            met = (end, list(used))
    if span_start is not None and span_end is not None:
        covered += (span_end - span_start).total_seconds()
    return covered, met


def _local_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def map_learner(
    learner: str,
    statements: Iterable[StatementFacts],
    mapping: Mapping,
    *,
    recorded: Iterable[RecordedCompletion] = (),
    no_it_access: bool | None = None,
) -> list[Evidence]:
    """All the component evidence in one learner's statements (under whatever identifiers they came) and recorded
    completions, in a stable order. The caller resolved who the learner is; a group's statements never reach here.
    `no_it_access` is the roster's flag (None: not on the roster), for options that flag it."""
    live = sorted((s for s in statements if not s.voided and s.verb != VOIDED), key=lambda s: (s.instant, s.id))
    rows = sorted(recorded, key=lambda row: (row.completed_on, row.id))
    zone = ZoneInfo(mapping.certification.time_zone)
    certification = mapping.certification.id
    evidence: list[Evidence] = []
    for option in mapping.options.values():
        flags = ("not_marked_no_it_access",) if option.flag_unless_no_it_access and not no_it_access else ()
        found: list[tuple[str, datetime, list[str], str | None]] = [
            # a recorded row's date is that local date: the start of that day where the policy runs
            (HISTORY, _local_start(row.completed_on, zone), [f"{row.kind}:{row.id}"], row.source)
            for row in rows
            if row.kind in (HISTORY, CORRECTION) and row.option == option.id
        ]
        for component in option.components.values():
            if component.register:
                found += [
                    (component.id, _local_start(row.completed_on, zone), [f"register:{row.id}"], row.source)
                    for row in rows
                    if row.kind == REGISTER
                ]
            elif component.presence is not None:
                found += [(component.id, at, ids, None) for at, ids in _presence(component, component.presence, live)]
            else:
                found += [(component.id, s.instant, [s.id], None) for s in live if matches(component, s)]
        for component_id, instant, ids, source in found:
            evidence.append(
                Evidence(
                    id=evidence_id(learner, certification, option.id, component_id, ids),
                    learner=learner,
                    certification=certification,
                    option=option.id,
                    component=component_id,
                    instant=instant,
                    statement_ids=() if source else tuple(ids),
                    source=source,
                    flags=flags,
                )
            )
    return sorted(evidence, key=lambda e: (e.instant, e.option, e.component, e.id))
