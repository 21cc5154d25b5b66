"""The contract other systems read: one certification-state record, one completion record and one event body, with
the same field names whichever door they come through (the webhook, the feed, the API), each carrying
`schema_version`. Their JSON Schemas are in `feed/schemas/` (`*-v3.schema.json`); the README's "Contract" section
documents them once.

Pure: what the store or the outbox holds in, the record out. The feed, the API and the webhook sink all build their
records here, so an event kind added to `rules/events.py` is sent in the contract's shape without a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

#: The version of every body built here. The ones before it are still served to a consumer that asks (README).
CONTRACT_VERSION: Final = 3
#: The last day the versions before CONTRACT_VERSION are served (the API's `?schema_version=1`, the feed's
#: `--schema-version 2`, `[push] schema_version = 1`).
OLD_VERSIONS_UNTIL = "2027-06-30"


@dataclass(frozen=True)
class Contact:
    """How to reach a learner and their line manager: personal data, sent only where configured."""

    name: str | None
    email: str | None
    manager_name: str | None
    manager_email: str | None

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "manager_name": self.manager_name,
            "manager_email": self.manager_email,
        }


@dataclass(frozen=True)
class LearnerFacts:
    """Who the learner is in the organisation, as the roster stands when the record is read."""

    on_roster: bool
    manager: str | None
    department: str | None
    staff_group: str | None
    contact: Contact | None = None


NOT_ON_ROSTER = LearnerFacts(False, None, None, None)


def _list(value: Any) -> list[Any]:
    """A list the store may hold as JSON text (a change log's record, an event's state): always a list here."""
    return list(orjson.loads(value) if isinstance(value, str) else value or [])


def certification_state(
    learner: str,
    certification: str,
    state: Mapping[str, Any],
    *,
    status_as_of: str,
    facts: LearnerFacts,
    with_contact: bool = False,
) -> dict[str, Any]:
    """A learner's state for one certification. `state`: as the engine's record keys it (`option_id`, as the
    change log and an event hold it) or as `store.states` does (`option`)."""
    record: dict[str, Any] = {
        "schema_version": CONTRACT_VERSION,
        "id": f"{learner}|{certification}",
        "learner_id": learner,
        "certification": certification,
        "status": state["status"],
        "status_as_of": status_as_of,
        "certified_on": state["certified_on"],
        "due_on": state["due_on"],
        "window_opens_on": state["window_opens_on"],
        "exempt_until": state.get("exempt_until"),  # changes logged before exemptions existed have none
        "option": state["option_id"] if "option_id" in state else state["option"],
        "on_roster": facts.on_roster,
        "manager": facts.manager,
        "department": facts.department,
        "staff_group": facts.staff_group,
    }
    if with_contact:
        record["contact"] = (facts.contact or Contact(None, None, None, None)).as_record()
    return record


def completion(
    id_: str,
    learner: str,
    certification: str,
    data: Mapping[str, Any],
    *,
    connectors: list[str],
    recorded_at: str | None,
) -> dict[str, Any]:
    """One completion of an option as the engine judged it; `data`: the completions table's row (or the change
    log's copy of it); `connectors` and `recorded_at`: where its statements came from, read by the caller."""
    return {
        "schema_version": CONTRACT_VERSION,
        "id": id_,
        "learner_id": learner,
        "certification": certification,
        "option": data["option_id"],
        "completed_at": data["completed_at"],
        "completed_on": data["completed_on"],
        "recorded_at": recorded_at,
        "source": {
            "connectors": connectors,
            "statement_ids": _list(data["statement_ids"]),
            "records": _list(data["sources"]),
        },
        "counted": bool(data["counted"]),
        "reason": data["reason"],
        "cycle_due_on": data["cycle_due_on"],
    }


def cycle(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cycle a `certified` or `revoked` event is about: the counted completion that started it, under the
    completion record's names (its statements and register rows in `source`)."""
    return {
        "statement_id": data["statement_id"],
        "issue": data["issue"],
        "option": data["option"],
        "completed_at": data["completed_at"],
        "completed_on": data["completed_on"],
        "due_on": data["due_on"],
        "window_opens_on": data["window_opens_on"],
        "evidence_ids": _list(data["evidence_ids"]),
        "source": {"statement_ids": _list(data["statement_ids"]), "records": _list(data["sources"])},
    }


def event(payload: Mapping[str, Any], facts: LearnerFacts, *, with_contact: bool) -> dict[str, Any]:
    """An event's body (the webhook's POST) from the outbox's payload (`model/events.py` `Event.payload`), whatever
    its kind. `with_contact`: add the learner's name, work e-mail and manager (`[push] include_contact`)."""
    learner = payload["learner"]
    state = payload["state"]
    occurred_at = payload["occurred_at"]
    return {
        "schema_version": CONTRACT_VERSION,
        "event_id": payload["event_id"],
        "event": payload["event"],
        "occurred_at": occurred_at,
        "learner_id": learner,
        "certification": payload["certification"],
        "certification_state": certification_state(
            learner,
            payload["certification"],
            state,
            status_as_of=occurred_at[:10],
            facts=facts,
            with_contact=with_contact,
        )
        if learner and state
        else None,
        "cycle": cycle(payload["cycle"]) if payload.get("cycle") else None,
        "erases": list(payload.get("erases", [])),
    }
