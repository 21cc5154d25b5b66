"""Totara's certification completion upload: a CSV an LMS admin (or the LMS's own scheduled import) picks up.

One file per push run, written whole or not at all (a temporary file in the same folder, then a rename), so the
LMS never reads half a file. The file's name is recorded against its deliveries before it is written: a push
killed between writing and acknowledging rewrites that same file rather than a second one with the same rows.
Only `certified` events go here: Totara's upload can record a completion but not withdraw one (revocations reach
an LMS by the webhook or the agent profile).

The file is written as every CSV of the adapter is (`csv_output`): a text cell beginning with a formula trigger gets
a leading single quote, the `username` included, although Totara matches its users on it. That is still right: the
username is the learner id (a payroll number, which never begins with `=`, `+`, `-`, `@`, a tab or a carriage
return), so a row whose username does is no user of Totara's either way, and Totara's import refuses it as an
unknown user, visibly; left live, it would be a formula in a file an LMS administrator opens in a spreadsheet to
see what is being uploaded. No byte order mark: Totara's scheduled import reads the file, not Excel.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from lrs_adapter.config import SinkConfig
from lrs_adapter.csv_output import write_csv
from lrs_adapter.errors import TransientError
from lrs_adapter.files import atomic_file
from lrs_adapter.store.outbox import Delivery

HEADER = ("username", "certificationshortname", "certificationidnumber", "completiondate", "duedate")


def upload_rows(sink: SinkConfig, deliveries: Sequence[Delivery]) -> list[dict[str, str]]:
    rows = []
    for d in deliveries:
        codes = sink.certifications.get(d.certification, {})
        cycle = d.payload["cycle"]
        values = (
            d.learner,
            codes.get("shortname", d.certification),
            codes.get("idnumber", ""),
            cycle["completed_on"],
            cycle["due_on"],
        )
        rows.append(dict(zip(HEADER, values, strict=True)))
    return rows


def upload_csv(rows: Sequence[dict[str, str]]) -> str:
    text = io.StringIO(newline="")
    write_csv(text, HEADER, rows)
    return text.getvalue()


def upload_path(sink: SinkConfig, delivery: Delivery) -> Path:
    """The file a delivery goes into: named after its batch (the push names a batch after its first delivery)."""
    return Path(sink.directory or ".") / f"{sink.file_prefix}-{delivery.batch or delivery.id}.csv"


class LmsFileSink:
    batched = True
    can_retract = False  # Totara's upload records completions and cannot withdraw one
    needs_email = False

    def __init__(self, sink: SinkConfig) -> None:
        self.name = sink.name
        self.sink = sink

    def send(self, deliveries: Sequence[Delivery]) -> None:
        """The deliveries of one batch: one file."""
        path = upload_path(self.sink, deliveries[0])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_file(path) as out:
                out.write(upload_csv(upload_rows(self.sink, deliveries)))
        except OSError as error:
            raise TransientError(f"cannot write {path}: {error.strerror or error}") from error
