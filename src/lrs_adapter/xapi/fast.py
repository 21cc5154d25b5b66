"""The fast path of intake: a statement's bytes decoded into typed Structs (xapi/typed.py), then a short pass for the
xAPI rules a type cannot say, and the facts for mapping read from the same decode.

It decides only "accept": anything it does not take (a fault, or a rare shape such as xAPI 2.0's contextAgents)
returns None, and intake runs `check_statement` on it, which names the field and the reason for the quarantine.
So `check_statement` stays the one definition of valid; this pass calls its format checks (xapi/formats.py,
model/identifiers.py) and follows its rules, and tests/xapi/test_fast.py holds the two to the same verdict on the
conformance corpus, the hostile values and generated statements.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.model.timestamps import TimestampError, read_timestamp
from lrs_adapter.xapi.activities import INTERACTION_TYPES
from lrs_adapter.xapi.facts import CMI5_SESSION, duration_seconds
from lrs_adapter.xapi.formats import (
    duration_fault,
    extensions_fault,
    iri_fault,
    language_fault,
    language_map_fault,
    mbox_fault,
    sha1_fault,
    uuid_fault,
    version_fault,
)
from lrs_adapter.xapi.statement import VOIDED, CheckedStatement
from lrs_adapter.xapi.typed import (
    UNSET,
    Activity,
    Actor,
    Attachment,
    Context,
    ContextActivities,
    ContextMember,
    Definition,
    Kind,
    Member,
    Result,
    Statement,
    StatementRef,
    SubStatement,
    UnsetType,
    Verb,
)

_STATEMENT = msgspec.json.Decoder(Statement)
_SUBSTATEMENT = msgspec.json.Decoder(SubStatement)
_KIND = msgspec.json.Decoder(Kind)
_ACTIVITY = msgspec.json.Decoder(Activity)
_ACTOR = msgspec.json.Decoder(Actor)
_REF = msgspec.json.Decoder(StatementRef)
_MEMBERS = msgspec.json.Decoder(list[Member])
#: The integers orjson reads as integers; beyond them it reads a float where msgspec keeps an int.
_INT_RANGE = range(-(2**63), 2**64)


_VERB = msgspec.json.Decoder(Verb)
_CONTEXT_ACTIVITIES = msgspec.json.Decoder(ContextActivities)
#: What was found good, by its bytes: an LRS repeats the same few hundred verbs, activities and contextActivities.
_VERBS: dict[bytes, str] = {}
_OBJECTS: dict[tuple[bytes, bool, bool], tuple[str, str | None]] = {}
_PLACES: dict[bytes, dict[str, list[str]]] = {}
_MEMO_LIMIT = 20_000
_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    """Keep a part found good; start afresh when full, so hostile input cannot grow memory without bound."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


class _Refused(Exception):
    """The fast path does not take this statement; the checker will say why (or take it)."""


def _ok(fault: str | None) -> None:
    if fault is not None:
        raise _Refused


@dataclass(frozen=True, slots=True)
class FastStatement:
    checked: CheckedStatement
    facts: dict[str, Any]


def fast_check(text: bytes, version: str) -> FastStatement | None:
    """The checked statement and its facts, or None when the checker must decide (see the module's docstring)."""
    try:
        statement = _STATEMENT.decode(text)
        return _accept(statement, version == "2.0.0")
    except (msgspec.ValidationError, msgspec.DecodeError, TimestampError, _Refused, RecursionError):
        return None  # RecursionError: nested deeper than msgspec goes, which orjson still read


def _accept(statement: Statement, v2: bool) -> FastStatement:
    if statement.id is not UNSET:
        _ok(uuid_fault(statement.id))
    object_type, object_id, timestamp = _core(statement, v2, sub=False)
    stored = None if statement.stored is UNSET else read_timestamp(statement.stored)
    if statement.authority is not UNSET:
        _authority(statement.authority)
    if statement.version is not UNSET:
        _ok(version_fault(statement.version, allow_2=v2))
    voids = None
    verb_id = _verb(statement.verb)
    if verb_id == VOIDED:
        if object_type != "StatementRef":
            raise _Refused
        voids = object_id
    learner = _learner(statement.actor)
    context = statement.context
    registration = None if context is UNSET or context.registration is UNSET else context.registration.lower()
    checked = CheckedStatement(
        None if statement.id is UNSET else statement.id.lower(),
        learner,
        verb_id,
        object_type,
        object_id,
        timestamp,
        stored,
        registration,
        voids,
    )
    return FastStatement(checked, _facts(statement))


