"""A sync's log lines, as ops' log shipper reads them: one JSON object per line, each pull line with its run id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from tests.helpers.factory import make_statements


def test_a_syncs_log_lines_parse_as_json_and_carry_the_run_id(tmp_path: Path) -> None:
    (tmp_path / "export.jsonl").write_bytes(b"\n".join(orjson.dumps(s) for s in make_statements(5)) + b"\n")
    (tmp_path / "lrs-adapter.toml").write_text(
        '[store]\nurl = "sqlite:///store.db"\n[connectors.demo]\nfile = "export.jsonl"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "lrs_adapter", "--log-format", "json", "sync"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [orjson.loads(line) for line in done.stderr.splitlines()]
    assert lines
    assert all(line["connector"] == "demo" and isinstance(line["run_id"], int) for line in lines)
    assert len({line["run_id"] for line in lines}) == 1
