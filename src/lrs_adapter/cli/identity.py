"""Identity administration: two identities that are one person merged (and unmerged), and people outside HR's
roster added by hand; each re-evaluated at once and audited."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from lrs_adapter.cli import Context, echo, fail, pass_context
from lrs_adapter.cli.admin import administering, echo_states, learner_states
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.cli.learning import learners_group
from lrs_adapter.errors import AdapterError
from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.model.roster import RosterRow
from lrs_adapter.model.timestamps import utc_now
from lrs_adapter.pipeline.settle import retire_states
from lrs_adapter.sinks import sink_events
from lrs_adapter.store.identity import is_merged, merge, unmerge
from lrs_adapter.store.learners import add_learner, identifiers_of, is_known, resolve


@learners_group.command("merge")
@click.argument("kept")
@click.argument("merged")
@click.option("--reason", required=True, help="Why these are one person, for the audit trail.")
@YES
@pass_context
def learners_merge(context: Context, kept: str, merged: str, reason: str, yes: bool) -> None:
    """MERGED's identifiers and history become KEPT's (until `learners unmerge MERGED`); both re-evaluated at once."""
    if kept == merged:
        raise click.UsageError("a learner cannot be merged into themselves")
    try:
        ask_first(context, f"merge {merged} into {kept} (`learners unmerge {merged}` undoes it)", yes=yes)
        with administering(context, kept) as change:
            db = change.db
            if not is_known(db, merged):
                raise click.UsageError(f"no learner {merged!r}: not on the roster and never evaluated")
            for learner in (kept, merged):
                if is_merged(db, learner):
                    raise click.UsageError(f"{learner} is merged into another learner already: unmerge it first")
            before = {kept: learner_states(db, kept), merged: learner_states(db, merged)}
            merge(db, kept, merged, reason=reason, actor=context.actor, now=change.now)
            retire_states(db, merged, change.mappings, now=change.now, sinks=sink_events(context.config))
            change.reevaluate(kept)
            after = {kept: learner_states(db, kept), merged: learner_states(db, merged)}
            for learner in (kept, merged):  # found under either id
                change.audit(
                    action="learners.merge",
                    learner=learner,
                    reason=reason,
                    before={"merged": None, "states": before},
                    after={"merged": {"kept": kept, "merged": merged}, "states": after},
                )
    except AdapterError as error:
        fail(error)
    echo_states(kept, after[kept])
    echo(f"{merged}: merged into {kept}")


@learners_group.command("unmerge")
@click.argument("merged")
@click.option("--reason", required=True, help="Why, for the audit trail.")
@YES
@pass_context
def learners_unmerge(context: Context, merged: str, reason: str, yes: bool) -> None:
    """Undo `learners merge`: MERGED gets their own identifiers and history back; both re-evaluated at once."""
    try:
        ask_first(context, f"unmerge {merged}: each learner evaluated on their own history again", yes=yes)
        with administering(context, merged) as change:
            db = change.db
            kept = unmerge(db, merged)
            if kept is None:
                raise click.UsageError(f"{merged} is not merged into anyone")
            before = {kept: learner_states(db, kept), merged: learner_states(db, merged)}
            change.reevaluate(kept)
            change.reevaluate(merged)
            after = {kept: learner_states(db, kept), merged: learner_states(db, merged)}
            for learner in (kept, merged):
                change.audit(
                    action="learners.unmerge",
                    learner=learner,
                    reason=reason,
                    before={"merged": {"kept": kept, "merged": merged}, "states": before},
                    after={"merged": None, "states": after},
                )
    except AdapterError as error:
        fail(error)
    echo_states(kept, after[kept])
    echo_states(merged, after[merged])


def _identifiers(_context: click.Context, _parameter: click.Parameter, value: Any) -> Any:
    """Refuses, as a roster import would, an id or email that breaks the rule for a learner's identifier."""
    for identifier in value if isinstance(value, tuple) else (value,):
        if identifier is not None and (fault := identifier_fault(identifier)) is not None:
            raise click.BadParameter(fault)
    return value


@learners_group.command("add")
@click.argument("learner", callback=_identifiers)
@click.option("--name", required=True)
@click.option("--department", required=True)
@click.option("--staff-group", required=True, help="e.g. Elected Members, Governors.")
@click.option(
    "--manager", default=None, callback=_identifiers, help="Their manager's (or clerk's) id, for the manager's report."
)
@click.option(
    "--email",
    "emails",
    multiple=True,
    callback=_identifiers,
    help="A work email their statements may carry (repeatable).",
)
@click.option(
    "--assigned",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day they became required to hold the certifications (default: today).",
)
@click.option("--no-it-access", is_flag=True, help="They have no IT access (briefings are their way to certify).")
@click.option("--reason", required=True, help="Why they are added by hand, for the audit trail.")
@pass_context
def learners_add(
    context: Context,
    learner: str,
    name: str,
    department: str,
    staff_group: str,
    manager: str | None,
    emails: tuple[str, ...],
    assigned: Any,
    no_it_access: bool,
    reason: str,
) -> None:
    """Add someone outside HR's roster (an elected member, a governor): reported like anyone on the roster, and
    never made a leaver by a roster import that does not list them."""
    today = utc_now().date()
    assigned_on: date = assigned.date() if assigned else today
    row = RosterRow(0, (learner,), name, emails, department, manager, staff_group, no_it_access, assigned_on, None)
    try:
        config = context.config
        with administering(context, None) as change:
            taken = resolve(change.db, sorted(identifiers_of(row, config.home_page)), None)
            if is_known(change.db, learner) or taken:
                raise click.UsageError(
                    f"{learner} or one of their identifiers is known already"
                    f" ({', '.join(sorted(set(taken.values()))) or learner}): use `learners merge` for one person"
                    " under two identities"
                )
            add_learner(change.db, row, home_page=config.home_page, actor=context.actor, now=change.now)
            change.reevaluate(learner)
            after = learner_states(change.db, learner)
            record = {
                "name": name,
                "department": department,
                "staff_group": staff_group,
                "manager": manager,
                "emails": list(emails),
                "assigned_on": assigned_on.isoformat(),
                "no_it_access": no_it_access,
            }
            change.audit(
                action="learners.add",
                learner=learner,
                reason=reason,
                before=None,
                after={"learner": record, "states": after},
            )
    except AdapterError as error:
        fail(error)
    echo_states(learner, after)
