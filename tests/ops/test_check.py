"""`lrs-adapter check` on sinks: what each needs, found without sending anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from lrs_adapter.config import SINK_EVENTS, load_config
from lrs_adapter.ops.check import check_sink, run_checks
from tests.helpers.moodle import LEGACY, SCORM_12, MoodleSite, adapter_config

EVENTS = ", ".join(sorted(SINK_EVENTS["agent_profile"]))


def config(tmp_path: Path, url: str, directory: str = "upload") -> Path:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f"""[store]
url = "sqlite:///store.db"
[sinks.totara]
kind = "lms_file"
directory = "{directory}"
[sinks.hook]
kind = "webhook"
url = "{url}"
secret_env = "CHECK_HOOK_SECRET"
timeout = 2
"""
    )
    return path


def test_a_writable_folder_a_set_secret_and_an_answering_host_pass(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECK_HOOK_SECRET", "never-shown")
    lines: list[str] = []
    ok, code = run_checks(load_config(config(tmp_path, httpserver.url_for("/hook"))), lines.append)
    assert (ok, code) == (True, 0), lines
    assert any("upload folder" in line and "writable" in line for line in lines)
    assert any(line.startswith("sink hook: webhook host") and "answers; secret set" in line for line in lines)
    assert httpserver.log == []  # nothing was sent: a probe event would be acted on
    assert not any("never-shown" in line for line in lines)


def test_each_problem_is_named_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHECK_HOOK_SECRET", raising=False)
    (tmp_path / "a-file").write_text("not a folder")
    lines: list[str] = []
    ok, code = run_checks(load_config(config(tmp_path, "http://127.0.0.1:9/hook", "a-file/upload")), lines.append)
    assert not ok
    assert code == 2  # the missing secret is a config error
    assert any(line.startswith("sink totara: FAILED") for line in lines)
    assert any(line.startswith("sink hook: FAILED (config)") and "CHECK_HOOK_SECRET" in line for line in lines)


def agent_profile_config(tmp_path: Path, endpoint: str) -> Path:
    path = tmp_path / "lrs-adapter.toml"
    path.write_text(
        f"""[roster]
home_page = "https://learning.example.gov.uk"
[store]
url = "sqlite:///store.db"
[lrs.main]
endpoint = "{endpoint}"
[sinks.learner-state]
kind = "agent_profile"
lrs = "main"
"""
    )
    return path


def test_an_lrs_that_has_the_agent_profile_api_passes_with_a_read_that_changes_nothing(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """Neither test LRS implements the Agent Profile API (tests/integration/test_check_lrs.py shows both refusing),
    so a local HTTP server plays an LRS that does: the profile ids of an agent it has never seen are `[]`."""
    httpserver.expect_request("/xAPI/agents/profile", method="GET").respond_with_json([])
    config = load_config(agent_profile_config(tmp_path, httpserver.url_for("/xAPI/")))
    lines: list[str] = []
    assert check_sink(config, config.sinks["learner-state"], lines.append) == 0, lines
    assert lines == ["sink learner-state: agent_profile to lrs main (checked above) for " + EVENTS]
    [(sent, _)] = httpserver.log
    assert sent.method == "GET"
    assert "profileId" not in sent.args  # the ids list: nothing is read or written for any learner
    assert "lrs-adapter.invalid" in sent.args["agent"]


def test_a_web_page_where_the_agent_profile_api_should_be_is_not_taken_for_it(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    """A server that answers every path with its home page (200, HTML) has no Agent Profile API either."""
    httpserver.expect_request("/xAPI/agents/profile").respond_with_data(
        "<html><body>Welcome</body></html>", content_type="text/html"
    )
    config = load_config(agent_profile_config(tmp_path, httpserver.url_for("/xAPI/")))
    lines: list[str] = []
    assert check_sink(config, config.sinks["learner-state"], lines.append) == 2
    assert "does not implement the Agent Profile API" in lines[0]
    assert "did not answer a JSON list" in lines[0]
    assert len(httpserver.log) == 1  # an answer, not a torn body to retry


@pytest.mark.postgres
def test_an_lms_connector_is_checked_read_only_naming_what_it_reads(tmp_path: Path, site: MoodleSite) -> None:
    scorm, _ = site.scorm("Prevent e-learning", SCORM_12)
    said: list[str] = []
    run_checks(load_config(adapter_config(tmp_path, site, "Prevent e-learning")), said.append)
    tables = "Moodle up to 4.2 or Totara" if site.layout == LEGACY else "Moodle 4.3+"
    assert f"connector totara_scorm: lms totara read-only, {tables} tables; SCORM activities {scorm} " in "\n".join(
        said
    )
    said.clear()
    ok, code = run_checks(load_config(adapter_config(tmp_path, site, "Prevent e-learning", "Fire safety")), said.append)
    assert (ok, code) == (False, 2)
    [failed] = [line for line in said if line.startswith("connector totara_scorm: FAILED (config)")]
    assert "no SCORM activities named 'Fire safety'" in failed