def _core(statement: Statement | SubStatement, v2: bool, *, sub: bool) -> tuple[str, str | None, datetime | None]:
    """What a statement and a SubStatement share (`_check_core`); returns the object's type and id, and the
    timestamp."""
    _actor(statement.actor)
    _verb(statement.verb)
    object_type, object_id = _object(statement.object, v2, sub=sub)
    if statement.result is not UNSET:
        _result(statement.result)
    if statement.context is not UNSET:
        _context(statement.context, object_type, v2)
    timestamp = None if statement.timestamp is UNSET else read_timestamp(statement.timestamp)
    if statement.attachments is not UNSET:
        for attachment in statement.attachments:
            _attachment(attachment)
    return object_type, object_id, timestamp


def _verb(raw: msgspec.Raw) -> str:
    """The verb's id; each distinct verb is checked once."""
    key = bytes(raw)
    if (verb_id := _VERBS.get(key)) is None:
        verb = _VERB.decode(raw)
        _ok(iri_fault(verb.id))
        if verb.display is not UNSET:
            _ok(language_map_fault(verb.display))
        verb_id = _remember(_VERBS, key, verb.id)
    return verb_id


def _object(raw: msgspec.Raw, v2: bool, *, sub: bool) -> tuple[str, str | None]:
    """The object's kind and id; each distinct object is checked once."""
    key = (bytes(raw), v2, sub)
    if (found := _OBJECTS.get(key)) is None:
        found = _remember(_OBJECTS, key, _check_object(raw, v2, sub=sub))
    return found


def _check_object(raw: msgspec.Raw, v2: bool, *, sub: bool) -> tuple[str, str | None]:
    object_type = _KIND.decode(raw).objectType
    if object_type == "Activity":
        return "Activity", _activity(_ACTIVITY.decode(raw))
    if object_type == "Agent" or object_type == "Group":
        actor = _ACTOR.decode(raw)
        if object_type == "Agent":
            _agent(actor)
        else:
            _group(actor)
        return object_type, None
    if object_type == "StatementRef":
        return "StatementRef", _statement_ref(_REF.decode(raw))
    if object_type == "SubStatement" and not sub:
        _core(_SUBSTATEMENT.decode(raw), v2, sub=True)
        return "SubStatement", None
    raise _Refused  # a SubStatement within a SubStatement, or no such kind


def _statement_ref(ref: StatementRef) -> str:
    if ref.objectType != "StatementRef":
        raise _Refused
    _ok(uuid_fault(ref.id))
    return ref.id.lower()


def _activity(activity: Activity) -> str:
    if activity.objectType is not UNSET and activity.objectType != "Activity":
        raise _Refused
    _ok(iri_fault(activity.id))
    if activity.definition is not UNSET:
        _definition(activity.definition)
    return activity.id


def _definition(definition: Definition) -> None:
    for language_map in (definition.name, definition.description):
        if language_map is not UNSET:
            _ok(language_map_fault(language_map))
    for iri in (definition.type, definition.moreInfo):
        if iri is not UNSET:
            _ok(iri_fault(iri))
    if definition.extensions is not UNSET:
        _ok(extensions_fault(definition.extensions))
    if definition.interactionType is not UNSET and definition.interactionType not in INTERACTION_TYPES:
        raise _Refused
    for components in (definition.choices, definition.scale, definition.source, definition.target, definition.steps):
        for component in () if components is UNSET else components:
            if component.description is not UNSET:
                _ok(language_map_fault(component.description))


