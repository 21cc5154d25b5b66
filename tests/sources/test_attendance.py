"""Teams and Zoom attendance reports read as the platforms write them (fixtures/attendance/, README there)."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.attendance import Interval
from lrs_adapter.sources.attendance import MAX_BYTES, TEAMS, ZOOM, local_instant, read_report

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "attendance"
TEAMS_FILE = FIXTURES / "teams-prevent-webinar-2026-03-10.csv"
ZOOM_FILE = FIXTURES / "zoom-prevent-webinar-2026-03-10.csv"
LEGACY_FILE = FIXTURES / "teams-legacy-attendance-list-2021-03-10.csv"
LONDON = ZoneInfo("Europe/London")
ACTIVITIES = "3. In-Meeting Activities\r\nName\tJoin Time\tLeave Time\tDuration\tEmail\tRole\r\n"
ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"


def _utf16(path: Path, text: str) -> Path:
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    return path


def _stretches(intervals: tuple[Interval, ...]) -> list[tuple[str, str | None, datetime, datetime]]:
    """What a stretch says of a person, whatever the platform: their e-mail (the first address), join and leave."""
    return sorted((i.name, i.addresses[0] if i.addresses else None, i.joined, i.left) for i in intervals)


def test_the_teams_report_is_utf16_with_tabs_and_is_read_from_its_activities() -> None:
    assert TEAMS_FILE.read_bytes().startswith(codecs.BOM_UTF16_LE)
    report = read_report(TEAMS_FILE, LONDON)
    assert (report.platform, report.title, report.bad) == (TEAMS, "Prevent webinar (live) - March session", ())
    bob = [i for i in report.intervals if i.name == "Bob Sample"]
    assert [(i.joined.isoformat(), i.left.isoformat()) for i in bob] == [
        ("2026-03-10T09:59:00+00:00", "2026-03-10T10:35:00+00:00"),
        ("2026-03-10T10:50:00+00:00", "2026-03-10T11:20:00+00:00"),
    ]
    assert bob[0].source == f"{TEAMS_FILE.name}:22"
    ann = next(i for i in report.intervals if i.name == "Ann Example")
    assert ann.addresses == ("ann.example@learning.example.gov.uk",)  # her UPN is the same address
    guest = next(i for i in report.intervals if i.name.startswith("Pat Guest"))
    assert guest.addresses == ()


def test_a_teams_and_a_zoom_report_of_one_webinar_give_the_same_stretches() -> None:
    teams, zoom = read_report(TEAMS_FILE, LONDON), read_report(ZOOM_FILE, LONDON)
    assert zoom.platform == ZOOM
    assert zoom.title == teams.title
    assert _stretches(teams.intervals) == _stretches(zoom.intervals)
    assert len(teams.intervals) == 7


def test_the_older_teams_list_pairs_joins_and_leaves_of_each_name() -> None:
    report = read_report(LEGACY_FILE, LONDON)
    assert (report.platform, report.title, report.bad) == (TEAMS, "Prevent webinar (live)", ())
    bob = sorted((i.joined, i.left) for i in report.intervals if i.name == "Bob Sample")
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in bob] == [("09:59", "10:35"), ("10:50", "11:20")]
    assert all(i.addresses == () for i in report.intervals)  # that list names people only


def test_the_participants_section_gives_the_upn_of_a_row_without_an_email(tmp_path: Path) -> None:
    text = (
        "2. Participants\r\nName\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\r\n"
        "Kim Lee\t3/10/26, 10:00:00 AM\t3/10/26, 11:00:00 AM\t1h\t\tk.lee@council.onmicrosoft.com\tAttendee\r\n\r\n"
        f"{ACTIVITIES}Kim Lee\t3/10/26, 10:00:00 AM\t3/10/26, 11:00:00 AM\t1h\t\tAttendee\r\n"
    )
    report = read_report(_utf16(tmp_path / "r.csv", text), LONDON)
    assert [i.addresses for i in report.intervals] == [("k.lee@council.onmicrosoft.com",)]


def test_bad_rows_are_named_with_their_line_and_the_others_read(tmp_path: Path) -> None:
    rows = [
        "Ok Person\t3/10/26, 10:00:00 AM\t3/10/26, 11:00:00 AM\t1h\tok@example.org\tAttendee",
        "Still In\t3/10/26, 10:00:00 AM\t\t\tin@example.org\tAttendee",
        "Bad Time\t3/10/26, 25:00:00 AM\t3/10/26, 11:00:00 AM\t\tt@example.org\tAttendee",
        "Backwards\t3/10/26, 11:00:00 AM\t3/10/26, 10:00:00 AM\t\tb@example.org\tAttendee",
        "No Address\t3/10/26, 10:00:00 AM\t3/10/26, 11:00:00 AM\t\tnot an address\tAttendee",
        "Evil\x1b[2J Guest\t3/10/26, 10:00:00 AM\t3/10/26, 11:00:00 AM\t\t\tAttendee",
    ]
    report = read_report(_utf16(tmp_path / "r.csv", ACTIVITIES + "\r\n".join(rows) + "\r\n"), LONDON)
    assert [i.name for i in report.intervals] == ["Ok Person"]
    reasons = {bad.source: bad.reason for bad in report.bad}
    assert list(reasons) == [f"r.csv:{line}" for line in (4, 5, 6, 7, 8)]
    assert "no leave time" in reasons["r.csv:4"]
    assert "is not a time" in reasons["r.csv:5"]
    assert reasons["r.csv:6"] == "leaves before it joins"
    assert "is not an e-mail address" in reasons["r.csv:7"]
    assert "U+001B" in reasons["r.csv:8"]


def test_zoom_rows_after_its_meeting_block_and_a_guest_without_an_email(tmp_path: Path) -> None:
    text = (
        'Meeting ID,Topic,Start Time\r\n812 3456 7890,"Prevent, live",03/10/2026 09:55:01 AM\r\n,,\r\n'
        f'{ZOOM_HEADER}"Lee, Kim (Kim)",,03/10/2026 9:58:12 AM,03/10/2026 11:30:02 AM,92,Yes\r\n'
    )
    path = tmp_path / "participants.csv"
    path.write_text(text, encoding="utf-8")
    report = read_report(path, LONDON)
    assert report.title == "Prevent, live"
    assert [(i.name, i.addresses, i.source) for i in report.intervals] == [("Lee, Kim (Kim)", (), "participants.csv:5")]


def test_local_times_are_read_in_the_zone_given() -> None:
    summer = local_instant("7/1/26, 10:00:00 AM", LONDON)  # British Summer Time
    assert summer == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert local_instant("01/07/2026, 10:00:00", LONDON) == summer  # en-GB: day first, 24-hour clock
    assert local_instant("01.07.2026 10:00", LONDON) == summer
    assert local_instant("2026-07-01 10:00:00", LONDON) == summer


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31)))  # noqa: DTZ001 - local times
def test_each_locale_format_reads_back_the_same_instant(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    expected = moment.replace(tzinfo=LONDON).astimezone(UTC)
    us = f"{moment.month}/{moment.day}/{moment:%y}, {moment:%I:%M:%S}\u202f{moment:%p}"
    zoom = f"{moment:%m/%d/%Y %I:%M:%S %p}"
    gb = f"{moment:%d/%m/%Y, %H:%M:%S}"
    assert {local_instant(text, LONDON) for text in (us, zoom, gb)} == {expected}


def test_a_file_that_is_no_attendance_report_is_refused_whole(tmp_path: Path) -> None:
    other = tmp_path / "roster.csv"
    other.write_text("payroll_number,name\r\nP1,Ann\r\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no line names the columns"):
        read_report(other, LONDON)
    broken = tmp_path / "broken.csv"
    broken.write_bytes(ZOOM_HEADER.encode() + b"\xff\xfe\xfa,x\r\n")
    with pytest.raises(ConfigError, match="is not utf-8 text"):
        read_report(broken, LONDON)


def test_the_legacy_list_names_a_join_with_no_leave(tmp_path: Path) -> None:
    text = (
        "Full Name\tUser Action\tTimestamp\r\nAnn\tJoined\t10/03/2021, 09:00:00\r\nAnn\tLeft\t10/03/2021, 10:30:00\r\n"
        "Bob\tJoined before\t10/03/2021, 09:00:00\r\nCat\tLeft\t10/03/2021, 09:10:00\r\n"
    )
    report = read_report(_utf16(tmp_path / "list.csv", text), LONDON)
    assert [(i.name, i.left - i.joined) for i in report.intervals] == [("Ann", timedelta(minutes=90))]
    assert [(b.source, b.reason.split(":")[0]) for b in report.bad] == [
        ("list.csv:4", "Joined with no Left after it"),
        ("list.csv:5", "Left with no Joined before it"),
    ]


def test_times_under_a_utc_header_are_read_as_utc(tmp_path: Path) -> None:
    text = (
        "Name\tJoin Time (UTC)\tLeave Time (UTC)\tDuration\tEmail\tRole\r\n"
        "Kim Lee\t7/1/26, 10:00:00 AM\t7/1/26, 11:00:00 AM\t1h\tk@example.org\tAttendee\r\n"
    )
    (kim,) = read_report(_utf16(tmp_path / "r.csv", text), LONDON).intervals
    assert kim.joined == datetime(2026, 7, 1, 10, tzinfo=UTC)  # not 09:00, as London's summer time would make it


def test_a_file_far_larger_than_any_report_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.write(ZOOM_HEADER.encode())
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(ConfigError, match="larger than 16 MB"):
        read_report(huge, LONDON)
