"""Administration: exempting a learner for a while, and recording or withdrawing a completion, each with the
reason, re-evaluated at once and audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from typing import Any

import click

from lrs_adapter.cli import Context, echo, fail, main, pass_context
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mapping, load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.settle import reevaluate
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.sinks import sink_events
from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.corrections import (
    Correction,
    add_correction,
    completion_of,
    retract,
    retractions_of,
    unretract,
)
from lrs_adapter.store.exemptions import ALL, Exemption, exemption_of, remove_exemption, save_exemption
from lrs_adapter.store.learners import is_known, queue_key
from lrs_adapter.store.locks import stage_lock

#: What an audit entry shows of each of the learner's certification states, before and after.
AUDITED = ("status", "exempt_until", "certified_on", "due_on", "window_opens_on")


def learner_states(db: Database, learner: str) -> dict[str, dict[str, Any]]:
    return {r["certification"]: {k: r[k] for k in AUDITED} for r in certification_states(db, learner=learner)}


class Change:
    """One administrative change under way: the store, the mappings and the instant, for re-evaluating at once."""

    def __init__(self, context: Context, db: Database, mappings: list[Mapping], now: str) -> None:
        self.context, self.db, self.mappings, self.now = context, db, mappings, now

    def audit(
        self, *, action: str, learner: str | None = None, reason: str, before: Any = None, after: Any = None
    ) -> None:
        """The change's audit entry, by this command's actor at the change's instant, in its transaction."""
        append_audit(
            self.db,
            actor=self.context.actor,
            action=action,
            at=self.now,
            learner=learner,
            reason=reason,
            before=before,
            after=after,
        )

    def reevaluate(self, learner: str) -> None:
        config = self.context.config
        reevaluate(self.db, learner, self.mappings, self.now, home_page=config.home_page, sinks=sink_events(config))

    def reevaluate_and_audit(
        self,
        learner: str,
        states_before: dict[str, dict[str, Any]],
        *,
        action: str,
        reason: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> dict[str, dict[str, Any]]:
        """A change to one learner, done: re-evaluate them at once and audit it with what changed and their states
        before and after (`states_before`: read before the change). Returns the states after."""
        self.reevaluate(learner)
        states = learner_states(self.db, learner)
        self.audit(
            action=action,
            learner=learner,
            reason=reason,
            before={**before, "states": states_before},
            after={**after, "states": states},
        )
        return states


@contextmanager
def administering(context: Context, learner: str | None) -> Iterator[Change]:
    """The settle stage's lock (no sync evaluates beside the change) and one transaction: the change, its
    re-evaluation, the change log, the outbox and the audit entry commit together or not at all. `learner`: the
    one the change is about, who must be known (None: a learner yet to be added)."""
    mappings = load_mappings(context.config.mappings)
    with context.store() as db, stage_lock(db, "settle"), db.transaction():
        if learner is not None and not is_known(db, learner):
            raise click.UsageError(
                f"no learner {learner!r}: not on the roster and never evaluated (lrs-adapter status)"
            )
        yield Change(context, db, mappings, format_instant(utc_now()))


def certification_option(context: Context, certification: str | None) -> str:
    if certification is None:
        return ALL
    ids = [load_mapping(path).certification.id for path in context.config.mappings]
    if certification not in ids:
        raise click.BadParameter(
            f"no certification {certification!r}; known: {', '.join(ids)}", param_hint="--certification"
        )
    return certification


CERTIFICATION = click.option(
    "--certification", default=None, help="Only this certification's id (default: every certification)."
)


@main.command("exempt")
@click.argument("learner")
@click.option(
    "--until",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the exemption ends: exempt on every day before it, the rules apply again from it.",
)
@click.option("--reason", required=True, help="Why, for the audit trail (e.g. long-term leave).")
@CERTIFICATION
@pass_context
def exempt_command(context: Context, learner: str, until: Any, reason: str, certification: str | None) -> None:
    """Exempt a learner (status `exempt`) until a day; a second exemption of the same learner replaces the first."""
    end: date = until.date()
    if end <= utc_now().date():
        raise click.BadParameter(
            f"{end} is not after today: the exemption would already have ended", param_hint="--until"
        )
    try:
        which = certification_option(context, certification)
        with administering(context, learner) as change:
            before = learner_states(change.db, learner)
            old = exemption_of(change.db, learner, which)
            new = Exemption(learner, which, end, reason, context.actor, change.now)
            save_exemption(change.db, new)
            after = change.reevaluate_and_audit(
                learner,
                before,
                action="exempt",
                reason=reason,
                before={"exemption": old and old.as_record()},
                after={"exemption": new.as_record()},
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)


@main.command("unexempt")
@click.argument("learner")
@click.option("--reason", required=True, help="Why, for the audit trail (e.g. back from leave early).")
@CERTIFICATION
@pass_context
def unexempt_command(context: Context, learner: str, reason: str, certification: str | None) -> None:
    """End a learner's exemption now: the certification rules apply to them again from today."""
    try:
        which = certification_option(context, certification)
        with administering(context, learner) as change:
            before = learner_states(change.db, learner)
            old = remove_exemption(change.db, learner, which)
            if old is None:
                raise click.UsageError(
                    f"{learner} has no exemption from {'every certification' if which == ALL else which}"
                )
            after = change.reevaluate_and_audit(
                learner,
                before,
                action="unexempt",
                reason=reason,
                before={"exemption": old.as_record()},
                after={"exemption": None},
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)


def echo_states(learner: str, states: dict[str, dict[str, Any]]) -> None:
    for certification, state in sorted(states.items()):
        until = f" until {state['exempt_until']}" if state["exempt_until"] else ""
        echo(f"{learner} {certification}: {state['status']}{until} · due {state['due_on'] or '-'}")


def learner_completions(db: Database, learner: str) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "certification": r.certification,
            "option": r.option_id,
            "completed_on": r.completed_on,
            "counted": bool(r.counted),
            "reason": r.reason,
        }
        for r in completions_of(db, learner)
    ]