def _ifi(actor: Member) -> bool:
    """Each identifier well formed and at most one (`_check_ifi`); whether there is one."""
    found = [value for value in (actor.mbox, actor.mbox_sha1sum, actor.openid, actor.account) if value is not UNSET]
    if len(found) > 1:
        raise _Refused
    if actor.mbox is not UNSET:
        _ok(mbox_fault(actor.mbox))
    elif actor.mbox_sha1sum is not UNSET:
        _ok(sha1_fault(actor.mbox_sha1sum))
    elif actor.openid is not UNSET:
        _ok(iri_fault(actor.openid))
    elif actor.account is not UNSET:
        _ok(iri_fault(actor.account.homePage))
        if not actor.account.name:
            raise _Refused
    return bool(found)


def _agent(agent: Member) -> None:
    if agent.objectType is not UNSET and agent.objectType != "Agent":
        raise _Refused
    if not _ifi(agent):
        raise _Refused


def _group(group: Actor) -> tuple[bool, int]:
    """`check_group`: whether it is identified, and how many members it lists; an anonymous Group lists them,
    each a valid Agent."""
    identified = _ifi(group)
    if group.member is UNSET:
        if not identified:
            raise _Refused
        return True, 0
    members = _MEMBERS.decode(group.member)
    for member in members:
        if member.objectType == "Group":
            raise _Refused
        _agent(member)
    return identified, len(members)


def _actor(actor: Actor) -> None:
    if actor.objectType == "Group":
        _group(actor)
    else:
        _agent(actor)


def _authority(authority: Actor) -> None:
    if authority.objectType != "Group":
        _agent(authority)
        return
    if _group(authority) != (False, 2):  # an OAuth pair: anonymous, two members
        raise _Refused


def _learner(actor: Actor) -> str | None:
    """The learner's key (`learner_ifi`), its identifier held to model/identifiers.py (`check_learner`)."""
    if actor.objectType == "Group":
        return None
    if actor.account is not UNSET:
        _ok(identifier_fault(actor.account.homePage))
        _ok(identifier_fault(actor.account.name))
        return f"account:{actor.account.homePage} {actor.account.name}"
    if actor.mbox is not UNSET:
        _ok(identifier_fault(actor.mbox))
        return "mbox:" + actor.mbox.lower()
    if actor.openid is not UNSET:
        _ok(identifier_fault(actor.openid))
        return "openid:" + actor.openid
    assert actor.mbox_sha1sum is not UNSET  # `_agent` proved there is one identifier
    return "mbox_sha1sum:" + actor.mbox_sha1sum.lower()


def _result(result: Result) -> None:
    if result.duration is not UNSET:
        _ok(duration_fault(result.duration))
    if result.extensions is not UNSET:
        _ok(extensions_fault(result.extensions))
    score = result.score
    if score is UNSET:
        return
    for value in (score.scaled, score.raw, score.min, score.max):
        if type(value) is float and not math.isfinite(value):
            raise _Refused
    if score.scaled is not UNSET and not -1 <= score.scaled <= 1:
        raise _Refused
    low, high, raw = score.min, score.max, score.raw
    if low is not UNSET and high is not UNSET and low > high:
        raise _Refused
    if raw is not UNSET and ((low is not UNSET and raw < low) or (high is not UNSET and raw > high)):
        raise _Refused


def _context(context: Context, object_type: str, v2: bool) -> None:
    if context.contextAgents is not UNSET or context.contextGroups is not UNSET:
        _context_members(context, v2)
    if context.registration is not UNSET:
        _ok(uuid_fault(context.registration))
    if context.contextActivities is not UNSET:
        _places(context.contextActivities)
    if context.extensions is not UNSET:
        _ok(extensions_fault(context.extensions))
    if context.language is not UNSET:
        _ok(language_fault(context.language))
    if (context.revision is not UNSET or context.platform is not UNSET) and object_type != "Activity":
        raise _Refused
    _context_parties(context)


def _context_parties(context: Context) -> None:
    """The people and the statement a Context names (`_check_context_party`)."""
    if context.instructor is not UNSET:
        _actor(context.instructor)
    if context.team is not UNSET:
        if context.team.objectType != "Group":
            raise _Refused
        _group(context.team)
    if context.statement is not UNSET:
        _statement_ref(context.statement)


