"""Building the configured sinks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from lrs_adapter.config import SINK_EVENTS, Config, LrsConfig, SinkConfig
from lrs_adapter.errors import ConfigError
from lrs_adapter.sinks import build_sinks, sink_events
from tests.helpers.pushing import PREVENT


def config(home_page: str | None) -> Config:
    return Config(
        path=Path("lrs-adapter.toml"),
        store_url="sqlite:///x.db",
        lrs={"main": LrsConfig(name="main", endpoint="https://lrs.example.org/xAPI/")},
        connectors={},
        home_page=home_page,
        sinks={
            "results": SinkConfig(
                name="results", kind="lrs_statements", events=SINK_EVENTS["lrs_statements"], lrs="main"
            ),
            "totara": SinkConfig(name="totara", kind="lms_file", events=SINK_EVENTS["lms_file"], directory=Path("o")),
        },
    )


def test_each_sink_takes_its_kinds_events() -> None:
    built = build_sinks(config("https://learning.example.gov.uk"), [PREVENT])
    assert [(name, sink.batched) for name, sink in built.items()] == [("results", False), ("totara", True)]
    assert sink_events(config(None)) == {"results": SINK_EVENTS["lrs_statements"], "totara": {"certified"}}


def test_an_lrs_sink_without_the_learners_home_page_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"roster\.home_page"):
        build_sinks(config(None), [PREVENT])


def test_an_email_sink_writes_to_people_so_it_is_never_sent_what_no_longer_holds() -> None:
    mail = SinkConfig(
        name="mail",
        kind="email",
        events=SINK_EVENTS["email"],
        host="127.0.0.1",
        sender="training@example.gov.uk",
        templates=Path("mappings/email/prevent"),
    )
    base = config("https://learning.example.gov.uk")
    built = build_sinks(replace(base, sinks={"mail": mail}), [PREVENT])
    assert [(sink.can_retract, sink.needs_email) for sink in built.values()] == [(False, True)]
    others = build_sinks(base, [PREVENT])
    assert not any(sink.needs_email for sink in others.values())
