"""The manager's compliance page, rendered from data alone: no store, no clock, no request, so the static file
(`report --html`) and the HTTP API's `/report` are the same page, and a test can feed it any team.

The page must be readable with no JavaScript and by people who cannot tell red from green: every status is a word
and a symbol as well as a colour, the team is a table with headers, and filtering is a plain GET form when served.
A static file has nowhere to submit a form to: it carries one small script (`filter.js`) that hides the rows the
filters leave out; without script its filter controls stay hidden and every row shows.

It runs under a Content-Security-Policy that lets nothing load or run but its one stylesheet and (in the static
file only) that one script, each named by its hash: no `style` attribute (the summary bar is an SVG whose
rectangles are sized by their attributes), so a name that slipped past the escaping still could not run or restyle
the page.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from jinja2 import Environment, PackageLoader, StrictUndefined

from lrs_adapter.rules.engine import AMBER, EXEMPT, GREEN, NONE, RED


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    meaning: str
    symbol: str
    colour: str  # the badge's background; its text colour is chosen for contrast (WCAG AA) in the template
    ink: str


#: Most urgent first: the order of the summary bar, the filter and the table.
STATUSES = (
    Status(RED, "Overdue", "past the due date", "✕", "#b42318", "#ffffff"),
    Status(AMBER, "Due soon", "renewal window open", "!", "#f0a30a", "#1f2328"),
    Status(GREEN, "Certified", "valid, window not yet open", "✓", "#1a7f37", "#ffffff"),
    Status(EXEMPT, "Exempt", "exempted by an administrator until the date shown", "○", "#5e4db2", "#ffffff"),
    Status(NONE, "Nothing due", "not assigned yet, nothing completed", "–", "#6e7781", "#ffffff"),
)
BY_KEY = {status.key: status for status in STATUSES}


@dataclass(frozen=True)
class TeamMember:
    """One person's state in one certification (someone below the manager, or in the department or council)."""

    learner: str
    name: str
    department: str
    certification: str  # its name, as the manager knows it
    status: str
    certified_on: date | None
    window_opens_on: date | None
    due_on: date | None
    evaluated_on: date
    exempt_until: date | None = None
    option: str | None = None  # the name of the option last certified with (on `certified_on`)


@dataclass(frozen=True)
class SignedIn:
    """Who reads a served page, named at its top with the ways to their other views and out: `views` are
    (label, URL) pairs, their own status first."""

    name: str
    sign_out: str
    views: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class Report:
    """`members` is the whole team: the department choices and the summary bar need those the filters hide.

    `as_of` is the day asked for, or None for the states the last sync stored. `form_action` is where the filter
    form submits; a static file has nowhere to submit to, so without one the page states its filters instead.
    """

    manager: str
    manager_name: str | None
    members: Sequence[TeamMember]
    department: str | None = None
    status: str | None = None
    as_of: date | None = None
    form_action: str | None = None
    signed_in: SignedIn | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in BY_KEY:
            raise ValueError(f"status must be one of {', '.join(BY_KEY)}, not {self.status!r}")


TEMPLATES = Environment(
    loader=PackageLoader("lrs_adapter.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


#: The page's one stylesheet (included whole in its <style>), the same on every page: the statuses' colours are the
#: code's, not the data's.
STYLESHEET = TEMPLATES.get_template("report.css").render(statuses=STATUSES)
#: The static file's filters: the same text in every file, so one hash names it.
FILTER_SCRIPT = TEMPLATES.get_template("filter.js").render()
#: What the served page may load and do: its stylesheet (by hash), a form submitted to where it is served, nothing
#: else. The API sends it as a header with `frame-ancestors 'none'`, which a <meta> element cannot carry (browsers
#: ignore it there).
CONTENT_SECURITY_POLICY = f"default-src 'none'; style-src '{_sha256(STYLESHEET)}'; form-action 'self'; base-uri 'none'"
#: The static file's, in its <meta http-equiv>: the same, and its filter script (by hash).
STATIC_CONTENT_SECURITY_POLICY = f"{CONTENT_SECURITY_POLICY}; script-src '{_sha256(FILTER_SCRIPT)}'"


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "—"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def overdue_by(due_on: date, on: date) -> str:
    """How long past `due_on` the day `on` is, as a manager says it: "3 years 5 months", "5 months", "12 days"."""
    gap = relativedelta(on, due_on)
    if gap.years or gap.months:
        return " ".join(_plural(n, unit) for n, unit in ((gap.years, "year"), (gap.months, "month")) if n)
    return _plural((on - due_on).days, "day")


_URGENCY = {status.key: rank for rank, status in enumerate(STATUSES)}


def urgency(status: str, due_on: date | str | None, name: str, learner: str, certification: str) -> tuple[object, ...]:
    """The order of the page, the text report and the exports: the most urgent status first, then the earliest due
    (the longest overdue first among the red), then by name."""
    due = date.fromisoformat(due_on) if isinstance(due_on, str) else due_on
    return (_URGENCY[status], due or date.max, name, learner, certification)


def render(report: Report) -> str:
    in_department = [m for m in report.members if report.department in (None, m.department)]
    shown = [m for m in in_department if report.status in (None, m.status)]
    shown.sort(key=lambda m: urgency(m.status, m.due_on, m.name, m.learner, m.certification))
    counts = Counter(m.status for m in in_department)
    starts = [sum(counts[s.key] for s in STATUSES[:rank]) for rank in range(len(STATUSES))]
    evaluated = max((m.evaluated_on for m in report.members), default=None)

    def query(status: str | None) -> str:
        given = {
            "manager": report.manager or None,
            "department": report.department,
            "status": status,
            "as_of": report.as_of,
        }
        return urlencode({k: v for k, v in given.items() if v is not None})

    def link_to(status: str) -> str:
        """The summary bar's counts filter the table too, keeping the other filters."""
        return f"{report.form_action}?{query(status)}"

    #: The served page's rows as a spreadsheet, with the same filters, at `{form_action}.xlsx`.
    download = f"{report.form_action}.xlsx?{query(report.status)}" if report.form_action else None

    certifications = sorted({m.certification for m in report.members})
    return TEMPLATES.get_template("report.html").render(
        report=report,
        signed_in=report.signed_in,
        rows=shown,
        team_size=len(in_department),
        summary=[(status, counts[status.key]) for status in STATUSES],
        bar=[(s, start, counts[s.key]) for s, start in zip(STATUSES, starts, strict=True) if counts[s.key]],
        content_security_policy=CONTENT_SECURITY_POLICY if report.form_action else STATIC_CONTENT_SECURITY_POLICY,
        filter_script=FILTER_SCRIPT,
        download=download,
        certification=certifications[0] if len(certifications) == 1 else None,
        overdue_by=overdue_by,
        departments=sorted({m.department for m in report.members}),
        statuses=STATUSES,
        by_key=BY_KEY,
        evaluated_on=evaluated,
        long_date=long_date,
        link_to=link_to,
    )
