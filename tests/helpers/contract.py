"""The contract's JSON Schemas as a test checks a body against them: every file of `feed/schemas/` in one registry,
so the event's schema finds the certification-state record's by its `$id`."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource


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
