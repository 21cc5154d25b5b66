"""The trend page: counts per status at each month's end, as a line chart drawn on the server (an inline SVG: no
chart library, no script, the same stylesheet and Content-Security-Policy as the manager's page) and as the table
of the same numbers, which is what a screen reader and a spreadsheet read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lrs_adapter.report.page import BY_KEY, CONTENT_SECURITY_POLICY, STATUSES, TEMPLATES, SignedIn, long_date
from lrs_adapter.rules.trend import Month

#: The chart's drawing area, in the SVG's own units (it scales to the page's width).
WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 960, 300, 48, 28, 12, 16


@dataclass(frozen=True)
class Line:
    status: str
    label: str
    points: str  # the polyline's "x,y x,y ..."


def chart_lines(months: Sequence[Month]) -> tuple[list[Line], list[tuple[float, int]], list[tuple[float, str]]]:
    """Each status's polyline, the y axis's ticks (position, count) and the x axis's labels (position, month): a
    month every year (January) and the first, so 36 months stay legible."""
    top = max((count for month in months for count in month.counts.values()), default=0) or 1
    span = max(len(months) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * index / span, 1)

    def y(count: int) -> float:
        return round(HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * count / top, 1)

    lines = [
        Line(s.key, s.label, " ".join(f"{x(i)},{y(m.counts[s.key])}" for i, m in enumerate(months)))
        for s in STATUSES
        if any(m.counts[s.key] for m in months)
    ]
    ticks = [(y(count), count) for count in sorted({0, top // 2, top})]
    labels = [(x(i), f"{m.day:%b %Y}") for i, m in enumerate(months) if i == 0 or m.day.month == 1]
    return lines, ticks, labels


def render_trend(months: Sequence[Month], *, department: str | None = None, signed_in: SignedIn | None = None) -> str:
    lines, ticks, labels = chart_lines(months)
    return TEMPLATES.get_template("trend.html").render(
        months=months,
        department=department,
        signed_in=signed_in,
        lines=lines,
        ticks=ticks,
        labels=labels,
        size=(WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT),
        statuses=STATUSES,
        by_key=BY_KEY,
        content_security_policy=CONTENT_SECURITY_POLICY,
        long_date=long_date,
    )
