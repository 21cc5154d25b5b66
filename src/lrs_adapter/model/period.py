"""Calendar periods: the certification's validity and window, a retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Period:
    """A calendar period (P2Y, P18M, P45D): months and days, added as calendars add them, never as seconds.

    `after` and `before` are the only month arithmetic in the adapter: a day plus a month clamps to the month's end
    (31 January plus one month is 28 or 29 February), as the policy's dates need (DESIGN.md)."""

    months: int = 0
    days: int = 0

    def __str__(self) -> str:
        return (
            "P" + (f"{self.months}M" if self.months else "") + (f"{self.days}D" if self.days or not self.months else "")
        )

    def after(self, day: date) -> date:
        """`day` plus this period."""
        result: date = day + relativedelta(months=self.months, days=self.days)
        return result

    def before(self, day: date) -> date:
        """`day` minus this period."""
        result: date = day - relativedelta(months=self.months, days=self.days)
        return result
