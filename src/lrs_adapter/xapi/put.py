"""A statement PUT to an LRS under its own id: sent once in outcome, however often it is sent.

xAPI makes a PUT of an id the LRS holds a no-op when the content is the same (204), and lets it answer 409 when it
differs; some LRSs answer 409 even when it is the same. So a 409 is followed by reading the statement back: the
same one (what its sender sets, whatever the LRS added) is held, a different one is the caller's to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import orjson

from lrs_adapter.model.timestamps import parse_timestamp
from lrs_adapter.xapi.client import Request, XapiClient


def same_statement(sent: dict[str, Any], held: dict[str, Any]) -> bool:
    """Whether the LRS holds what was sent: the parts a sender sets (an LRS adds stored, authority, version and may
    add objectType, and the instant may come back in another but equal spelling)."""

    def essence(statement: dict[str, Any]) -> tuple[Any, ...]:
        actor = {k: v for k, v in statement.get("actor", {}).items() if k != "objectType"}
        obj = {k: v for k, v in statement.get("object", {}).items() if k != "objectType"}
        return (
            actor,
            statement.get("verb", {}).get("id"),
            obj.get("id"),
            statement.get("result"),
            parse_timestamp(statement.get("timestamp")),
        )

    return essence(sent) == essence(held)


def put_statement(
    client: XapiClient, statement: dict[str, Any], refusals: Mapping[int, tuple[str, str]] | None = None
) -> bool:
    """PUT `statement` under its id: True when the LRS now holds it (sent, or the same one already there), False
    when it holds a different statement under that id. Transport faults and refusals raise as the client's do."""
    url = urljoin(client.endpoint, "statements")
    request = Request(
        params={"statementId": statement["id"]},
        body=orjson.dumps(statement),
        headers={"Content-Type": "application/json"},
        refusals=refusals or {},
    )
    answer = client.request("PUT", url, request, allow=frozenset({409}))
    return answer.status != 409 or _holds(client, url, statement)


def _holds(client: XapiClient, url: str, statement: dict[str, Any]) -> bool:
    for parameter in ("statementId", "voidedStatementId"):
        answer = client.request("GET", url, Request(params={parameter: statement["id"]}), allow=frozenset({404}))
        if answer.status == 200 and isinstance(answer.body, dict):
            return same_statement(statement, answer.body)
    return False
