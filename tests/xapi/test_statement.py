"""check_statement: valid shapes pass with the right fields; every kind of fault names its field."""

from __future__ import annotations

import copy
import math
import pickle
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import isodate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_adapter.xapi import formats
from lrs_adapter.xapi.identity import learner_ifi
from lrs_adapter.xapi.statement import VOIDED, CheckedStatement, StatementInvalid, check_statement

SHA1 = "cd9b00a5611f94eaa7b1661edab976068e364975"
SHA256 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


def full_statement() -> dict[str, Any]:
    """A valid statement using every top-level property, so each can be broken in turn."""
    return {
        "id": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
        "actor": {
            "objectType": "Agent",
            "name": "Ann",
            "account": {"homePage": "https://learning.example.gov.uk", "name": "P00042"},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-GB": "passed", "und": "passed"}},
        "object": {
            "objectType": "Activity",
            "id": "https://learning.example.gov.uk/xapi/activities/prevent-elearning",
            "definition": {
                "name": {"en-GB": "Prevent awareness"},
                "description": {"en-GB": "About an hour."},
                "type": "http://adlnet.gov/expapi/activities/lesson",
                "moreInfo": "https://learning.example.gov.uk/prevent",
                "interactionType": "choice",
                "correctResponsesPattern": ["a"],
                "choices": [{"id": "a", "description": {"en-GB": "A"}}],
                "extensions": {"https://example.org/ext/level": 1},
            },
        },
        "result": {
            "score": {"scaled": 0.94, "raw": 94, "min": 0, "max": 100},
            "success": True,
            "completion": True,
            "response": "a",
            "duration": "PT15.17S",
            "extensions": {"https://example.org/ext/attempt": None},
        },
        "context": {
            "registration": "B22893AE-A13E-406F-ABB6-FD463ED7C645",
            "instructor": {"mbox": "mailto:trainer@example.org"},
            "team": {"objectType": "Group", "member": [{"mbox_sha1sum": SHA1}]},
            "contextActivities": {
                "parent": [{"id": "https://learning.example.gov.uk/xapi/activities/prevent"}],
                "category": {"objectType": "Activity", "id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"},
            },
            "revision": "r1",
            "platform": "Moodle",
            "language": "en-GB",
            "statement": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/masteryscore": 0.9},
        },
        "timestamp": "2025-03-30T01:30:00.123+01:00",
        "stored": "2025-03-30T00:31:00Z",
        "authority": {
            "objectType": "Group",
            "member": [
                {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
                {"mbox": "mailto:bob@example.com"},
            ],
        },
        "version": "1.0.3",
        "attachments": [
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "description": {"en-US": "A test signature"},
                "contentType": "application/octet-stream",
                "length": 4235,
                "sha2": SHA256,
                "fileUrl": "https://example.org/signature",
            }
        ],
    }


def minimal(**overrides: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "actor": {"mbox": "mailto:ann@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://example.org/course"},
    }
    statement.update(overrides)
    return statement


def substatement(**overrides: Any) -> dict[str, Any]:
    sub = {"objectType": "SubStatement", **minimal()}
    sub.update(overrides)
    return minimal(verb={"id": "http://example.com/planned"}, object=sub)


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _STEP.findall(path)]


def mutate(
    statement: dict[str, Any], path: str | tuple[str | int, ...], value: Any = ..., *, delete: bool = False
) -> dict[str, Any]:
    """A deep copy of ``statement`` with the value at ``path`` (``a.b[0].c``, or its steps) replaced or deleted."""
    result = copy.deepcopy(statement)
    *parents, last = _steps(path) if isinstance(path, str) else path
    node: Any = result
    for step in parents:
        node = node[step]
    if delete:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(value)
    else:
        node[last] = value
    return result


# ---------------------------------------------------------------------------------------------- valid shapes


