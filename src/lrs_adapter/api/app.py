"""The API application: read-only routes over the store, one bearer-token check in front of all of them, the
security headers on every answer, ETag and 304 on GETs (api/caching.py), gzip above `GZIP_ABOVE` bytes, one error
shape for every status (api/problems.py), a JSON access log line per request (api/access_log.py), and no stack
trace ever sent to a client (a bug answers a generic 500 and is logged here).

There is no interactive /docs: Swagger UI's scripts come from a CDN and its configuration is an inline script, which
the Content-Security-Policy (api/headers.py) rightly refuses; the OpenAPI document stays at /openapi.json."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from lrs_adapter.api.access_log import AccessLog
from lrs_adapter.api.audit_routes import audit_router
from lrs_adapter.api.auth import UNAUTHORIZED, bearer_auth
from lrs_adapter.api.caching import EntityTags
from lrs_adapter.api.feed_routes import feed_router
from lrs_adapter.api.headers import SecurityHeaders
from lrs_adapter.api.learner_routes import learner_router
from lrs_adapter.api.ops_routes import ops_router
from lrs_adapter.api.problems import answer_problems, document_problems
from lrs_adapter.api.report_routes import report_router
from lrs_adapter.api.signin import SESSION_COOKIE, SESSION_HOURS, signin_router
from lrs_adapter.api.store import Store
from lrs_adapter.config import Config

#: Answers smaller than this go as they are: gzip's header and a round of compression cost more than they save.
GZIP_ABOVE = 1000


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
    routers = [feed_router, learner_router, ops_router, audit_router]
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
    answer_problems(app)
    # Outermost last: the access log sees what the client got; gzip compresses the tagged answer; the tag is of
    # the JSON itself; the security headers go on every answer, a 304 included.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(EntityTags)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_ABOVE)
    app.add_middleware(AccessLog)
    make_document = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(make_document())
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
    return app
