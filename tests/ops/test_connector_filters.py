"""Which mapping options the connectors' verb and activity filters keep from ever completing, read against the
Prevent mapping (mappings/prevent.toml) and the README's configuration."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from lrs_adapter.config import ConnectorConfig
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.model import Mapping
from lrs_adapter.ops.connector_filters import blocked_options

ROOT = Path(__file__).resolve().parents[2]
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
ACTIVITIES = "https://learning.example.gov.uk/xapi/activities/"
ELEARNING = ACTIVITIES + "prevent-elearning"
#: Prevent's options that statements alone can complete; `briefing` is completed by a register row too.
STATEMENT_OPTIONS = {"elearning", "webinar_live", "webinar_recorded", "wrap"}


@pytest.fixture(scope="module")
def prevent() -> Mapping:
    return load_mapping(ROOT / "mappings" / "prevent.toml")


def lrs_connector(name: str = "prevent", **filters: object) -> ConnectorConfig:
    return ConnectorConfig(name=name, lrs="main", **filters)  # type: ignore[arg-type]


def test_the_readmes_old_sample_connector_shuts_out_every_option_a_statement_completes(prevent: Mapping) -> None:
    old_sample = lrs_connector(verb=COMPLETED, activity=ELEARNING, related_activities=True)
    blocked = {b.option: b for b in blocked_options([prevent], [old_sample])}
    assert set(blocked) == STATEMENT_OPTIONS
    # the e-learning needs `completed` AND `passed` (cmi5 moveOn CompletedAndPassed), or `satisfied`
    assert any(f"component passed: connector prevent pulls only verb {COMPLETED}, not {PASSED}" in r for r in
               blocked["elearning"].reasons)  # fmt: skip
    assert any(
        "component attended" in r and f"activity {ELEARNING} and its related activities, not" in r
        for r in blocked["wrap"].reasons
    )
    assert str(blocked["elearning"]).startswith("mapping prevent: WARNING: option elearning can never complete")


def test_no_filter_shuts_out_nothing(prevent: Mapping) -> None:
    assert blocked_options([prevent], [lrs_connector()]) == []


def test_an_export_file_is_read_whole_whatever_filters_its_connector_names(prevent: Mapping) -> None:
    file_connector = ConnectorConfig(name="archive", file=Path("export.jsonl"), verb=COMPLETED)
    assert blocked_options([prevent], [file_connector]) == []


def test_one_connector_per_option_leaves_each_option_its_own_way_in(prevent: Mapping) -> None:
    """Filters split between connectors: an option is blocked only when no connector lets it through."""
    connectors = [
        lrs_connector("elearning", activity=ELEARNING, related_activities=True),
        lrs_connector("wrap", verb=ATTENDED, activity=ACTIVITIES + "prevent-wrap", related_activities=True),
    ]
    assert {b.option for b in blocked_options([prevent], connectors)} == {"webinar_live", "webinar_recorded"}


def test_without_related_activities_the_object_must_be_the_activity_a_rule_names(prevent: Mapping) -> None:
    """WRAP's attendance is on an event under .../prevent-wrap/event/ with .../prevent-wrap as its parent: a filter
    on the parent alone, not looking at context activities, lets none of it through; one on an event does."""
    on_parent = lrs_connector(verb=ATTENDED, activity=ACTIVITIES + "prevent-wrap")
    on_event = lrs_connector(verb=ATTENDED, activity=ACTIVITIES + "prevent-wrap/event/2026-03-01")
    assert "wrap" in {b.option for b in blocked_options([prevent], [on_parent])}
    assert "wrap" not in {b.option for b in blocked_options([prevent], [on_event])}


def test_a_presence_needs_both_its_verbs(prevent: Mapping) -> None:
    join_only = lrs_connector(verb="http://activitystrea.ms/join")
    blocked = {b.option: b for b in blocked_options([prevent], [join_only])}
    assert any(r.startswith("component present:") for r in blocked["webinar_live"].reasons)


def test_the_readmes_sample_connectors_let_every_option_through(prevent: Mapping) -> None:
    """The README's configuration block is what a new user copies: its connectors must not certify nobody."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Configuration") :]
    block = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert block is not None
    connectors = [
        ConnectorConfig(
            name=name,
            lrs=table.get("lrs"),
            file=Path(table["file"]) if "file" in table else None,
            verb=table.get("verb"),
            activity=table.get("activity"),
            related_activities=table.get("related_activities", False),
        )
        for name, table in tomllib.loads(block.group(1))["connectors"].items()
    ]
    lrs_only = [c for c in connectors if c.lrs is not None]
    assert lrs_only
    assert blocked_options([prevent], lrs_only) == []
