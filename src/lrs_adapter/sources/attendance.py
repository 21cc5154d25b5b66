"""Webinar attendance reports as Microsoft Teams and Zoom write them, read into stretches of presence per person.

Recognised by their column headers, whatever the file is called:

- **Teams** (Microsoft Learn, "View and download meeting attendance reports in Teams"): UTF-16 LE with a
  byte-order mark, tab-separated, in sections: "1. Summary" (meeting title, start and end time, ...), "2.
  Participants" (Name, First Join, Last Leave, In-Meeting Duration, Email, Participant ID (UPN), Role) and "3.
  In-Meeting Activities" (Name, Join Time, Leave Time, Duration, Email, Role), one row per stretch in the meeting:
  the rows read. The participants section gives each person's UPN. The older attendance list ("Meeting Summary",
  then Full Name, User Action, Timestamp with Joined / Left rows) names people only; their joins and leaves are
  paired in time order.
- **Zoom** (Zoom support, "Generating usage reports", the meeting's participants): CSV, possibly after a meeting
  block (Meeting ID, Topic, Start Time, ...): Name (Original Name), User Email, Join Time, Leave Time, Duration
  (Minutes), Guest, ... one row per stretch (unless "show unique users" was ticked, which merges them).

The platforms write local times without a zone (unless a column's name ends in "(UTC)"), in the format of the
downloader's locale: with AM/PM the date is read month first (`3/10/26, 9:58:12 AM`, Teams' and Zoom's US-style
formats), without it day first (`10/03/2026, 09:58:12`, en-GB), or ISO 8601; each in `zone`. Durations in the
report are not read: the stretches are, so that the presence rule unites them itself. A row that cannot be read (an
unreadable time, no leave time, a leave before the join, an e-mail that is no address) is named with its line and
reason; the others are read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.attendance import AttendanceReport, BadLine, Interval
from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.xapi.formats import mbox_fault

TEAMS, ZOOM = "teams", "zoom"
#: The byte-order marks a report may start with, and how the text after it is read.
_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8"))
#: Teams and Zoom dates as each locale writes them, with a comma or a space before the time, with or without seconds:
#: month first with AM/PM (en-US), day first on a 24-hour clock (en-GB, dotted in much of Europe), or ISO 8601.
_MONTH_FIRST = tuple(
    f"{day}{gap}{time}"
    for day in ("%m/%d/%y", "%m/%d/%Y")
    for gap in (", ", " ")
    for time in ("%I:%M:%S %p", "%I:%M %p")
)
_DAY_FIRST = (
    *(
        f"{day}{gap}{time}"
        for day in ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y")
        for gap in (", ", " ")
        for time in ("%H:%M:%S", "%H:%M")
    ),
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
#: A section's title in a Teams report: "1. Summary", "3. In-Meeting Activities".
_SECTION = re.compile(r"\d+\.\s")
_HEADERS = {
    "activities": ("name", "join time", "leave time", "email"),
    "participants": ("name", "participant id (upn)", "email", "first join"),
    "legacy": ("full name", "user action", "timestamp"),
    "zoom": ("name (original name)", "user email", "join time", "leave time"),
}
Record = tuple[int, list[str]]
#: A webinar of a thousand people makes a Teams report of a few hundred KB (UTF-16); read at most this much.
MAX_BYTES = 16_000_000
_UTC = "(utc)"
UTC_ZONE = ZoneInfo("UTC")


def read_report(path: Path, zone: ZoneInfo) -> AttendanceReport:
    """The report's stretches of presence and its bad rows; ConfigError when the file is no attendance report."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read it: {error.strerror}.", file=str(path), fix="give the report's path.") from None
    if len(data) > MAX_BYTES:
        raise ConfigError(
            f"it is larger than {MAX_BYTES // 1_000_000} MB, which no attendance report comes near; nothing was"
            " imported.",
            file=str(path),
            fix="import the attendance report of one meeting, as the platform wrote it.",
        )
    text = _text(path, data)
    for tabs in (True, False):  # Teams: tabs, never quoted; Zoom: CSV
        records = _records(path, text, tabs=tabs)
        found = {kind: _header(records, columns) for kind, columns in _HEADERS.items()}
        if any(at is not None for at in found.values()):
            break
    if (at := found["activities"]) is not None:
        reader = _rows(path, records, at, zone)
        reader.teams(_section(records, at), _upns(records, found["participants"]))
        return reader.report(TEAMS, _summary(records, "meeting title"))
    if (at := found["legacy"]) is not None:
        reader = _rows(path, records, at, zone)
        reader.legacy(_section(records, at))
        return reader.report(TEAMS, _summary(records, "meeting title"))
    if (at := found["zoom"]) is not None:
        reader = _rows(path, records, at, zone)
        reader.zoom(_section(records, at))
        return reader.report(ZOOM, _zoom_topic(records))
    raise ConfigError(
        "no line names the columns of a Teams or Zoom attendance report; nothing was imported.",
        file=str(path),
        fix="download the meeting's attendance report from Teams (Attendance, Download) or the participants report"
        " from Zoom (Reports, Usage, Participants, Export) and import that file as it is.",
    )


