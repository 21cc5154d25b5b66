"""Hypothesis-generated export files of valid and broken statements, pulled into a real SQLite store: whatever
a line holds, the run ends, each line is stored or quarantined with a field and a reason, and the valid ones are
all stored."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs_adapter.config import Config, ConnectorConfig
from lrs_adapter.pipeline.pull import QUARANTINED, SUCCEEDED, pull
from lrs_adapter.store import open_store
from tests.helpers.factory import make_statement
from tests.helpers.stored import stored_ids

NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)

_SCALARS = (
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(max_size=20)
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
TIMESTAMPS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2026-02-30T10:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:01Z", "0000-01-01T00:00:00Z",
                     "2026-01-01T10:00:00+25:00", "2026-01-01 10:00:00Z", "20260101T100000Z", "-2026-01-01T00:00:00Z"]),
    st.datetimes().map(lambda moment: moment.isoformat()),  # no time zone
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),  # valid
)  # fmt: skip
DURATIONS = st.text(alphabet="PTYMWDHS0123456789.,-:", max_size=24) | st.integers(1, 10**6).map(lambda n: f"PT{n}S")
IFI_KEYS = st.sampled_from(["mbox", "mbox_sha1sum", "openid", "account", "mbox_sha256", "email", "objectType", "name"])
ACTORS = st.dictionaries(IFI_KEYS, JSON | st.sampled_from(["mailto:a@b.c", "https://id.example.org/a"]), max_size=3)
#: Around orjson's limits (254 levels written, 1,024 read) and Python's recursion limit (1,000), and far past them.
DEPTHS = st.sampled_from([254, 255, 990, 1000, 1010, 1020, 1024, 10_000]) | st.integers(100, 3000)
MUTATIONS = ("none", "replace", "drop", "timestamp", "duration", "actor", "big string", "deep", "torn", "bytes")


def paths(node: Any, steps: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [steps] if steps else []
    if isinstance(node, dict):
        found += [path for key, child in node.items() for path in paths(child, (*steps, key))]
    elif isinstance(node, list):
        found += [path for index, child in enumerate(node) for path in paths(child, (*steps, index))]
    return found


def put(statement: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    node: Any = statement
    for step in path[:-1]:
        node = node[step]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value


_DROP = object()
DEEP = "(a value nested this deep)"


def mutate(draw: st.DrawFn, statement: dict[str, Any], mutation: str) -> None:
    """The statement broken in place by `mutation`, when it is one made on the parsed value."""
    where = draw(st.sampled_from(paths(statement)))
    if mutation == "replace":
        put(statement, where, draw(JSON))
    elif mutation == "drop":
        put(statement, where, _DROP)
    elif mutation == "timestamp":
        statement[draw(st.sampled_from(["timestamp", "stored"]))] = draw(TIMESTAMPS)
    elif mutation == "duration":
        statement.setdefault("result", {})["duration"] = draw(DURATIONS)
    elif mutation == "actor":
        statement["actor"] = draw(ACTORS)
    elif mutation == "big string":
        put(statement, where, "x" * draw(st.integers(100_000, 3_000_000)))
    elif mutation == "deep":  # written as text: orjson writes no more than 254 levels
        put(statement, where, DEEP)


@st.composite
def lines(draw: st.DrawFn, i: int) -> tuple[str, bytes]:
    """(mutation, the line): statement `i` of the factory, valid or broken in one way."""
    statement = make_statement(i, seed=draw(st.integers(0, 9)))
    mutation = draw(st.sampled_from(MUTATIONS))
    mutate(draw, statement, mutation)
    line = orjson.dumps(statement)
    if mutation == "deep":
        depth = draw(DEPTHS)
        line = line.replace(orjson.dumps(DEEP), b'{"k":' * depth + b"0" + b"}" * depth)
    if mutation == "torn":
        line = line[: draw(st.integers(1, len(line) - 1))]
    elif mutation == "bytes":
        line = draw(st.binary(min_size=1, max_size=200)).replace(b"\n", b" ").replace(b"\r", b" ")
    return mutation, line


@st.composite
def export_files(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    numbers = draw(st.lists(st.integers(0, 100_000), min_size=1, max_size=12, unique=True))
    return [draw(lines(i)) for i in numbers]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(export_files())
def test_every_generated_line_is_stored_or_quarantined(file: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "export.jsonl"
        path.write_bytes(b"\n".join(line for _, line in file) + b"\n")
        config = Config(
            path=Path(directory) / "lrs-adapter.toml",
            store_url="unused",
            lrs={},
            connectors={"export": ConnectorConfig(name="export", file=path)},
        )
        db = open_store(f"sqlite:///{directory}/store.db")
        try:
            run = pull(config, db, "export", now=lambda: NOW)
            counted = [line for _, line in file if line.strip()]  # a blank line is no statement
            assert run.outcome in (SUCCEEDED, QUARANTINED), run.error_message
            assert run.fetched == len(counted) == run.new + run.duplicate + run.conflicts + run.quarantined
            stored = stored_ids(db)
            assert len(stored) == run.new
            for field, reason in db.execute("SELECT field, reason FROM quarantine"):
                assert field
                assert reason
            valid = {orjson.loads(line)["id"] for mutation, line in file if mutation == "none"}
            assert valid <= stored
        finally:
            db.close()
