"""One certification's worth of traffic against a real LRS, in two rounds, and what its outcome is made of: the
store, the feed and what the LRS received. The fault-injection and SIGKILL suites run it under faults and compare
the outcome with a fault-free run's."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from lrs_adapter.config import SINK_EVENTS, Config, ConnectorConfig, LrsConfig, RetryPolicy, SinkConfig
from lrs_adapter.pipeline.pull import SUCCEEDED, pull
from lrs_adapter.pipeline.push import deliver
from lrs_adapter.pipeline.settle import settle
from lrs_adapter.sinks.certification_statement import EARNED, VOIDED
from lrs_adapter.store import Database, open_store
from lrs_adapter.store.outbox import depth
from lrs_adapter.store.statement_keys import id_text
from tests.helpers.factory import make_statements
from tests.helpers.lrs_servers import LRS
from tests.helpers.prevent import HOME, IRI, SATISFIED, statement, voiding
from tests.helpers.pushing import PREVENT

DAY = datetime(2026, 6, 1, 6, tzinfo=UTC)
PAGE = 40


def _completion(learner: str, when: str) -> dict[str, Any]:
    made = statement(SATISFIED, f"{IRI}/prevent-elearning", learner=learner, timestamp=when)
    made.pop("stored")
    return made


def rounds() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Round one: 12 learners complete the e-learning among 230 other statements (6+ pages). Round two, posted
    after round one was synced: 4 of those completions voided, 2 of them sent again under new ids, 4 new learners."""
    completions = [_completion(f"P1{n:04d}", f"2025-{n % 12 + 1:02d}-10T10:00:00Z") for n in range(1, 13)]
    one = completions + make_statements(230, start=5000)
    random.Random(7).shuffle(one)
    resent = [c | {"id": f"00000000-0000-4000-8000-{n:012d}"} for n, c in enumerate(completions[:2])]
    fresh = [_completion(f"P1{n:04d}", "2025-11-20T10:00:00Z") for n in range(13, 17)]
    two = [voiding(c) | {"timestamp": "2026-05-01T10:00:00Z"} for c in completions[:4]] + resent + fresh
    two += make_statements(40, start=9000)
    random.Random(8).shuffle(two)
    for s in two:
        s.pop("stored", None)
    return one, two


def post(lrs: LRS, statements: list[dict[str, Any]]) -> None:
    for start in range(0, len(statements), 60):  # several POSTs: several `stored` values, as real traffic has
        lrs.post(statements[start : start + 60])


def config(lrs: LRS, tmp_path: Path, *, store_url: str | None = None, read_timeout: float = 60) -> Config:
    retry = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05, max_total=1)
    return Config(
        path=tmp_path / "lrs-adapter.toml",
        store_url=store_url or f"sqlite:///{tmp_path / 'store.db'}",
        lrs={
            "ll": LrsConfig(
                name="ll", endpoint=lrs.endpoint, username="any", page_size=PAGE, read_timeout=read_timeout, retry=retry
            )
        },
        connectors={"ll": ConnectorConfig(name="ll", lrs="ll")},
        mappings=(Path(__file__).resolve().parents[2] / "mappings" / "prevent.toml",),
        home_page=HOME,
        sinks={"lrs": SinkConfig(name="lrs", kind="lrs_statements", events=SINK_EVENTS["lrs_statements"], lrs="ll")},
        max_attempts=50,
        commit_every=PAGE,
        roster_only=False,  # no roster here: every learner evaluated is pushed
    )


def sync_until_done(cfg: Config, db: Database, *, runs: int = 15) -> int:
    """Run `sync` as cron would, until a run found nothing new and pushed nothing (so the certification statements
    pushed back have been pulled back in too, however many runs it took) and nothing is left to push."""
    for number in range(1, runs + 1):
        pulled = pull(cfg, db, "ll")
        settle(cfg, db, [PREVENT], DAY)
        pushed = deliver(cfg, db, [PREVENT])
        quiet = pulled.new == 0 and not any(c.delivered for c in pushed.sinks.values())
        if pulled.outcome == SUCCEEDED and quiet and not any(c.get("pending") for c in depth(db).values()):
            return number
    raise AssertionError(f"still not done after {runs} runs")


def run_both_rounds(lrs: LRS, tmp_path: Path, store_url: str | None = None) -> dict[str, Any]:
    """Round one posted and synced to the end, then round two: the outcome."""
    one, two = rounds()
    cfg = config(lrs, tmp_path, store_url=store_url, read_timeout=5)
    db = open_store(cfg.store_url)
    try:
        post(lrs, one)
        sync_until_done(cfg, db)
        post(lrs, two)
        sync_until_done(cfg, db)
        return outcome(db, lrs)
    finally:
        db.close()


def _rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in db.execute(sql))


def outcome(db: Database, lrs: LRS) -> dict[str, Any]:
    """Everything a fault must not change (times of day excepted)."""
    latest: dict[tuple[str, str], Any] = {}
    for kind, subject, record in db.execute("SELECT kind, subject, record FROM changes ORDER BY seq"):
        latest[(kind, subject)] = orjson.loads(record) if record else None
    return {
        "statements": sorted(
            (id_text(row.id), row.learner, row.verb_id, row.voided_by)
            for row in db.execute(
                "SELECT s.id, k.learner, s.verb_id, s.voided_by FROM statements s"
                " LEFT JOIN statement_learners k ON k.id = s.learner_key"
            )
        ),
        "quarantine": _rows(db, "SELECT connector, reason FROM quarantine"),
        "evidence": _rows(db, "SELECT id, learner, option_id, component, instant, statement_ids FROM evidence"),
        "completions": _rows(
            db,
            "SELECT id, learner, option_id, completed_at, evidence_ids, statement_ids, counted, reason, cycle_due_on"
            " FROM completions",
        ),
        "states": _rows(
            db,
            "SELECT learner, status, certified_on, due_on, window_opens_on, option_id, evidence_ids, next_transition"
            " FROM certification_states",
        ),
        "feed": sorted(latest.items(), key=str),
        "outbox": _rows(db, "SELECT sink, event, event_id, status FROM outbox"),
        "lrs_received": received(lrs),
    }


def received(lrs: LRS) -> dict[str, Any]:
    """The certification statements the LRS holds, and what was voided there (by us or by the source)."""
    earned = []
    url: str | None = "statements"
    params: dict[str, Any] = {"verb": EARNED, "limit": 500}
    while url:
        body = lrs.get(url, **params).json()
        earned += [s for s in body["statements"] if s["verb"]["id"] == EARNED]
        url, params = body.get("more") or None, {}
    voids = lrs.get("statements", verb=VOIDED, limit=500).json()["statements"]
    return {
        "earned": sorted((s["id"], s["actor"]["account"]["name"], orjson.dumps(s["result"]).decode()) for s in earned),
        "voided": sorted(v["object"]["id"] for v in voids if v["verb"]["id"] == VOIDED),
    }


def differences(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """What differs, part by part, as (only in got, only in expected): readable where == is not."""
    found = {}
    for part, want in expected.items():
        have = got[part]
        if have != want:
            if isinstance(want, list):
                found[part] = ([x for x in have if x not in want][:5], [x for x in want if x not in have][:5])
            else:
                found[part] = (have, want)
    return found
