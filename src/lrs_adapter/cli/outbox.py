"""Pushing results, and the outbox an admin looks into when a push failed."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

import click
import orjson

from lrs_adapter.cli import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    Context,
    echo,
    echo_lines,
    echo_shown,
    fail,
    main,
    pass_context,
)
from lrs_adapter.cli.destructive import YES, ask_first
from lrs_adapter.config import Config
from lrs_adapter.errors import AdapterError, ConfigError
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.backfill import backfill, backfill_events
from lrs_adapter.pipeline.push import PushCounts, deliver
from lrs_adapter.pipeline.superseded import would_supersede
from lrs_adapter.store import Database
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.outbox import (
    DEAD,
    DISCARDED,
    STATUSES,
    Delivery,
    count_deliveries,
    deliveries,
    delivery,
    depth,
    discard,
    requeue,
    undelivered,
)


def push_all(config: Config, db: Database, mappings: Sequence[Mapping] | None = None) -> int:
    """Deliver what is pending to every sink, print what happened, and return the exit code."""
    counts = deliver(config, db, load_mappings(config.mappings) if mappings is None else mappings)
    echo_push(counts)
    return exit_code_of_push(counts)


def exit_code_of_push(counts: PushCounts) -> int:
    if any(c.error_class == "config" for c in counts.sinks.values()):
        return EXIT_CONFIG
    return EXIT_FAILED if counts.failed else EXIT_OK


def echo_push(counts: PushCounts) -> None:
    for name, c in counts.sinks.items():
        line = f"push {name}: delivered {c.delivered}"
        if c.failed or c.waiting:
            refused = f", refused {c.refused}" if c.refused else ""
            line += f" · failed {c.failed} (dead-lettered {c.dead}{refused}) · waiting {c.waiting}"
        if c.held:
            line += f" · held {c.held} (not on the roster: lrs-adapter learners unresolved)"
        if c.superseded:
            line += f" · superseded {c.superseded} (no longer true: lrs-adapter outbox list --status superseded)"
        echo(line)
        if c.error:
            echo(f"  stopped ({c.error_class}): {c.error}", err=True)
    if any(c.failed for c in counts.sinks.values()):
        echo("  see: lrs-adapter outbox list --status pending, and --status dead", err=True)
    echo_unconfigured(counts.unconfigured)


def echo_unconfigured(unconfigured: dict[str, int]) -> None:
    """Sinks gone from the config whose deliveries would otherwise wait for ever, named with the way out."""
    for sink, count in sorted(unconfigured.items()):
        echo(
            f"sink {sink} is no longer configured but holds {count} undelivered deliveries: configure it again, or"
            f" lrs-adapter outbox discard --sink {sink} --reason TEXT",
            err=True,
        )


def echo_pending(config: Config, db: Database, limit: int = 20) -> None:
    """What a push would deliver now (sync --dry-run), and what it would mark superseded instead of sending."""
    counts = depth(db)
    if not any(c.get("pending") for c in counts.values()):
        echo("dry run: nothing to push")
        return
    superseded = would_supersede(config, db)
    for sink, by_status in sorted(counts.items()):
        gone = {d.id for d, _ in superseded.get(sink, [])}
        sent = by_status.get("pending", 0) - len(gone)
        if sent:
            echo(f"dry run: would push {sent} to {sink}:")
            listed = deliveries(db, status="pending", sink=sink, limit=limit + len(gone))
            shown = [d for d in listed if d.id not in gone][:limit]
            for d in reversed(shown):
                echo(f"  {describe(d)}")
            more = f"lrs-adapter outbox list --status pending --sink {sink} --limit {by_status['pending']} lists them"
            echo_shown(len(shown), sent, more)
        if gone:
            echo(
                f"dry run: would mark {len(gone)} superseded for {sink} and not send them (no longer true, and {sink}"
                " cannot take them back):"
            )
            for d, why in superseded[sink][:limit]:
                echo(f"  {describe(d)}: {why}")
            every = f"lrs-adapter outbox list --status pending --sink {sink} --limit {by_status['pending']}"
            echo_shown(min(limit, len(gone)), len(gone), f"{every} lists every pending one")


def describe(d: Delivery) -> str:
    state, cycle = d.payload["state"], d.payload.get("cycle")
    about = (
        f"cycle completed {cycle['completed_on']} due {cycle['due_on']}"
        if cycle
        else f"status {state['status']}, due {state['due_on'] or '-'}"
    )
    return f"{d.id:>6}  {d.event:<13} {d.learner} {d.certification}: {about}"


@main.command("push")
@pass_context
def push_command(context: Context) -> None:
    """Deliver pending certification results to every configured sink (sync does this as its last step)."""
    try:
        with context.store() as db:
            code = push_all(context.config, db)
    except AdapterError as error:
        fail(error)
    sys.exit(code)


@main.group("outbox")
def outbox_group() -> None:
    """Deliveries of certification results: pending, delivered, or dead-lettered with their last error."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice([*STATUSES, "all"]), default="all", show_default=True)
