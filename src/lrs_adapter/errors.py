"""Error classes shared by every edge of the adapter.

Each failure a run can end with carries an `error_class`, a short stable word that lands in the run log, the JSON
log line and the exit code, so that an admin (or a monitor) can tell a configuration mistake, which no retry will
fix, from a transient fault, which the next scheduled run will probably get past.
"""

from __future__ import annotations


class AdapterError(Exception):
    """A failure the adapter explains to a person; `error_class` says what kind it is."""

    error_class = "internal"


class ConfigError(AdapterError):
    """The configuration (or the LRS's verdict on it: bad credentials, wrong endpoint) must be fixed by a person."""

    error_class = "config"

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None, fix: str | None = None):
        self.file, self.key, self.fix = file, key, fix
        where = ", ".join(part for part in (file, f"key {key}" if key else None) if part)
        text = f"{where}: {message}" if where else message
        if fix:
            text += f" Fix: {fix}"
        super().__init__(text)


class LrsRejected(AdapterError):
    """The LRS refused a request for a reason a retry cannot change (400, 401, 403, 404...).

    401/403/404 are configuration errors (credentials, endpoint); a 400 says the adapter's query is wrong.
    """

    def __init__(
        self, status: int, url: str, lrs_message: str, *, error_class: str, hint: str, method: str = "GET"
    ) -> None:
        self.status, self.url, self.lrs_message, self.hint = status, url, lrs_message, hint
        self.error_class = error_class
        super().__init__(f"LRS answered {status} to {method} {url}: {lrs_message or '(no message)'}. {hint}")


class TransientError(AdapterError):
    """The LRS or the network failed in a way that may pass (timeouts, 429, 5xx) and the retries ran out."""

    error_class = "transient"


class ProtocolError(AdapterError):
    """The LRS broke the xAPI protocol in a way that would make the pull loop or skip data (a repeating `more`)."""

    error_class = "protocol"


class SourceFormatError(AdapterError):
    """An export file cannot be read on past some point (its JSON is broken beyond one line)."""

    error_class = "source_format"


#: The error class of a delivery a sink's target will never take as it is: that delivery fails, the others go on.
REFUSED = "refused"


class DeliveryRefused(AdapterError):
    """A sink refused one delivery for a reason a retry cannot change (the LRS holds a different statement under
    its id, a webhook answered 4xx)."""

    error_class = REFUSED


class StoreError(AdapterError):
    """The store cannot be written for a reason outside the adapter (a full disk, a read-only file): a person must
    fix the disk or the permissions; what was committed stays, so the next run resumes from there."""

    error_class = "store"

    def __init__(self, message: str, *, fix: str) -> None:
        self.fix = fix
        super().__init__(f"{message} Fix: {fix}")


class LockedError(AdapterError):
    """Another run holds this connector's lock; this one did nothing."""

    error_class = "locked"


def error_class_of(error: BaseException) -> str:
    """The error class of any exception, so that a bug still gets a run-log row that says `internal`."""
    return error.error_class if isinstance(error, AdapterError) else "internal"


def exit_code_of(error: BaseException) -> int:
    """Exit 2 for anything a person must fix in the configuration, 1 for every other failure."""
    return 2 if error_class_of(error) == "config" else 1
