"""Statements this adapter wrote itself, recognised when a pull meets them again (the results sink and a connector
on one LRS), so that they are skipped, not stored, counted and mapped as a learner's.

The results sink (sinks/lrs_statements.py) writes each statement under an id derived from what it says, so a
statement is known as ours by deriving its id again, never by a guess about who else might write alike:
- `earned` about a configured certification's IRI: the cycle's id, from the actor's account name, the certification
  the IRI belongs to and the due date, evidence ids and issue (none: the first) in its result (rules/events.py
  `cycle_statement_id`);
- `voided` of a statement: the id derived from its target's (sinks/certification_statement.py
  `voiding_statement_id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from lrs_adapter.mapping.model import Certification
from lrs_adapter.model.statements import Accepted
from lrs_adapter.rules.events import cycle_statement_id
from lrs_adapter.sinks.certification_statement import (
    DUE_ON,
    EARNED,
    EVIDENCE_IDS,
    ISSUE,
    VOIDED,
    voiding_statement_id,
)


@dataclass(frozen=True)
class OwnStatements:
    certifications: Mapping[str, str]  # certification IRI -> certification id

    @classmethod
    def of(cls, certifications: Iterable[Certification]) -> OwnStatements:
        return cls({certification.iri: certification.id for certification in certifications})

    def wrote(self, item: Accepted) -> bool:
        if item.verb_id == VOIDED:
            return item.voids is not None and item.id == voiding_statement_id(item.voids)
        certification = self.certifications.get(item.object_id or "") if item.verb_id == EARNED else None
        return certification is not None and item.id == _cycle_id(orjson.loads(item.raw), certification)


def _cycle_id(statement: dict[str, Any], certification: str) -> str | None:
    """The id the adapter would have given this `earned` statement; None when it lacks what the adapter writes."""
    account = statement["actor"].get("account") or {}
    extensions = (statement.get("result") or {}).get("extensions") or {}
    learner, due_on, evidence = account.get("name"), extensions.get(DUE_ON), extensions.get(EVIDENCE_IDS)
    issue = extensions.get(ISSUE, 0)
    if not isinstance(learner, str) or not isinstance(due_on, str) or not isinstance(evidence, list):
        return None
    if not all(isinstance(evidence_id, str) for evidence_id in evidence):
        return None
    if type(issue) is not int or issue < 0:  # a bool is no issue number
        return None
    return cycle_statement_id(learner, certification, due_on, evidence, issue=issue)
