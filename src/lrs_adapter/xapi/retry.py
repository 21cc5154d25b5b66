"""What to do with each answer from an LRS, and how long to wait before asking again.

One table decides, per HTTP status, whether a request is retried and, if not, which error class and which hint the
admin gets; the waiting honours the LRS's `Retry-After` (seconds or an HTTP-date) and otherwise backs off
exponentially with jitter, with a cap on one wait and on the whole.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)
from tenacity.stop import stop_base

from lrs_adapter.config import RetryPolicy

#: Statuses that never succeed on a retry: (error class, what the admin should look at).
FAIL_FAST: dict[int, tuple[str, str]] = {
    400: (
        "config",
        "The LRS rejected the query: check the connector's verb, activity and since, and xapi_version.",
    ),
    401: (
        "config",
        "Check the LRS's username and the password in the environment variable its password_env names.",
    ),
    403: ("config", "The credentials are known but may not read statements: grant them read access."),
    404: ("config", "Check the LRS's endpoint: it must be the xAPI base URL, the part before 'statements'."),
}
#: Statuses worth another try besides every 5xx.
RETRY_STATUSES = frozenset({408, 429})


class RetryableFailure(Exception):
    """A failed attempt that may pass; `retry_after` is the server's own advice in seconds, if it gave any;
    `unreachable` says, in a few words, why the server was never reached ("connection refused"), when it was not."""

    def __init__(self, message: str, retry_after: float | None = None, *, unreachable: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or 500 <= status <= 599


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _RetryAfterOrBackoff:
    """Tenacity wait: the server's Retry-After when it sent one, else exponential backoff with jitter; capped."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.cap = policy.max_wait
        self.backoff = wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableFailure) and error.retry_after is not None:
            return min(error.retry_after, self.cap)
        return float(self.backoff(state))


class _WaitBudget(stop_base):
    """Tenacity stop: the next wait would take the time spent waiting past the budget (counts injected sleeps too)."""

    def __init__(self, budget: float) -> None:
        self.budget = budget

    def __call__(self, state: RetryCallState) -> bool:
        return state.idle_for + (state.upcoming_sleep or 0.0) > self.budget


def retrying(
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Any],
    before_sleep: Callable[[RetryCallState], Any] | None = None,
) -> Retrying:
    """A tenacity controller that retries RetryableFailure until attempts or the total time budget run out."""
    return Retrying(
        retry=retry_if_exception_type(RetryableFailure),
        wait=_RetryAfterOrBackoff(policy),
        stop=stop_after_attempt(policy.max_attempts)
        | stop_before_delay(policy.max_total)
        | _WaitBudget(policy.max_total),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
