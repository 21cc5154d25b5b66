"""Retention and erasure: leavers' personal data removed once the configured period has passed, and one person's on
an erasure request; each reported with what it removed and audited under the pseudonym (never the person)."""

from __future__ import annotations

from dataclasses import asdict

import click

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.cli.learning import learners_group
from lrs_adapter.errors import AdapterError, ConfigError
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.erasure import Erased, compact, employment, erase, leavers_before, roster_standing
from lrs_adapter.store.erasure_log import remember_erasure
from lrs_adapter.store.learners import is_known
from lrs_adapter.store.locks import erasure_lock


class _DryRun(Exception):
    """Raised on purpose to roll back a dry run."""


def summary(erased: Erased) -> str:
    return (
        f"{erased.statements} statements pseudonymised, {erased.roster_rows} roster rows,"
        f" {erased.identifiers} identifiers, {erased.recorded_rows} register/history rows, {erased.completions}"
        f" completions, {erased.states} states, {erased.deliveries} queued deliveries erased; {erased.feed_records}"
        f" feed records and {erased.audit_entries} audit entries emptied (now {erased.pseudonym})"
    )


def erase_audited(context: Context, db: Database, learner: str, *, action: str, reason: str, now: str) -> Erased:
    remember_erasure(db, learner, home_page=context.config.home_page, action=action, at=now)  # so it stays erased
    before = roster_standing(db, learner)
    erased = erase(db, learner, home_page=context.config.home_page)
    append_audit(
        db,
        actor=context.actor,
        action=action,
        at=now,
        learner=erased.pseudonym,  # the entry must not name the person it erased
        reason=reason,
        before=before,
        after=asdict(erased),
    )
    return erased


@main.group("retention")
def retention_group() -> None:
    """Keeping leavers' personal data no longer than `[retention] leavers_after`."""


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Show whose data would be removed, and what, and change nothing.")
@pass_context
def retention_apply(context: Context, dry_run: bool) -> None:
    """Erase the personal data of every leaver whose leaving date is older than the retention period."""
    try:
        config = context.config
        period = config.leavers_after
        if period is None:
            raise ConfigError(
                "no retention period is configured.",
                file=str(config.path),
                key="retention.leavers_after",
                fix='add [retention] leavers_after = "P6Y" (or the period your retention schedule sets).',
            )
        today = utc_now().date()
        cutoff = period.before(today)
        now = format_instant(utc_now())
        with context.store() as db, erasure_lock(db):
            try:
                with db.transaction():
                    leavers = leavers_before(db, cutoff)
                    for leaver in leavers:
                        reason = f"retention: left on {leaver.left_on}, more than {period} before {today}"
                        erased = erase_audited(
                            context, db, leaver.learner, action="retention.erase", reason=reason, now=now
                        )
                        click.echo(f"{leaver.learner} (left {leaver.left_on}): {summary(erased)}")
                    click.echo(
                        f"{'would erase' if dry_run else 'erased'}: {len(leavers)} leavers who left before {cutoff}"
                    )
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                click.echo("dry run: nothing was changed")
                return
            compact(db)
    except AdapterError as error:
        fail(error)


@learners_group.command("erase")
@click.argument("learner")
@click.option("--reason", required=True, help="The erasure request, for the audit trail (a reference, not a name).")
@click.option("--force", is_flag=True, help="Erase even though the person is still employed.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=600.0,
    show_default=True,
    help="Seconds to wait for a sync that is settling; then nothing is erased and the command says so.",
)
@pass_context
def learners_erase(context: Context, learner: str, reason: str, force: bool, wait: float) -> None:
    """Erase one person's data on an erasure request; refused while they are still employed unless --force."""
    try:
        now = format_instant(utc_now())
        with context.store() as db, erasure_lock(db, wait=wait):
            with db.transaction():
                if not is_known(db, learner):
                    raise click.UsageError(f"no learner {learner!r}: nothing to erase")
                employed = employment(db, learner, utc_now().date())
                if employed and not force:
                    raise click.UsageError(
                        f"{learner} is still employed ({employed}): their training record is still needed; erase once"
                        " they have left, or pass --force if the request must be met now"
                    )
                erased = erase_audited(context, db, learner, action="learners.erase", reason=reason, now=now)
            compact(db)
    except AdapterError as error:
        fail(error)
    click.echo(f"{learner}: {summary(erased)}")