@click.option("--sink", default=None, help="Only this sink.")
@click.option("--learner", default=None, help="Only this learner.")
@click.option("--limit", default=100, show_default=True)
@pass_context
def outbox_list(context: Context, status: str, sink: str | None, learner: str | None, limit: int) -> None:
    wanted = None if status == "all" else status
    try:
        with context.store() as db:
            found = deliveries(db, status=wanted, sink=sink, learner=learner, limit=limit)
            total = count_deliveries(db, status=wanted, sink=sink, learner=learner)
            counts = depth(db)
    except AdapterError as error:
        fail(error)
    for d in found:
        line = f"{describe(d)}  → {d.sink} {d.status} (attempts {d.attempts})"
        echo(line)
        if d.last_error and d.status != "delivered":
            echo(f"        last error: {d.last_error}")
    echo_shown(len(found), total, f"--limit {total} lists them all")
    summary = " · ".join(
        f"{name}: " + ", ".join(f"{s} {n}" for s, n in sorted(by.items())) for name, by in sorted(counts.items())
    )
    echo(summary or "the outbox is empty")


@outbox_group.command("show")
@click.argument("delivery_id", type=int)
@pass_context
def outbox_show(context: Context, delivery_id: int) -> None:
    try:
        with context.store() as db:
            found = delivery(db, delivery_id)
    except AdapterError as error:
        fail(error)
    if found is None:
        echo(f"no delivery {delivery_id} (lrs-adapter outbox list shows them)", err=True)
        sys.exit(EXIT_FAILED)
    stored = {key: value for key, value in asdict(found).items() if key != "facts"}  # read at push, not stored
    echo_lines(orjson.dumps(stored, option=orjson.OPT_INDENT_2).decode())


@outbox_group.command("retry")
@click.argument("delivery_ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="Every dead-lettered delivery.")
@pass_context
def outbox_retry(context: Context, delivery_ids: tuple[int, ...], every: bool) -> None:
    """Put dead-lettered deliveries back in line with a fresh count of attempts, then push."""
    if not delivery_ids and not every:
        echo("name the deliveries to retry (lrs-adapter outbox list --status dead), or pass --all", err=True)
        sys.exit(EXIT_FAILED)
    try:
        with context.store() as db:
            count = requeue(db, None if every else list(delivery_ids))
            echo(f"{count} {DEAD} deliveries back in line")
            code = push_all(context.config, db)
    except AdapterError as error:
        fail(error)
    sys.exit(code)


@outbox_group.command("discard")
@click.argument("delivery_ids", nargs=-1, type=int)
@click.option(
    "--sink", default=None, help="Every undelivered delivery of this sink (e.g. one removed from the config)."
)
@click.option("--reason", required=True, help="Why they will never be delivered (kept in the audit trail).")
@YES
@pass_context
def outbox_discard(context: Context, delivery_ids: tuple[int, ...], sink: str | None, reason: str, yes: bool) -> None:
    """Give up on deliveries (pending, dead or held): marked discarded with the reason, kept on record, audited.
    A delivery a push is sending at that moment and that its sink acknowledges is recorded delivered, as it was."""
    if bool(delivery_ids) == (sink is not None):
        echo("name the deliveries to discard (IDs from lrs-adapter outbox list), or one --sink NAME", err=True)
        sys.exit(EXIT_FAILED)
    which = f"every undelivered delivery of sink {sink}" if sink else f"deliveries {', '.join(map(str, delivery_ids))}"
    try:
        ask_first(context, f"discard {which} (they will never be sent)", yes=yes)
        at = format_instant(utc_now())
        with context.store() as db, db.transaction():
            found = undelivered(db, sink=sink, ids=delivery_ids)
            discard(db, [d.id for d in found], at, reason)
            append_audit(
                db,
                actor=context.actor,
                action="outbox.discard",
                at=at,
                reason=reason,
                before={"sink": sink, "deliveries": [{"id": d.id, "sink": d.sink, "status": d.status} for d in found]},
                after={"status": DISCARDED, "ids": [d.id for d in found]},
            )
    except AdapterError as error:
        fail(error)
    echo(f"discarded {len(found)} deliveries" + (f" of {sink}" if sink else ""))
    missing = sorted(set(delivery_ids) - {d.id for d in found})
    if missing:
        echo(f"  not discarded (no such delivery, or already delivered or discarded): {missing}", err=True)
        sys.exit(EXIT_FAILED)


@outbox_group.command("backfill")
@click.argument("sink")
@click.option("--reason", default="a sink added to a running installation", show_default=True)
@click.option("--dry-run", is_flag=True, help="Count what it would add, and add nothing.")
@pass_context
def outbox_backfill(context: Context, sink: str, reason: str, dry_run: bool) -> None:
    """Give a sink added after certifications were held what it would hold had it been there all along (a
    certified event per standing cycle, and each learner's current status event); then `push` delivers them."""
    try:
        config = context.config
        if sink not in config.sinks:
            raise ConfigError(
                f"there is no sink {sink!r} (configured: {', '.join(sorted(config.sinks)) or 'none'}).",
                file=str(config.path),
                fix="add it under [sinks.NAME] first, or give one of the configured names.",
            )
        kinds = config.sinks[sink].events
        mappings = load_mappings(config.mappings)
        with context.store() as db, stage_lock(db, "settle"):
            if dry_run:
                counts = Counter(event.kind for event in backfill_events(db, mappings, sink, kinds))
            else:
                at = format_instant(utc_now())
                with db.transaction():
                    counts = backfill(db, mappings, sink, kinds, at)
                    append_audit(
                        db, actor=context.actor, action="outbox.backfill", at=at, reason=reason, after=dict(counts)
                    )
    except AdapterError as error:
        fail(error)
    added = " · ".join(f"{kind} {count}" for kind, count in sorted(counts.items())) or "nothing: it lacks no event"
    echo(f"{'would add' if dry_run else 'added'} for {sink}: {added}")
    if counts and not dry_run:
        echo("  deliver them with: lrs-adapter push")
