"""One learner as an integrator or a mailer needs them: the roster's facts and work e-mail, their certification
states and every completion and why it counted or not."""

# No `from __future__ import annotations`: FastAPI reads these signatures at run time.
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path

from lrs_adapter.api.feed_routes import NO_NUL, SchemaVersion, contract_states
from lrs_adapter.api.models import (
    AskedVersion,
    CertificationState,
    CompletionSummary,
    LearnerRecord,
    LearnerV1,
    Problem,
)
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config
from lrs_adapter.feed.records import learner_completions
from lrs_adapter.model.contract import CONTRACT_VERSION
from lrs_adapter.pipeline.states import certification_states
from lrs_adapter.store.certifications import completions_of
from lrs_adapter.store.learners import learner_row

FACTS = ("name", "email", "department", "manager", "staff_group", "assigned_on", "left_on")


def learner_router(config: Config, store: Store) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/learners/{learner_id}",
        response_model=LearnerRecord | LearnerV1,
        responses={404: {"model": Problem, "description": "Neither on the roster nor evaluated."}},
        summary="One learner: roster facts, work e-mail, states, every completion and why it counted or not",
    )
    def learner(
        learner_id: Annotated[str, Path(pattern=NO_NUL)], schema_version: SchemaVersion = AskedVersion.CONTRACT
    ) -> Any:
        with store.open() as db:
            row = learner_row(db, learner_id)
            states = certification_states(db, learner=learner_id)
            if row is None and not states:
                raise HTTPException(404, "no such learner")
            facts: dict[str, Any] = dict.fromkeys(FACTS)
            if row is not None:
                facts = {key: value for key, value in row.as_dict().items() if key != "on_roster"}
            on_roster = bool(row and row.on_roster)
            if schema_version == 1:
                return LearnerV1(
                    id=learner_id,
                    on_roster=on_roster,
                    states=[CertificationState(**s) for s in states],
                    completions=[  # the row's other columns are no fields of the summary: left out
                        CompletionSummary(**(c.as_dict() | {"option": c.option_id, "counted": bool(c.counted)}))
                        for c in completions_of(db, learner_id)
                    ],
                    **facts,
                )
            return LearnerRecord(
                schema_version=CONTRACT_VERSION,
                learner_id=learner_id,
                on_roster=on_roster,
                certifications=[{k: v for k, v in s.items() if k != "contact"} for s in contract_states(db, states)],
                completions=learner_completions(db, learner_id),
                **facts,
            )

    return router
