"""`attendance import`: a Teams or Zoom attendance report taken in as `joined`/`left` statements.

The report is read (sources/attendance.py), each stretch in the meeting becomes a pair of statements shaped by the
option's presence component (xapi/attendance.py), and those go through the same intake, store and run log as an
export file's, in one run under the connector name `attendance`: the store holds one kind of record, re-importing
adds nothing (the ids come from session, person and stretch), and `sync` maps them with everyone's statements.
What the import says of each person is what the mapper makes of the same statements (mapper.attendance): their
time present, the union of their stretches, against the rule's minimum. With an LRS named, the same statements are
then PUT there under their ids (a push run `attendance:NAME` in the run log), so the LRS holds what the store holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import structlog

from lrs_adapter.config import Config
from lrs_adapter.errors import AdapterError, ConfigError, error_class_of
from lrs_adapter.mapping.loader import load_mappings
from lrs_adapter.mapping.mapper import attendance
from lrs_adapter.mapping.model import Component, Mapping
from lrs_adapter.model.attendance import AttendanceReport
from lrs_adapter.model.statements import Accepted, Cursor
from lrs_adapter.model.timestamps import format_instant, utc_now
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.pipeline.pull import FAILED, SUCCEEDED, take_in_source
from lrs_adapter.sources import Page
from lrs_adapter.sources.attendance import read_report
from lrs_adapter.store.database import Database
from lrs_adapter.store.learners import resolve
from lrs_adapter.store.locks import stage_lock
from lrs_adapter.store.runs import Run, finish_push_run, start_push_run
from lrs_adapter.xapi.attendance import attendance_statements, session_activities
from lrs_adapter.xapi.client import XapiClient
from lrs_adapter.xapi.facts import StatementFacts, from_row
from lrs_adapter.xapi.put import put_statement

log = structlog.get_logger(__name__)

#: The run log's connector name for every attendance import (`runs --connector attendance`).
CONNECTOR = "attendance"
#: What to do when the LRS could not be reached: the store holds the statements already.
RESEND = "the store holds the attendance; import the file again with --lrs to send it (nothing is duplicated)"


@dataclass(frozen=True)
class Person:
    """One person of the report, measured: who (the actor's identity key, the learner it resolves to, if any),
    their time present (the union of their stretches) against the option's minimum, and whether it met it."""

    key: str
    learner: str | None
    name: str
    present_s: float
    at_least_s: float
    met: bool


@dataclass(frozen=True)
class AttendanceImport:
    run: Run
    report: AttendanceReport
    statements: int
    people: list[Person]
    sent: Run | None = None  # the push run to the LRS named, if one was


class ReportStatements:
    """The statements made from one report, as a source of one page (a report is a few hundred rows)."""

    kind = "attendance"

    def __init__(self, label: str, statements: Sequence[dict[str, Any]], notes: list[str]) -> None:
        self.label, self.notes = label, notes
        self.texts = [orjson.dumps(statement) for statement in statements]

    def pages(self) -> Iterator[Page]:
        if self.texts:
            page = [(f"{self.label}#{at}", text) for at, text in enumerate(self.texts, start=1)]
            yield Page(f"{self.label} statements 1-end", page, size=sum(map(len, self.texts)))

    def advance(self, accepted: list[Accepted]) -> Cursor | None:
        return None

    def finish(self) -> Cursor | None:
        return None


def presence_component(
    mappings: Sequence[Mapping], option: str, certification: str | None
) -> tuple[Mapping, Component]:
    """The mapping holding `option` and the option's presence component; ConfigError naming the fix otherwise."""
    chosen = [m for m in mappings if option in m.options and certification in (None, m.certification.id)]
    if len(chosen) != 1:
        raise ConfigError(
            f"{'no' if not chosen else 'more than one'} mapping has an option {option!r}.",
            key="mappings",
            fix="pass --option with an option of one of the mappings listed under `mappings` (and --certification"
            " when several have it).",
        )
    found = [c for c in chosen[0].options[option].components.values() if c.presence is not None]
    if not found:
        raise ConfigError(
            f"option {option!r} has no component with a `presence` rule, so attendance cannot evidence it.",
            file=str(chosen[0].path),
            key=f"options.{option}.components",
            fix="import attendance for an option with `presence = { join, leave, at_least }` (webinar_live).",
        )
    try:
        session_activities(found[0], "")
    except ConfigError as error:
        raise ConfigError(
            str(error), file=str(chosen[0].path), key=f"options.{option}.{error.key}", fix=error.fix
        ) from None
    return chosen[0], found[0]


def import_attendance(
    config: Config,
    db: Database,
    file: Path,
    *,
    option: str,
    session: str,
    certification: str | None = None,
    time_zone: str | None = None,
    to_lrs: str | None = None,
    now: Callable[[], datetime] = utc_now,
) -> AttendanceImport:
    """Read the report, take its statements in as one run, measure each person as the mapper will and, with
    `to_lrs`, PUT the statements to that LRS once the store holds them."""
    mapping, component = presence_component(load_mappings(config.mappings), option, certification)
    if to_lrs is not None and to_lrs not in config.lrs:
        raise ConfigError(
            f"there is no LRS {to_lrs!r} to send the attendance to (known: {', '.join(sorted(config.lrs)) or 'none'}).",
            file=str(config.path),
            key="--lrs",
            fix="name an [lrs.NAME] of the configuration, or leave --lrs out to keep the attendance in the store only.",
        )
    report = read_report(file, _zone(time_zone or mapping.certification.time_zone))
    addresses = sorted({address for interval in report.intervals for address in interval.addresses})
    known = frozenset(key.removeprefix("mbox:mailto:") for key in resolve(db, _mbox_keys(addresses), config.home_page))
    made = attendance_statements(report.intervals, component, session, known)
    notes = [
        f"{report.platform} report {file.name}, session {session}: {len(report.intervals)} stretches in the meeting,"
        f" {len(report.bad)} bad rows"
    ]
    source = ReportStatements(file.name, [statement for _, statement in made], notes)
    run = take_in_source(config, db, CONNECTOR, source, now=now)
    facts = [_facts(statement, now()) for _, statement in made]
    names = {str(fact.learner): interval.name for fact, (interval, _) in zip(facts, made, strict=True)}
    people = _measured(db, config, component, facts, names)
    sent = None
    if to_lrs is not None and run.outcome != FAILED:
        client = XapiClient(config.lrs[to_lrs], resumes=RESEND)
        sent = send_statements(db, client, f"{CONNECTOR}:{to_lrs}", [statement for _, statement in made], now)
    return AttendanceImport(run, report, len(made), people, sent)


def send_statements(
    db: Database, client: XapiClient, sink: str, statements: Sequence[dict[str, Any]], now: Callable[[], datetime]
) -> Run:
    """Each statement PUT under its id, as a push run of `sink`: delivered when the LRS holds it (sent now or
    before), refused when it holds another statement under that id; a fault ends the run as failed. Under the
    sink's push lock, as every push: a second send at once would find this run still running and call it killed."""
    with stage_lock(db, f"push to {sink}"):
        return _send(db, client, sink, statements, now)


def _send(
    db: Database, client: XapiClient, sink: str, statements: Sequence[dict[str, Any]], now: Callable[[], datetime]
) -> Run:
    run_id = start_push_run(db, sink, format_instant(now()))
    delivered = refused = 0
    try:
        for statement in statements:
            if put_statement(client, statement):
                delivered += 1
            else:
                refused += 1
                log.warning("the LRS holds another statement under this id", sink=sink, statement_id=statement["id"])
    except AdapterError as error:
        counts = {"delivered": delivered, "refused": refused, "failed": len(statements) - delivered}
        return finish_push_run(db, run_id, counts, now=format_instant(now()), outcome=FAILED,
                               error_class=error_class_of(error), error_message=str(error))  # fmt: skip
    outcome = FAILED if refused else SUCCEEDED
    counts = {"delivered": delivered, "refused": refused, "failed": refused}  # as a push counts: refused ones fail
    return finish_push_run(db, run_id, counts, now=format_instant(now()), outcome=outcome)


def _mbox_keys(addresses: Sequence[str]) -> list[str]:
    return [f"mbox:mailto:{address}" for address in addresses]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name!r} is no time zone.", key="--time-zone", fix="name an IANA time zone, e.g. Europe/London."
        ) from None


def _facts(statement: dict[str, Any], received: datetime) -> StatementFacts:
    """What intake keeps of one made statement, for the mapper (a copy: intake fills in `stored`)."""
    taken = take_in(dict(statement), source="attendance", received_at=received)
    assert isinstance(taken, Accepted), taken  # made from checked parts; intake refusing one is a bug
    return from_row(
        taken.id, taken.learner, taken.verb_id, taken.object_id, taken.registration, taken.timestamp, taken.stored,
        False, taken.facts,
    )  # fmt: skip


def _measured(
    db: Database, config: Config, component: Component, facts: list[StatementFacts], names: dict[str, str]
) -> list[Person]:
    assert component.presence is not None
    by_person: dict[str, list[StatementFacts]] = defaultdict(list)
    for fact in facts:
        by_person[str(fact.learner)].append(fact)
    learners = resolve(db, sorted(by_person), config.home_page)
    people = []
    for key, statements in sorted(by_person.items()):
        for found in attendance(component, component.presence, statements):
            people.append(
                Person(key, learners.get(key), names[key], found.present_s, found.at_least_s, found.met_at is not None)
            )
    return people
