"""Durations and timestamps as the specifications write them (issue 17, item 4): weeks stand alone in an ISO 8601
duration, so `P4W1D` is quarantined (a statement) or a configuration error naming file, key and fix (a mapping, the
config), and no longer meets `min_duration = "PT1H"`; a leap second is refused with a reason that says so.

Statements are synced through the command line into a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.cli import main
from lrs_adapter.config import load_config
from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.model.durations import parse_duration
from lrs_adapter.store import open_store
from lrs_adapter.xapi.formats import duration_fault
from tests.helpers.prevent import ATTENDED, HOME, IRI, SATISFIED, statement

ROOT = Path(__file__).resolve().parents[2]
LIVE = f"{IRI}/prevent-webinar-live"
FIX = "write the weeks as days ('P4W1D' is 'P29D')"


maybe = st.none() | st.integers(0, 10**4)


@given(st.integers(0, 10**4), maybe, maybe, maybe, maybe)
def test_both_readers_take_weeks_alone_and_refuse_them_mixed(
    weeks: int, days: int | None, hours: int | None, minutes: int | None, seconds: int | None
) -> None:
    """The statement checker (xapi/formats.py) and the configuration's reader (model/durations.py) agree."""
    clock = "".join(f"{n}{unit}" for n, unit in zip((hours, minutes, seconds), "HMS", strict=True) if n is not None)
    rest = (f"{days}D" if days is not None else "") + (f"T{clock}" if clock else "")
    text = f"P{weeks}W{rest}"
    fault = duration_fault(text)
    if not rest:
        assert fault is None
        assert parse_duration(text) == timedelta(weeks=weeks)
        return
    assert fault == (
        f"'{text}' mixes weeks with other units, which ISO 8601 and xAPI do not allow: weeks stand alone, "
        f"as in 'P4W'; {FIX}"
    )
    with pytest.raises(ValueError, match=r"^This duration mixes weeks with other units"):
        parse_duration(text)


def attended(learner: str, duration: str) -> dict[str, Any]:
    """The live webinar attended for `duration`: it counts from an hour (`min_duration = "PT1H"`)."""
    return statement(
        ATTENDED, f"{LIVE}/session/1", learner=learner, parent=LIVE, result={"duration": duration, "completion": True}
    )


def test_mixed_weeks_and_leap_seconds_are_quarantined_and_certify_nobody(tmp_path: Path, store_url: str) -> None:
    mixed = {"P00001": "P4W1D", "P00002": "P1W2DT1H", "P00003": "P1Y2W"}
    statements = [attended(learner, duration) for learner, duration in mixed.items()]
    statements.append(attended("P00004", "P4W"))  # weeks alone: four weeks' attendance is over an hour
    leap = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00005", timestamp="2016-12-31T23:59:60Z")
    stored_leap = statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00006") | {"stored": "20161231T235960Z"}
    statements += [leap, stored_leap]
    (tmp_path / "export.jsonl").write_bytes(b"".join(orjson.dumps(s) + b"\n" for s in statements))
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n[roster]\nhome_page = "{HOME}"\n'
        f'[store]\nurl = "{store_url}"\n[connectors.export]\nfile = "export.jsonl"\n'
    )

    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "sync"])

    assert result.exit_code == 3, result.output  # done, but something was quarantined
    db = open_store(store_url)
    try:
        quarantined = {row.statement_id: (row.field, row.reason) for row in db.execute("SELECT * FROM quarantine")}
    finally:
        db.close()
    for hostile, duration in zip(statements, mixed.values(), strict=False):
        field, reason = quarantined.pop(hostile["id"])
        assert field == "result.duration"
        assert reason.startswith(f"'{duration}' mixes weeks with other units"), reason
        assert FIX in reason
    for hostile, field, text in (
        (leap, "timestamp", "2016-12-31T23:59:60Z"),
        (stored_leap, "stored", "20161231T235960Z"),
    ):
        assert quarantined.pop(hostile["id"]) == (
            field,
            f"'{text}' is a leap second (second 60), which the adapter cannot place among its instants: "
            "send the moment before it (second 59.999)",
        )
    assert not quarantined
    status = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", "status", "--format", "json"])
    assert status.exit_code == 0, status.output
    states = {row["learner"]: row["status"] for row in map(orjson.loads, status.output.splitlines())}
    assert states == {"P00004": "green"}  # nobody else has a statement stored


MAPPING = (ROOT / "mappings" / "prevent.toml").read_text("utf-8")


@pytest.mark.parametrize(
    ("written", "instead", "key", "says"),
    [
        ('min_duration = "PT1H"', 'min_duration = "P4W1D"', "options.webinar_live.components.attended.min_duration",
         "This duration mixes weeks"),
        ('at_least = "PT1H"', 'at_least = "P1WT1H"', "options.webinar_live.components.present.presence.at_least",
         "This duration mixes weeks"),
        ('validity = "P24M"', 'validity = "P1Y2W"', "certification.validity", "This period mixes weeks"),
        ('window = "P6M"', 'window = "P4W2D"', "certification.window", "This period mixes weeks"),
    ],
)  # fmt: skip
def test_a_mapping_that_mixes_weeks_names_file_key_and_fix(
    tmp_path: Path, written: str, instead: str, key: str, says: str
) -> None:
    assert written in MAPPING
    path = tmp_path / "prevent.toml"
    path.write_text(MAPPING.replace(written, instead))
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert str(path) in text
    assert f"key {key}: {says} with other units, which ISO 8601 and xAPI do not allow" in text
    assert FIX in text
    assert "Fix: " in text


def test_the_config_refuses_mixed_weeks_and_a_leap_second_by_name(tmp_path: Path) -> None:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        '[connectors.export]\nfile = "export.jsonl"\nsince = "2016-12-31T23:59:60Z"\n'
        '[health]\nmax_age = "P1W1D"\n[retention]\nleavers_after = "P6Y2W"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert str(path) in text
    assert (
        "key connectors.export.since: Not an instant the adapter can use: '2016-12-31T23:59:60Z' is a leap second"
        in text
    )
    assert "key health.max_age: This duration mixes weeks with other units" in text
    assert "key retention.leavers_after: This period mixes weeks with other units" in text
