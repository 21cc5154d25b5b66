"""Reading a Moodle or Totara site's SCORM run-time data from its PostgreSQL database, read-only: every SQL text the
SCORM source runs (sources/scorm.py makes statements of what these give).

Tables as the site's install.xml creates them (mod/scorm/db/install.xml), under the site's table prefix:
- Moodle up to 4.2 and Totara: `scorm_scoes_track` (userid, scormid, scoid, attempt, element, value,
  timemodified), one row per learner, SCO, attempt and CMI element;
- Moodle 4.3 and later: `scorm_attempt` (id, userid, scormid, attempt), `scorm_scoes_value` (attemptid, scoid,
  elementid, value, timemodified) and `scorm_element` (id, element);
- both: `scorm` (id, name, version), `scorm_scoes` (id, scorm, identifier, scormtype) and `user`.
The connection is opened with `default_transaction_read_only = on` and each run reads in one REPEATABLE READ, READ
ONLY transaction: the adapter cannot write to the LMS, and one run sees one snapshot of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import args_row

from lrs_adapter.config import LmsConfig
from lrs_adapter.errors import ConfigError, TransientError

LEGACY, SPLIT = "scorm_scoes_track", "scorm_attempt"  # the two layouts, by the table that tells them apart
READ_ONLY = "-c default_transaction_read_only=on"
LmsConnection = psycopg.Connection[Any]


class ScormRow(NamedTuple):
    id: int
    name: str
    version: str


class ScoRow(NamedTuple):
    id: int
    scorm: int
    identifier: str


class TrackRow(NamedTuple):
    """One CMI value of one attempt, with the newest modification time of its attempt (the cursor's unit)."""

    changed: int
    userid: int
    scormid: int
    scoid: int
    attempt: int
    payroll: str | None
    deleted: bool | None  # None when the user row is missing altogether
    element: str
    value: str
    timemodified: int


def connect_read_only(lms: LmsConfig, *, file: str) -> LmsConnection:
    """A connection that cannot write: the server refuses any write in its transactions."""
    parts = conninfo_to_dict(lms.url)
    options = f"{parts.get('options') or ''} {READ_ONLY}".strip()
    password = lms.password()
    conninfo = make_conninfo(
        lms.url,
        options=options,
        connect_timeout=str(max(1, round(lms.connect_timeout))),
        application_name="lrs-adapter",
        **({"password": password} if password is not None else {}),
    )
    try:
        connection = psycopg.connect(conninfo)
    except psycopg.Error as error:  # psycopg's message names host and user, never the password
        raise ConfigError(
            f"cannot connect to the LMS database of lms.{lms.name}: {str(error).strip().splitlines()[0]}",
            file=file,
            key=f"lms.{lms.name}.url",
            fix="check the URL, that the LMS's database accepts this host, and the password variable.",
        ) from None
    connection.read_only = True
    connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    return connection


@contextmanager
def lms_errors(lms: LmsConfig, *, file: str) -> Iterator[None]:
    """What the LMS's database says, as the adapter's errors: a table the user may not read is the configuration's
    to fix (naming the grant); a connection lost while reading is transient (the next run resumes from the cursor)."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as error:
        raise ConfigError(
            f"the LMS database refused a read: {str(error).strip().splitlines()[0]}",
            file=file,
            key=f"lms.{lms.name}.url",
            fix="GRANT SELECT on the site's scorm, scorm_scoes, scorm_scoes_track (or scorm_attempt, scorm_scoes_value,"
            " scorm_element) and user tables to the adapter's database user (README, SCORM from the LMS).",
        ) from None
    except psycopg.OperationalError as error:
        raise TransientError(f"lost the LMS database of lms.{lms.name}: {str(error).strip().splitlines()[0]}") from None


def _table(prefix: str, name: str) -> sql.Identifier:
    return sql.Identifier(prefix + name)


def layout(connection: LmsConnection, lms: LmsConfig, *, file: str) -> str:
    """SPLIT (Moodle 4.3+) when its attempt table exists, else LEGACY; ConfigError when neither does."""
    for table in (SPLIT, LEGACY):
        name = sql.Identifier(lms.prefix + table).as_string(connection)
        found = connection.execute("SELECT to_regclass(%s)", [name]).fetchone()
        if found and found[0] is not None:
            return table
    raise ConfigError(
        f"the LMS database has neither {lms.prefix}{SPLIT} (Moodle 4.3+) nor {lms.prefix}{LEGACY} (Moodle up to 4.2,"
        " Totara) that this user can see.",
        file=file,
        key=f"lms.{lms.name}.prefix",
        fix="give the site's table prefix ($CFG->prefix in its config.php) and a database user that may read them.",
    )


def database_clock(connection: LmsConnection) -> int:
    """The LMS database's time at the run's snapshot, in unix seconds: no write it holds can be from later, bar a
    web server's wrong clock."""
    row = connection.execute("SELECT CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS BIGINT)").fetchone()
    assert row is not None
    return int(row[0])


def scorm_activities(
    connection: LmsConnection, prefix: str, ids: Sequence[int], names: Sequence[str]
) -> list[ScormRow]:
    query = sql.SQL("SELECT id, name, version FROM {} WHERE id = ANY(%s) OR name = ANY(%s) ORDER BY id").format(
        _table(prefix, "scorm")
    )
    with connection.cursor(row_factory=args_row(ScormRow)) as cursor:
        return cursor.execute(query, [list(ids), list(names)]).fetchall()


def scos(connection: LmsConnection, prefix: str, scorm_ids: Sequence[int]) -> list[ScoRow]:
    query = sql.SQL("SELECT id, scorm, identifier FROM {} WHERE scorm = ANY(%s) AND scormtype = 'sco'").format(
        _table(prefix, "scorm_scoes")
    )
    with connection.cursor(row_factory=args_row(ScoRow)) as cursor:
        return cursor.execute(query, [list(scorm_ids)]).fetchall()


_LEGACY_ROWS = """
WITH changed AS (
    SELECT userid, scormid, scoid, attempt, MAX(timemodified) AS changed FROM {track}
    WHERE scormid = ANY(%(scorms)s) AND timemodified >= %(since)s
    GROUP BY userid, scormid, scoid, attempt
)
SELECT c.changed, c.userid, c.scormid, c.scoid, c.attempt, u.{payroll}, u.deleted = 1,
       t.element, t.value, t.timemodified
FROM changed c
JOIN {track} t ON t.userid = c.userid AND t.scormid = c.scormid AND t.scoid = c.scoid AND t.attempt = c.attempt
LEFT JOIN {user} u ON u.id = c.userid
ORDER BY c.changed, c.userid, c.scormid, c.scoid, c.attempt, t.element
"""
_SPLIT_ROWS = """
WITH changed AS (
    SELECT v.attemptid, v.scoid, MAX(v.timemodified) AS changed FROM {value} v
    JOIN {attempt} a ON a.id = v.attemptid
    WHERE a.scormid = ANY(%(scorms)s) AND v.timemodified >= %(since)s
    GROUP BY v.attemptid, v.scoid
)
SELECT c.changed, a.userid, a.scormid, c.scoid, a.attempt, u.{payroll}, u.deleted = 1,
       e.element, v.value, v.timemodified
FROM changed c
JOIN {attempt} a ON a.id = c.attemptid
JOIN {value} v ON v.attemptid = c.attemptid AND v.scoid = c.scoid
JOIN {element} e ON e.id = v.elementid
LEFT JOIN {user} u ON u.id = a.userid
ORDER BY c.changed, a.userid, a.scormid, c.scoid, a.attempt, e.element
"""


def changed_tracks(
    connection: LmsConnection,
    *,
    prefix: str,
    kind: str,
    payroll_field: str,
    scorm_ids: Sequence[int],
    since: int,
) -> Iterator[TrackRow]:
    """Every CMI value of every attempt with a value written at or after `since` (unix seconds), attempts in the
    order of their newest write, each attempt's rows together; streamed through a server-side cursor."""
    text = _SPLIT_ROWS if kind == SPLIT else _LEGACY_ROWS
    query = sql.SQL(text).format(
        track=_table(prefix, LEGACY),
        value=_table(prefix, "scorm_scoes_value"),
        attempt=_table(prefix, SPLIT),
        element=_table(prefix, "scorm_element"),
        user=_table(prefix, "user"),
        payroll=sql.Identifier(payroll_field),
    )
    with connection.cursor(name="lrs_adapter_scorm_tracks", row_factory=args_row(TrackRow)) as cursor:
        cursor.itersize = 2000
        cursor.execute(query, {"scorms": list(scorm_ids), "since": since})
        yield from cursor