def test_full_statement_yields_its_fields() -> None:
    checked = check_statement(full_statement())
    assert checked == CheckedStatement(
        id="6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        learner="account:https://learning.example.gov.uk P00042",
        verb_id="http://adlnet.gov/expapi/verbs/passed",
        object_type="Activity",
        object_id="https://learning.example.gov.uk/xapi/activities/prevent-elearning",
        timestamp=datetime(2025, 3, 30, 0, 30, 0, 123000, tzinfo=UTC),
        stored=datetime(2025, 3, 30, 0, 31, tzinfo=UTC),
        registration="b22893ae-a13e-406f-abb6-fd463ed7c645",
        voids=None,
    )
    assert checked.timestamp is not None
    assert checked.timestamp.tzinfo is UTC


def test_minimal_statement_from_a_file_has_no_id_or_instants() -> None:
    checked = check_statement(minimal())
    assert (checked.id, checked.timestamp, checked.stored, checked.registration) == (None, None, None, None)
    assert checked.learner == "mbox:mailto:ann@example.org"
    assert (checked.object_type, checked.object_id) == ("Activity", "https://example.org/course")


def test_voiding_statement_names_its_target() -> None:
    checked = check_statement(
        minimal(
            verb={"id": VOIDED, "display": {"en-US": "voided"}},
            object={"objectType": "StatementRef", "id": "E05AA883-ACAF-40AD-BF54-02C8CE485FB0"},
        )
    )
    assert (checked.object_type, checked.object_id) == ("StatementRef", "e05aa883-acaf-40ad-bf54-02c8ce485fb0")
    assert checked.voids == "e05aa883-acaf-40ad-bf54-02c8ce485fb0"


def test_statement_ref_without_voiding_voids_nothing() -> None:
    checked = check_statement(
        minimal(object={"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"})
    )
    assert (checked.object_type, checked.voids) == ("StatementRef", None)


@pytest.mark.parametrize(
    ("obj", "object_type"),
    [
        ({"objectType": "Agent", "openid": "http://openid.example.org/12345"}, "Agent"),
        ({"objectType": "Group", "name": "Team", "member": [{"mbox": "mailto:a@example.org"}]}, "Group"),
        ({"objectType": "Group", "account": {"homePage": "https://example.org", "name": "team-1"}}, "Group"),
    ],
)
def test_agent_and_group_objects_have_no_object_id(obj: dict[str, Any], object_type: str) -> None:
    checked = check_statement(minimal(object=obj))
    assert (checked.object_type, checked.object_id) == (object_type, None)


def test_substatement_object() -> None:
    checked = check_statement(
        substatement(timestamp="2025-06-01T09:00:00Z", context={"registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"})
    )
    assert (checked.object_type, checked.object_id, checked.timestamp, checked.registration) == (
        "SubStatement",
        None,
        None,
        None,
    )


def test_group_actor_is_evidence_for_nobody() -> None:
    group = {"objectType": "Group", "mbox": "mailto:team@example.org", "member": [{"mbox": "mailto:a@example.org"}]}
    assert check_statement(minimal(actor=group)).learner is None
    anonymous = {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}
    assert check_statement(minimal(actor=anonymous)).learner is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-30T01:30:00.123+01:00", datetime(2025, 3, 30, 0, 30, 0, 123000, tzinfo=UTC)),
        ("2008-09-15 15:53:00.601+00:00", datetime(2008, 9, 15, 15, 53, 0, 601000, tzinfo=UTC)),
        ("2008-09-15T15:53:00.1234567Z", datetime(2008, 9, 15, 15, 53, 0, 123456, tzinfo=UTC)),
        ("2008-09-15T15:53Z", datetime(2008, 9, 15, 15, 53, tzinfo=UTC)),
        ("2008-09-15T15:53:00,5-04", datetime(2008, 9, 15, 19, 53, 0, 500000, tzinfo=UTC)),
        ("20080915T155300+0530", datetime(2008, 9, 15, 10, 23, tzinfo=UTC)),
        ("2008-09-15", datetime(2008, 9, 15, tzinfo=UTC)),
        ("2024-02-29T23:59:59+00:00", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(text: str, expected: datetime) -> None:
    timestamp = check_statement(minimal(timestamp=text)).timestamp
    assert timestamp == expected
    assert timestamp is not None
    assert timestamp.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "duration",
    ["PT1H0M0S", "P3Y1M29DT4H35M59.14S", "PT15.17S", "P1W", "P1.5W", "PT0,5S", "P1.5Y", "PT1M1.5S", "P0D", "PT36H"],
)
def test_valid_durations_pass(duration: str) -> None:
    check_statement(minimal(result={"duration": duration}))


