"""Activities: the statement's object, and the entries of ``context.contextActivities``.

The adapter maps statements to certification options by activity id, so the id is checked strictly (an
absolute IRI). The definition is descriptive metadata; it gets the cheap checks the conformance suite asks for
(language maps, IRIs, the interaction type vocabulary) and unknown properties in it are tolerated.
"""

from __future__ import annotations

from typing import Any

from lrs_adapter.xapi.formats import (
    StatementInvalid,
    check_extensions,
    check_iri,
    check_language_map,
    require_object,
    require_string,
    show,
)

_ABSENT: Any = object()

# Data 2.4.4.1.1: the interaction types are case-sensitive (the suite rejects 'true-faLse', 'liKert').
INTERACTION_TYPES = frozenset(
    {"true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing", "likert",
     "numeric", "other"}
)  # fmt: skip
_COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
CONTEXT_ACTIVITY_KEYS = frozenset({"parent", "grouping", "category", "other"})


def check_activity(activity: object, path: str) -> str:
    """An Activity (``objectType`` absent or exactly ``Activity``); return its id."""
    activity = require_object(activity, path, "an Activity")
    object_type = activity.get("objectType", _ABSENT)
    if object_type is not _ABSENT and object_type != "Activity":
        raise StatementInvalid(f"{path}.objectType", f"must be 'Activity' here, not {show(object_type)}")
    activity_id = activity.get("id", _ABSENT)
    if activity_id is _ABSENT:
        raise StatementInvalid(f"{path}.id", "missing: an Activity needs an id")
    check_iri(activity_id, f"{path}.id")
    definition = activity.get("definition", _ABSENT)
    if definition is not _ABSENT:
        _check_definition(definition, f"{path}.definition")
    return activity_id  # type: ignore[no-any-return]  # check_iri proved it a str


def _check_definition(definition: object, path: str) -> None:
    definition = require_object(definition, path, "an Activity definition")
    get = definition.get
    if (name := get("name", _ABSENT)) is not _ABSENT:
        check_language_map(name, f"{path}.name")
    if (description := get("description", _ABSENT)) is not _ABSENT:
        check_language_map(description, f"{path}.description")
    if (type_ := get("type", _ABSENT)) is not _ABSENT:
        check_iri(type_, f"{path}.type")
    if (more_info := get("moreInfo", _ABSENT)) is not _ABSENT:
        check_iri(more_info, f"{path}.moreInfo")
    if (extensions := get("extensions", _ABSENT)) is not _ABSENT:
        check_extensions(extensions, f"{path}.extensions")
    interaction = get("interactionType", _ABSENT)
    if interaction is not _ABSENT and (type(interaction) is not str or interaction not in INTERACTION_TYPES):
        raise StatementInvalid(f"{path}.interactionType", f"{show(interaction)} is not an interaction type")
    if (pattern := get("correctResponsesPattern", _ABSENT)) is not _ABSENT:
        if type(pattern) is not list:
            raise StatementInvalid(f"{path}.correctResponsesPattern", "must be an array of strings")
        for index, response in enumerate(pattern):
            require_string(response, f"{path}.correctResponsesPattern[{index}]")
    for key in _COMPONENT_LISTS:
        if key in definition:
            _check_components(definition[key], f"{path}.{key}")


def _check_components(components: object, path: str) -> None:
    """Interaction components: ``[{id: string, description: language map}, ...]``."""
    if type(components) is not list:
        raise StatementInvalid(path, f"must be an array of interaction components, not {show(components)}")
    for index, component in enumerate(components):
        item = require_object(component, f"{path}[{index}]", "an interaction component")
        if "id" not in item:
            raise StatementInvalid(f"{path}[{index}].id", "missing: an interaction component needs an id")
        require_string(item["id"], f"{path}[{index}].id")
        if "description" in item:
            check_language_map(item["description"], f"{path}[{index}].description")


def check_context_activities(value: object, path: str) -> None:
    """``contextActivities``: parent/grouping/category/other, each an Activity or an array of Activities."""
    context_activities = require_object(value, path, "a contextActivities object")
    for key, entry in context_activities.items():
        if key not in CONTEXT_ACTIVITY_KEYS:
            raise StatementInvalid(f"{path}.{key}", "not one of parent, grouping, category, other")
        if type(entry) is list:
            for index, activity in enumerate(entry):
                check_activity(activity, f"{path}.{key}[{index}]")
        else:
            check_activity(entry, f"{path}.{key}")
