"""Who must learn what: mapping files, the roster, learners, and briefing registers."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import NoReturn

import click

from lrs_adapter.cli import (
    EXIT_OK,
    EXIT_QUARANTINED,
    Context,
    echo,
    fail,
    main,
    most_urgent,
    pass_context,
)
from lrs_adapter.errors import AdapterError, ConfigError, error_class_of, exit_code_of
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.evidence import RecordedRow
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.sources.recorded import BadRow, read_history, read_register
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store.audit import append_audit
from lrs_adapter.store.erasure_log import erased_rows
from lrs_adapter.store.learners import identifiers_of, import_roster, on_roster, payroll_key, unresolved
from lrs_adapter.store.outbox import held_learners
from lrs_adapter.store.recorded import recorded_count, save_recorded


@main.group("mappings")
def mappings_group() -> None:
    """Certification mapping files (mappings/*.toml)."""


@mappings_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def mappings_check(files: tuple[str, ...]) -> None:
    """Validate mapping files and show what each option needs; exit 2 naming the key of any mistake."""
    codes = []
    for file in files:
        try:
            mapping = load_mapping(file)
        except AdapterError as error:
            echo(f"error ({error_class_of(error)}): {error}", err=True)
            codes.append(exit_code_of(error))
            continue
        cert = mapping.certification
        echo(
            f"{file}: valid · {cert.name} ({cert.id}) · {len(mapping.options)} options · validity {cert.validity},"
            f" window {cert.window}, first due {cert.first_due}, recertify from {cert.recertify_from}, {cert.time_zone}"
        )
        for option in mapping.options.values():
            routes = " | ".join(" + ".join(route) for route in option.routes)
            echo(f"  {option.id}: {routes}")
        codes.append(EXIT_OK)
    sys.exit(most_urgent(codes))


@main.group("roster")
def roster_group() -> None:
    """HR's roster: the people who must hold the certifications."""


@roster_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
def roster_import(context: Context, file: Path) -> None:
    """Import a full snapshot: people missing from it become leavers (never deleted). One bad row refuses the file."""
    try:
        rows = read_roster(file)
        now = format_instant(utc_now())
        home_page = context.config.home_page
        with context.store() as db, db.transaction():
            before = on_roster(db)
            people, erased = erased_rows(db, rows, lambda row: sorted(identifiers_of(row, home_page)))
            counts = import_roster(db, people, home_page=home_page, today=utc_now().date(), now=now)
            append_audit(
                db,
                actor=context.actor,
                action="roster.import",
                at=now,
                reason=f"roster file {file}",
                before={"on_roster": before},
                after={"on_roster": on_roster(db), "rows": len(rows), **asdict(counts), "erased": len(erased)},
            )
    except AdapterError as error:
        fail(error)
    echo(
        f"roster {file}: {len(rows)} rows · added {counts.added} · changed {counts.changed} · unchanged"
        f" {counts.unchanged} · leavers {counts.leavers} · identifiers to map again {counts.requeued}"
        f" · refused {len(erased)} (erased people)"
    )
    for row, erasure in erased:
        echo(f"  {file.name}:{row.line}: {erasure.reason}")


@main.group("learners")
def learners_group() -> None:
    """Learners and the identifiers their statements carry."""


@learners_group.command("unresolved")
@pass_context
def learners_unresolved(context: Context) -> None:
    """Actors that no learner answers to yet: kept, not mapped, until the roster knows them. Then the learners
    evaluated (by their account) but not on the roster, whose results are held back from every sink
    (`[push] roster_only`) until a roster import lists them."""
    try:
        with context.store() as db:
            rows = unresolved(db, context.config.home_page)
            held = held_learners(db)
    except AdapterError as error:
        fail(error)
    for key, count, last in rows:
        echo(f"{count:>7}  {last}  {key}")
    if not rows:
        echo("every actor resolves to a learner")
    if held:
        deliveries = sum(row.deliveries for row in held)
        echo(f"not on the roster, results not pushed: {len(held)} learners, {deliveries} deliveries held")
        for row in held:
            echo(f"{row.deliveries:>7}  {row.since}  {row.learner} (to {row.sinks} sinks)")


def keep_recorded(
    context: Context, what: str, file: Path, rows: list[RecordedRow], bad: list[BadRow], certification: str
) -> NoReturn:
    """Store the good rows, list the bad ones with their lines, and exit 3 when there were any."""
    now = format_instant(utc_now())
    with context.store() as db, db.transaction():
        held = recorded_count(db, certification)
        rows, erased = erased_rows(db, rows, lambda row: [payroll_key(row.payroll_number)])
        bad = [*bad, *(BadRow(row.source, erasure.reason) for row, erasure in erased)]
        new, again = save_recorded(db, rows, certification=certification, now=now)
        append_audit(
            db,
            actor=context.actor,
            action=f"{what}.import",
            at=now,
            reason=f"{what} file {file}",
            before={"certification": certification, "recorded": held},
            after={
                "certification": certification,
                "recorded": recorded_count(db, certification),
                "new": new,
                "already_imported": again,
                "bad": len(bad),
            },
        )
    echo(f"{what} {file}: {new} rows imported, {again} already imported, {len(bad)} bad")
    for row in bad:
        echo(f"  {row.source}: {row.reason}")
    sys.exit(EXIT_QUARANTINED if bad else EXIT_OK)


@main.group("register")
def register_group() -> None:
    """Managers' briefing registers (CSV or XLSX)."""


@register_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--certification", default=None, help="The mapping's certification id (default: the one that takes registers)."
)
@pass_context
def register_import(context: Context, file: Path, certification: str | None) -> None:
    """Import register rows; bad rows are listed with their lines, the good ones imported. Run `sync` to map them."""
    try:
        config = context.config
        takers = [
            m
            for m in map(load_mapping, config.mappings)
            if any(c.register for o in m.options.values() for c in o.components.values())
        ]
        chosen = [m for m in takers if certification in (None, m.certification.id)]
        if len(chosen) != 1:
            raise ConfigError(
                "cannot tell which certification this register is for.",
                file=str(config.path),
                fix="list a mapping with a `register = true` component under `mappings` (pass --certification when"
                " several do).",
            )
        rows, bad = read_register(file, today=utc_now().date())
        keep_recorded(context, "register", file, rows, bad, chosen[0].certification.id)
    except AdapterError as error:
        fail(error)


@main.group("history")
def history_group() -> None:
    """Completions recorded by the LMS being replaced."""


@history_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--certification", default=None, help="The certification id (default: the only one configured).")
@pass_context
def history_import(context: Context, file: Path, certification: str | None) -> None:
    """Import past completions (payroll_number, option, completion_date, source); bad rows are listed with their
    lines, the good ones imported. Run `sync` to map them."""
    try:
        config = context.config
        chosen = [m for m in map(load_mapping, config.mappings) if certification in (None, m.certification.id)]
        if len(chosen) != 1:
            raise ConfigError(
                "cannot tell which certification this history is for.",
                file=str(config.path),
                fix="pass --certification with the id of one of the mappings listed under `mappings`.",
            )
        mapping = chosen[0]
        rows, bad = read_history(file, today=utc_now().date(), options=frozenset(mapping.options))
        keep_recorded(context, "history", file, rows, bad, mapping.certification.id)
    except AdapterError as error:
        fail(error)
