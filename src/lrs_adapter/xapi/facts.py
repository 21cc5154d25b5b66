"""The facts of a statement that mappings can ask about, taken out once at intake.

Kept beside the raw statement as a small JSON object, so that mapping a million statements reads a few hundred
bytes each instead of parsing the whole statement again. Only what a mapping rule can test is here: the places
an activity can stand in, the result, the registration, the instructor, and whether cmi5 defined it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import isodate
import orjson

from lrs_adapter.model.timestamps import read_timestamp
from lrs_adapter.xapi.identity import learner_ifi

CONTEXT_PLACES = ("parent", "grouping", "category", "other")
#: cmi5 9.6.2.1: statements cmi5 defines carry this category; "allowed" ones in a cmi5 session do not.
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


@dataclass(frozen=True, slots=True)
class StatementFacts:
    id: str
    learner: str | None
    verb: str
    instant: datetime  # when it happened: `timestamp`, or `stored` when the timestamp lies after it
    object_id: str | None
    places: dict[str, tuple[str, ...]]  # context activity IRIs by place
    registration: str | None
    completion: bool | None
    success: bool | None
    scaled: float | None
    duration_s: float | None
    extensions: dict[str, float]  # the numeric result extensions
    instructor: str | None
    cmi5_session: bool
    cmi5_category: bool
    voided: bool = False


def _ids(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str))


#: Durations of days, hours, minutes and seconds (nearly all xAPI durations): read directly, at a tenth of isodate's
#: cost; anything else (years, months, weeks) goes to isodate.
_CLOCK_DURATION = re.compile(
    r"P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?", re.ASCII
)


def duration_seconds(duration: Any) -> float | None:
    if not isinstance(duration, str):
        return None
    if match := _CLOCK_DURATION.fullmatch(duration):
        days, hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    parsed = isodate.parse_duration(duration)
    if isinstance(parsed, timedelta):
        return parsed.total_seconds()
    return float(parsed.totimedelta(start=datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())


def extract(statement: dict[str, Any]) -> dict[str, Any]:
    """The facts of a checked statement as a compact JSON-ready dict (absent facts are left out)."""
    context = statement.get("context") or {}
    result = statement.get("result") or {}
    facts: dict[str, Any] = {}
    for place, iris in (context.get("contextActivities") or {}).items():
        if ids := _ids(iris):
            facts[place] = ids
    for key in ("completion", "success"):
        if isinstance(result.get(key), bool):
            facts[key] = result[key]
    scaled = (result.get("score") or {}).get("scaled")
    if isinstance(scaled, int | float):
        facts["scaled"] = scaled
    if (seconds := duration_seconds(result.get("duration"))) is not None:
        facts["duration_s"] = seconds
    numeric = {
        k: v
        for k, v in (result.get("extensions") or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    if numeric:
        facts["extensions"] = numeric
    instructor = context.get("instructor")
    if isinstance(instructor, dict) and (instructor_key := learner_ifi(instructor)):
        facts["instructor"] = instructor_key
    if CMI5_SESSION in (context.get("extensions") or {}):
        facts["cmi5_session"] = True
    return facts


def encode(facts: dict[str, Any]) -> str:
    return orjson.dumps(facts).decode()


def instant_of(timestamp: datetime, stored: datetime) -> datetime:
    """DESIGN.md: a completion's instant is its timestamp, unless that lies after `stored` (a clock ahead)."""
    return stored if timestamp > stored else timestamp


def from_row(
    statement_id: str,
    learner: str | None,
    verb: str,
    object_id: str | None,
    registration: str | None,
    timestamp: str,
    stored: str,
    voided: bool,
    facts_json: str,
) -> StatementFacts:
    """Facts of a stored statement, from its columns and its facts JSON; no raw statement is parsed."""
    facts = orjson.loads(facts_json)
    category = tuple(facts.get("category", ()))
    return StatementFacts(
        id=statement_id,
        learner=learner,
        verb=verb,
        instant=instant_of(read_timestamp(timestamp), read_timestamp(stored)),
        object_id=object_id,
        places={place: tuple(facts.get(place, ())) for place in CONTEXT_PLACES},
        registration=registration,
        completion=facts.get("completion"),
        success=facts.get("success"),
        scaled=facts.get("scaled"),
        duration_s=facts.get("duration_s"),
        extensions=facts.get("extensions", {}),
        instructor=facts.get("instructor"),
        cmi5_session=facts.get("cmi5_session", False),
        cmi5_category=CMI5_CATEGORY in category,
        voided=voided,
    )
