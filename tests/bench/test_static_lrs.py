"""bench/static_lrs.py: the static LRS the pull benchmark runs against must honour ``since`` and ``limit`` as xAPI
says (``since`` exclusive), or the pull's cursor and closing query are measured against the wrong pages."""

from __future__ import annotations

import json
from array import array
from pathlib import Path

from bench.static_lrs import Statements, epoch_ms

STORED = ["2025-01-06T09:00:00.100Z", "2025-01-06T09:00:00.200Z", "2025-01-06T09:00:00.300Z"]


def statements(directory: Path) -> Statements:
    """Three statements written as bench/pull.py writes them: JSON Lines, ``stored`` in epoch ms, line offsets."""
    lines = [json.dumps({"id": str(n), "stored": stored}).encode() + b"\n" for n, stored in enumerate(STORED)]
    (directory / "export.jsonl").write_bytes(b"".join(lines))
    (directory / "stored.bin").write_bytes(array("q", [epoch_ms(s) for s in STORED]).tobytes())
    offsets = array("q", [0])
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    (directory / "offsets.bin").write_bytes(offsets.tobytes())
    return Statements(directory)


def test_since_is_exclusive_and_read_to_the_millisecond(tmp_path: Path) -> None:
    served = statements(tmp_path)
    assert served.start(None) == 0
    assert served.start("2025-01-06T09:00:00.100Z") == 1
    assert served.start("2025-01-06T09:00:00.099999+00:00") == 0
    assert served.start("2025-01-06T10:00:00.200+01:00") == 2  # the same instant in another offset


def test_a_page_holds_limit_statements_and_says_where_the_next_begins(tmp_path: Path) -> None:
    served = statements(tmp_path)
    body, end = served.page(0, 2)
    assert [s["id"] for s in json.loads(b"[" + body + b"]")] == ["0", "1"]
    assert end == 2
    body, end = served.page(end, 2)
    assert [s["id"] for s in json.loads(b"[" + body + b"]")] == ["2"]
    assert served.page(end, 2) == (b"", 3)
