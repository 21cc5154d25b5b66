"""Retention and erasure: leavers' personal data removed once the configured period has passed, and one person's on
an erasure request; each reported with what it removed and audited under the pseudonym (never the person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

import click

from lrs_adapter.cli import Context, echo, fail, main, pass_context
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.cli.learning import learners_group
from lrs_adapter.config import Config
from lrs_adapter.errors import AdapterError, ConfigError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.period import Period
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.erasure import Erasure, erase_person
from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.compaction import Compacted, compact
from lrs_adapter.store.erasure import employment, leavers_before, roster_standing
from lrs_adapter.store.erasure_log import remember_erasure
from lrs_adapter.store.learners import is_known
from lrs_adapter.store.locks import erasure_lock


class _DryRun(Exception):
    """Raised on purpose to roll back a dry run."""


def summary(erasure: Erasure) -> str:
    """What was removed, in counts; never the pseudonym (the output names the person, and must not link them)."""
    erased, left = erasure.erased, erasure.erased.leftovers
    return (
        f"{erased.statements} statements pseudonymised, {erased.roster_rows} roster rows,"
        f" {erased.identifiers} identifiers, {erased.recorded_rows} register/history rows, {erased.completions}"
        f" completions, {erased.states} states, {erased.deliveries} deliveries erased; {erased.feed_records} feed"
        f" records tombstoned, {erasure.receivers_told} erasure events queued for receivers told of them;"
        f" {erased.audit_entries} own and {left.other_audit_entries} other audit entries, {left.quarantined}"
        f" quarantined statements pseudonymised; named as manager on {left.reports} roster rows and"
        f" {left.delivered_briefings} register rows of others, replaced"
    )


def consequences(erasure: Erasure) -> list[str]:
    """What the operator must know beyond the counts: others evaluated again, upload files outside the store."""
    lines = [f"  evaluated again (stood on their evidence): {other}" for other in erasure.reevaluated]
    if erasure.uploads:
        lines.append(
            "  Totara upload files already written hold their rows: these files left the adapter's hands, so remove"
            " the rows below from them (and what Totara imported from them) yourself:"
        )
        lines += [f"    {upload.file}: {','.join(row)}" for upload in erasure.uploads for row in upload.rows]
    return lines


def erase_audited(
    context: Context, db: Database, learner: str, mappings: Sequence[Mapping], *, action: str, reason: str, now: str
) -> Erasure:
    remember_erasure(db, learner, home_page=context.config.home_page, action=action, at=now)  # so it stays erased
    before = roster_standing(db, learner)
    erasure = erase_person(db, context.config, mappings, learner, now=now)
    append_audit(
        db,
        actor=context.actor,
        action=action,
        at=now,
        learner=erasure.erased.pseudonym,  # the entry must not name the person it erased
        reason=reason,
        before=before,
        after=asdict(erasure.erased) | {"upload_files": [upload.file for upload in erasure.uploads]},
    )
    return erasure


def cleaned(compacted: Compacted) -> str:
    """How the deleted bytes left the store's files, and (PostgreSQL) where they still are."""
    if compacted.files:
        return f"store files rebuilt and searched, none holds their identifiers: {', '.join(compacted.files)}"
    return (
        f"PostgreSQL's tables rewritten without the erased rows (VACUUM FULL): {', '.join(compacted.vacuumed)};"
        " its write-ahead log (and any WAL archive) and base backups still hold the old rows until they rotate out"
    )


@main.group("retention")
def retention_group() -> None:
    """Keeping leavers' personal data no longer than `[retention] leavers_after`."""


def retention_period(config: Config) -> Period:
    """The configured `[retention] leavers_after`; without one, nobody can be past it."""
    if config.leavers_after is None:
        raise ConfigError(
            "no retention period is configured.",
            file=str(config.path),
            key="retention.leavers_after",
            fix='add [retention] leavers_after = "P6Y" (or the period your retention schedule sets).',
        )
    return config.leavers_after


@retention_group.command("apply")
@click.option("--dry-run", is_flag=True, help="Show whose data would be removed, and what, and change nothing.")
@YES
@pass_context
def retention_apply(context: Context, dry_run: bool, yes: bool) -> None:
    """Erase the personal data of every leaver whose leaving date is older than the retention period."""
    try:
        config = context.config
        period = retention_period(config)
        mappings = load_mappings(config.mappings)
        today = utc_now().date()
        cutoff = period.before(today)
        if not dry_run:
            ask_first(context, f"erase the personal data of every leaver who left before {cutoff}", yes=yes)
        now = format_instant(utc_now())
        identifiers: list[str] = []
        with context.store() as db, erasure_lock(db):
            try:
                with db.transaction():
                    leavers = leavers_before(db, cutoff)
                    for leaver in leavers:
                        reason = f"retention: left on {leaver.left_on}, more than {period} before {today}"
                        erasure = erase_audited(
                            context, db, leaver.learner, mappings, action="retention.erase", reason=reason, now=now
                        )
                        identifiers += erasure.identifiers.strings()
                        echo(f"{leaver.learner} (left {leaver.left_on}): {summary(erasure)}")
                        for line in consequences(erasure):
                            echo(line)
                    echo(f"{'would erase' if dry_run else 'erased'}: {len(leavers)} leavers who left before {cutoff}")
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                echo("dry run: nothing was changed")
                return
            compacted = compact(db, identifiers)
    except AdapterError as error:
        fail(error)
    echo(cleaned(compacted))


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
@YES
@pass_context
def learners_erase(context: Context, learner: str, reason: str, force: bool, wait: float, yes: bool) -> None:
    """Erase one person's data on an erasure request; refused while they are still employed unless --force."""
    try:
        ask_first(context, f"erase {learner}'s personal data (this cannot be undone)", yes=yes)
        mappings = load_mappings(context.config.mappings)
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
                erasure = erase_audited(context, db, learner, mappings, action="learners.erase", reason=reason, now=now)
            echo(f"{learner}: {summary(erasure)}")
            for line in consequences(erasure):
                echo(line)
            compacted = compact(db, erasure.identifiers.strings())
    except AdapterError as error:
        fail(error)
    echo(cleaned(compacted))
