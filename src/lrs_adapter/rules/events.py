"""Certification events: what an LMS, an LRS or a mailer must hear when a learner's certification changes.

Pure: the counted completions (one per certification cycle) and the state before and after an evaluation in,
events out. A cycle is known by the id of the statement that reports it, derived from the learner, the
certification, the cycle's due date and the ids of the evidence it rests on, so the same cycle evaluated again is
the same cycle, and a cycle re-earned on other evidence (after a void) is a new one. A cycle that comes back on the
same evidence after it was revoked (`completion restore`, `learners unmerge`) is issued again under a new id: an
LRS keeps a voided statement id voided for ever and a webhook's receiver drops an event id it has seen, so the old
ids would leave both saying "revoked". Its issue (how many times it was revoked before, `revocations` of the
learner's completion history) comes in with the cycles, so the same history always gives the same ids:
- `certified`: a cycle that was not there before;
- `revoked`: a cycle that no longer stands (its evidence was voided or retracted, or its due date moved with it);
- `window_opened`: the status became amber (the window opened with time, or an assignment made it due);
- `overdue`: the status became red;
- `exempted`: the status became exempt (an administrator exempted the learner until a day);
- `due_soon` / `overdue_reminder`: a reminder an offset before / after the due date, while the learner is still
  amber / red for it (rules/reminders.py decides which), one per due date and offset;
- `erased`: the learner was erased: the events a receiver was sent about them are named by their ids (never the
  person), so that it deletes what it keeps of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID, uuid5

from lrs_adapter.model.events import Cycle, Event
from lrs_adapter.rules.reminders import DUE_SOON, OVERDUE_REMINDER, Reminder

CERTIFIED, REVOKED, WINDOW_OPENED, OVERDUE, EXEMPTED = "certified", "revoked", "window_opened", "overdue", "exempted"
ERASED = "erased"
EVENTS = (CERTIFIED, REVOKED, WINDOW_OPENED, OVERDUE, EXEMPTED, DUE_SOON, OVERDUE_REMINDER, ERASED)

CYCLE_NAMESPACE = UUID("5a0e7c1d-1f0b-5d38-9a4e-6c2b8f3e7d10")
EVENT_NAMESPACE = UUID("0f3c9b6e-84d2-5a17-b1e5-2d7a9c4f8e31")


def cycle_statement_id(
    learner: str, certification: str, due_on: str, evidence_ids: Iterable[str], *, issue: int
) -> str:
    """The id of the statement certifying a cycle. `issue`: how many times the cycle was revoked before it was
    certified this time; the first issue's id names no issue, so the ids given before reissues existed still hold."""
    name = (learner, certification, due_on, *sorted(evidence_ids), *((f"#{issue}",) if issue else ()))
    return str(uuid5(CYCLE_NAMESPACE, "|".join(name)))


def revocations(history: Iterable[tuple[str, str | None]]) -> Counter[str]:
    """How many times each cycle stopped standing, by the id of its first issue. `history`: a learner's completion
    records for one certification in the order they were recorded (the change log), each as the completion's id
    and the first-issue id of the cycle its record starts (None: it starts none, not counted or tombstoned). A cycle
    stands while any completion's latest record starts it (one evaluation may move it from one to another)."""
    starts: dict[str, str] = {}
    standing: Counter[str] = Counter()
    revoked: Counter[str] = Counter()
    for completion, cycle in history:
        was = starts.pop(completion, None)
        if cycle is not None:
            starts[completion] = cycle
            standing[cycle] += 1
        if was is not None:
            standing[was] -= 1
            if not standing[was]:
                revoked[was] += 1
    return revoked


def _event_id(kind: str, learner: str, certification: str, subject: str) -> str:
    """The same event about the same subject is the same event: a receiver can drop a re-sent one by its id."""
    return str(uuid5(EVENT_NAMESPACE, "|".join((kind, learner, certification, subject))))


def certification_events(
    learner: str,
    certification: str,
    before: Mapping[str, Cycle],
    after: Mapping[str, Cycle],
    old_state: Mapping[str, Any] | None,
    state: Mapping[str, Any],
) -> list[Event]:
    """`before`/`after`: cycles by statement id; `old_state`: None when the learner was never evaluated."""

    def event(kind: str, subject: str, cycle: Cycle | None = None) -> Event:
        return Event(_event_id(kind, learner, certification, subject), kind, learner, certification, cycle, state)

    events = [
        event(REVOKED, key, before[key]) for key in sorted(before, key=lambda k: before[k].due_on) if key not in after
    ]
    events += [
        event(CERTIFIED, key, after[key]) for key in sorted(after, key=lambda k: after[k].due_on) if key not in before
    ]
    status = state["status"]
    old_status = old_state["status"] if old_state else None
    if status != old_status and status == "amber":
        events.append(event(WINDOW_OPENED, f"{state['window_opens_on']}|{state['due_on']}"))
    if status != old_status and status == "red":
        events.append(event(OVERDUE, str(state["due_on"])))
    extended = old_state is not None and old_state.get("exempt_until") != state.get("exempt_until")
    if status == "exempt" and (status != old_status or extended):  # an exemption moved is news to the LMS too
        events.append(event(EXEMPTED, str(state["exempt_until"])))
    return events


def reminder_event(learner: str, certification: str, reminder: Reminder, state: Mapping[str, Any]) -> Event:
    """A reminder as an event: its id names the due date and the offset, so it is raised once per cycle and offset
    and a receiver drops a re-sent one."""
    subject = f"{reminder.due_on.isoformat()}|{reminder.offset}"
    event_id = _event_id(reminder.kind, learner, certification, subject)
    return Event(event_id, reminder.kind, learner, certification, None, state, offset=reminder.offset)


def erasure_event(certification: str, erased_event_ids: Iterable[str]) -> Event:
    """What a receiver must hear when a learner it was told about is erased: the ids of the events it was sent
    about them for `certification`, and nothing of the person (no learner, no state). Its id is derived from those
    ids, so a re-sent erasure is the same event."""
    erases = tuple(sorted(erased_event_ids))
    return Event(_event_id(ERASED, "", certification, "|".join(erases)), ERASED, "", certification, None, {}, erases)
