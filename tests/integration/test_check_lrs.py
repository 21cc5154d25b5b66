"""`lrs-adapter check` against the real LRSs: what it says of the Agent Profile API, which neither Learning Locker's
statements service nor Ralph implements (both answer 404: Learning Locker an HTML page, Ralph `Not Found`), and
of a connector whose filters keep the mapping's options from completing (the README's old sample)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs_adapter.config import load_config
from lrs_adapter.ops.check import run_checks
from tests.helpers.lrs_servers import LRS

ROOT = Path(__file__).resolve().parents[2]


def write_config(tmp_path: Path, lrs: LRS, *, extra: str = "") -> Path:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f"""mappings = ["{ROOT / "mappings" / "prevent.toml"}"]
[roster]
home_page = "https://learning.example.gov.uk"
[store]
url = "sqlite:///store.db"
[lrs.main]
endpoint = "{lrs.endpoint}"
username = "{lrs.username}"
password_env = "CHECK_LRS_PASSWORD"
retry = {{ max_attempts = 2, initial_wait = 0.01, max_wait = 0.05, max_total = 1 }}
[connectors.prevent]
lrs = "main"
{extra}"""
    )
    return path


AGENT_PROFILE_SINK = """[sinks.learner-state]
kind = "agent_profile"
lrs = "main"
"""


@pytest.mark.parametrize("server", ["learning_locker", "ralph"])
def test_an_lrs_without_the_agent_profile_api_fails_check_plainly(
    server: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lrs: LRS = request.getfixturevalue(server)
    monkeypatch.setenv("CHECK_LRS_PASSWORD", lrs.password)
    lines: list[str] = []
    ok, code = run_checks(load_config(write_config(tmp_path, lrs, extra=AGENT_PROFILE_SINK)), lines.append)
    assert (ok, code) == (False, 2), lines
    failed = [line for line in lines if line.startswith("sink learner-state: FAILED (config)")]
    assert len(failed) == 1, lines
    assert "LRS 'main' does not implement the Agent Profile API" in failed[0]
    assert "answered 404" in failed[0]
    assert "key sinks.learner-state.lrs" in failed[0]
    assert not any("<" in line for line in lines)  # no HTML page in what check prints
    assert any(line.startswith("lrs main: credentials accepted") for line in lines)  # the statements work


def test_the_readmes_old_sample_connector_is_warned_of(
    learning_locker: LRS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECK_LRS_PASSWORD", learning_locker.password)
    old_sample = """verb = "http://adlnet.gov/expapi/verbs/completed"
activity = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
related_activities = true
"""
    lines: list[str] = []
    ok, code = run_checks(load_config(write_config(tmp_path, learning_locker, extra=old_sample)), lines.append)
    assert (ok, code) == (True, 0), lines  # a warning, not a failure: a filter may be meant
    warned = {line.split()[4] for line in lines if line.startswith("mapping prevent: WARNING: option")}
    assert warned == {"elearning", "webinar_live", "webinar_recorded", "wrap"}

    lines.clear()
    ok, _ = run_checks(load_config(write_config(tmp_path, learning_locker)), lines.append)
    assert ok
    assert not any("WARNING" in line for line in lines), lines
