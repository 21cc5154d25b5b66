"""The 45 published statements of the shared corpus through intake and both shipped mappings: each one maps, is
ignored as not evidence, or is quarantined with a reason; none breaks anything."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson

from lrs_adapter.mapping.loader import load_mapping
from lrs_adapter.mapping.mapper import map_learner
from lrs_adapter.model.statements import Accepted, Rejected
from lrs_adapter.pipeline.intake import take_in
from lrs_adapter.xapi.facts import from_row

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "fixtures" / "corpus").glob("*.json"))
MAPPINGS = [load_mapping(path) for path in sorted((ROOT / "mappings").glob("*.toml"))]


def test_every_corpus_statement_maps_is_ignored_or_is_quarantined() -> None:
    outcomes: dict[str, str] = {}
    for path in CORPUS:
        try:
            statement = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError:
            outcomes[path.name] = "quarantined: not valid JSON"
            continue
        taken = take_in(statement, source=path.name, received_at=datetime(2026, 1, 1, tzinfo=UTC))
        if isinstance(taken, Rejected):
            outcomes[path.name] = f"quarantined: {taken.field}"
            continue
        assert isinstance(taken, Accepted)
        facts = from_row(
            taken.id,
            taken.learner,
            taken.verb_id,
            taken.object_id,
            taken.registration,
            taken.timestamp,
            taken.stored,
            False,
            taken.facts,
        )
        evidence = [e for mapping in MAPPINGS for e in map_learner("someone", [facts], mapping)]
        outcomes[path.name] = "evidence" if evidence else "ignored"
    assert len(outcomes) == 45
    assert {name: o for name, o in outcomes.items() if o.startswith("quarantined")} == {
        "cmi5_INVALID_initialized.json": "quarantined: not valid JSON",
        "spec103_appendixA_simple_INVALID.json": "quarantined: not valid JSON",
        "lrsconf_v2_no_actor_INVALID.json": "quarantined: actor",
        "lrsconf_v2_statementref_no_id_INVALID.json": "quarantined: object.id",
    }
    # Their IRIs are the samples' own, not the Prevent pathway's: none of them is evidence for it.
    assert [name for name, o in outcomes.items() if o == "evidence"] == []
