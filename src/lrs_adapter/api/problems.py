"""One error shape for every status: RFC 9457 problem details (`application/problem+json`), FastAPI's 422
validation errors and an unhandled bug's 500 included, so a client parses one thing whatever went wrong. A 500 says
nothing of the bug (it is logged here, the client gets no stack trace)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from lrs_adapter.api.headers import SECURITY_HEADERS

log = structlog.get_logger()

PROBLEM = "application/problem+json"


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM)


async def http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)  # registered for HTTPException only
    return problem(request, error.status_code, str(error.detail), headers=error.headers)


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)  # registered for it only
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in error.errors()
    ]
    words = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    return problem(request, 422, f"the request is not valid: {words}", errors=jsonable_encoder(errors))


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    log.error("api_error", path=request.url.path, error_class=type(error).__name__, error=str(error))
    # Starlette answers an unhandled error outside every middleware, so this answer carries the headers itself.
    return problem(request, 500, "internal server error", headers=SECURITY_HEADERS)


def answer_problems(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)


def document_problems(document: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document saying what the handlers answer: every 4xx and 5xx as problem+json (FastAPI documents
    its 422 as its own list, and every error as application/json)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    reference = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operation in (op for path in document.get("paths", {}).values() for op in path.values()):
        responses = operation.setdefault("responses", {})
        responses.setdefault("500", {"description": "A bug: nothing of it is said (it is logged)."})
        for status, response in responses.items():
            if str(status)[0] in "45" and str(status) != "503":  # /health's 503 is its verdict, not an error
                response["content"] = {PROBLEM: reference}
    return document
