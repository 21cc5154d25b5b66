"""Mapping files: both shipped ones load, a second certification needs no code, mistakes name their key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from lrs_adapter.cli import main
from lrs_adapter.errors import ConfigError
from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.mapper import map_learner
from lrs_adapter.model.period import Period
from tests.helpers.prevent import COMPLETED, facts, statement

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = sorted((ROOT / "mappings").glob("*.toml"))


def test_both_shipped_mappings_load_with_the_policy_parameters() -> None:
    prevent = load_mapping(ROOT / "mappings" / "prevent.toml")
    ig = load_mapping(ROOT / "mappings" / "information-governance.toml")
    assert set(prevent.options) == {"elearning", "webinar_live", "webinar_recorded", "wrap", "briefing"}
    assert (prevent.certification.validity, prevent.certification.window) == (Period(months=24), Period(months=6))
    assert (ig.certification.validity, ig.certification.window) == (Period(months=12), Period(months=1))
    assert prevent.options["elearning"].routes == (("completed", "passed"), ("satisfied",))
    assert ig.options["elearning"].routes == (("completed",), ("passed",), ("satisfied",))
    assert prevent.certification.reminders == (Period(days=30), Period(days=7))
    assert prevent.certification.escalations == (Period(days=14), Period(days=28))
    assert (ig.certification.reminders, ig.certification.escalations) == ((), ())  # none unless the mapping says


def test_the_information_governance_mapping_runs_through_the_same_code() -> None:
    ig = load_mapping(ROOT / "mappings" / "information-governance.toml")
    course = "https://learning.example.gov.uk/xapi/activities/ig-elearning"
    [evidence] = map_learner("P00001", facts(statement(COMPLETED, course)), ig)
    assert (evidence.certification, evidence.option, evidence.component) == (
        "information-governance",
        "elearning",
        "completed",
    )
    prevent_course = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
    assert map_learner("P00001", facts(statement(COMPLETED, prevent_course)), ig) == []


def test_no_certification_detail_appears_in_the_code() -> None:
    """Option ids, IRIs and durations of the shipped mappings live in mappings/, never in src/."""
    code = "\n".join(path.read_text() for path in (ROOT / "src").rglob("*.py"))
    for path in MAPPINGS:
        mapping = load_mapping(path)
        text = path.read_text()
        details = set(re.findall(r'"(https?://learning\.example[^"]*)"', text))
        details |= set(re.findall(r'"(P\d+[YMWD])"', text)) | {f'"{option}"' for option in mapping.options}
        details.add(mapping.certification.iri)
        leaked = sorted(detail for detail in details if detail in code)
        assert not leaked, f"{path.name}: {leaked} appear in src/"


BROKEN = """
[certification]
id = "x"
name = "X"
iri = "https://example.org/cert"
validity = "24 months"
window = "P6M"
first_due = "P6M"
time_zone = "Europe/Londn"

[options.e]
name = "E"
routes = [["done", "missing"]]

[options.e.components.done]
verbs = ["http://adlnet.gov/expapi/verbs/completed"]
activities = [{ iri = "https://example.org/course", in = ["subject"] }]
min_scaled = 0.8
"""


def test_a_mistake_names_file_key_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN)
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    text = str(caught.value)
    assert str(path) in text
    assert "key certification.validity: Not an ISO 8601 period. Fix: an ISO 8601 calendar period" in text
    assert "key certification.time_zone" in text
    assert "IANA" in text
    assert "key options.e.components.done.activities.0.in.0" in text
    assert "key options.e.components.done.min_scaled: Unknown field" in text


def test_routes_must_name_defined_components(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        BROKEN.replace('"24 months"', '"P2Y"')
        .replace("Londn", "London")
        .replace('"subject"', '"object"')
        .replace("min_scaled", "min_scaled_score")
    )
    with pytest.raises(ConfigError, match=r"key options.e.routes: names a component 'missing'"):
        load_mapping(path)


def test_reminder_offsets_are_periods_above_zero_each_once(tmp_path: Path) -> None:
    path = tmp_path / "offsets.toml"
    fixed = BROKEN.replace('"24 months"', '"P2Y"').replace('"Europe/Londn"', '"Europe/London"')
    fixed = fixed.replace('routes = [["done", "missing"]]', "routes = [[]]")
    path.write_text(
        fixed.replace(
            'first_due = "P6M"', 'first_due = "P6M"\nreminders = ["P0D", "P1M"]\nescalations = ["P2W", "P14D"]'
        )
    )
    with pytest.raises(ConfigError) as raised:
        load_mapping(path)
    message = str(raised.value)
    assert "certification.reminders" in message
    assert "offset of zero" in message
    assert "certification.escalations" in message
    assert "one offset twice" in message
    assert 'e.g. ["P6W", "P10D"]' in message


def test_mappings_check_command(tmp_path: Path) -> None:
    good = CliRunner().invoke(main, ["mappings", "check", str(ROOT / "mappings" / "prevent.toml")])
    assert good.exit_code == 0
    assert "5 options" in good.output
    assert "webinar_recorded: video + check" in good.output
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN)
    bad = CliRunner().invoke(main, ["mappings", "check", str(path)])
    assert bad.exit_code == 2
    assert "certification.validity" in bad.output


def test_the_fast_uuid5_is_uuid5() -> None:
    import uuid

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from lrs_adapter.mapping.mapper import EVIDENCE_NAMESPACE, uuid5

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def same(name: str) -> None:
        assert uuid5(EVIDENCE_NAMESPACE, name) == str(uuid.uuid5(EVIDENCE_NAMESPACE, name))

    same()


def test_periods_and_durations_are_read_as_the_configuration_reads_them(tmp_path: Path) -> None:
    """model/durations.py reads both: weeks count seven days, and the short form "1h" is PT1H."""
    good = (
        BROKEN.replace('"24 months"', '"P1Y6M"')
        .replace('window = "P6M"', 'window = "P6W"')
        .replace("Londn", "London")
        .replace('"subject"', '"object"')
        .replace("min_scaled = 0.8", 'min_duration = "1h"')
        .replace('routes = [["done", "missing"]]', 'routes = [["done"]]')
    )
    path = tmp_path / "m.toml"
    path.write_text(good)
    mapping = load_mapping(path)
    assert (mapping.certification.validity, mapping.certification.window) == (Period(months=18), Period(days=42))
    assert mapping.options["e"].components["done"].min_duration_s == 3600
    path.write_text(good.replace('"P1Y6M"', '"P1YT6H"').replace('min_duration = "1h"', 'min_duration = "P1M"'))
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    text = str(caught.value)  # both were misread before: the hours dropped, the month read as 0 s
    assert "key certification.validity: A calendar period has whole years, months, weeks or days only." in text
    assert "key options.e.components.done.min_duration: A duration has no years or months" in text
    assert 'Fix: an ISO 8601 duration such as "PT1H".' in text
