"""One learner's attempt at a SCORM SCO, as the LMS's run-time data holds it, made into the statements ADL's SCORM
profile for xAPI describes (github.com/adlnet/xAPI-SCORM-Profile, "Verb", "Activity Types", "Context Activities").

Pure: the CMI values of one attempt in, statements out, so the same attempt read again gives the same statements
with the same ids (uuid5 of the course, SCO, learner, attempt and verb) and re-reading adds nothing.

- `initialized` for every attempt the LMS holds (timestamp: Moodle's `x.start.time`, else the attempt's first row);
- `completed` when SCORM 1.2's `cmi.core.lesson_status` is completed, passed or failed (1.2 has one status for
  both: passed and failed are judged on a finished lesson), or 2004's `cmi.completion_status` is completed;
- `passed` / `failed` from `lesson_status` passed / failed, or 2004's `cmi.success_status`;
- incomplete, browsed, not attempted, unknown: `initialized` only, so an unfinished attempt never counts.
Each verdict's timestamp is when the LMS wrote the status deciding it. The result carries the score (1.2: raw, min,
max; 2004: also scaled), only what xAPI allows (a raw outside its bounds keeps the raw, not the bounds), and the
attempt's duration: its total time (`cmi.core.total_time`, `cmi.total_time`), else its last session's.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lrs_adapter.model.timestamps import format_instant
from lrs_adapter.xapi.formats import duration_fault

#: Namespace of the ids of statements made from SCORM tracks; never change it (ids would change with it).
SCORM_NAMESPACE = uuid.UUID("6c8a3f0e-3b5d-4f7e-9d0a-2f51a7c4e9b3")
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
INITIALIZED, COMPLETED, PASSED, FAILED = (ADL_VERBS + verb for verb in ("initialized", "completed", "passed", "failed"))
PROFILE = "http://adlnet.gov/xapi/profile/scorm"  # the profile's category activity, on every statement
LESSON, COURSE, ATTEMPT = (f"http://adlnet.gov/expapi/activities/{kind}" for kind in ("lesson", "course", "attempt"))
SCORM_12 = "SCORM_1.2"
#: `scorm.version` values whose packages speak SCORM 1.2's data model (`cmi.core.*`): Moodle's AICC player uses it
#: too. Every other value (Moodle writes "SCORM_13", some of its code and older sites "SCORM_1.3") is SCORM 2004's.
CMI_CORE_VERSIONS = frozenset({"SCORM_1.2", "SCORM_12", "AICC"})
#: SCORM 1.2's CMITimespan, HHHH:MM:SS.SS (hours of two to four digits, up to two decimals of seconds).
_TIMESPAN = re.compile(r"(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)", re.ASCII)
#: What Moodle's SCORM player writes when an attempt starts: unix seconds.
START_TIME = "x.start.time"


@dataclass(frozen=True)
class Cmi:
    """One CMI element's value in an attempt, and when the LMS last wrote it (unix seconds)."""

    value: str
    modified: int


@dataclass(frozen=True)
class Attempt:
    """A learner's attempt at one SCO of a SCORM activity: where it is in the LMS and every CMI value it holds."""

    course_iri: str  # the activity the configuration names for this SCORM activity
    version: str  # the LMS's `scorm.version`: "SCORM_1.2", "SCORM_13" or "SCORM_1.3" (2004), "AICC"
    scorm_id: int
    sco_id: int
    sco_identifier: str  # the SCO's identifier in the package's manifest
    user_id: int
    payroll: str  # the learner's payroll number, as the LMS's user table holds it
    number: int  # the attempt's number, from 1
    values: Mapping[str, Cmi]

    @property
    def cmi_core(self) -> bool:
        """Whether the package speaks SCORM 1.2's data model (`cmi.core.lesson_status`...) rather than 2004's."""
        return self.version.strip().upper() in CMI_CORE_VERSIONS

    @property
    def key(self) -> str:
        return f"{self.course_iri}|{self.scorm_id}|{self.sco_id}|{self.user_id}|{self.number}"


def registration(attempt: Attempt) -> str:
    """The attempt's registration: the same attempt always gets the same one."""
    return str(uuid.uuid5(SCORM_NAMESPACE, attempt.key))


def statement_id(attempt: Attempt, verb: str) -> str:
    return str(uuid.uuid5(SCORM_NAMESPACE, f"{attempt.key}|{verb}"))


def sco_iri(attempt: Attempt) -> str:
    """`<courseIRI>/<sco path>`, as the profile builds a SCO's IRI."""
    return f"{attempt.course_iri}/sco/{quote(attempt.sco_identifier, safe='')}"


