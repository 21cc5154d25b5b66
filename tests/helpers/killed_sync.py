"""One `sync` pass (pull, settle, push) against a real LRS, in a process that SIGKILLs itself at the K-th call
of a chosen point: the test side of the SIGKILL harness, so that no kill switch lives in the product.

Usage, from the repository root (``src`` and the root on the path): python -m tests.helpers.killed_sync ENDPOINT
STORE_URL WORK_DIR POINT K
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from importlib import import_module
from pathlib import Path
from typing import Any

#: Where a kill lands: (module, attribute, "before" or "after" the call). Each names a moment a scheduler's
#: SIGKILL can hit: inside an open transaction, right after a commit, and between the LRS's acknowledgement and
#: the commit that records it.
POINTS: dict[str, tuple[str, str, str]] = {
    "pull-before-commit": ("lrs_adapter.pipeline.pull", "set_cursor", "before"),
    "pull-after-commit": ("lrs_adapter.pipeline.pull", "commit_pages", "after"),
    "map-before-commit": ("lrs_adapter.pipeline.settle", "save_evidence", "after"),
    "evaluate-before-commit": ("lrs_adapter.pipeline.settle", "save_outcomes", "after"),
    "push-before-send": ("lrs_adapter.sinks.lrs_statements", "LrsStatementsSink._put", "before"),
    "push-acknowledged-not-recorded": ("lrs_adapter.pipeline.push", "mark_delivered", "before"),
}


def at_kth_call(point: tuple[str, str, str], k: int, action: Callable[[], None]) -> None:
    """`action` run at the K-th call of `point` (module, attribute, "before" or "after" the call)."""
    module_name, attribute, when = point
    owner: Any = import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    @wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == k and when == "before":
            action()
        result = original(*args, **kwargs)
        if calls == k and when == "after":
            action()
        return result

    setattr(owner, name, wrapped)


def kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def sync_once(endpoint: str, store_url: str, work_dir: Path) -> None:
    """Pull, settle and push once, as `sync` does, with tests/helpers/certification_run.py's configuration."""
    from lrs_adapter.pipeline.pull import pull
    from lrs_adapter.pipeline.push import deliver
    from lrs_adapter.pipeline.settle import settle
    from lrs_adapter.store import open_store
    from tests.helpers.certification_run import DAY, config
    from tests.helpers.lrs_servers import LRS
    from tests.helpers.pushing import PREVENT

    lrs = LRS(endpoint=endpoint, username="any", password="any", log_path=work_dir / "unused.log")
    cfg = config(lrs, work_dir, store_url=store_url, read_timeout=5)
    db = open_store(cfg.store_url)
    pull(cfg, db, "ll")
    settle(cfg, db, [PREVENT], DAY)
    deliver(cfg, db, [PREVENT])


def main() -> None:
    endpoint, store_url, work_dir, point, k = sys.argv[1:6]
    at_kth_call(POINTS[point], int(k), kill)
    sync_once(endpoint, store_url, Path(work_dir))
    print("not killed: the point was met fewer than K times", flush=True)


if __name__ == "__main__":
    main()
