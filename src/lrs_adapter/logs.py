"""Logging: one JSON object per line for machines (the default off a terminal), readable text on a terminal.

structlog renders both from the same key-value events, so a field an ops dashboard reads (run_id, connector,
phase, counts, error_class) is the same field a person sees. The lines that tell a long stage's progress (a page
taken in, a batch of learners settled) are at `progress_level()`: debug on a terminal, where the progress line shows
the same and one line a page would bury it, info elsewhere (cron, CI), where the lines are all there is.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, TextIO, cast

import orjson
import structlog

from lrs_adapter.terminal import printable


def _dumps(event: Any, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


class _CurrentStderr:
    """Whatever sys.stderr is at the moment of writing, not at start-up: a progress bar on the terminal replaces it
    for a while, to draw the log lines above itself."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _printable_values(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """Text lines are for a terminal: a value from data (an LRS's message, an id) shows its control characters
    escaped. JSON lines need nothing: JSON escapes them."""
    return {key: printable(value) if isinstance(value, str) else value for key, value in event.items()}


_progress_level = logging.INFO


def progress_level() -> int:
    """The level of the lines that repeat as a long stage goes on, as `configure_logging` chose it."""
    return _progress_level


def configure_logging(log_format: str | None = None, level: int = logging.INFO) -> None:
    """`log_format` is "json" or "text"; None picks text on a terminal and JSON otherwise (cron, CI, containers)."""
    global _progress_level  # one logging configuration per process, as structlog's own
    _progress_level = logging.DEBUG if sys.stderr.isatty() else logging.INFO
    if log_format is None:
        log_format = "text" if sys.stderr.isatty() else "json"
    rendering: list[Any] = (
        [structlog.processors.JSONRenderer(serializer=_dumps)]
        if log_format == "json"
        else [_printable_values, structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *rendering,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=False,
    )
    warnings.showwarning = _log_warning


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A library's warning (a deprecation told at import, say) is a log line like any other: Python would print it
    as two lines of text, the one thing on stderr a JSON reader could not parse."""
    structlog.get_logger("py.warnings").warning(
        "python warning", category=category.__name__, message=str(message), at=f"{filename}:{lineno}"
    )
