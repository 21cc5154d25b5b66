"""Activities: the statement's object, and the entries of ``context.contextActivities``.

The adapter maps statements to certification options by activity id, so the id is checked strictly (an
absolute IRI). The definition is descriptive metadata; it gets the cheap checks the conformance suite asks for
(language maps, IRIs, the interaction type vocabulary), and unknown properties in it are tolerated.
"""

from __future__ import annotations

from typing import Any

from lrs_adapter.xapi.formats import (
    StatementInvalid,
    extensions_fault,
    iri_fault,
    key_path,
    language_map_fault,
    require_object,
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
    """An Activity (``objectType`` absent or exactly ``Activity``); return its id.

    ``path`` is used only to report a fault, so a caller in a loop may pass ``""`` and prefix the error.
    """
    activity = require_object(activity, path, "an Activity")
    object_type = activity.get("objectType", _ABSENT)
    if object_type is not _ABSENT and object_type != "Activity":
        raise StatementInvalid(f"{path}.objectType", f"must be 'Activity' here, not {show(object_type)}")
    activity_id = activity.get("id", _ABSENT)
    if activity_id is _ABSENT:
        raise StatementInvalid(f"{path}.id", "missing: an Activity needs an id")
    if (fault := iri_fault(activity_id)) is not None:
        raise StatementInvalid(f"{path}.id", fault)
    definition = activity.get("definition", _ABSENT)
    if definition is not _ABSENT:
        _check_definition(definition, path)
    return activity_id  # type: ignore[no-any-return]  # iri_fault proved it a str


def _check_definition(definition: object, activity_path: str) -> None:
    if type(definition) is not dict:
        raise StatementInvalid(
            f"{activity_path}.definition", f"must be an Activity definition object, not {show(definition)}"
        )
    for key, value in definition.items():
        if key == "name" or key == "description":
            fault = language_map_fault(value)
        elif key == "type" or key == "moreInfo":
            fault = iri_fault(value)
        elif key == "extensions":
            fault = extensions_fault(value)
        elif key == "interactionType":
            fault = _interaction_type_fault(value)
        elif key == "correctResponsesPattern":
            fault = _responses_fault(value)
        elif key in _COMPONENT_LISTS:
            fault = _components_fault(value)
        else:  # not in the definition schema: tolerated, the adapter never reads it
            continue
        if fault is not None:
            raise StatementInvalid(f"{activity_path}.definition.{key}", fault)


def _interaction_type_fault(value: object) -> str | None:
    if type(value) is not str or value not in INTERACTION_TYPES:
        return f"{show(value)} is not an interaction type (they are case-sensitive)"
    return None


def _responses_fault(value: object) -> str | None:
    """``correctResponsesPattern``: an array of strings."""
    if type(value) is not list or any(type(response) is not str for response in value):
        return f"must be an array of strings, not {show(value)}"
    return None


def _components_fault(components: object) -> str | None:
    """Interaction components: ``[{id: string, description?: language map}, ...]``."""
    if type(components) is not list:
        return f"must be an array of interaction components, not {show(components)}"
    for index, component in enumerate(components):
        if type(component) is not dict:
            return f"item {index} must be an interaction component object, not {show(component)}"
        if type(component.get("id")) is not str:
            return f"item {index} needs a string id"
        if "description" in component and (fault := language_map_fault(component["description"])):
            return f"item {index} description {fault}"
    return None


def check_context_activities(value: object, path: str) -> None:
    """``contextActivities``: parent/grouping/category/other, each an Activity or an array of Activities."""
    context_activities = require_object(value, path, "a contextActivities object")
    for key, entry in context_activities.items():
        if key not in CONTEXT_ACTIVITY_KEYS:
            raise StatementInvalid(key_path(path, key), "not one of parent, grouping, category, other")
        if type(entry) is not list:
            check_activity(entry, f"{path}.{key}")
            continue
        for index, activity in enumerate(entry):
            try:
                check_activity(activity, "")
            except StatementInvalid as error:
                raise error.within(f"{path}.{key}[{index}]") from None
