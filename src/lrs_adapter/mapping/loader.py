"""Loading `mappings/*.toml`: validated at load, every mistake named with its file, key and fix.

cmi5's moveOn values are a shorthand here: `moveon = "CompletedAndPassed"` with an `activity` expands into the
components (`completed`, `passed`, `satisfied`, and `waived` where waivers are allowed) and the routes that cmi5
defines, so a mapping says what the course's LMS says and no more.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate, validates_schema

from lrs_adapter.mapping.model import (
    PLACES,
    ActivityRule,
    Certification,
    Component,
    Mapping,
    Option,
    Presence,
    Progress,
)
from lrs_adapter.model.durations import parse_duration, parse_period
from lrs_adapter.tomlfile import Strict, load_checked, read_toml

ADL = "http://adlnet.gov/expapi/verbs/"
CMI5_VERBS = {
    "completed": ADL + "completed",
    "passed": ADL + "passed",
    "satisfied": "https://w3id.org/xapi/adl/verbs/satisfied",
    "waived": "https://w3id.org/xapi/adl/verbs/waived",
}
MOVEON_ROUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    "Completed": (("completed",), ("satisfied",)),
    "Passed": (("passed",), ("satisfied",)),
    "CompletedAndPassed": (("completed", "passed"), ("satisfied",)),
    "CompletedOrPassed": (("completed",), ("passed",), ("satisfied",)),
}
FIXES = {
    "validity": 'an ISO 8601 calendar period such as "P2Y" or "P18M".',
    "window": 'an ISO 8601 calendar period such as "P3M".',
    "first_due": 'an ISO 8601 calendar period such as "P3M".',
    "min_duration": 'an ISO 8601 duration such as "PT1H".',
    "at_least": 'a number (progress, 0 to 1) or an ISO 8601 duration (presence, e.g. "PT1H").',
    "reminders": 'a list of ISO 8601 periods before the due date, e.g. ["P6W", "P10D"] (or [] for none).',
    "escalations": 'a list of ISO 8601 periods after the due date, e.g. ["P3D", "P21D"] (or [] for none).',
    "time_zone": 'an IANA time zone name such as "Europe/London".',
    "moveon": f"one of {', '.join(MOVEON_ROUTES)}.",
    "routes": 'a list of lists of this option\'s component names, e.g. [["video", "check"]].',
    "in": f"a list drawn from {', '.join(PLACES)}.",
    "iri": "an absolute IRI, e.g. https://learning.example.org/xapi/activities/course.",
}


def _period(value: str) -> None:
    try:
        parse_period(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _offsets(values: list[str]) -> None:
    """Reminder offsets: periods longer than zero, each once (two spellings of one period are one offset)."""
    periods = []
    for value in values:
        _period(value)
        periods.append(parse_period(value))
    if any(not p.months and not p.days for p in periods):
        raise ValidationError("An offset of zero is not a reminder: the due date itself is the `overdue` event's.")
    if len(set(periods)) != len(periods):
        raise ValidationError("Names one offset twice.")


def _duration(value: str) -> None:
    try:
        parse_duration(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Not a known time zone.") from None


class ActivitySchema(Strict):
    iri = fields.Url(required=True, require_tld=False, relative=False)
    match = fields.String(load_default="exact", validate=validate.OneOf(("exact", "prefix")))
    in_ = fields.List(
        fields.String(validate=validate.OneOf(PLACES)),
        data_key="in",
        load_default=["object"],
        validate=validate.Length(min=1),
    )


class ProgressSchema(Strict):
    extension = fields.Url(required=True, require_tld=False, relative=False)
    at_least = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class PresenceSchema(Strict):
    join = fields.Url(required=True, require_tld=False, relative=False)
    leave = fields.Url(required=True, require_tld=False, relative=False)
    at_least = fields.String(required=True, validate=_duration)


class ComponentSchema(Strict):
    verbs = fields.List(fields.Url(require_tld=False, relative=False), load_default=[])
    activities = fields.List(fields.Nested(ActivitySchema), load_default=[])
    completion = fields.String(validate=validate.OneOf(("true", "not_false")))
    success = fields.String(validate=validate.OneOf(("true", "not_false")))
    min_scaled_score = fields.Float(validate=validate.Range(min=-1, max=1))
    min_duration = fields.String(validate=_duration)
    progress = fields.Nested(ProgressSchema)
    presence = fields.Nested(PresenceSchema)
    instructors = fields.List(fields.String())
    register = fields.Boolean(load_default=False)
    cmi5_defined_only = fields.Boolean(load_default=False)

    @validates_schema
    def evidenced_somehow(self, data: dict[str, Any], **_: Any) -> None:
        if data["register"]:
            return
        if not data["activities"]:
            raise ValidationError("names no activities: which statements would it match?", "activities")
        if bool(data["verbs"]) == ("presence" in data):
            raise ValidationError("needs `verbs`, or `presence` (join and leave verbs), not both.", "verbs")


class OptionSchema(Strict):
    name = fields.String(required=True)
    moveon = fields.String(validate=validate.OneOf(tuple(MOVEON_ROUTES)))
    activity = fields.Nested(ActivitySchema)
    cmi5_defined_only = fields.Boolean(load_default=False)
    allow_waivers = fields.Boolean(load_default=False)
    routes = fields.List(fields.List(fields.String(), validate=validate.Length(min=1)))
    components = fields.Dict(keys=fields.String(), values=fields.Nested(ComponentSchema))
    flag_unless_no_it_access = fields.Boolean(load_default=False)

    @validates_schema
    def one_way(self, data: dict[str, Any], **_: Any) -> None:
        if "moveon" in data:
            if "activity" not in data:
                raise ValidationError("moveon needs the course's `activity`.", "activity")
            if "routes" in data or "components" in data:
                raise ValidationError("give either moveon (and activity) or routes and components, not both.", "moveon")
            return
        if "routes" not in data or "components" not in data:
            raise ValidationError("needs routes and components (or moveon and activity).", "routes")
        for route in data["routes"]:
            for name in route:
                if name not in data["components"]:
                    raise ValidationError(f"names a component {name!r} the option does not define.", "routes")


class CertificationSchema(Strict):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]*$"))
    name = fields.String(required=True)
    iri = fields.Url(required=True, require_tld=False, relative=False)
    validity = fields.String(required=True, validate=_period)
    window = fields.String(required=True, validate=_period)
    first_due = fields.String(required=True, validate=_period)
    recertify_from = fields.String(load_default="completion", validate=validate.OneOf(("completion", "expiry")))
    time_zone = fields.String(required=True, validate=_zone)
    reminders = fields.List(fields.String(), load_default=list, validate=_offsets)
    escalations = fields.List(fields.String(), load_default=list, validate=_offsets)


class MappingSchema(Strict):
    certification = fields.Nested(CertificationSchema, required=True)
    options = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]*$")),
        values=fields.Nested(OptionSchema),
        required=True,
        validate=validate.Length(min=1),
    )


def _seconds(text: str) -> float:
    return parse_duration(text).total_seconds()


def _activity(data: dict[str, Any]) -> ActivityRule:
    return ActivityRule(iri=data["iri"], prefix=data["match"] == "prefix", places=tuple(data["in_"]))


def _component(name: str, data: dict[str, Any], cmi5_defined_only: bool) -> Component:
    progress, presence = data.get("progress"), data.get("presence")
    return Component(
        id=name,
        verbs=frozenset(data["verbs"]),
        activities=tuple(_activity(a) for a in data["activities"]),
        completion=data.get("completion"),
        success=data.get("success"),
        min_scaled_score=data.get("min_scaled_score"),
        min_duration_s=_seconds(data["min_duration"]) if "min_duration" in data else None,
        progress=Progress(progress["extension"], progress["at_least"]) if progress else None,
        presence=Presence(presence["join"], presence["leave"], _seconds(presence["at_least"])) if presence else None,
        cmi5_defined_only=data["cmi5_defined_only"] or cmi5_defined_only,
        instructors=frozenset(data["instructors"]) if "instructors" in data else None,
        register=data["register"],
    )


def _moveon_components(data: dict[str, Any]) -> tuple[dict[str, Component], tuple[tuple[str, ...], ...]]:
    """cmi5 section 9.6.2 (moveOn), for one AU or course IRI: what completes it, and the LMS's own verdicts."""
    activity = (_activity(data["activity"]),)
    defined = data["cmi5_defined_only"]
    components = {
        "completed": Component(
            "completed",
            frozenset({CMI5_VERBS["completed"]}),
            activity,
            completion="not_false",
            cmi5_defined_only=defined,
        ),
        "passed": Component(
            "passed", frozenset({CMI5_VERBS["passed"]}), activity, success="not_false", cmi5_defined_only=defined
        ),
        "satisfied": Component("satisfied", frozenset({CMI5_VERBS["satisfied"]}), activity),
    }
    routes = MOVEON_ROUTES[data["moveon"]]
    if data["allow_waivers"]:
        components["waived"] = Component("waived", frozenset({CMI5_VERBS["waived"]}), activity)
        routes = (*routes, ("waived",))
    return components, routes


