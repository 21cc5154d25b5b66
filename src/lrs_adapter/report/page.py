"""The manager's compliance page, rendered from data alone: no store, no clock, no request, so the static file
(`report --html`) and the HTTP API's `/report` are the same page, and a test can feed it any team.

The page must be readable with no JavaScript and by people who cannot tell red from green: every status is a word
and a symbol as well as a colour, the team is a table with headers, and filtering is a plain GET form.

It runs under a Content-Security-Policy that lets nothing load or run but its one stylesheet, named by its hash:
no script, no `style` attribute (the summary bar is an SVG whose rectangles are sized by their attributes), so a
name that slipped past the escaping still could not run or restyle the page.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, Template

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
    """One direct report's state in one certification."""

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


_environment = Environment(
    loader=PackageLoader("lrs_adapter.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def template(name: str) -> Template:
    """A template of the report pages (the manager's page, a learner's own page, their shared parts)."""
    return _environment.get_template(name)


#: The page's one stylesheet (included whole in its <style>), the same on every page: the statuses' colours are the
#: code's, not the data's.
STYLESHEET = _environment.get_template("report.css").render(statuses=STATUSES)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLESHEET.encode()).digest()).decode()
#: What the page may load and do: its stylesheet (by hash), a form submitted to where it is served, nothing else.
#: The API sends it as a header with `frame-ancestors 'none'`, which a <meta> element cannot carry (browsers ignore
#: it there), so the static file gets the rest in its <meta http-equiv>.
CONTENT_SECURITY_POLICY = f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; base-uri 'none'"


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%b %Y}" if day else "—"


def render(report: Report) -> str:
    in_department = [m for m in report.members if report.department in (None, m.department)]
    shown = [m for m in in_department if report.status in (None, m.status)]
    urgency = {status.key: rank for rank, status in enumerate(STATUSES)}
    shown.sort(key=lambda m: (urgency[m.status], m.due_on or date.max, m.name, m.learner, m.certification))
    counts = Counter(m.status for m in in_department)
    starts = [sum(counts[s.key] for s in STATUSES[:rank]) for rank in range(len(STATUSES))]
    evaluated = max((m.evaluated_on for m in report.members), default=None)

    def link_to(status: str) -> str:
        """The summary bar's counts filter the table too, keeping the other filters."""
        query = {"manager": report.manager, "department": report.department, "status": status, "as_of": report.as_of}
        return f"{report.form_action}?{urlencode({k: v for k, v in query.items() if v is not None})}"

    return _environment.get_template("report.html").render(
        report=report,
        rows=shown,
        team_size=len(in_department),
        summary=[(status, counts[status.key]) for status in STATUSES],
        bar=[(s, start, counts[s.key]) for s, start in zip(STATUSES, starts, strict=True) if counts[s.key]],
        content_security_policy=CONTENT_SECURITY_POLICY,
        departments=sorted({m.department for m in report.members}),
        statuses=STATUSES,
        by_key=BY_KEY,
        evaluated_on=evaluated,
        long_date=long_date,
        link_to=link_to,
    )
