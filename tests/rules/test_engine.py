"""The engine's own cases beyond the shared scenarios: components assembled per cycle, and voided evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lrs_adapter.model.period import Period
from lrs_adapter.rules.engine import Params, Piece, evaluate

PARAMS = Params(Period(months=24), Period(months=6), Period(months=6), "completion", "Europe/London")
ROUTES: dict[str, tuple[tuple[str, ...], ...]] = {"webinar_recorded": (("video", "check"),)}


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00+00:00").astimezone(UTC)


def test_an_option_completes_on_the_day_of_its_last_component() -> None:
    pieces = [
        Piece("v", "webinar_recorded", "video", at("2024-01-05")),
        Piece("c", "webinar_recorded", "check", at("2024-01-09")),
    ]
    state, completions = evaluate(pieces, params=PARAMS, as_of=date(2024, 6, 1), routes=ROUTES)
    assert (state.certified_on, state.due_on) == (date(2024, 1, 9), date(2026, 1, 9))
    assert [(c.on, c.evidence, c.counted) for c in completions] == [(date(2024, 1, 9), ("v", "c"), True)]


def test_components_from_before_the_window_do_not_carry_over() -> None:
    """Certified 2024-01-09: the window opens 2025-07-09. A video watched before it and a check passed after it do
    not make a recertification; the video watched again in the window does."""
    pieces = [
        Piece("v1", "webinar_recorded", "video", at("2024-01-05")),
        Piece("c1", "webinar_recorded", "check", at("2024-01-09")),
        Piece("v2", "webinar_recorded", "video", at("2025-06-01")),
        Piece("c2", "webinar_recorded", "check", at("2025-08-01")),
    ]
    state, _ = evaluate(pieces, params=PARAMS, as_of=date(2025, 9, 1), routes=ROUTES)
    assert state.certified_on == date(2024, 1, 9)
    assert state.status == "amber"
    pieces.append(Piece("v3", "webinar_recorded", "video", at("2025-08-20")))
    state, _ = evaluate(pieces, params=PARAMS, as_of=date(2025, 9, 1), routes=ROUTES)
    assert (state.certified_on, state.evidence) == (date(2025, 8, 20), ("v3", "c2"))  # in the route's order


def test_withdrawn_evidence_is_reported_as_voided_and_not_replayed() -> None:
    state, completions = evaluate(
        [], params=PARAMS, as_of=date(2024, 6, 1), withdrawn=[Piece("w", "wrap", "attended", at("2024-01-05"))]
    )
    assert state.status == "none"
    assert [(c.option, c.counted, c.reason) for c in completions] == [("wrap", False, "voided")]
