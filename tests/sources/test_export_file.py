"""Export files: JSON Lines, JSON arrays and concatenated objects, streamed; broken input named and kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from lrs_adapter.errors import SourceFormatError
from lrs_adapter.pipeline.page_intake import take_in_page
from lrs_adapter.sources import Page
from lrs_adapter.sources.export_file import ExportFile
from tests.helpers.factory import make_statements


def read(path: Path, batch: int = 2) -> list[Page]:
    return list(ExportFile(path, batch=batch).pages())


def test_json_lines_in_batches_with_bad_lines_kept_by_number(tmp_path: Path) -> None:
    statements = make_statements(5)
    lines = [json.dumps(s) for s in statements]
    lines.insert(2, "{torn")
    lines.insert(4, "")
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")
    pages = read(path)
    # Lines are passed on as text, to be parsed where they are checked (pipeline/page_intake.py).
    assert [len(page.statements) for page in pages] == [2, 2, 2]
    assert pages[0].statements[0] == (f"{path}:1", lines[0].encode())
    taken = [take_in_page(page, datetime(2026, 1, 1, tzinfo=UTC), "1.0.3") for page in pages]
    assert [item.id for accepted, _, _ in taken for item in accepted] == [s["id"] for s in statements]
    bad = [rejected for _, rejections, _ in taken for rejected in rejections]
    assert len(bad) == 1
    assert bad[0].source == f"{path}:3"
    assert bad[0].raw == "{torn"
    assert bad[0].field == "(json)"
    assert bad[0].reason.startswith("not valid JSON")


@pytest.mark.parametrize("layout", ["array", "concatenated", "single"])
def test_json_arrays_and_objects_are_streamed(tmp_path: Path, layout: str) -> None:
    statements = make_statements(1 if layout == "single" else 5)
    text = {
        "array": json.dumps(statements, indent=2),
        "concatenated": "\n".join(json.dumps(s, indent=2) for s in statements),
        "single": json.dumps(statements[0], indent=2),
    }[layout]
    path = tmp_path / "export.json"
    path.write_text("\n  " + text)
    parsed = [statement for page in read(path) for _, statement in page.statements]
    assert parsed == statements


def test_a_broken_array_keeps_what_came_before_and_quarantines_the_break(tmp_path: Path) -> None:
    statements = make_statements(3)
    text = orjson.dumps(statements).decode()
    path = tmp_path / "export.json"
    path.write_text(text[: len(text) - 700] + "}}, {{{")
    source = ExportFile(path, batch=10)
    pages: list[Page] = []
    with pytest.raises(SourceFormatError, match=r"not valid JSON after statement 2") as caught:
        pages.extend(source.pages())
    assert caught.value.error_class == "source_format"
    assert [s["id"] for _, s in pages[0].statements] == [s["id"] for s in statements[:2]]
    assert pages[0].unparsable[0].source == f"{path} after statement 2"


def test_floats_stay_floats(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text('[{"result": {"score": {"scaled": 0.85}}}]')
    [page] = read(path)
    assert page.statements[0][1]["result"]["score"]["scaled"] == 0.85
    assert isinstance(page.statements[0][1]["result"]["score"]["scaled"], float)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read the export file") as caught:
        read(tmp_path / "nope.jsonl")
    assert getattr(caught.value, "error_class", None) == "config"
