"""A Moodle or Totara site's SCORM run-time data, read from its database, as statements of ADL's SCORM profile: the
e-learning of a council whose LMS plays SCORM packages without any LRS.

The connector names SCORM activities by id or name and the activity IRI each stands for; each run reads, in one
read-only snapshot (store/lms_scorm.py), every attempt at them with a CMI value written since the cursor, and
xapi/scorm_profile.py makes each attempt's statements, whose ids come from the attempt: reading it again adds
nothing. The cursor is the newest `timemodified` of the attempts taken in, committed with their page as the LRS
pull commits its pages (pipeline/pull.py); Moodle stamps a value with PHP's clock before its transaction commits, so
the LMS vouches for nothing and each run re-reads `overlap_seconds` before the cursor ("newest_seen"), as a pull of
an LRS without X-Experience-API-Consistent-Through does. An attempt whose learner has no payroll number in the LMS
(or was deleted there) is quarantined with the reason; once the LMS has one, `pull --full` reads it again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from itertools import groupby

import orjson

from lrs_adapter.config import ConnectorConfig, LmsConfig, ScormActivity
from lrs_adapter.errors import ConfigError
from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.model.statements import Accepted, Cursor, Rejected, cut_raw
from lrs_adapter.model.timestamps import format_instant, parse_timestamp
from lrs_adapter.sources import Page
from lrs_adapter.store.lms_scorm import (
    LEGACY,
    SPLIT,
    LmsConnection,
    ScormRow,
    TrackRow,
    changed_tracks,
    connect_read_only,
    database_clock,
    layout,
    lms_errors,
    scorm_activities,
    scos,
)
from lrs_adapter.xapi.scorm_profile import Attempt, Cmi, attempt_statements

NEWEST_SEEN = "newest_seen"
TABLES = {SPLIT: "Moodle 4.3+", LEGACY: "Moodle up to 4.2 or Totara"}


def _seconds(position: str) -> int:
    instant = parse_timestamp(position)
    assert instant is not None
    return int(instant.timestamp())


def chosen(connector: ConnectorConfig, found: Sequence[ScormRow], *, file: str) -> dict[int, tuple[ScormRow, str]]:
    """The LMS's SCORM activities the connector names, with the IRI of each; a name or id the LMS does not hold
    once is a configuration error naming the key."""
    picked: dict[int, tuple[ScormRow, str]] = {}
    for number, wanted in enumerate(connector.scorm):
        matches = [row for row in found if row.id == wanted.id or row.name == wanted.name]
        if len(matches) != 1:
            raise ConfigError(
                f"the LMS has {'no' if not matches else len(matches)} SCORM activities {_named(wanted)}.",
                file=file,
                key=f"connectors.{connector.name}.scorm[{number}]",
                fix="copy the activity's exact name from the LMS, or give its id (the SCORM activity's own id, in"
                " the scorm table: not the course module's id in /mod/scorm/view.php?id=...).",
            )
        picked[matches[0].id] = (matches[0], wanted.iri)
    return picked


def _named(wanted: ScormActivity) -> str:
    return f"with id {wanted.id}" if wanted.id is not None else f"named {wanted.name!r}"


class ScormTracks:
    kind = "scorm"

    def __init__(
        self,
        lms: LmsConfig,
        connector: ConnectorConfig,
        home_page: str,
        cursor: Cursor | None,
        *,
        full: bool,
        file: str,
    ) -> None:
        self.lms, self.connector, self.home_page, self.file = lms, connector, home_page, file
        self.previous = None if full else cursor
        self.notes: list[str] = []
        self.newest: int | None = None  # the newest `changed` of the attempts committed so far
        self.page_newest: deque[int] = deque()  # per page yielded and not yet committed, in order
        self.clock = 0  # the LMS database's time at the run's snapshot
        self.ahead = False  # whether a value was stamped after it

    def since(self) -> int:
        """Unix seconds the run reads from: the cursor less the overlap, else the connector's `since`, else all."""
        if self.previous is not None:
            return _seconds(self.previous.position) - int(self.lms.overlap_seconds)
        return int(self.connector.since.timestamp()) if self.connector.since is not None else 0

    def survey(self, connection: LmsConnection) -> tuple[str, dict[int, tuple[ScormRow, str]], dict[int, str]]:
        """The LMS's layout, the SCORM activities the connector names (with their IRIs) and their SCOs' identifiers."""
        kind = layout(connection, self.lms, file=self.file)
        names = [wanted.name for wanted in self.connector.scorm if wanted.name is not None]
        ids = [wanted.id for wanted in self.connector.scorm if wanted.id is not None]
        activities = chosen(self.connector, scorm_activities(connection, self.lms.prefix, ids, names), file=self.file)
        identifiers = {sco.id: sco.identifier for sco in scos(connection, self.lms.prefix, list(activities))}
        return kind, activities, identifiers

    def check(self) -> str:
        """What `check` says of a working connector: the layout and the activities it reads."""
        with lms_errors(self.lms, file=self.file), connect_read_only(self.lms, file=self.file) as connection:
            kind, activities, _ = self.survey(connection)
        named = ", ".join(f"{row.id} {row.name!r} ({row.version})" for row, _ in activities.values())
        return f"read-only, {TABLES[kind]} tables; SCORM activities {named}"

    def pages(self) -> Iterator[Page]:
        with lms_errors(self.lms, file=self.file), connect_read_only(self.lms, file=self.file) as connection:
            yield from self._pages(connection)

    def _pages(self, connection: LmsConnection) -> Iterator[Page]:
        since = self.since()
        kind, activities, identifiers = self.survey(connection)
        read_from = format_instant(datetime.fromtimestamp(since, UTC))
        self.notes.append(f"read-only from lms.{self.lms.name} ({TABLES[kind]} tables) from {read_from}")
        rows = changed_tracks(
            connection,
            prefix=self.lms.prefix,
            kind=kind,
            payroll_field=self.lms.payroll_field,
            scorm_ids=list(activities),
            since=since,
        )
        self.clock = database_clock(connection)
        page, newest, on_page = self._page(), 0, 0
        for _, group in groupby(rows, key=lambda row: (row.changed, row.userid, row.scormid, row.scoid, row.attempt)):
            tracks = list(group)
            first = tracks[0]
            scorm, iri = activities[first.scormid]
            self._take(page, tracks, scorm, iri, identifiers.get(first.scoid, str(first.scoid)))
            newest, on_page = max(newest, first.changed), on_page + 1
            if on_page >= self.lms.page_size:
                yield self._ready(page, newest)
                page, on_page = self._page(), 0
        if on_page:
            yield self._ready(page, newest)

    def _page(self) -> Page:
        return Page(f"lms {self.lms.name} SCORM attempts", [])

    def _ready(self, page: Page, newest: int) -> Page:
        """The page, with the cursor it allows: never past the database's clock, so a value stamped in the future (a
        web server's wrong clock) cannot carry the cursor past writes still to come."""
        if newest > self.clock and not self.ahead:
            self.ahead = True
            self.notes.append(
                "the LMS holds values stamped after its database's clock: the cursor stops at the clock, and they are"
                " read again each run until that time has passed"
            )
        self.page_newest.append(min(newest, self.clock))
        page.label += f" to {format_instant(datetime.fromtimestamp(self.page_newest[-1], UTC))}"
        return page

    def _take(self, page: Page, tracks: list[TrackRow], scorm: ScormRow, iri: str, sco: str) -> None:
        """One attempt's statements onto the page, or its quarantine entry when they cannot be made."""
        first = tracks[0]
        source = (
            f"lms {self.lms.name}: scorm {first.scormid} sco {first.scoid} user {first.userid} attempt {first.attempt}"
        )
        payroll = (first.payroll or "").strip()
        fault, field = None, "actor.account.name"
        if first.deleted is not False:
            fault = "the user is deleted in the LMS" if first.deleted else "the LMS has no such user"
        elif (why := identifier_fault(payroll)) is not None:
            fault = f"the user's {self.lms.payroll_field} (the payroll number) {why}"
        values = {row.element: Cmi(row.value, row.timemodified) for row in tracks}
        attempt = Attempt(
            iri, scorm.version, first.scormid, first.scoid, sco, first.userid, payroll, first.attempt, values
        )
        if fault is None:
            try:
                made = attempt_statements(attempt, self.home_page)
            except (ValueError, OverflowError, OSError):  # a time no calendar holds
                fault, field = "a time the LMS wrote (timemodified or x.start.time) is not a date", "timestamp"
            else:
                page.statements += [(f"{source} {item['verb']['display']['en-US']}", item) for item in made]
                page.size += sum(len(row.value) + len(row.element) for row in tracks)
                return
        held = {
            "lms": self.lms.name,
            "scorm": first.scormid,
            "sco": first.scoid,
            "user": first.userid,
            "attempt": first.attempt,
            "cmi": {element: [cmi.value, cmi.modified] for element, cmi in values.items()},
        }
        raw = orjson.dumps(held).decode()
        page.unparsable.append(Rejected(source, None, field, fault, cut_raw(raw)))

    def _cursor(self) -> Cursor | None:
        candidates = [value for value in (self.previous and _seconds(self.previous.position), self.newest) if value]
        if not candidates:
            return None
        return Cursor(format_instant(datetime.fromtimestamp(max(candidates), UTC)), NEWEST_SEEN)

    def advance(self, accepted: list[Accepted]) -> Cursor | None:
        """The newest write of the page's attempts: every attempt written before it was on this page or before."""
        self.newest = max(self.newest or 0, self.page_newest.popleft())
        return self._cursor()

    def finish(self) -> Cursor | None:
        self.notes.append(
            f"the LMS does not vouch for its writes: the next run re-reads the last {self.lms.overlap_seconds:g} s"
            f" (lms.{self.lms.name}.overlap_seconds)"
        )
        return self._cursor()
