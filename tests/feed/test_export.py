"""`lrs-adapter feed export`: JSON lines and CSV, from a seq on, written whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.feed.export import CSV_COLUMNS, CSV_COLUMNS_V2, csv_row
from lrs_adapter.files import atomic_file
from lrs_adapter.store import open_store
from tests.helpers.changelog import sync
from tests.helpers.prevent import IRI, SATISFIED, statement


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text('[store]\nurl = "sqlite:///store.db"\n')
    db = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    for i in range(3):
        sync(db, statement(SATISFIED, f"{IRI}/prevent-elearning", learner=f"P0000{i}"))
    db.close()
    return path


def export(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "feed", "export", *args])
    return result.exit_code, result.output


def test_jsonl_after_a_seq_gives_only_what_follows(config: Path) -> None:
    code, output = export(config, "--kind", "completions")
    assert code == 0, output
    everything = [orjson.loads(line) for line in output.splitlines()]
    assert [r["learner_id"] for r in everything] == ["P00000", "P00001", "P00002"]
    code, output = export(config, "--kind", "completions", "--after", str(everything[0]["seq"]))
    assert [orjson.loads(line)["seq"] for line in output.splitlines()] == [r["seq"] for r in everything[1:]]


def test_csv_to_a_file(config: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "states.csv"
    target.parent.mkdir()
    code, output = export(config, "--kind", "certifications", "--format", "csv", "--output", str(target))
    assert code == 0, output
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [(r["learner_id"], r["status"], r["deleted"], r["on_roster"]) for r in rows] == [
        (f"P0000{i}", "green", "false", "false") for i in range(3)
    ]
    assert list(target.parent.iterdir()) == [target], "no temporary file left behind"


def test_an_unknown_cursor_fails_and_leaves_the_old_file(config: Path, tmp_path: Path) -> None:
    target = tmp_path / "feed.jsonl"
    target.write_text("the previous export\n")
    code, output = export(config, "--kind", "completions", "--after", "999", "--output", str(target))
    assert code == 1
    assert "seq 999" in output
    assert target.read_text() == "the previous export\n"


def test_a_write_that_fails_midway_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.jsonl"

    def write_half_then_fail() -> None:
        with atomic_file(target) as out:
            out.write("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_half_then_fail()
    assert list(tmp_path.iterdir()) == []


def test_csv_flattens_the_source(config: Path) -> None:
    code, output = export(config, "--kind", "completions", "--format", "csv")
    assert code == 0, output
    first = next(csv.DictReader(io.StringIO(output)))
    assert (first["source.connectors"], first["counted"], first["reason"]) == ("c", "true", "")
    assert first["source.statement_ids"] == statement(SATISFIED, f"{IRI}/prevent-elearning", learner="P00000")["id"]


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize("kind", ["completions", "certifications"])
def test_csv_has_a_column_for_every_field_of_the_records(config: Path, kind: str, version: str) -> None:
    """The CSV writer takes the columns it is given and leaves other keys out: a field added to the records must
    be added to CSV_COLUMNS too, or CSV readers would never see it."""
    code, output = export(config, "--kind", kind, "--schema-version", version)
    assert code == 0, output
    fields = {key for line in output.splitlines() for key in csv_row(orjson.loads(line))}
    assert {orjson.loads(line)["schema_version"] for line in output.splitlines()} == {int(version)}
    assert fields <= set((CSV_COLUMNS if version == "3" else CSV_COLUMNS_V2)[kind])
