"""The statements that tell an LRS about a certification cycle: `earned` when it is certified, `voided` when it
is revoked. Pure: an event's payload in, a statement out.

Built with tincan's object model, which knows xAPI 1.0.x: it stamps `version` 1.0.3 on every statement, which is
removed here so that the LRS records the version it accepted (a 2.0.0 LRS refuses a 1.0.3 stamp on a statement
that uses nothing of 1.0.3), and it has no 2.0 context agents or groups, which these statements do not need.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

import orjson
from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    Context,
    Extensions,
    LanguageMap,
    Result,
    Statement,
    StatementRef,
    Verb,
)

EARNED = "http://id.tincanapi.com/verb/earned"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
#: Result and context extensions this adapter writes; their meaning is in the README ("Pushing results").
EXTENSIONS = "https://lrs-adapter.example/xapi/extensions/"
DUE_ON, WINDOW_OPENS_ON = EXTENSIONS + "due-on", EXTENSIONS + "window-opens-on"
EVIDENCE_IDS, EVIDENCE_STATEMENTS = EXTENSIONS + "evidence-ids", EXTENSIONS + "evidence-statements"
RECORDED_EVIDENCE, OPTION = EXTENSIONS + "recorded-evidence", EXTENSIONS + "option"
#: How many times the cycle was revoked before this statement certified it again (left out of a first issue).
ISSUE = EXTENSIONS + "issue"
COMPETENCY = "https://w3id.org/xapi/tla/activity-types/competency"
VOIDING_NAMESPACE = UUID("c4b9f0e2-3a61-5e8d-8f27-9d15e6a4b302")


def learner_agent(home_page: str, learner: str) -> Agent:
    return Agent(account=AgentAccount(home_page=home_page, name=learner))


def _plain(statement: Statement) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(statement.to_json())
    data.pop("version", None)
    return data


def earned_statement(payload: dict[str, Any], *, home_page: str, activity: str, name: str) -> dict[str, Any]:
    """One statement per issue of a certification cycle, its id the issue's: re-sending it is a no-op at the LRS.
    A cycle certified again after its statement was voided carries its issue, for a pull to know it as ours."""
    cycle = payload["cycle"]
    result_extensions = {
        DUE_ON: cycle["due_on"],
        WINDOW_OPENS_ON: cycle["window_opens_on"],
        OPTION: cycle["option"],
        EVIDENCE_IDS: cycle["evidence_ids"],
        EVIDENCE_STATEMENTS: cycle["statement_ids"],
    }
    if cycle.get("issue"):  # a delivery queued before cycles had issues has none: it is a first issue
        result_extensions[ISSUE] = cycle["issue"]
    context = Context(extensions=Extensions({RECORDED_EVIDENCE: cycle["sources"]}) if cycle["sources"] else None)
    if cycle["statement_ids"]:  # a register row has no statement: its file and line are the recorded evidence
        context.statement = StatementRef(id=cycle["statement_ids"][-1])
    statement = Statement(
        id=cycle["statement_id"],
        actor=learner_agent(home_page, payload["learner"]),
        verb=Verb(id=EARNED, display=LanguageMap({"en": "earned"})),
        object=Activity(id=activity, definition=ActivityDefinition(name=LanguageMap({"en": name}), type=COMPETENCY)),
        result=Result(completion=True, extensions=Extensions(result_extensions)),
        context=context,
        timestamp=cycle["completed_at"],
    )
    return _plain(statement)


def voiding_statement_id(target: str) -> str:
    """The id of the statement voiding `target`: voiding it again is a no-op at the LRS, and a pull knows it."""
    return str(uuid5(VOIDING_NAMESPACE, target))


def voiding_statement(payload: dict[str, Any], *, home_page: str) -> dict[str, Any]:
    target = payload["cycle"]["statement_id"]
    statement = Statement(
        id=voiding_statement_id(target),
        actor=learner_agent(home_page, payload["learner"]),
        verb=Verb(id=VOIDED, display=LanguageMap({"en": "voided"})),
        object=StatementRef(id=target),
        timestamp=payload["occurred_at"],
    )
    return _plain(statement)
