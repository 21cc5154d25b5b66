"""Every worked example of fixtures/scenarios/certification.json (a copy of the shared file, the source of truth),
every expected field: the file is read as it is, no value of it is copied here."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Params, Piece, evaluate

SCENARIOS = orjson.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "certification.json").read_bytes()
)


def params_of(case: dict[str, Any]) -> Params:
    values = SCENARIOS["defaults"] | case.get("params", {})
    return Params(
        validity=Period(months=values["validity_months"]),
        window=Period(months=values["window_months"]),
        first_due=Period(months=values["first_due_months"]),
        recertify_from=values["recertify_from"],
        time_zone=values["timezone"],
    )


def pieces_of(case: dict[str, Any]) -> list[Piece]:
    return [
        Piece(f"c{index}", c["option"], "done", datetime.fromisoformat(c["at"]))
        for index, c in enumerate(case["completions"])
    ]


def assigned(case: dict[str, Any]) -> date | None:
    return date.fromisoformat(case["assigned_on"]) if "assigned_on" in case else None


@pytest.mark.parametrize("case", SCENARIOS["cases"], ids=[c["id"] for c in SCENARIOS["cases"]])
def test_scenario(case: dict[str, Any]) -> None:
    for expected in case["expect"]:
        as_of = date.fromisoformat(expected["as_of"])
        state, _ = evaluate(pieces_of(case), params=params_of(case), as_of=as_of, assigned_on=assigned(case))
        for key, value in expected.items():
            if key == "as_of":
                continue
            got = getattr(state, key)
            assert (got.isoformat() if isinstance(got, date) else got) == value, (case["id"], expected["as_of"], key)
    _, completions = evaluate(
        pieces_of(case), params=params_of(case), as_of=date(9999, 12, 31), assigned_on=assigned(case)
    )
    decisions = {completion.evidence[0]: [completion.counted, completion.reason] for completion in completions}
    assert [decisions[f"c{index}"] for index in range(len(case["completions"]))] == case["counted"], case["id"]


def test_every_scenario_is_read() -> None:
    assert len(SCENARIOS["cases"]) >= 14
