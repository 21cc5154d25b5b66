"""Push only what belongs: on the demo data, with HR's roster missing some of the learners the export holds, those
are evaluated and shown, but nothing about them reaches a sink (Totara's upload file, a real local webhook) until the
roster lists them; then their held deliveries go, in order, and the run log shows each push."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lrs_adapter.cli import main

ROOT = Path(__file__).resolve().parents[2]


def cli(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.output


@pytest.fixture
def demo(tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`make demo`'s files, its config with a webhook sink added."""
    monkeypatch.setenv("DEMO_HOOK_SECRET", "demo-secret")
    shutil.copy(ROOT / "lrs-adapter.toml", tmp_path)
    shutil.copytree(ROOT / "fixtures" / "demo", tmp_path / "fixtures" / "demo")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    config = tmp_path / "lrs-adapter.toml"
    with config.open("a") as handle:
        handle.write(
            f'\n[sinks.hook]\nkind = "webhook"\nurl = "{httpserver.url_for("/hook")}"\nsecret_env = "DEMO_HOOK_SECRET"\n'
        )
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    return config


def roster_without(demo: Path, leave_out: str) -> tuple[Path, set[str], set[str]]:
    """The demo roster without the learners whose payroll number ends in `leave_out`: (file, kept, left out)."""
    with (demo.parent / "fixtures" / "demo" / "roster.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    kept = [row for row in rows if not row["payroll_number"].endswith(leave_out)]
    path = demo.parent / "partial-roster.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    left_out = {row["payroll_number"] for row in rows} - {row["payroll_number"] for row in kept}
    return path, {row["payroll_number"] for row in kept}, left_out


def pushed_to(demo: Path, httpserver: HTTPServer) -> tuple[set[str], set[str]]:
    """Whom the webhook heard of, and whom Totara's upload files name."""
    hooked = {request.get_json()["learner_id"] for request, _ in httpserver.log}
    uploaded = set()
    for upload in (demo.parent / "var" / "outbox" / "totara").glob("*.csv"):
        with upload.open(newline="") as handle:
            uploaded |= {row["username"] for row in csv.DictReader(handle)}
    return hooked, uploaded


def held(demo: Path, sink: str) -> list[str]:
    """The learners of the deliveries `outbox list` shows held for `sink`."""
    code, output = cli(demo, "outbox", "list", "--status", "held", "--sink", sink, "--limit", "10000")
    assert code == 0, output
    return [line.split()[2] for line in output.splitlines() if f"→ {sink} held" in line]


def test_only_learners_on_the_roster_are_pushed_and_the_others_wait_counted(demo: Path, httpserver: HTTPServer) -> None:
    roster, on_roster, left_out = roster_without(demo, "3")
    assert cli(demo, "roster", "import", str(roster))[0] == 0
    assert cli(demo, "register", "import", str(demo.parent / "fixtures" / "demo" / "briefing-register.csv"))[0] == 3
    code, output = cli(demo, "sync")
    assert code == 3, output  # the export's two broken lines, as in `make demo`

    hooked, uploaded = pushed_to(demo, httpserver)
    assert hooked, "the webhook heard of learners on the roster"
    assert uploaded, "Totara's file names learners on the roster"
    assert hooked <= on_roster
    assert uploaded <= on_roster
    held_hook, held_totara = held(demo, "hook"), held(demo, "totara")
    assert set(held_hook) <= left_out
    assert held_hook, "some learners left off the roster had results to push"
    assert f"push hook: delivered {len(httpserver.log)} · held {len(held_hook)} (not on the roster" in output
    assert set(held_totara) <= set(held_hook)  # Totara takes only `certified`, the webhook every event
    (totara,) = [line for line in output.splitlines() if line.startswith("push totara:")]
    assert totara.endswith(f" · held {len(held_totara)} (not on the roster: lrs-adapter learners unresolved)")

    counted_not_pushed(demo, held_hook, held_totara, len(httpserver.log))

    # HR's full roster: the held deliveries go, nothing was lost.
    before = len(httpserver.log)
    assert cli(demo, "roster", "import", str(demo.parent / "fixtures" / "demo" / "roster.csv"))[0] == 0
    code, output = cli(demo, "push")
    assert code == 0, output
    assert f"push hook: delivered {len(held_hook)}" in output
    hooked, uploaded = pushed_to(demo, httpserver)
    assert len(httpserver.log) == before + len(held_hook)
    assert set(held_hook) <= hooked
    assert set(held_totara) <= uploaded
    assert held(demo, "hook") == []


def counted_not_pushed(demo: Path, held_hook: list[str], held_totara: list[str], delivered: int) -> None:
    """Evaluated all the same: status shows them; `learners unresolved` lists them with what is held; the run log
    counts what each sink's push held."""
    states = [orjson.loads(line) for line in cli(demo, "status", "--format", "json")[1].splitlines()]
    assert set(held_hook) <= {state["learner"] for state in states}
    code, output = cli(demo, "learners", "unresolved")
    assert code == 0
    assert f"not on the roster, results not pushed: {len(set(held_hook))} learners" in output
    assert all(f" {learner} (to " in output for learner in held_hook)

    # The run log shows each sink's push, with what it held.
    code, output = cli(demo, "runs", "--stage", "push", "--format", "json")
    runs = {run["connector"]: run for run in map(orjson.loads, output.splitlines())}
    assert runs["hook"]["stage"] == "push"
    assert (runs["hook"]["delivered"], runs["hook"]["held"]) == (delivered, len(held_hook))
    assert runs["totara"]["held"] == len(held_totara)


def test_roster_only_false_pushes_everyone_evaluated(demo: Path, httpserver: HTTPServer) -> None:
    demo.write_text(demo.read_text().replace("[sinks.totara]", "[push]\nroster_only = false\n\n[sinks.totara]"))
    roster, _, left_out = roster_without(demo, "3")
    assert cli(demo, "roster", "import", str(roster))[0] == 0
    assert cli(demo, "sync")[0] == 3
    hooked, _ = pushed_to(demo, httpserver)
    assert hooked & left_out
    assert held(demo, "hook") == []
