"""The shapes of an xAPI statement as msgspec Structs: what the fast path of intake decodes a statement's bytes into.

A decode into these types checks in C what `check_statement` checks in Python with `type(...) is` tests: every
property's JSON type, required properties, and no unknown property where the checker refuses one (statement,
SubStatement, result, score, context, contextActivities). Where the checker tolerates unknown properties (agents,
activities, definitions, verbs), so do these. Values that a fast decode must not turn into Python objects it never
reads (extensions elsewhere than the result, the object before its kind is known, a Group's members) stay `Raw`,
and so do the parts that repeat from statement to statement (verb, object, contextActivities): xapi/fast.py checks
each distinct one once.

Nothing here is a rule of its own: what msgspec cannot say (formats, ranges, the Agent/Group, voiding and
SubStatement rules) is checked after the decode by xapi/fast.py with the same functions the checker uses.
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, Raw, Struct, UnsetType

__all__ = [
    "UNSET",
    "Activity",
    "Actor",
    "Context",
    "Kind",
    "Member",
    "Statement",
    "StatementRef",
    "SubStatement",
    "UnsetType",
]


class Account(Struct):
    homePage: str
    name: str


class Member(Struct):
    """A Group's member: an Agent (unknown properties tolerated, as `check_group` does)."""

    objectType: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    mbox: str | UnsetType = UNSET
    mbox_sha1sum: str | UnsetType = UNSET
    openid: str | UnsetType = UNSET
    account: Account | UnsetType = UNSET


class Actor(Member):
    """An Agent or a Group; `member` is read only for a Group (an Agent's is never looked at)."""

    member: Raw | UnsetType = UNSET


class Verb(Struct):
    id: str
    display: dict[str, str] | UnsetType = UNSET


class Component(Struct):
    id: str
    description: dict[str, str] | UnsetType = UNSET


class Definition(Struct):
    name: dict[str, str] | UnsetType = UNSET
    description: dict[str, str] | UnsetType = UNSET
    type: str | UnsetType = UNSET
    moreInfo: str | UnsetType = UNSET
    extensions: dict[str, Raw] | UnsetType = UNSET
    interactionType: str | UnsetType = UNSET
    correctResponsesPattern: list[str] | UnsetType = UNSET
    choices: list[Component] | UnsetType = UNSET
    scale: list[Component] | UnsetType = UNSET
    source: list[Component] | UnsetType = UNSET
    target: list[Component] | UnsetType = UNSET
    steps: list[Component] | UnsetType = UNSET


class Activity(Struct):
    id: str
    objectType: str | UnsetType = UNSET
    definition: Definition | UnsetType = UNSET


class StatementRef(Struct):
    objectType: str
    id: str


class Kind(Struct):
    """Only the kind of a statement's object, to choose the type its `Raw` is decoded into."""

    objectType: str = "Activity"


class Score(Struct, forbid_unknown_fields=True):
    scaled: int | float | UnsetType = UNSET
    raw: int | float | UnsetType = UNSET
    min: int | float | UnsetType = UNSET
    max: int | float | UnsetType = UNSET


class Result(Struct, forbid_unknown_fields=True):
    score: Score | UnsetType = UNSET
    success: bool | UnsetType = UNSET
    completion: bool | UnsetType = UNSET
    response: str | UnsetType = UNSET
    duration: str | UnsetType = UNSET
    extensions: dict[str, Any] | UnsetType = UNSET  # its numbers are facts for mapping


class ContextActivities(Struct, forbid_unknown_fields=True):
    parent: Activity | list[Activity] | UnsetType = UNSET
    grouping: Activity | list[Activity] | UnsetType = UNSET
    category: Activity | list[Activity] | UnsetType = UNSET
    other: Activity | list[Activity] | UnsetType = UNSET


class ContextMember(Struct):
    """An xAPI 2.0 contextAgent (its `agent`) or contextGroup (its `group`)."""

    objectType: str
    agent: Actor | UnsetType = UNSET
    group: Actor | UnsetType = UNSET
    relevantTypes: list[str] | UnsetType = UNSET


class Context(Struct, forbid_unknown_fields=True):
    registration: str | UnsetType = UNSET
    instructor: Actor | UnsetType = UNSET
    team: Actor | UnsetType = UNSET
    contextActivities: Raw | UnsetType = UNSET  # a `ContextActivities`, as `verb`
    revision: str | UnsetType = UNSET
    platform: str | UnsetType = UNSET
    language: str | UnsetType = UNSET
    statement: StatementRef | UnsetType = UNSET
    extensions: dict[str, Raw] | UnsetType = UNSET
    contextAgents: list[ContextMember] | UnsetType = UNSET  # xAPI 2.0's (an unknown property in 1.0.3)
    contextGroups: list[ContextMember] | UnsetType = UNSET


class Attachment(Struct):
    usageType: str
    display: dict[str, str]
    contentType: str
    length: int
    sha2: str
    description: dict[str, str] | UnsetType = UNSET
    fileUrl: str | UnsetType = UNSET


class SubStatement(Struct, forbid_unknown_fields=True):
    objectType: str
    actor: Actor
    verb: Raw  # decoded as a `Verb` unless the same bytes were checked before (xapi/fast.py)
    object: Raw
    result: Result | UnsetType = UNSET
    context: Context | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    attachments: list[Attachment] | UnsetType = UNSET


class Statement(Struct, forbid_unknown_fields=True):
    actor: Actor
    verb: Raw  # decoded as a `Verb` unless the same bytes were checked before (xapi/fast.py)
    object: Raw
    id: str | UnsetType = UNSET
    result: Result | UnsetType = UNSET
    context: Context | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    stored: str | UnsetType = UNSET
    authority: Actor | UnsetType = UNSET
    version: str | UnsetType = UNSET
    attachments: list[Attachment] | UnsetType = UNSET