def _instant(seconds: int) -> str:
    return format_instant(datetime.fromtimestamp(seconds, UTC))


def _number(text: str | None) -> float | None:
    try:
        number = float(text) if text is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _score(attempt: Attempt) -> dict[str, float]:
    prefix = "cmi.core.score." if attempt.cmi_core else "cmi.score."
    found = {
        key: _number(cmi.value) for key in ("scaled", "raw", "min", "max") if (cmi := attempt.values.get(prefix + key))
    }
    score = {key: value for key, value in found.items() if value is not None}
    if not -1 <= score.get("scaled", 0) <= 1:
        del score["scaled"]
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    bounds_hold = (low is None or high is None or low <= high) and (
        raw is None or ((low is None or low <= raw) and (high is None or raw <= high))
    )
    if not bounds_hold:  # the learner's raw score is the fact; bounds that contradict it are dropped
        score.pop("min", None)
        score.pop("max", None)
    return score


def _iso_duration(attempt: Attempt, text: str) -> str | None:
    if attempt.cmi_core:
        found = _TIMESPAN.fullmatch(text)
        if found is None:
            return None
        hours, minutes, seconds = found.groups()
        return f"PT{int(hours)}H{int(minutes)}M{float(seconds):g}S"
    return text if duration_fault(text) is None else None


def duration(attempt: Attempt) -> str | None:
    """The attempt's total time, else its last session's, as ISO 8601; None when neither is a valid one."""
    prefix = "cmi.core." if attempt.cmi_core else "cmi."
    for element in ("total_time", "session_time"):
        if (cmi := attempt.values.get(prefix + element)) and (found := _iso_duration(attempt, cmi.value.strip())):
            return found
    return None


def _started(attempt: Attempt) -> int:
    start = attempt.values.get(START_TIME)
    if start is not None and start.value.strip().isdigit() and len(start.value.strip()) <= 11:
        return int(start.value)
    return min(cmi.modified for cmi in attempt.values.values())


def verdicts(attempt: Attempt) -> list[tuple[str, Cmi]]:
    """(verb, the status it comes from) for what the attempt reached, in the profile's order."""
    found: list[tuple[str, Cmi]] = []
    if attempt.cmi_core:
        if (status := attempt.values.get("cmi.core.lesson_status")) is None:
            return found
        value = status.value.strip()
        if value in ("completed", "passed", "failed"):
            found.append((COMPLETED, status))
        if value in ("passed", "failed"):
            found.append((PASSED if value == "passed" else FAILED, status))
        return found
    completion, success = attempt.values.get("cmi.completion_status"), attempt.values.get("cmi.success_status")
    if completion is not None and completion.value.strip() == "completed":
        found.append((COMPLETED, completion))
    if success is not None and success.value.strip() in ("passed", "failed"):
        found.append((PASSED if success.value.strip() == "passed" else FAILED, success))
    return found


def _result(attempt: Attempt, verb: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if verb == COMPLETED:
        result["completion"] = True
    elif verb in (PASSED, FAILED):
        result["success"] = verb == PASSED
        if score := _score(attempt):
            result["score"] = score
    if verb != INITIALIZED and (length := duration(attempt)):
        result["duration"] = length
    return result


def attempt_statements(attempt: Attempt, home_page: str) -> list[dict[str, Any]]:
    """The attempt's statements: `initialized`, then whatever its statuses reached (see the module's docstring)."""
    if not attempt.values:
        return []
    sco = sco_iri(attempt)
    attempt_id = registration(attempt)
    context = {
        "registration": attempt_id,
        "contextActivities": {
            "grouping": [
                {"objectType": "Activity", "id": attempt.course_iri, "definition": {"type": COURSE}},
                {"objectType": "Activity", "id": f"{sco}/attempt/{attempt_id}", "definition": {"type": ATTEMPT}},
            ],
            "category": [{"objectType": "Activity", "id": PROFILE}],
        },
    }
    made = []
    for verb, when in [(INITIALIZED, _started(attempt)), *((verb, cmi.modified) for verb, cmi in verdicts(attempt))]:
        statement: dict[str, Any] = {
            "id": statement_id(attempt, verb),
            "actor": {"objectType": "Agent", "account": {"homePage": home_page, "name": attempt.payroll}},
            "verb": {"id": verb, "display": {"en-US": verb.removeprefix(ADL_VERBS)}},
            "object": {"objectType": "Activity", "id": sco, "definition": {"type": LESSON}},
            "context": context,
            "timestamp": _instant(when),
        }
        if result := _result(attempt, verb):
            statement["result"] = result
        made.append(statement)
    return made
