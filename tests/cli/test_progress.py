"""The progress lines of a long run: on a terminal only, from a pull's first page (worker processes included), while
learners are settled and while each sink is pushed."""

from __future__ import annotations

import io
import re
from pathlib import Path

import orjson
from rich.console import Console
from rich.progress import Progress

from lrs_adapter.cli.progress import ProgressLines, drawn_progress
from lrs_adapter.config import load_config
from lrs_adapter.pipeline.push import SinkCounts
from lrs_adapter.pipeline.run import run_sync
from lrs_adapter.pipeline.settle import MapCounts
from lrs_adapter.pipeline.workers import PullProgress, pull_all, pull_connector
from lrs_adapter.store import Database
from tests.helpers.factory import make_statements

ROOT = Path(__file__).resolve().parents[2]


def export(tmp_path: Path, store_url: str, connectors: tuple[str, ...] = ("demo",), statements: int = 1200) -> Path:
    """Export files of `statements` each (pages of 500), one commit at the end of each pull, a sink for the push (of
    every learner: no roster is imported here)."""
    sections = []
    for number, name in enumerate(connectors):
        lines = (orjson.dumps(s) for s in make_statements(statements, start=number * statements))
        (tmp_path / f"{name}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
        sections.append(f'[connectors.{name}]\nfile = "{name}.jsonl"\n')
    config = tmp_path / "lrs-adapter.toml"
    config.write_text(
        f'mappings = ["{ROOT / "mappings" / "prevent.toml"}"]\n'
        '[roster]\nhome_page = "https://learning.example.gov.uk"\n'
        f'[store]\nurl = "{store_url}"\ncommit_every = 5000\n'
        "[pull]\nintake_processes = 0\n"
        "[push]\nroster_only = false\n"
        '[sinks.totara]\nkind = "lms_file"\ndirectory = "upload"\n' + "".join(sections)
    )
    return config


class Screen:
    """A terminal as rich sees one, and the lines drawn on it at each moment a test asks."""

    def __init__(self) -> None:
        self.file = io.StringIO()
        self.console = Console(file=self.file, force_terminal=True, width=160)

    def now(self, progress: Progress) -> str:
        """The lines as they are now, drawn on the terminal and rendered apart (the terminal's copy holds every
        frame drawn, by this and by rich's own refreshes)."""
        progress.refresh()
        lines = Console(file=io.StringIO(), width=160)
        lines.print(progress.get_renderable())
        assert isinstance(lines.file, io.StringIO)
        return lines.file.getvalue()


class Shown(ProgressLines):
    """The real progress lines, with what the screen showed after each hook."""

    def __init__(self, progress: Progress, screen: Screen) -> None:
        super().__init__(progress)
        self.progress, self.screen = progress, screen
        self.pulls: list[tuple[PullProgress, str]] = []
        self.settles: list[str] = []
        self.pushes: list[str] = []

    def pulling(self, progress: PullProgress) -> None:
        super().pulling(progress)
        self.pulls.append((progress, self.screen.now(self.progress)))

    def settling(self, counts: MapCounts) -> None:
        super().settling(counts)
        self.settles.append(self.screen.now(self.progress))

    def pushing(self, sink: str, counts: SinkCounts, pending: int) -> None:
        super().pushing(sink, counts, pending)
        self.pushes.append(self.screen.now(self.progress))


def test_a_terminal_sees_the_pull_from_its_first_page(tmp_path: Path, db: Database, store_url: str) -> None:
    screen = Screen()
    with drawn_progress(screen.console) as progress:
        assert progress is not None
        shown = Shown(progress, screen)
        pulled = pull_connector(load_config(export(tmp_path, store_url)), db, "demo", on_progress=shown.pulling)
    assert pulled.run is not None
    assert pulled.run.fetched == 1200
    first, screen_then = shown.pulls[0]
    assert (first.pages, first.statements, first.new) == (1, 500, 0)  # before the run's only commit
    assert re.search(r"pulling demo: 1 pages · 500 statements · [\d,]+/s · 0 new · 0 quarantined", screen_then)
    last, screen_last = shown.pulls[-1]
    assert (last.pages, last.statements, last.new) == (3, 1200, 1200)
    assert "3 pages · 1,200 statements" in screen_last
    assert "1,200 new" in screen_last
    assert "pulling demo: 1 pages" in screen.file.getvalue()  # drawn on the terminal


def test_each_connector_pulled_by_a_worker_process_is_shown(tmp_path: Path, db: Database, store_url: str) -> None:
    screen = Screen()
    config = load_config(export(tmp_path, store_url, connectors=("north", "south")))
    with drawn_progress(screen.console) as progress:
        assert progress is not None
        shown = Shown(progress, screen)
        pulled = pull_all(config, db, workers=2, on_progress=shown.pulling)
    assert [p.run.fetched for p in pulled if p.run] == [1200, 1200]
    for connector in ("north", "south"):
        heard = [progress for progress, _ in shown.pulls if progress.connector == connector]
        assert heard[0].pages == 1  # from its first page, told across the process boundary
        assert heard[0].statements == 500
        assert (heard[-1].statements, heard[-1].new) == (1200, 1200)
    _, screen_last = shown.pulls[-1]
    assert "pulling north: 3 pages · 1,200 statements" in screen_last
    assert "pulling south: 3 pages · 1,200 statements" in screen_last
    assert "pulling south:" in screen.file.getvalue()


def test_a_terminal_sees_learners_settled_and_deliveries_pushed(tmp_path: Path, db: Database, store_url: str) -> None:
    screen = Screen()
    with drawn_progress(screen.console) as progress:
        assert progress is not None
        shown = Shown(progress, screen)
        result = run_sync(load_config(export(tmp_path, store_url)), db, watcher=shown)
    assert result.settled.learners == 1200
    assert len(shown.settles) == 6  # batches of 200
    assert "settling: 200 learners mapped and evaluated · 200 pieces of evidence" in shown.settles[0]
    assert "pulling demo" not in shown.settles[0]  # the pull's line went when the pull ended
    assert "settling: 1,200 learners mapped and evaluated" in shown.settles[-1]
    assert result.pushed is not None
    delivered = result.pushed.sinks["totara"].delivered
    assert delivered > 0
    assert f"pushing to totara: 0 of {delivered:,} deliveries · 0 delivered" in shown.pushes[0]
    assert "settling" not in shown.pushes[0]
    assert f"pushing to totara: {delivered:,} of {delivered:,} deliveries · {delivered:,} delivered" in shown.pushes[-1]
    assert "settling: " in screen.file.getvalue()
    assert "pushing to totara: " in screen.file.getvalue()


def test_off_a_terminal_nothing_is_drawn(tmp_path: Path, db: Database, store_url: str) -> None:
    written = io.StringIO()
    with drawn_progress(Console(file=written, force_terminal=False)) as progress:
        assert progress is None
        result = run_sync(load_config(export(tmp_path, store_url, statements=300)), db, watcher=ProgressLines(progress))
    assert result.settled.learners == 300
    assert written.getvalue() == ""


def test_a_name_is_drawn_as_written_not_as_rich_markup_or_an_escape() -> None:
    """rich reads `[...]` in a line as markup: a sink or connector named so is still drawn as its name."""
    screen = Screen()
    with drawn_progress(screen.console) as progress:
        assert progress is not None
        shown = Shown(progress, screen)
        shown.pushing("[bold]totara[/bold]\x1b[2J", SinkCounts(), 3)
    assert "pushing to [bold]totara[/bold]\\x1b[2J: 0 of 3 deliveries" in shown.pushes[0]
