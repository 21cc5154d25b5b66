"""A statement PUT under its id, and how a statement read back is recognised as the one sent."""

from __future__ import annotations

from typing import Any

from lrs_adapter.xapi.put import same_statement

HOME = "https://learning.example.gov.uk"


def test_same_statement_ignores_what_an_lrs_adds_and_sees_a_changed_result() -> None:
    sent: dict[str, Any] = {
        "actor": {"account": {"homePage": HOME, "name": "P1"}},
        "verb": {"id": "http://id.tincanapi.com/verb/earned"},
        "object": {"id": f"{HOME}/xapi/activities/prevent-certification"},
        "result": {"completion": True},
        "timestamp": "2025-01-10T10:00:00Z",
    }
    held = {
        **sent,
        "actor": {"objectType": "Agent", **sent["actor"]},
        "timestamp": "2025-01-10T10:00:00.000Z",
        "stored": "x",
        "version": "1.0.0",
    }
    assert same_statement(sent, held)
    assert not same_statement(sent, {**held, "result": {"completion": False}})
