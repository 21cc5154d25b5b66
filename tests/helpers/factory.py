"""Realistic, deterministic xAPI 1.0.3 statements for tests and benchmarks.

The shapes follow what real tools send for the Prevent pathway (see the shared
``profile/prevent-statements.md`` and the corpus it was built from): SCORM-profile
completed/passed, cmi5 passed with a mastery score, xAPI Video Profile completed with
progress, and webinar/WRAP attendance with ``result.duration``. Each statement is about
2 KB, like the real ones, so paging and size-related behaviour of a real LRS shows up.
Everything is derived from ``(i, seed)`` so a failing test can be replayed exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

HOME_PAGE = "https://learning.example.gov.uk"
IRI = "https://learning.example.gov.uk/xapi/activities"
ELEARNING = f"{IRI}/prevent-elearning"
WEBINAR_LIVE = f"{IRI}/prevent-webinar-live"
WEBINAR_RECORDING = f"{IRI}/prevent-webinar-recording"
WRAP = f"{IRI}/prevent-wrap"

ADL = "http://adlnet.gov/expapi/verbs"
VERBS = {
    "completed": f"{ADL}/completed",
    "passed": f"{ADL}/passed",
    "failed": f"{ADL}/failed",
    "attended": f"{ADL}/attended",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
}

# Fixed namespace so ids are stable across machines and Python versions.
_NAMESPACE = uuid.UUID("5b0d7c52-6f1e-4a5e-9d61-2f6c1f0b7a11")
_LONDON = ZoneInfo("Europe/London")
_BASE = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

Statement = dict[str, Any]


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(map(str, parts))))


def _lang(text: str) -> dict[str, str]:
    return {"en-GB": text, "en-US": text}


def _activity(iri: str, name: str, description: str, type_: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"name": _lang(name), "description": _lang(description), "type": type_},
    }


def _verb(iri: str) -> dict[str, Any]:
    return {"id": iri, "display": _lang(iri.rstrip("/").rsplit("/", 1)[-1])}


def _timestamp(i: int, seed: int) -> str:
    """Spread statements over 2025 to summer 2026 (GMT and BST), rendered the three ways real tools do.

    Past 600 days the instants wrap round, so large batches also contain late-arriving old ones.
    """
    hours = (29 * i + 13 * seed) % (24 * 600)
    instant = _BASE + timedelta(hours=hours, minutes=17 * i % 60, seconds=31 * i % 60, milliseconds=137 * i % 1000)
    style = (i + seed) % 3
    if style == 0:  # UTC with milliseconds and Z, like most JavaScript players
        return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"
    if style == 1:  # local wall time with its offset (+00:00 in winter, +01:00 in summer)
        return instant.astimezone(_LONDON).isoformat(timespec="seconds")
    return instant.astimezone(_LONDON).isoformat(timespec="milliseconds")


def _elearning_course() -> dict[str, Any]:
    return _activity(
        ELEARNING,
        "Prevent awareness e-learning",
        "Home Office Prevent awareness course: recognising and referring people at risk of radicalisation.",
        "http://adlnet.gov/expapi/activities/course",
    )


def _scorm(verb: str, i: int, seed: int, learner: str) -> Statement:
    attempt = _uuid("attempt", seed, learner, i // 4)
    result: dict[str, Any] = {"duration": f"PT{20 + i % 40}M{i % 60}S"}
    if verb == VERBS["completed"]:
        result["completion"] = True
    else:
        raw = 80 + i % 21
        result |= {"success": verb != VERBS["failed"], "score": {"scaled": raw / 100, "raw": raw}}
        result["score"] |= {"min": 0, "max": 100}
    return {
        "verb": _verb(verb),
        "object": _activity(
            ELEARNING,
            "Prevent awareness e-learning",
            "The single SCO of the Prevent awareness SCORM 2004 package, about one hour.",
            "http://adlnet.gov/expapi/activities/lesson",
        ),
        "result": result,
        "context": {
            "registration": _uuid("registration", seed, learner, "scorm"),
            "contextActivities": {
                "grouping": [
                    _elearning_course(),
                    _activity(
                        f"{ELEARNING}?attemptId={attempt}",
                        "Attempt of Prevent awareness e-learning",
                        "The activity representing one attempt of the Prevent awareness SCO.",
                        "http://adlnet.gov/expapi/activities/attempt",
                    ),
                ],
                "category": [{"objectType": "Activity", "id": "https://w3id.org/xapi/scorm"}],
            },
            "platform": "Moodle 4.1 SCORM player",
            "language": "en-GB",
        },
    }


def _cmi5(verb: str, i: int, seed: int, learner: str) -> Statement:
    raw = 80 + i % 21
    return {
        "verb": _verb(verb),
        "object": _activity(
            f"{ELEARNING}/au/prevent-core",
            "Prevent awareness: core module",
            "The assignable unit of the Prevent awareness course delivered through a cmi5 player.",
            "http://adlnet.gov/expapi/activities/module",
        ),
        "result": {
            "score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100},
            "success": verb != VERBS["failed"],
            "duration": f"PT{30 + i % 30}M{(i * 7) % 60}.{i % 100:02d}S",
        },
        "context": {
            "registration": _uuid("registration", seed, learner, "cmi5"),
            "contextActivities": {
                "grouping": [_elearning_course()],
                "category": [
                    {"objectType": "Activity", "id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"},
                    {"objectType": "Activity", "id": "https://w3id.org/xapi/cmi5/context/categories/moveon"},
                ],
            },
            "extensions": {
                "https://w3id.org/xapi/cmi5/context/extensions/sessionid": _uuid("session", seed, i),
                "https://w3id.org/xapi/cmi5/context/extensions/masteryscore": 0.8,
            },
            "language": "en-GB",
        },
    }


def _video(verb: str, i: int, seed: int, learner: str) -> Statement:
    length = 3540.0
    progress = round(0.9 + (i % 11) / 100, 2)
    watched = round(length * progress, 3)
    return {
        "verb": _verb(verb),
        "object": _activity(
            WEBINAR_RECORDING,
            "Prevent webinar (recording)",
            "Recording of the Prevent awareness webinar, watched through the video player.",
            "https://w3id.org/xapi/video/activity-type/video",
        ),
        "result": {
            "completion": True,
            "duration": f"PT{int(watched) // 60}M{int(watched) % 60}S",
            "extensions": {
                "https://w3id.org/xapi/video/extensions/time": watched,
                "https://w3id.org/xapi/video/extensions/progress": progress,
                "https://w3id.org/xapi/video/extensions/played-segments": f"0[.]{watched}",
            },
        },
        "context": {
            "registration": _uuid("registration", seed, learner, "video"),
            "contextActivities": {
                "parent": [
                    _activity(
                        f"{IRI}/prevent-webinar",
                        "Prevent webinar",
                        "Pre-recorded Prevent webinar with its knowledge check.",
                        "http://adlnet.gov/expapi/activities/course",
                    )
                ],
                "category": [{"objectType": "Activity", "id": "https://w3id.org/xapi/video"}],
            },
            "extensions": {
                "https://w3id.org/xapi/video/extensions/session-id": _uuid("session", seed, i),
                "https://w3id.org/xapi/video/extensions/completion-threshold": 0.9,
                "https://w3id.org/xapi/video/extensions/length": length,
            },
            "language": "en-GB",
        },
    }


def _attended(parent: str, name: str, kind: str) -> Callable[[str, int, int, str], Statement]:
    def build(verb: str, i: int, seed: int, learner: str) -> Statement:
        session = f"{parent}/{kind}/{2025 + i % 2}-{(i % 12) + 1:02d}-{i % 5 + 1}"
        minutes = 60 + (i * 13) % 150
        return {
            "verb": _verb(verb),
            "object": _activity(
                session,
                f"{name}, session {i % 5 + 1}",
                f"One scheduled {name} session delivered by an accredited Prevent trainer.",
                "http://adlnet.gov/expapi/activities/meeting",
            ),
            "result": {"completion": True, "duration": f"PT{minutes // 60}H{minutes % 60}M0S"},
            "context": {
                "registration": _uuid("registration", seed, learner, session),
                "instructor": {
                    "objectType": "Agent",
                    "name": "Prevent trainer",
                    "account": {"homePage": HOME_PAGE, "name": f"P{90000 + i % 7:05d}"},
                },
                "contextActivities": {
                    "parent": [_activity(parent, name, f"The {name} offered by the council.", f"{IRI}/types/event")]
                },
                "platform": "Microsoft Teams attendance report",
                "language": "en-GB",
            },
        }

    return build


# (verb, builder) pairs; a statement's shape is picked from these by index.
_SHAPES: list[tuple[str, Callable[[str, int, int, str], Statement]]] = [
    (VERBS["completed"], _scorm),
    (VERBS["passed"], _scorm),
    (VERBS["passed"], _cmi5),
    (VERBS["completed"], _video),
    (VERBS["attended"], _attended(WEBINAR_LIVE, "Prevent live webinar", "session")),
    (VERBS["attended"], _attended(WRAP, "Workshop to Raise Awareness of Prevent", "event")),
]


def make_statement(
    i: int,
    *,
    learner: str | None = None,
    verb: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    with_id: bool = True,
    seed: int = 0,
) -> Statement:
    """Return the ``i``-th realistic statement; the same arguments always give the same statement.

    ``learner`` is a payroll number (default ``P%05d`` from ``i``), ``verb`` a verb IRI or one of
    the short names in ``VERBS`` (it picks a shape that uses that verb; other verbs reuse the
    SCORM shape), ``activity`` replaces the object's id, ``timestamp`` is used verbatim.
    """
    learner_arg = learner
    learner = learner if learner is not None else f"P{(i + seed) % 100000:05d}"
    verb_iri = VERBS.get(verb, verb) if verb is not None else None
    candidates = [shape for shape in _SHAPES if shape[0] == verb_iri] if verb_iri else _SHAPES
    shape_verb, build = (candidates or [_SHAPES[1]])[(i + seed) % max(len(candidates), 1)]
    statement: Statement = {}
    if with_id:  # overrides are part of the id: two different statements never share one
        overrides = [f"{k}={v}" for k, v in (("l", learner_arg), ("v", verb), ("a", activity), ("t", timestamp)) if v]
        statement["id"] = _uuid("statement", seed, i, *overrides)
    statement["actor"] = {
        "objectType": "Agent",
        "name": f"Learner {learner}",
        "account": {"homePage": HOME_PAGE, "name": learner},
    }
    statement |= build(verb_iri or shape_verb, i, seed, learner)
    if activity is not None:
        statement["object"]["id"] = activity
    statement["timestamp"] = timestamp if timestamp is not None else _timestamp(i, seed)
    return statement


def make_statements(n: int, *, start: int = 0, **kw: Any) -> list[Statement]:
    """Statements ``start`` .. ``start + n - 1``, with the keyword arguments of ``make_statement``."""
    return [make_statement(i, **kw) for i in range(start, start + n)]
