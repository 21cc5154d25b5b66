"""Reminders over a whole certification cycle, travelling in time one daily run at a time: the roster imported, the
window opening at assignment, 30 and 7 days before the due date, the due date, 14 and 28 days after it, then the
learner certified; with days on which the sync did not run. Every event is raised once, and every e-mail arrives
once at a real SMTP server (aiosmtpd, STARTTLS and a login). The line manager is copied on the escalations; an
exempt learner, a leaver and a learner without a work e-mail are sent nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from lrs_adapter.config import SINK_EVENTS, Config, SinkConfig
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.pipeline.push import deliver
from lrs_adapter.pipeline.settle import settle
from lrs_adapter.sources.roster import read_roster
from lrs_adapter.store import Database
from lrs_adapter.store.exemptions import Exemption, save_exemption
from lrs_adapter.store.learners import import_roster
from lrs_adapter.store.outbox import HELD, NO_EMAIL, deliveries
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement
from tests.helpers.pushing import PREVENT, take
from tests.helpers.smtp import SmtpServer, mail_sink_config

ROOT = Path(__file__).resolve().parents[2]
ASSIGNED, DUE = date(2026, 1, 5), date(2026, 7, 5)  # Prevent: a new learner has 6 months, the window open at once
CERTIFIED = date(2026, 8, 10)
LEAVES = date(2026, 5, 20)
#: Days the sync did not run: the 7-day reminder's day, and the 14-day escalation's and the two days after it.
MISSED = {date(2026, 6, 28), date(2026, 7, 19), date(2026, 7, 20), date(2026, 7, 21)}
HEADER = "payroll_number,name,work_email,department,manager_payroll_number,staff_group,no_it_access,assignment_date"
PEOPLE = {
    "P1": "P1,Ada Learner,ada@example.gov.uk,Adult Care,M1,Care,no,2026-01-05",
    "M1": "M1,Morgan Manager,morgan@example.gov.uk,Adult Care,,Managers,no,2026-01-05",  # exempt
    "P2": "P2,Lee Leaver,lee@example.gov.uk,Adult Care,M1,Care,no,2026-01-05",  # leaves on LEAVES
    "P3": "P3,Nat Noemail,,Adult Care,M1,Care,no,2026-01-05",
}


def roster(tmp_path: Path, people: list[str], on: date) -> Path:
    path = tmp_path / f"roster-{on}.csv"
    path.write_text("\n".join([HEADER, *(PEOPLE[p] for p in people)]) + "\n", encoding="utf-8")
    return path


def config(tmp_path: Path, server: SmtpServer) -> Config:
    mail = mail_sink_config(server)
    totara = SinkConfig(name="totara", kind="lms_file", events=SINK_EVENTS["lms_file"], directory=tmp_path / "lms")
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url="unused: the test's store is open already",
        lrs={},
        connectors={},
        home_page=HOME,
        sinks={"mail": mail, "totara": totara},
    )


def daily_runs(cfg: Config, db: Database, mapping: Mapping, first: date, last: date, tmp_path: Path) -> None:
    """The daily sync from `first` to `last` (but on the MISSED days), with what happens in between: the roster
    imported on the first day (M1 exempt), P2 gone from it on LEAVES, P1's e-learning completed on CERTIFIED."""
    day = first
    while day <= last:
        if day == ASSIGNED:
            rows = read_roster(roster(tmp_path, list(PEOPLE), day))
            import_roster(db, rows, home_page=HOME, today=day, now=f"{day}T05:00:00Z")
            save_exemption(db, Exemption("M1", "prevent", date(2030, 1, 1), "long-term leave", "admin", f"{day}"))
        if day == LEAVES:
            rows = read_roster(roster(tmp_path, ["P1", "M1", "P3"], day))
            import_roster(db, rows, home_page=HOME, today=day, now=f"{day}T05:00:00Z")
        if day == CERTIFIED:
            take(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P1", timestamp=f"{day}T10:00:00Z"))
        if day not in MISSED:
            settle(cfg, db, [mapping], datetime(day.year, day.month, day.day, 23, tzinfo=UTC))
            deliver(cfg, db, [mapping])
        day += timedelta(days=1)


def raised(db: Database, sink: str) -> Counter[tuple[str, str, str | None]]:
    """How many times each event went into the outbox for `sink`: (learner, event, reminder offset)."""
    return Counter((d.learner, d.event, d.payload.get("offset")) for d in deliveries(db, sink=sink, limit=10_000))


def test_a_whole_cycle_raises_each_event_once_and_each_mail_arrives_once(
    db: Database, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    cfg = config(tmp_path, smtp_server)
    daily_runs(cfg, db, PREVENT, ASSIGNED, CERTIFIED + timedelta(days=40), tmp_path)

    ada = [
        ("P1", "window_opened", None),
        ("P1", "due_soon", "P30D"),
        ("P1", "due_soon", "P7D"),
        ("P1", "overdue", None),
        ("P1", "overdue_reminder", "P14D"),
        ("P1", "overdue_reminder", "P28D"),
    ]
    mail = raised(db, "mail")
    assert {key: n for key, n in mail.items() if key[0] == "P1"} == dict.fromkeys(ada, 1)
    assert raised(db, "totara") == Counter({("P1", "certified", None): 1})
    # Exempt: nothing raised at all. The leaver: the window opened while they were staff, nothing since they left
    # (off the roster, no longer assigned: no reminder, no escalation, no `overdue`).
    assert not [key for key in mail if key[0] == "M1"]
    assert {key for key in mail if key[0] == "P2"} == {("P2", "window_opened", None)}

    # What the SMTP server received, in order, each once: the 7-day reminder a day late (no run on its day), the
    # 14-day escalation three days late, both to Ada; the escalations copied to her manager.
    received = smtp_server.mailbox.received
    to_ada = [(r.message["Date"], r.message["Subject"]) for r in smtp_server.mailbox.to("ada@example.gov.uk")]
    assert [subject for _, subject in to_ada] == [
        "Your Prevent and WRAP Certification Pathway window is open: complete it by 5 July 2026",
        "Reminder: your Prevent and WRAP Certification Pathway is due on 5 July 2026 (30 days)",
        "Reminder: your Prevent and WRAP Certification Pathway is due on 5 July 2026 (7 days)",
        "Your Prevent and WRAP Certification Pathway was due on 5 July 2026: you are not compliant",
        "Overdue 14 days: Ada Learner's Prevent and WRAP Certification Pathway (due 5 July 2026)",
        "Overdue 28 days: Ada Learner's Prevent and WRAP Certification Pathway (due 5 July 2026)",
    ]
    assert len({r.message["Message-ID"] for r in received}) == len(received)
    to_manager = smtp_server.mailbox.to("morgan@example.gov.uk")
    assert [r.message["Subject"] for r in to_manager] == [s for _, s in to_ada[4:]]
    assert all("ada@example.gov.uk" in r.recipients for r in to_manager)  # the learner's mail, the manager copied
    assert len(smtp_server.mailbox.to("lee@example.gov.uk")) == 1
    # No work e-mail: every delivery about Nat held with why, none sent, counted in each push run.
    nat = deliveries(db, sink="mail", learner="P3")
    assert nat
    assert {(d.status, d.last_error) for d in nat} == {(HELD, NO_EMAIL)}
    assert len(received) == 6 + 1  # Ada's six, Lee's one: Morgan only ever copied
    runs = db.execute("SELECT held, COUNT(*) AS n FROM runs WHERE stage = 'push' AND connector = 'mail' GROUP BY held")
    days_run = (CERTIFIED + timedelta(days=40) - ASSIGNED).days + 1 - len(MISSED)
    assert sum(r.n for r in runs) == days_run  # one push run per run day for the mail sink, in the run log
    assert max(r.held for r in runs) == len(nat)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)  # the store's part is the same as above
def test_switching_reminders_on_late_never_sends_those_whose_day_passed(
    db: Database, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """Installed (or the offsets added) on 10 June: the 30-day reminder's day (5 June) had passed, so it never
    goes; the 7-day one goes on its day, and the escalations after the due date."""
    cfg = config(tmp_path, smtp_server)
    off = replace(PREVENT, certification=replace(PREVENT.certification, reminders=(), escalations=()))
    daily_runs(cfg, db, off, ASSIGNED, date(2026, 6, 9), tmp_path)
    daily_runs(cfg, db, PREVENT, date(2026, 6, 10), date(2026, 8, 5), tmp_path)
    reminders = {key for key in raised(db, "mail") if key[0] == "P1" and key[2]}
    assert reminders == {
        ("P1", "due_soon", "P7D"),
        ("P1", "overdue_reminder", "P14D"),
        ("P1", "overdue_reminder", "P28D"),
    }
