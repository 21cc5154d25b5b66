"""One `sync` pass (pull, settle, push) against a real LRS, in a process that stops at a chosen point until told to
go on: the test side of "erase during a running sync", so that the erasure lands inside the sync for certain (no
timing) and no pause switch lives in the product.

The process writes WORK_DIR/paused when it reaches the point and goes on once WORK_DIR/go exists; it prints
"synced" at its end. Points: `pull` (after the K-th commit of pulled pages: the connector's lock held, the settle
lock not) and `settle` (inside the settle lock, before anyone is settled).

Usage, from the repository root (``src`` and the root on the path): python -m tests.helpers.gated_sync ENDPOINT
STORE_URL WORK_DIR POINT K
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

from tests.helpers.killed_sync import at_kth_call, sync_once

#: Where the sync stops: (module, function, "after" or "before" its K-th call).
POINTS: dict[str, tuple[str, str, str]] = {
    "pull": ("lrs_adapter.pipeline.pull", "commit_pages", "after"),
    "settle": ("lrs_adapter.pipeline.settle", "requeue_due", "before"),
}
#: How long the process waits to be told to go on before it gives up (a test that died meanwhile).
PATIENCE = 120.0


def pause(work_dir: Path) -> None:
    (work_dir / "paused").touch()
    deadline = time.monotonic() + PATIENCE
    while not (work_dir / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit("never told to go on")
        time.sleep(0.02)


def main() -> None:
    endpoint, store_url, work_dir, point, k = sys.argv[1:6]
    at_kth_call(POINTS[point], int(k), partial(pause, Path(work_dir)))
    sync_once(endpoint, store_url, Path(work_dir))
    print("synced", flush=True)


if __name__ == "__main__":
    main()