@pytest.mark.parametrize(
    "tag", ["en", "en-GB", "und", "tlh", "sr-Cyrl", "zh-Hans-CN", "es-419", "de-CH-1996", "x-klingon", "i-klingon"]
)
def test_language_tags_pass(tag: str) -> None:
    check_statement(minimal(verb={"id": "http://adlnet.gov/expapi/verbs/completed", "display": {tag: "done"}}))


@pytest.mark.parametrize("version", ["1.0", "1.0.0", "1.0.3", "1.0.9"])
def test_versions_1_0_pass(version: str) -> None:
    check_statement(minimal(version=version))


def test_xapi_2_accepts_2_0_versions_and_context_agents() -> None:
    statement = minimal(
        version="2.0.0",
        context={
            "contextAgents": [
                {
                    "objectType": "contextAgent",
                    "agent": {"mbox": "mailto:t@example.org"},
                    "relevantTypes": ["https://example.org/trainer"],
                }
            ],
            "contextGroups": [{"objectType": "contextGroup", "group": {"objectType": "Group", "member": []}}],
        },
    )
    assert check_statement(statement, "2.0.0").verb_id == "http://adlnet.gov/expapi/verbs/completed"
    with pytest.raises(StatementInvalid) as caught:
        check_statement(statement, "1.0.3")
    assert caught.value.field == "context.contextAgents"
    with pytest.raises(StatementInvalid) as caught:
        check_statement(minimal(version="2.0.0"), "1.0.3")
    assert caught.value.field == "version"


def test_an_unknown_xapi_version_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported xAPI version") as caught:
        check_statement(minimal(), "1.1")
    assert not isinstance(caught.value, StatementInvalid)


def test_extensions_are_opaque() -> None:
    """'PT2' is no duration, but an extension value is the profile's business, not the checker's."""
    context = {
        "extensions": {"https://w3id.org/xapi/acrossx/extensions/planned-duration": "PT2", "https://x.org/n": None}
    }
    check_statement(minimal(context=context))


def test_unknown_properties_tolerated_where_the_adapter_reads_nothing() -> None:
    statement = minimal(actor={"mbox": "mailto:a@example.org", "nickname": "A"})
    statement["object"]["definition"] = {"x-tool-data": [1, 2]}
    check_statement(statement)


# ------------------------------------------------------------------------------------------------ identity


