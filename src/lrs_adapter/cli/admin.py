"""Administration: exempting a learner for a while, with the reason, re-evaluated at once and audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import click

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.errors import AdapterError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pull import utc_now
from lrs_adapter.sinks import sink_events
from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.evidence import reevaluate
from lrs_adapter.store.exemptions import ALL, Exemption, exemption_of, remove_exemption, save_exemption
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.states import certification_states
from lrs_adapter.xapi.timestamps import format_instant

#: What an audit entry shows of each of the learner's certification states, before and after.
AUDITED = ("status", "exempt_until", "certified_on", "due_on", "window_opens_on")


def learner_states(db: Database, learner: str) -> dict[str, dict[str, Any]]:
    return {r["certification"]: {k: r[k] for k in AUDITED} for r in certification_states(db, learner=learner)}


def known(db: Database, learner: str) -> bool:
    return bool(
        db.one("SELECT 1 FROM learners WHERE id = ?", (learner,))
        or db.one("SELECT 1 FROM certification_states WHERE learner = ?", (learner,))
    )


class Change:
    """One administrative change under way: the store, the mappings and the instant, for re-evaluating at once."""

    def __init__(self, context: Context, db: Database, mappings: list[Mapping], now: str) -> None:
        self.context, self.db, self.mappings, self.now = context, db, mappings, now

    def reevaluate(self, learner: str) -> None:
        config = self.context.config
        reevaluate(self.db, learner, self.mappings, self.now, home_page=config.home_page, sinks=sink_events(config))


@contextmanager
def administering(context: Context, learner: str) -> Iterator[Change]:
    """The settle stage's lock (no sync evaluates beside the change) and one transaction: the change, its
    re-evaluation, the change log, the outbox and the audit entry commit together or not at all."""
    mappings = [load_mapping(path) for path in context.config.mappings]
    with context.store() as db, stage_lock(db, "settle"), db.transaction():
        if not known(db, learner):
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
            change.reevaluate(learner)
            after = learner_states(change.db, learner)
            append_audit(
                change.db,
                actor=context.actor,
                action="exempt",
                at=change.now,
                learner=learner,
                reason=reason,
                before={"exemption": old and old.as_record(), "states": before},
                after={"exemption": new.as_record(), "states": after},
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
            change.reevaluate(learner)
            after = learner_states(change.db, learner)
            append_audit(
                change.db,
                actor=context.actor,
                action="unexempt",
                at=change.now,
                learner=learner,
                reason=reason,
                before={"exemption": old.as_record(), "states": before},
                after={"exemption": None, "states": after},
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)


def echo_states(learner: str, states: dict[str, dict[str, Any]]) -> None:
    for certification, state in sorted(states.items()):
        until = f" until {state['exempt_until']}" if state["exempt_until"] else ""
        click.echo(f"{learner} {certification}: {state['status']}{until} · due {state['due_on'] or '-'}")
