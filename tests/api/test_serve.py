"""`lrs-adapter serve` as an admin starts it: refused without a token, else uvicorn answering on its port."""

from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from lrs_adapter.cli import main
from tests.helpers.serving import serving


def test_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["LRS_ADAPTER_UNSET_TOKEN"]\n')
    result = CliRunner().invoke(main, ["--config", str(config), "serve"], env={"LRS_ADAPTER_UNSET_TOKEN": ""})
    assert result.exit_code == 2
    assert "key api.tokens_env" in result.output


def test_serve_answers_over_http(tmp_path: Path) -> None:
    config = tmp_path / "lrs-adapter.toml"
    config.write_text('[store]\nurl = "sqlite:///store.db"\n[api]\ntokens_env = ["SERVE_TEST_TOKEN"]\n')
    auth = {"Authorization": "Bearer serve-test-token"}
    with serving(config, {"SERVE_TEST_TOKEN": "serve-test-token"}, auth) as base:
        answer = httpx.get(f"{base}/health", headers=auth)
        assert answer.status_code == 200  # no connector configured: nothing stale
        assert answer.json() == {"healthy": True, "max_age_seconds": 93600.0, "connectors": [], "sinks": []}
        assert httpx.get(f"{base}/runs").status_code == 401
