"""A learner's own page: their status in each certification, its dates, and the options that certify them, in
words. The policy tells staff to check their own certification window; this is where a learner who signs in does.

Rendered from data alone under the report page's Content-Security-Policy, with its stylesheet, like `page.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lrs_adapter.report.page import BY_KEY, CONTENT_SECURITY_POLICY, STATUSES, TEMPLATES, SignedIn, long_date


@dataclass(frozen=True)
class OwnCertification:
    certification: str  # its name, as the learner knows it
    status: str
    certified_on: date | None
    window_opens_on: date | None
    due_on: date | None
    exempt_until: date | None
    certified_by: str | None  # the option that last certified them, by name
    options: Sequence[str]  # every option that certifies, by name: any one of them will do


@dataclass(frozen=True)
class OwnStatus:
    learner: str
    name: str
    certifications: Sequence[OwnCertification]
    evaluated_on: date | None
    signed_in: SignedIn


def render_own(own: OwnStatus) -> str:
    return TEMPLATES.get_template("own.html").render(
        report=own,
        signed_in=own.signed_in,
        content_security_policy=CONTENT_SECURITY_POLICY,
        by_key=BY_KEY,
        statuses=STATUSES,  # the stylesheet's colours
        long_date=long_date,
    )
