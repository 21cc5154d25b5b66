"""The API application: read-only routes over the store, one bearer-token check in front of all of them, the
security headers on every answer, and no stack trace ever sent to a client (a bug answers a generic 500 and is
logged here).

There is no interactive /docs: Swagger UI's scripts come from a CDN and its configuration is an inline script, which
the Content-Security-Policy (api/headers.py) rightly refuses; the OpenAPI document stays at /openapi.json."""

from __future__ import annotations

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.middleware.sessions import SessionMiddleware

from lrs_adapter.api.audit_routes import audit_router
from lrs_adapter.api.auth import UNAUTHORIZED, bearer_auth
from lrs_adapter.api.feed_routes import feed_router
from lrs_adapter.api.headers import SECURITY_HEADERS, SecurityHeaders
from lrs_adapter.api.ops_routes import ops_router
from lrs_adapter.api.report_routes import report_router
from lrs_adapter.api.signin import SESSION_COOKIE, SESSION_HOURS, signin_router
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config

log = structlog.get_logger()


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    log.error("api_error", path=request.url.path, error_class=type(error).__name__, error=str(error))
    # Starlette answers an unhandled error outside every middleware, so this answer carries the headers itself.
    return JSONResponse({"detail": "internal server error"}, status_code=500, headers=SECURITY_HEADERS)


def create_app(config: Config) -> FastAPI:
    app = FastAPI(
        title="lrs-adapter",
        version="1",
        description="Read-only: the completion feed, certification states, learners, the run log, health, metrics,"
        " the manager's compliance page and the audit trail.",
        docs_url=None,
        redoc_url=None,
    )
    store = Store(config.store_url)
    secured = [Depends(bearer_auth(config.api.tokens()))]
    routers = [feed_router, ops_router, audit_router]
    if config.signin is None:
        routers.append(report_router)
    else:  # the report's pages are for people signed in, each scoped to whom they may see
        app.include_router(signin_router(config.signin, store))
        app.include_router(report_router(config, store))
        app.add_middleware(
            SessionMiddleware,
            secret_key=config.signin.session_secret(),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="lax",  # sent on the provider's redirect back (a top-level GET), on no cross-site POST
            https_only=config.signin.https_only,
        )
    for router in (make(config, store) for make in routers):
        app.include_router(router, dependencies=secured, responses=UNAUTHORIZED)
    app.add_exception_handler(Exception, internal_error)
    app.add_middleware(SecurityHeaders)
    return app
