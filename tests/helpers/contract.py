"""The contract's JSON Schemas as a test checks a body against them (every file of `feed/schemas/` in one registry,
so the event's schema finds the certification-state record's by its `$id`), and a webhook receiver that checks
what it is sent against them."""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pytest_httpserver import HTTPServer
from referencing import Registry, Resource
from werkzeug import Request, Response

from lrs_adapter.sinks.webhook import SIGNATURE, verify


def schema_of(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        resources.files("lrs_adapter.feed").joinpath("schemas", name).read_text(encoding="utf-8")
    )
    return schema


@cache
def _registry() -> Registry[Any]:
    names = [path.name for path in resources.files("lrs_adapter.feed").joinpath("schemas").iterdir()]
    resources_ = [Resource.from_contents(schema_of(name)) for name in sorted(names) if name.endswith(".json")]
    return Registry().with_resources((resource.id() or "", resource) for resource in resources_)


def validator(name: str) -> Draft202012Validator:
    schema = schema_of(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker(), registry=_registry())


EVENT = validator("event-v3.schema.json")
CERTIFICATION = validator("certification-v3.schema.json")
COMPLETION = validator("completion-v3.schema.json")


class CheckingReceiver:
    """A webhook receiver as an integrator writes one, on pytest-httpserver: it checks the signature (401 if it
    fails) and the body against the event's JSON Schema (422, and the schema's complaint kept, if it fails), and
    keeps what it accepted."""

    def __init__(self, httpserver: HTTPServer, secret: str, path: str = "/events") -> None:
        self.secret = secret.encode()
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.url = httpserver.url_for(path)
        httpserver.expect_request(path, method="POST").respond_with_handler(self.receive)

    def receive(self, request: Request) -> Response:
        if not verify(self.secret, request.headers.get(SIGNATURE, ""), request.get_data(), now=time.time()):
            return Response(status=401)
        body = request.get_json()
        problems = [error.message for error in EVENT.iter_errors(body)]
        if problems:
            self.refused += problems
            return Response(status=422)
        self.accepted.append(body)
        return Response(status=204)
