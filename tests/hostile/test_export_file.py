"""Hostile export files pulled into a real store (SQLite and PostgreSQL): every line is stored or quarantined with
the field at fault and a reason; the run ends, and what came after a bad line is taken in too."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.model.statements import QUARANTINE_RAW_LIMIT
from lrs_adapter.pipeline.pull import FAILED, QUARANTINED, pull
from lrs_adapter.pipeline.quarantine_retry import retry_entries
from lrs_adapter.store import Database
from tests.helpers.factory import make_statement

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)
MB = 1_000_000
STORED = "is stored"  # not a field name: `stored` is one


def pull_file(db: Database, path: Path) -> Any:
    config = Config(
        path=path.parent / "lrs-adapter.toml",
        store_url="unused",
        lrs={},
        connectors={"export": ConnectorConfig(name="export", file=path)},
    )
    return pull(config, db, "export", now=lambda: NOW)


def nested(depth: int) -> bytes:
    return b'{"k":' * depth + b'"leaf"' + b"}" * depth


def varied(i: int, **changes: Any) -> bytes:
    """Statement `i` with parts replaced (a value of None removes the part): a bad statement with its own id."""
    statement = copy.deepcopy(make_statement(i, verb="passed"))  # the cmi5 and SCORM shapes have a result
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        node = statement
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return orjson.dumps(statement)


def with_extension(i: int, value: bytes) -> bytes:
    """Statement `i` with a result extension whose value is written as given (for text orjson would not write)."""
    line = varied(i)
    assert b'"result":{' in line
    assert b'"result":{"extensions"' not in line
    return line.replace(b'"result":{', b'"result":{"extensions":{"https://example.org/x":' + value + b"},", 1)


def hostile_lines() -> list[tuple[str, bytes, str]]:
    """(what, line, expected: STORED or the quarantined field)."""
    return [
        ("a good statement", varied(1), STORED),
        ("torn JSON", b'{"actor": {"objectType": "Agent", "mbox": "mailto:a@b.c"', "(json)"),
        ("invalid UTF-8 in a string", with_extension(2, b'"\xff\xfe\xfd"'), "(json)"),
        ("a NUL byte", with_extension(3, b'"a\x00b"'), "(json)"),
        ("an escaped NUL", with_extension(4, b'"a\\u0000b"'), STORED),
        ("a lone surrogate", with_extension(5, b'"\\ud800"'), "(json)"),
        ("a number too big for a double", with_extension(6, b"1e400"), "(json)"),
        ("an array, not a statement", b"[1, 2, 3]", "(statement)"),
        ("a string, not a statement", b'"statement"', "(statement)"),
        ("null", b"null", "(statement)"),
        ("verb is a number", varied(7, verb=42), "verb"),
        ("actor is an array", varied(8, actor=[]), "actor"),
        ("no verb", varied(9, verb=None), "verb"),
        ("timestamp is a number", varied(10, timestamp=1767225600), "timestamp"),
        ("30 February", varied(11, timestamp="2026-02-30T10:00:00Z"), "timestamp"),
        ("hour 25", varied(12, timestamp="2026-01-01T25:00:00Z"), "timestamp"),
        ("yesterday", varied(13, timestamp="yesterday"), "timestamp"),
        ("no time zone", varied(14, timestamp="2026-01-01T10:00:00"), "timestamp"),
        ("year 0", varied(15, timestamp="0000-01-01T00:00:00Z"), "timestamp"),
        ("stored is not an instant", varied(16, stored="soon"), "stored"),
        ("duration P", varied(17, result__duration="P"), "result.duration"),
        ("duration PT", varied(18, result__duration="PT"), "result.duration"),
        ("negative duration", varied(19, result__duration="-P1D"), "result.duration"),
        ("duration 1.5.5 seconds", varied(20, result__duration="PT1.5.5S"), "result.duration"),
        ("duration of a 5 MB number", varied(21, result__duration="PT" + "9" * 5 * MB + "S"), "result.duration"),
        ("an unknown IFI", varied(22, actor={"objectType": "Agent", "mbox_sha256": "ab"}), "actor"),
        ("no IFI", varied(23, actor={"objectType": "Agent", "name": "Nobody"}), "actor"),
        ("two IFIs", varied(24, actor={"mbox": "mailto:a@b.c", "openid": "https://id.example.org/a"}), "actor.openid"),
        ("an openid that is no URI", varied(25, actor={"openid": "not a uri"}), "actor.openid"),
        (
            "an account without a name",
            varied(26, actor={"account": {"homePage": "https://x.org"}}),
            "actor.account.name",
        ),
        ("an mbox without mailto", varied(27, actor={"mbox": "a@b.c"}), "actor.mbox"),
        ("an extension 200 levels deep", with_extension(28, nested(200)), STORED),
        ("an extension 1,000 levels deep", with_extension(29, nested(1000)), "(statement)"),
        ("an extension 10,000 levels deep", with_extension(30, nested(10_000)), "(json)"),
        ("a 4 MB extension", with_extension(31, b'"' + b"x" * 4 * MB + b'"'), STORED),
        ("a 4 MB actor name", varied(32, actor__name="n" * 4 * MB), STORED),
        ("a 4 MB activity id that is no IRI", varied(33, object__id="x" * 4 * MB), "object.id"),
        ("a 4 MB timestamp", varied(34, timestamp="2" * 4 * MB), "timestamp"),
        ("weeks mixed with days", varied(36, result__duration="P4W1D"), "result.duration"),
        ("weeks alone", varied(37, result__duration="P4W"), STORED),
        ("a leap second", varied(38, timestamp="2016-12-31T23:59:60Z"), "timestamp"),
        ("an account name with a terminal escape", varied(39, actor__account__name="P1\x1b[2J"), "actor.account.name"),
        ("an account name with a bidi override", varied(40, actor__account__name="\u202e1P"), "actor.account.name"),
        ("a 4 MB account name", varied(41, actor__account__name="n" * 4 * MB), "actor.account.name"),
        ("an account name that is a formula", varied(42, actor__account__name='=HYPERLINK("x")'), STORED),
        ("a good statement after them all", varied(35), STORED),
    ]


CASES = hostile_lines()


def test_every_hostile_line_is_stored_or_quarantined_with_its_field(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"\n".join(line for _, line, _ in CASES) + b"\n")
    run = pull_file(db, path)
    assert run.outcome == QUARANTINED
    assert run.error_class is None
    quarantined = {
        int(source.rsplit(":", 1)[1]): (field, reason, size)
        for source, field, reason, size in db.execute("SELECT source, field, reason, LENGTH(raw) FROM quarantine")
    }
    outcomes = {
        number: quarantined[number][0] if number in quarantined else STORED for number in range(1, len(CASES) + 1)
    }
    assert {what: outcomes[n] for n, (what, _, _) in enumerate(CASES, start=1)} == {what: e for what, _, e in CASES}
    stored = db.one("SELECT COUNT(*) FROM statements")
    assert stored is not None
    assert stored[0] == run.new == sum(e == STORED for _, _, e in CASES)
    assert run.fetched == len(CASES) == run.new + run.quarantined
    for field, reason, size in quarantined.values():  # a short reason; the raw text kept, cut to the limit
        assert field, (field, reason)
        assert 0 < len(reason) < 500, (field, reason)
        assert size <= QUARANTINE_RAW_LIMIT + 100, (field, reason)
    # Retrying takes what was kept in again without harm; the two lines whose bad bytes were kept as U+FFFD are then
    # JSON, and pass: a retry is an admin's decision to take the repaired text.
    assert retry_entries(db, None, now=NOW) == (2, len(quarantined) - 2)
    released = db.execute("SELECT source FROM quarantine WHERE status = 'released'")
    assert sorted(int(row[0].rsplit(":", 1)[1]) for row in released) == [
        n for n, (what, _, _) in enumerate(CASES, start=1) if what in ("invalid UTF-8 in a string", "a NUL byte")
    ]


def test_a_json_array_with_an_extension_10000_levels_deep(db: Database, tmp_path: Path) -> None:
    """Arrays are streamed by ijson, which builds any depth: intake must refuse it, not overflow the stack."""
    path = tmp_path / "export.json"
    path.write_bytes(b"[" + b",".join([varied(1), with_extension(2, nested(10_000)), varied(3)]) + b"]")
    run = pull_file(db, path)
    assert (run.outcome, run.new, run.quarantined) == (QUARANTINED, 2, 1)
    row = db.one("SELECT field, reason, raw FROM quarantine")
    assert row is not None
    assert row[:2] == ("(statement)", "cannot be serialised: Recursion limit reached")
    assert make_statement(2, verb="passed")["id"] in row[2]  # its outer levels, id included, tell it apart


def test_invalid_utf8_in_a_json_array_stops_there_and_keeps_what_came_before(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(b"[" + b",".join([varied(1), with_extension(2, b'"\xff"'), varied(3)]) + b"]")
    run = pull_file(db, path)
    assert (run.outcome, run.error_class, run.new, run.quarantined) == (FAILED, "source_format", 1, 1)
    row = db.one("SELECT field, reason FROM quarantine")
    assert row is not None
    assert row[0] == "(json)"
    assert "invalid bytes in UTF8" in row[1]


@pytest.mark.parametrize("what", ["a NUL byte", "an extension 1,000 levels deep"])
def test_pulling_the_same_hostile_file_again_adds_nothing(db: Database, tmp_path: Path, what: str) -> None:
    [line] = [line for name, line, _ in CASES if name == what]
    path = tmp_path / "export.jsonl"
    path.write_bytes(line + b"\n" + varied(1) + b"\n")
    first, again = pull_file(db, path), pull_file(db, path)
    assert (first.new, first.quarantined, again.new, again.duplicate, again.quarantined) == (1, 1, 0, 1, 1)
    count = db.one("SELECT COUNT(*) FROM quarantine")
    assert count is not None
    assert count[0] == 1