@pytest.mark.parametrize(
    ("actor", "key"),
    [
        ({"mbox": "MAILTO:Ann.Smith@Example.ORG"}, "mbox:mailto:ann.smith@example.org"),
        ({"objectType": "Agent", "mbox_sha1sum": SHA1.upper()}, f"mbox_sha1sum:{SHA1}"),
        ({"openid": "http://openid.example.org/Ann"}, "openid:http://openid.example.org/Ann"),
        (
            {"account": {"homePage": "https://lms.example.org", "name": "Ann Smith"}},
            "account:https://lms.example.org Ann Smith",
        ),
        ({"objectType": "Group", "mbox": "mailto:team@example.org"}, None),
        ({"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]}, None),
        ({"name": "nobody"}, None),
        ({"mbox": 42, "account": "not an account"}, None),
    ],
)
def test_learner_ifi(actor: dict[str, Any], key: str | None) -> None:
    assert learner_ifi(actor) == key


def test_account_key_is_unambiguous() -> None:
    """The homePage cannot contain a space, so splitting at the first space gives back both parts."""
    with pytest.raises(StatementInvalid) as caught:
        check_statement(minimal(actor={"account": {"homePage": "https://lms.example.org/a b", "name": "c"}}))
    assert caught.value.field == "actor.account.homePage"
    key = learner_ifi({"account": {"homePage": "https://lms.example.org/a", "name": "b c"}})
    assert key is not None
    assert key.removeprefix("account:").split(" ", 1) == ["https://lms.example.org/a", "b c"]


# -------------------------------------------------------------------------------------------------- faults

Broken = Callable[[], Any]
FULL = full_statement()


def _m(path: str | tuple[str | int, ...], value: Any = ..., **kw: Any) -> Broken:
    return lambda: mutate(FULL, path, value, **kw)


FAULTS: list[tuple[str, Broken, str]] = [
    # the statement itself
    ("not an object", lambda: ["a", "list"], "$"),
    ("unknown top-level property", _m("timeStamp", "2025-01-01T00:00:00Z"), "timeStamp"),
    ("unknown top-level property, empty", _m(("",), 1), '[""]'),
    ("unknown context property with a dot", _m(("context", "a.b"), 1), 'context["a.b"]'),
    (
        "unknown contextActivities key",
        _m(("context", "contextActivities", "Parent"), []),
        "context.contextActivities.Parent",
    ),
    ("id not a UUID", _m("id", "AA97B177-9383-4934-8543-0F91A7A028368"), "id"),
    ("id a number", _m("id", 12345), "id"),
    ("no actor", _m("actor", delete=True), "actor"),
    ("no verb", _m("verb", delete=True), "verb"),
    ("no object", _m("object", delete=True), "object"),
    # actor and its identifier
    ("actor not an object", _m("actor", "ann"), "actor"),
    ("actor objectType lower-case", _m("actor.objectType", "agent"), "actor.objectType"),
    ("actor without identifier", _m("actor.account", delete=True), "actor"),
    ("actor with two identifiers", _m("actor.mbox", "mailto:ann@example.org"), "actor.account"),
    ("actor name not a string", _m("actor.name", None), "actor.name"),
    ("mbox without mailto", lambda: minimal(actor={"mbox": "ann@example.org"}), "actor.mbox"),
    ("mbox without address", lambda: minimal(actor={"mbox": "mailto:example.org"}), "actor.mbox"),
    ("sha1sum too short", lambda: minimal(actor={"mbox_sha1sum": SHA1[:-1]}), "actor.mbox_sha1sum"),
    ("openid not absolute", lambda: minimal(actor={"openid": "ab=c://should.fail.com"}), "actor.openid"),
    ("account not an object", _m("actor.account", "P00042"), "actor.account"),
    ("account without homePage", _m("actor.account.homePage", delete=True), "actor.account.homePage"),
    ("account homePage not an IRI", _m("actor.account.homePage", "learning.example.gov.uk"), "actor.account.homePage"),
    ("account without name", _m("actor.account.name", delete=True), "actor.account.name"),
    ("account name empty", _m("actor.account.name", ""), "actor.account.name"),
    ("anonymous group without members", lambda: minimal(actor={"objectType": "Group"}), "actor.member"),
    (
        "group members not an array",
        lambda: minimal(actor={"objectType": "Group", "member": {"mbox": "mailto:a@b.c"}}),
        "actor.member",
    ),
    (
        "group inside a group",
        lambda: minimal(actor={"objectType": "Group", "member": [{"objectType": "Group", "member": []}]}),
        "actor.member[0].objectType",
    ),
    (
        "group member with a bad mbox",
        lambda: minimal(actor={"objectType": "Group", "member": [{"mbox": "mailto:a@b.c"}, {"mbox": "b@c.d"}]}),
        "actor.member[1].mbox",
    ),
    (
        "identified group with two identifiers",
        lambda: minimal(actor={"objectType": "Group", "mbox": "mailto:t@b.c", "openid": "http://o.org/t"}),
        "actor.openid",
    ),
    # verb
    ("verb without id", _m("verb.id", delete=True), "verb.id"),
    ("verb id not an IRI", _m("verb.id", "passed"), "verb.id"),
    ("verb display a string", _m("verb.display", "passed"), "verb.display"),
    ("verb display bad language tag", _m("verb.display", {"a12345678": "x"}), "verb.display"),
    ("verb display value not a string", _m("verb.display", {"en": 1}), "verb.display"),
    # object
    ("object not an object", _m("object", "https://example.org/course"), "object"),
    ("object objectType lower-case", _m("object.objectType", "activity"), "object.objectType"),
    ("activity without id", _m("object.id", delete=True), "object.id"),
    ("activity id not an IRI", _m("object.id", "prevent-elearning"), "object.id"),
    ("activity id with a space", _m("object.id", "https://example.org/my course"), "object.id"),
    ("definition not an object", _m("object.definition", "should error"), "object.definition"),
    ("definition name a number", _m("object.definition.name", 1234), "object.definition.name"),
    ("definition type not an IRI", _m("object.definition.type", "lesson"), "object.definition.type"),
    ("definition moreInfo null", _m("object.definition.moreInfo", None), "object.definition.moreInfo"),
    (
        "interactionType wrong case",
        _m("object.definition.interactionType", "true-faLse"),
        "object.definition.interactionType",
    ),
    (
        "interactionType an object",
        _m("object.definition.interactionType", {"x": 1}),
        "object.definition.interactionType",
    ),
    (
        "correctResponsesPattern not strings",
        _m("object.definition.correctResponsesPattern", [1]),
        "object.definition.correctResponsesPattern",
    ),
    ("choice without id", _m("object.definition.choices[0].id", delete=True), "object.definition.choices"),
    (
        "definition extension key not an IRI",
        _m("object.definition.extensions", {"level": 1}),
        "object.definition.extensions",
    ),
    ("statement ref without id", lambda: minimal(object={"objectType": "StatementRef"}), "object.id"),
    (
        "statement ref id not a UUID",
        lambda: minimal(object={"objectType": "StatementRef", "id": {"k": 1}}),
        "object.id",
    ),
    ("agent object without identifier", lambda: minimal(object={"objectType": "Agent", "name": "x"}), "object"),
    ("voiding an activity", lambda: minimal(verb={"id": VOIDED}), "object"),
    # substatement
    ("substatement with an id", lambda: substatement(id="8f87ccde-bb56-4c2e-ab83-44982ef22df0"), "object.id"),
    ("substatement with stored", lambda: substatement(stored="2025-01-01T00:00:00Z"), "object.stored"),
    ("substatement with version", lambda: substatement(version="1.0.0"), "object.version"),
    ("substatement with authority", lambda: substatement(authority={"mbox": "mailto:a@b.c"}), "object.authority"),
    ("substatement with unknown property", lambda: substatement(Verb={}), "object.Verb"),
    ("substatement without verb", lambda: mutate(substatement(), "object.verb", delete=True), "object.verb"),
    (
        "substatement in a substatement",
        lambda: substatement(object=substatement()["object"]),
        "object.object.objectType",
    ),
    ("substatement bad actor", lambda: substatement(actor={"mbox": "x"}), "object.actor.mbox"),
    ("substatement bad timestamp", lambda: substatement(timestamp="2008-09-15T15:53:00.601-00"), "object.timestamp"),
    ("substatement bad duration", lambda: substatement(result={"duration": "PA1H0M0S"}), "object.result.duration"),
    (
        "substatement context platform with agent object",
        lambda: substatement(object={"objectType": "Agent", "mbox": "mailto:a@b.c"}, context={"platform": "x"}),
        "object.context.platform",
    ),
    # timestamps
    ("timestamp -00", _m("timestamp", "2008-09-15T15:53:00.601-00"), "timestamp"),
    ("timestamp -0000", _m("timestamp", "2008-09-15T15:53:00.601-0000"), "timestamp"),
    ("timestamp -00:00", _m("timestamp", "2008-09-15T15:53:00.601-00:00"), "timestamp"),
    ("timestamp without offset", _m("timestamp", "2008-09-15T15:53:00.601"), "timestamp"),
    ("timestamp not a date", _m("timestamp", "01/011/2015"), "timestamp"),
    ("timestamp no real day", _m("timestamp", "2025-02-29T10:00:00Z"), "timestamp"),
    ("timestamp hour 24", _m("timestamp", "2025-02-28T24:00:00Z"), "timestamp"),
    ("timestamp mixed basic and extended", _m("timestamp", "2008-09-15T155300Z"), "timestamp"),
    ("timestamp a number", _m("timestamp", 1718000000), "timestamp"),
    ("stored not a timestamp", _m("stored", "yesterday"), "stored"),
    # result
    ("result not an object", _m("result", "passed"), "result"),
    ("result unknown property", _m("result.Success", True), "result.Success"),
    ("success a string", _m("result.success", "true"), "result.success"),
    ("completion a number", _m("result.completion", 1), "result.completion"),
    ("response a number", _m("result.response", 12345), "result.response"),
    ("score not an object", _m("result.score", 94), "result.score"),
    ("score unknown property", _m("result.score.percent", 94), "result.score.percent"),
    ("score max a string", _m("result.score.max", "100"), "result.score.max"),
    ("score raw a boolean", _m("result.score.raw", True), "result.score.raw"),
    ("score raw not finite", _m("result.score.raw", math.nan), "result.score.raw"),
    ("scaled below -1", _m("result.score.scaled", -1.00001), "result.score.scaled"),
    ("scaled above 1", _m("result.score.scaled", 1.5), "result.score.scaled"),
    ("raw above max", _m("result.score.raw", 101), "result.score.raw"),
    ("raw below min", _m("result.score.raw", -1), "result.score.raw"),
    ("min above max", _m("result.score.min", 101), "result.score.min"),
    ("duration not ISO 8601", _m("result.duration", "PA1H0M0S"), "result.duration"),
    ("duration without unit", _m("result.duration", "PT2"), "result.duration"),
    ("duration empty", _m("result.duration", "PT"), "result.duration"),
    ("duration dangling T", _m("result.duration", "P1DT"), "result.duration"),
    ("duration negative", _m("result.duration", "-PT1H"), "result.duration"),
    ("duration early fraction", _m("result.duration", "PT1.5H2M"), "result.duration"),
    ("duration alternative format", _m("result.duration", "P0003-06-04T12:30:05"), "result.duration"),
    ("duration lower case", _m("result.duration", "pt1h"), "result.duration"),
    ("duration overflowing", _m("result.duration", "PT99999999999999999999S"), "result.duration"),
    ("duration a number", _m("result.duration", 12345), "result.duration"),
    ("result extensions a string", _m("result.extensions", "should fail"), "result.extensions"),
    ("result extension key not an IRI", _m("result.extensions", {"attempt": 1}), "result.extensions"),
    # context
    ("context not an object", _m("context", "c"), "context"),
    ("context unknown property", _m("context.Registration", "x"), "context.Registration"),
    ("registration not a UUID", _m("context.registration", 12345), "context.registration"),
    (
        "context activity id not an IRI",
        _m("context.contextActivities.parent[0].id", "ab=c://x"),
        "context.contextActivities.parent[0].id",
    ),
    (
        "context activity wrong objectType",
        _m("context.contextActivities.category.objectType", "Agent"),
        "context.contextActivities.category.objectType",
    ),
    (
        "context activity not an object",
        _m("context.contextActivities.parent[0]", "x"),
        "context.contextActivities.parent[0]",
    ),
    (
        "contextActivities unknown key",
        _m("context.contextActivities.consequences", []),
        "context.contextActivities.consequences",
    ),
    ("contextActivities an array", _m("context.contextActivities", []), "context.contextActivities"),
    ("instructor without identifier", _m("context.instructor", {"objectType": "Agent"}), "context.instructor"),
    ("instructor bad mbox", _m("context.instructor.mbox", "mailto:should.fail.com"), "context.instructor.mbox"),
    ("team an agent", _m("context.team", {"mbox": "mailto:a@b.c"}), "context.team.objectType"),
    ("team member bad sha1", _m("context.team.member[0].mbox_sha1sum", "xyz"), "context.team.member[0].mbox_sha1sum"),
    ("revision a number", _m("context.revision", 12345), "context.revision"),
    (
        "platform with a StatementRef object",
        lambda: minimal(
            object={"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
            context={"platform": "p"},
        ),
        "context.platform",
    ),
    ("language not a tag", _m("context.language", "a12345678"), "context.language"),
    ("language an object", _m("context.language", {"a12345": "x"}), "context.language"),
    (
        "context statement lower-case type",
        _m("context.statement.objectType", "statementref"),
        "context.statement.objectType",
    ),
    (
        "context statement bad id",
        _m("context.statement.id", "MA97B177-9383-4934-8543-0F91A7A02836"),
        "context.statement.id",
    ),
    ("context extensions a list", _m("context.extensions", []), "context.extensions"),
    # version, authority, attachments
    ("version 1.1.0", _m("version", "1.1.0"), "version"),
    ("version a number", _m("version", 1.0), "version"),
    ("authority identified group", _m("authority.mbox", "mailto:g@example.org"), "authority"),
    ("authority group of three", _m("authority.member[2]", {"mbox": "mailto:c@example.org"}), "authority.member"),
    ("authority agent bad openid", _m("authority", {"openid": "x"}), "authority.openid"),
    ("attachments not an array", _m("attachments", {}), "attachments"),
    ("attachment not an object", _m("attachments[0]", 12345), "attachments[0]"),
    ("attachment without display", _m("attachments[0].display", delete=True), "attachments[0].display"),
    ("attachment usageType not an IRI", _m("attachments[0].usageType", "signature"), "attachments[0].usageType"),
    ("attachment display bad tag", _m("attachments[0].display", {"something": "x"}), "attachments[0].display"),
    ("attachment description a number", _m("attachments[0].description", 12345), "attachments[0].description"),
    ("attachment contentType a number", _m("attachments[0].contentType", 1), "attachments[0].contentType"),
    ("attachment length a string", _m("attachments[0].length", "27"), "attachments[0].length"),
    ("attachment length negative", _m("attachments[0].length", -1), "attachments[0].length"),
    ("attachment sha2 a number", _m("attachments[0].sha2", 12345), "attachments[0].sha2"),
    ("attachment fileUrl not an IRI", _m("attachments[0].fileUrl", "should fail"), "attachments[0].fileUrl"),
]


def test_the_full_statement_is_valid() -> None:
    check_statement(full_statement())


@pytest.mark.parametrize(("broken", "field"), [(b, f) for _, b, f in FAULTS], ids=[name for name, _, _ in FAULTS])
def test_fault_names_its_field(broken: Broken, field: str) -> None:
    with pytest.raises(StatementInvalid) as caught:
        check_statement(broken())
    error = caught.value
    assert error.field == field, str(error)
    assert error.reason
    assert str(error) == f"{field}: {error.reason}"


def test_statement_invalid_is_a_picklable_value_error() -> None:
    error = StatementInvalid("result.duration", "'PT2' is not an ISO 8601 duration")
    assert isinstance(error, ValueError)
    copy_ = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own bytes
    assert (copy_.field, copy_.reason, str(copy_)) == (error.field, error.reason, str(error))
    assert error.within("object").field == "object.result.duration"
    assert StatementInvalid(".id", "r").within("context.contextActivities.parent[0]").field == (
        "context.contextActivities.parent[0].id"
    )
    assert StatementInvalid("[1].mbox", "r").within("actor.member").field == "actor.member[1].mbox"
    assert StatementInvalid("", "r").within("attachments[0]").field == "attachments[0]"


def test_reasons_stay_short_whatever_the_value() -> None:
    with pytest.raises(StatementInvalid) as caught:
        check_statement(minimal(verb={"id": "x" * 10_000}))
    assert len(caught.value.reason) < 200
    with pytest.raises(StatementInvalid) as caught:
        check_statement(minimal(result={"score": {"raw": 10**5000}, "duration": "PT1S"}, version=10**5000))
    assert "very large" in caught.value.reason


def test_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "_MEMO_LIMIT", 3)
    monkeypatch.setattr(formats, "_GOOD_IRIS", set())
    for index in range(10):
        check_statement(minimal(object={"id": f"https://example.org/course/{index}"}))
        assert len(formats._GOOD_IRIS) <= 3
    with pytest.raises(StatementInvalid):  # a memo never turns a bad value good
        check_statement(minimal(object={"id": "not an iri"}))


# ---------------------------------------------------------------------------------------------- properties

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
_XAPI_WORDS = st.sampled_from(
    ["id", "actor", "verb", "object", "objectType", "result", "context", "timestamp", "stored", "authority",
     "version", "attachments", "mbox", "mbox_sha1sum", "openid", "account", "homePage", "name", "member",
     "display", "definition", "score", "success", "completion", "duration", "extensions", "registration",
     "instructor", "team", "contextActivities", "parent", "statement", "Agent", "Group", "Activity",
     "StatementRef", "SubStatement", "mailto:a@b.c", "http://x.org/y", "PT1S", "2025-01-01T00:00:00Z"]
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS | _XAPI_WORDS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_XAPI_WORDS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)


def _expect_only_statement_invalid(statement: object) -> None:
    error: StatementInvalid | None = None
    try:
        checked = check_statement(statement)
    except StatementInvalid as invalid:
        error = invalid
    if error is not None:
        assert isinstance(error.field, str)
        assert error.field
        assert error.reason
        return
    assert isinstance(checked.verb_id, str)
    for instant in (checked.timestamp, checked.stored):
        assert instant is None or instant.tzinfo is UTC


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_arbitrary_json_raises_nothing_but_statement_invalid(value: object) -> None:
    _expect_only_statement_invalid(value)


_PATHS_IN_FULL: list[tuple[str | int, ...]] = []


def _collect(node: Any, steps: tuple[str | int, ...]) -> None:
    _PATHS_IN_FULL.append(steps)
    if isinstance(node, dict):
        for key, child in node.items():
            _collect(child, (*steps, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            _collect(child, (*steps, index))


for _key, _child in FULL.items():
    _collect(_child, (_key,))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_PATHS_IN_FULL), _JSON)
def test_any_part_replaced_by_any_json_raises_nothing_but_statement_invalid(
    path: tuple[str | int, ...], value: object
) -> None:
    _expect_only_statement_invalid(mutate(FULL, path, value))


_DIGITS = st.integers(min_value=0, max_value=10**22).map(str)
_COMPONENT = st.tuples(_DIGITS, st.none() | st.sampled_from([".", ","]), st.integers(0, 10**4).map(str))


@st.composite
def _durations(draw: st.DrawFn) -> str:
    def number() -> str:
        whole, point, fraction = draw(_COMPONENT)
        return whole if point is None else f"{whole}{point}{fraction}"

    date = "".join(f"{number()}{unit}" for unit in "YMWD" if draw(st.booleans()))
    time = "".join(f"{number()}{unit}" for unit in "HMS" if draw(st.booleans()))
    sign = draw(st.sampled_from(["", "", "-"]))
    return f"{sign}P{date}{'T' if time or draw(st.booleans()) else ''}{time}"


@settings(max_examples=500, deadline=None)
@given(_durations() | st.text(alphabet="PTYMWDHS0123456789.,-:", max_size=16))
def test_every_accepted_duration_is_one_isodate_reads(duration: str) -> None:
    """isodate is what reads durations later: the checker must never pass one it would choke on."""
    if formats.duration_fault(duration) is None:
        isodate.parse_duration(duration)


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.timezones()))
def test_any_aware_instant_round_trips_through_isoformat(moment: datetime) -> None:
    text = moment.isoformat()
    offset = moment.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        return  # offsets with seconds (historic local mean times) have no ISO 8601 form
    error: StatementInvalid | None = None
    try:
        parsed = formats.parse_timestamp(text, "timestamp")
    except StatementInvalid as invalid:  # only year 1 or 9999 instants that leave datetime's range in UTC
        error = invalid
    if error is not None:
        assert "range" in error.reason, error
        return
    assert offset is not None
    assert parsed == moment.replace(tzinfo=timezone(offset))  # the offset isoformat wrote
    assert parsed.tzinfo is UTC


def test_timestamp_offsets_keep_the_instant() -> None:
    plus_one = timezone(timedelta(hours=1))
    parsed = formats.parse_timestamp("2025-03-30T01:30:00+01:00", "timestamp")
    assert parsed == datetime(2025, 3, 30, 1, 30, tzinfo=plus_one)
