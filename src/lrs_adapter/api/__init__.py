"""`lrs-adapter serve`: the read-only HTTP API (FastAPI), with its OpenAPI document at /openapi.json."""

from lrs_adapter.api.app import create_app

__all__ = ["create_app"]