@main.group("completion")
def completion_group() -> None:
    """Corrections: completions an administrator records or withdraws, with the reason."""


@completion_group.command("list")
@click.argument("learner")
@pass_context
def completion_list(context: Context, learner: str) -> None:
    """A learner's completions with their ids (what `completion retract` takes), counted or why not; then the ones
    withdrawn (what `completion restore` takes)."""
    try:
        with context.store() as db:
            found = learner_completions(db, learner)
            withdrawn = retractions_of(db, learner)
    except AdapterError as error:
        fail(error)
    for c in found:
        verdict = "counted" if c["counted"] else f"not counted: {c['reason']}"
        echo(f"{c['id']}  {c['completed_on']}  {c['certification']}  {c['option']:<18} {verdict}")
    if not found:
        echo(f"no completions for {learner}")
    for r in withdrawn:
        echo(f"{r.completion_id}  retracted {r.retracted_at} by {r.actor}: {r.reason}")


@completion_group.command("add")
@click.argument("learner")
@click.option("--option", "option_id", required=True, help="The option completed (an option id of the mapping).")
@click.option("--on", "on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="The local date.")
@click.option("--reason", required=True, help="Why, for the audit trail and the feed (e.g. the signed register).")
@click.option("--certification", default=None, help="The certification's id (default: the only one configured).")
@pass_context
def completion_add(
    context: Context, learner: str, option_id: str, on: Any, reason: str, certification: str | None
) -> None:
    """Record a completion the sources missed; the learner is re-evaluated at once."""
    day: date = on.date()
    if day > utc_now().date():
        raise click.BadParameter(f"{day} is in the future: record a completion once it has happened", param_hint="--on")
    try:
        chosen = [m for m in map(load_mapping, context.config.mappings) if certification in (None, m.certification.id)]
        if len(chosen) != 1:
            raise click.BadParameter("name one of the configured certifications", param_hint="--certification")
        mapping = chosen[0]
        if option_id not in mapping.options:
            raise click.BadParameter(
                f"no option {option_id!r} in {mapping.certification.id}; known: {', '.join(mapping.options)}",
                param_hint="--option",
            )
        with administering(context, learner) as change:
            before = learner_states(change.db, learner)
            correction = Correction(
                learner,
                queue_key(learner, context.config.home_page),
                mapping.certification.id,
                option_id,
                day,
                reason,
                context.actor,
            )
            row_id = add_correction(change.db, correction, change.now)
            record = {"id": row_id, "certification": mapping.certification.id, "option": option_id, "on": str(day)}
            after = change.reevaluate_and_audit(
                learner, before, action="completion.add", reason=reason, before={}, after={"recorded": record}
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)


@completion_group.command("retract")
@click.argument("learner")
@click.argument("completion_id")
@click.option("--reason", required=True, help="Why, for the audit trail (e.g. register row typed against them).")
@YES
@pass_context
def completion_retract(context: Context, learner: str, completion_id: str, reason: str, yes: bool) -> None:
    """Withdraw a completion (`completion list` shows the ids): what it rests on is kept, it no longer counts, the
    feed tombstones it, and the learner is re-evaluated at once; `completion restore` undoes it."""
    undo = f"lrs-adapter completion restore {learner} {completion_id} --reason TEXT"
    try:
        ask_first(context, f"retract {learner}'s completion {completion_id} (undo: {undo})", yes=yes)
        with administering(context, learner) as change:
            completion = completion_of(change.db, learner, completion_id)
            if completion is None:
                raise click.UsageError(f"{learner} has no completion {completion_id} (lrs-adapter completion list)")
            before = learner_states(change.db, learner)
            retract(change.db, learner, completion, reason, context.actor, change.now)
            after = change.reevaluate_and_audit(
                learner,
                before,
                action="completion.retract",
                reason=reason,
                before={"completion": asdict(completion)},
                after={"completion": None},
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)
    echo(f"undo with: {undo}")


@completion_group.command("restore")
@click.argument("learner")
@click.argument("completion_id")
@click.option("--reason", required=True, help="Why, for the audit trail (e.g. retracted against the wrong person).")
@pass_context
def completion_restore(context: Context, learner: str, completion_id: str, reason: str) -> None:
    """Undo `completion retract` (`completion list` shows what was retracted): the completion's evidence counts
    again and the learner is re-evaluated at once."""
    try:
        with administering(context, learner) as change:
            before = learner_states(change.db, learner)
            retraction = unretract(change.db, learner, completion_id)
            if retraction is None:
                raise click.UsageError(
                    f"{learner} has no retracted completion {completion_id} (lrs-adapter completion list)"
                )
            after = change.reevaluate_and_audit(
                learner,
                before,
                action="completion.restore",
                reason=reason,
                before={"retraction": asdict(retraction)},
                after={"retraction": None},
            )
            back = completion_of(change.db, learner, completion_id) is not None
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)
    if not back:  # what it rested on went meanwhile (voided, or the learner unmerged): nothing to count again
        echo(f"completion {completion_id} does not stand again: the evidence it rested on is gone", err=True)