def load_mappings(paths: Iterable[str | Path]) -> list[Mapping]:
    """Every mapping file of a configuration, in its order."""
    return [load_mapping(path) for path in paths]


def load_mapping(path: str | Path) -> Mapping:
    path = Path(path)
    raw = read_toml(path, missing_fix="give the path of a mapping file, e.g. mappings/prevent.toml.")
    data = load_checked(MappingSchema(), raw, path=path, what="mapping", fixes=FIXES)
    cert = data["certification"]
    options: dict[str, Option] = {}
    for option_id, option in data["options"].items():
        if "moveon" in option:
            components, routes = _moveon_components(option)
        else:
            components = {
                name: _component(name, component, option["cmi5_defined_only"])
                for name, component in option["components"].items()
            }
            routes = tuple(tuple(route) for route in option["routes"])
        options[option_id] = Option(option_id, option["name"], components, routes, option["flag_unless_no_it_access"])
    certification = Certification(
        id=cert["id"],
        name=cert["name"],
        iri=cert["iri"],
        validity=parse_period(cert["validity"]),
        window=parse_period(cert["window"]),
        first_due=parse_period(cert["first_due"]),
        recertify_from=cert["recertify_from"],
        time_zone=cert["time_zone"],
        reminders=tuple(parse_period(offset) for offset in cert["reminders"]),
        escalations=tuple(parse_period(offset) for offset in cert["escalations"]),
    )
    return Mapping(path=path, certification=certification, options=options)