def _places(raw: msgspec.Raw) -> dict[str, list[str]]:
    """contextActivities: the ids in each place that has any, for the facts; each distinct one checked once."""
    key = bytes(raw)
    if (found := _PLACES.get(key)) is None:
        places = _CONTEXT_ACTIVITIES.decode(raw)
        found = {}
        for place in ("parent", "grouping", "category", "other"):
            activities = _listed(getattr(places, place))
            if ids := [_activity(activity) for activity in activities]:
                found[place] = ids
        found = _remember(_PLACES, key, found)
    return found


def _context_members(context: Context, v2: bool) -> None:
    """xAPI 2.0's contextAgents and contextGroups (`_check_context_members`); unknown properties in 1.0.3."""
    if not v2:
        raise _Refused
    for members, kind in ((context.contextAgents, "contextAgent"), (context.contextGroups, "contextGroup")):
        for member in () if members is UNSET else members:
            _context_member(member, kind)


def _context_member(member: ContextMember, kind: str) -> None:
    if member.objectType != kind:
        raise _Refused
    if kind == "contextAgent":
        if member.agent is UNSET:
            raise _Refused
        _agent(member.agent)
    else:
        if member.group is UNSET or member.group.objectType != "Group":
            raise _Refused
        _group(member.group)
    if member.relevantTypes is not UNSET:
        if not member.relevantTypes:
            raise _Refused
        for iri in member.relevantTypes:
            _ok(iri_fault(iri))


def _listed(entry: Activity | list[Activity] | UnsetType) -> Sequence[Activity]:
    """A contextActivities place as a list: xAPI allows one Activity or an array of them."""
    if entry is UNSET:
        return ()
    return entry if isinstance(entry, list) else (entry,)


def _attachment(attachment: Attachment) -> None:
    _ok(iri_fault(attachment.usageType))
    _ok(language_map_fault(attachment.display))
    if attachment.description is not UNSET:
        _ok(language_map_fault(attachment.description))
    if attachment.length < 0:
        raise _Refused
    if attachment.fileUrl is not UNSET:
        _ok(iri_fault(attachment.fileUrl))


def _facts(statement: Statement) -> dict[str, Any]:
    """xapi/facts.py's `extract`, read from the Structs: the same keys and values."""
    facts: dict[str, Any] = {}
    context = statement.context
    if context is not UNSET and context.contextActivities is not UNSET:
        facts.update(_places(context.contextActivities))
    result = statement.result
    if result is not UNSET:
        _result_facts(result, facts)
    if context is not UNSET:
        if context.instructor is not UNSET and (instructor := _instructor(context.instructor)):
            facts["instructor"] = instructor
        if context.extensions is not UNSET and CMI5_SESSION in context.extensions:
            facts["cmi5_session"] = True
    return facts


def _result_facts(result: Result, facts: dict[str, Any]) -> None:
    if result.completion is not UNSET:
        facts["completion"] = result.completion
    if result.success is not UNSET:
        facts["success"] = result.success
    if result.score is not UNSET and result.score.scaled is not UNSET:
        facts["scaled"] = result.score.scaled
    if result.duration is not UNSET:
        facts["duration_s"] = duration_seconds(result.duration)
    if result.extensions is not UNSET:
        numeric = {}
        for key, value in result.extensions.items():
            kind = type(value)
            if kind is int and value not in _INT_RANGE:
                raise _Refused  # orjson would read it as a float: leave it to the path that reads it so
            if kind is int or kind is float:
                numeric[key] = value
        if numeric:
            facts["extensions"] = numeric


def _instructor(instructor: Actor) -> str | None:
    """`learner_ifi` of the instructor, without the learner's identifier rule (`extract` applies none)."""
    if instructor.objectType == "Group":
        return None
    if instructor.mbox is not UNSET:
        return "mbox:" + instructor.mbox.lower()
    if instructor.mbox_sha1sum is not UNSET:
        return "mbox_sha1sum:" + instructor.mbox_sha1sum.lower()
    if instructor.openid is not UNSET:
        return "openid:" + instructor.openid
    assert instructor.account is not UNSET
    return f"account:{instructor.account.homePage} {instructor.account.name}"
