"""Attendance as xAPI: each stretch a person spent in a webinar session becomes a `joined` and a `left` statement.

Pure. The statements are shaped by the mapping's presence component (its join and leave verbs, the activities it
asks for: the session's IRI is the prefix its `object` rule names plus the session id, and the IRIs it asks for in
context go there), so the mapper measures them exactly as the same verbs from a virtual-classroom tool (ADL's
virtual classroom profile: `http://activitystrea.ms/join` / `leave` with one registration per session). Nothing in
them says which platform wrote the report: a Teams and a Zoom report of the same session give the same statements,
each with an id derived from the session, the person and the stretch, so a file taken in twice (or both reports
of one session) adds nothing.

A person is their e-mail or UPN as a `mbox`: the first of the row's addresses the roster knows, else the first
one, so that the store resolves them through the roster's work e-mails like any `mbox` actor, and holds an
address it does not know as unresolved until a roster import knows it. A guest with no address is an account
named by their display name on the session's own IRI: kept, listed by `learners unresolved`, evidence for nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.model import Component
from lrs_adapter.model.attendance import Interval
from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.xapi.identity import learner_ifi

ATTENDANCE_NAMESPACE = uuid.UUID("8d3f6a52-0c1e-4b7a-a4d5-2e9b6c7f1a30")
MEETING = "http://adlnet.gov/expapi/activities/meeting"


def session_activities(component: Component, session: str) -> tuple[str, dict[str, list[dict[str, str]]]]:
    """The session's activity IRI and the context activities a presence component asks for."""
    object_iri: str | None = None
    context: dict[str, list[dict[str, str]]] = {}
    for rule in component.activities:
        iri = rule.iri + quote(session, safe="") if rule.prefix else rule.iri
        for place in rule.places:
            if place == "object":
                object_iri = object_iri or iri
                break
        else:
            # with its objectType, as LRSs give it back: what a connector pulls again is then the same statement
            context.setdefault(rule.places[0], []).append({"objectType": "Activity", "id": iri})
    if object_iri is None:
        raise ConfigError(
            f'component {component.id!r} names no activity `in = ["object"]`, so a session has no activity.',
            key=f"components.{component.id}.activities",
            fix='name the sessions\' IRI prefix with `match = "prefix", in = ["object"]`.',
        )
    return object_iri, context


def actor_of(interval: Interval, known: frozenset[str], session_iri: str) -> dict[str, Any]:
    """Who the stretch is about: the first address the roster knows, else the first address, else the name."""
    address = next((a for a in interval.addresses if a in known), interval.addresses[0] if interval.addresses else None)
    if address is None:
        return {"objectType": "Agent", "account": {"homePage": session_iri, "name": interval.name}}
    return {"objectType": "Agent", "mbox": f"mailto:{address}"}


def attendance_statements(
    intervals: Iterable[Interval], component: Component, session: str, known: frozenset[str]
) -> list[tuple[Interval, dict[str, Any]]]:
    """A `joined` and a `left` statement per stretch, each with the stretch it came from."""
    assert component.presence is not None
    object_iri, context = session_activities(component, session)
    registration = str(uuid.uuid5(ATTENDANCE_NAMESPACE, object_iri))
    activity = {"objectType": "Activity", "id": object_iri, "definition": {"type": MEETING}}
    made = []
    for interval in intervals:
        actor = actor_of(interval, known, object_iri)
        stretch = (object_iri, str(learner_ifi(actor)), format_instant(interval.joined), format_instant(interval.left))
        for verb, display, at in (
            (component.presence.join, "joined", interval.joined),
            (component.presence.leave, "left", interval.left),
        ):
            statement = {
                "id": str(uuid.uuid5(ATTENDANCE_NAMESPACE, "|".join((*stretch, display)))),
                "actor": actor,
                "verb": {"id": verb, "display": {"en": display}},
                "object": activity,
                "context": {"registration": registration, "contextActivities": context}
                if context
                else {"registration": registration},
                "timestamp": format_instant(at),
            }
            made.append((interval, statement))
    return made