def _rows(path: Path, records: list[Record], header: int, zone: ZoneInfo) -> _Rows:
    return _Rows(path.name, UTC_ZONE if _in_utc(records, header) else zone)


def _text(path: Path, data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            data, chosen = data[len(bom) :], encoding
            break
    else:
        chosen = "utf-8"
    try:
        return data.decode(chosen)
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"byte {error.start} is not {chosen} text; nothing was imported.",
            file=str(path),
            fix="import the report as the platform wrote it (Teams: UTF-16 with its byte-order mark; Zoom: UTF-8).",
        ) from None


def _records(path: Path, text: str, *, tabs: bool) -> list[Record]:
    """Each row with the line it starts on."""
    if tabs:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[Record] = []
    start = 1
    try:
        for record in reader:
            records.append((start, [cell.strip() for cell in record]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ConfigError(
            f"line {start} cannot be read: {error}; nothing was imported.",
            file=str(path),
            fix="import the report as the platform wrote it, not saved again from a spreadsheet.",
        ) from None
    return records


def _names(record: list[str]) -> list[str]:
    """Column names as matched: case set aside, and a "(UTC)" after a time column's name (see `_in_utc`)."""
    return [cell.casefold().removesuffix(_UTC).rstrip() for cell in record]


def _in_utc(records: list[Record], header: int) -> bool:
    """Whether the header says its times are UTC ("Join Time (UTC)", as some Teams downloads name them)."""
    return any(cell.casefold().endswith(_UTC) for cell in records[header][1])


def _header(records: list[Record], columns: tuple[str, ...]) -> int | None:
    """The index of the first record naming every one of `columns`."""
    for at, (_, record) in enumerate(records):
        if set(columns) <= set(_names(record)):
            return at
    return None


def _section(records: list[Record], header: int) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows under a header, by column name, up to a blank line or the next section's title."""
    names = _names(records[header][1])
    for line, record in records[header + 1 :]:
        if not any(record) or (len(record) == 1 and _SECTION.match(record[0])):
            return
        yield line, {name: record[at] if at < len(record) else "" for at, name in enumerate(names)}


def _summary(records: list[Record], key: str) -> str | None:
    for _, record in records:
        if len(record) >= 2 and record[0].casefold() == key:
            return record[1]
    return None


def _zoom_topic(records: list[Record]) -> str | None:
    at = _header(records, ("meeting id", "topic"))
    return next((row.get("topic") for _, row in _section(records, at)), None) if at is not None else None


def _upns(records: list[Record], header: int | None) -> dict[tuple[str, str], str]:
    """Each participant's UPN by (name, e-mail) from Teams' participants section."""
    if header is None:
        return {}
    return {
        (row.get("name", ""), row.get("email", "").casefold()): row.get("participant id (upn)", "").casefold()
        for _, row in _section(records, header)
    }


def local_instant(text: str, zone: ZoneInfo) -> datetime:
    """A report's local time as an instant; ValueError naming the formats read when it is none of them."""
    text = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())  # Windows puts U+202F before "AM"
    formats = _MONTH_FIRST if text.upper().endswith(("AM", "PM")) else _DAY_FIRST
    for form in formats:
        try:
            local = datetime.strptime(text, form).replace(tzinfo=zone)
        except ValueError:
            continue
        if "%y" in form and local.year < 2000:  # strptime makes 69-99 the 1900s; a report's year is this century's
            local = local.replace(year=local.year + 100)
        return local.astimezone(UTC)
    raise ValueError(
        "is not a time the report's formats hold (3/10/26, 9:58:12 AM; 03/10/2026 09:58:12 AM; 10/03/2026, 09:58:12;"
        " 2026-03-10 09:58:12)"
    )


class _Rows:
    """Collects one report's stretches and bad rows."""

    def __init__(self, file: str, zone: ZoneInfo) -> None:
        self.file, self.zone = file, zone
        self.intervals: list[Interval] = []
        self.bad: list[tuple[int, BadLine]] = []

    def report(self, platform: str, title: str | None) -> AttendanceReport:
        bad = tuple(row for _, row in sorted(self.bad, key=lambda item: item[0]))
        return AttendanceReport(platform, title, tuple(self.intervals), bad)

    def teams(self, rows: Iterator[tuple[int, dict[str, str]]], upns: dict[tuple[str, str], str]) -> None:
        for line, row in rows:
            name, email = row.get("name", ""), row.get("email", "").casefold()
            upn = row.get("participant id (upn)", "").casefold() or upns.get((name, email), "")
            self._add(line, name, (email, upn), row.get("join time", ""), row.get("leave time", ""))

    def zoom(self, rows: Iterator[tuple[int, dict[str, str]]]) -> None:
        for line, row in rows:
            name = row.get("name (original name)", "")
            self._add(line, name, (row.get("user email", "").casefold(),), row["join time"], row["leave time"])

    def legacy(self, rows: Iterator[tuple[int, dict[str, str]]]) -> None:
        """Teams' older list: Joined (or "Joined before", for those already in when it began) and Left rows of each
        name, paired in time order, each Left closing the earliest open join."""
        events: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
        for line, row in rows:
            action = row.get("user action", "").casefold()
            try:
                at = local_instant(row.get("timestamp", ""), self.zone)
            except ValueError as error:
                self._bad(line, f"Timestamp {error}")
                continue
            if action not in ("joined", "joined before", "left"):
                self._bad(line, "User Action is neither Joined, Joined before nor Left")
                continue
            events[row.get("full name", "")].append((at, line, action))
        for name, happenings in events.items():
            open_joins: list[tuple[datetime, int]] = []
            for at, line, action in sorted(happenings):
                if action != "left":
                    open_joins.append((at, line))
                elif open_joins:
                    joined, first = open_joins.pop(0)
                    self._interval(first, name, (), joined, at)
                else:
                    self._bad(line, "Left with no Joined before it: not counted")
            for _, line in open_joins:
                self._bad(line, "Joined with no Left after it: not counted")

    def _add(self, line: int, name: str, addresses: tuple[str, ...], joined: str, left: str) -> None:
        if not left:
            self._bad(line, "no leave time (still in the meeting when the report was taken): not counted")
            return
        try:
            start, end = local_instant(joined, self.zone), local_instant(left, self.zone)
        except ValueError as error:
            self._bad(line, f"a join or leave time {error}")
            return
        self._interval(line, name, addresses, start, end)

    def _interval(self, line: int, name: str, addresses: tuple[str, ...], start: datetime, end: datetime) -> None:
        addresses = tuple(dict.fromkeys(address for address in addresses if address))
        fault = next((f"e-mail {f}" for a in addresses if (f := _address_fault(a))), None)
        if not addresses and (name_fault := identifier_fault(name)):
            fault = f"no e-mail, and the name {name_fault}"
        if fault is None and end < start:
            fault = "leaves before it joins"
        if fault is not None:
            self._bad(line, fault)
            return
        self.intervals.append(Interval(f"{self.file}:{line}", name, addresses, start, end))

    def _bad(self, line: int, reason: str) -> None:
        self.bad.append((line, BadLine(f"{self.file}:{line}", reason)))


def _address_fault(address: str) -> str | None:
    if fault := identifier_fault(address):
        return fault
    return "is not an e-mail address" if mbox_fault(f"mailto:{address}") else None
