"""`lrs-adapter serve`: the read-only HTTP API under uvicorn."""

from __future__ import annotations

import click
import structlog

from lrs_adapter.cli import Context, fail, main, pass_context
from lrs_adapter.errors import AdapterError

log = structlog.get_logger(__name__)


@main.command("serve")
@click.option("--host", default=None, help="Default: [api] host (127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Default: [api] port (8080).")
@pass_context
def serve_command(context: Context, host: str | None, port: int | None) -> None:
    """Serve the feed, certification states, learners, the run log, /health and /metrics over HTTP (bearer tokens
    from the variables [api] tokens_env names; the OpenAPI document at /openapi.json)."""
    # Imported here, not at the top: every other command would pay FastAPI's and uvicorn's start-up (~0.2 s, ~20 MB).
    import uvicorn

    from lrs_adapter.api import create_app

    try:
        config = context.config
        app = create_app(config)
    except AdapterError as error:
        fail(error)
    host, port = host or config.api.host, port or config.api.port
    log.info("api serving", host=host, port=port)
    # The access log is the app's own, one JSON line per request (api/access_log.py); uvicorn configures no logging
    # of its own, so its text access lines are off and its warnings and errors reach stderr unformatted.
    uvicorn.run(app, host=host, port=port, proxy_headers=False, access_log=False, log_config=None)
