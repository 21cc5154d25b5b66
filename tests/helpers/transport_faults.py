"""Faults placed by seed in the client's transport layer, between the adapter and a real LRS: a requests
transport adapter that, at the planned request numbers, drops the connection (before the request reaches the LRS,
or after the LRS has taken it and before its answer arrives), answers 429 with Retry-After, 500 or 503 in the LRS's
place, holds the answer past the read timeout, or tears the body in half. Every other request goes to the LRS.

Two more faults, never drawn by seed, lie about the `more` chain of the LRS's real answer: `end_chain` ends it
there (as Learning Locker's in-memory service does when its id order wraps), `more_elsewhere` points it at another
origin (ELSEWHERE). Every request the adapter sends is recorded with its headers (`requests`), and `watch`, when set,
is called before each one."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter

KINDS = ("drop_before", "drop_after", "too_many", "server_error", "unavailable", "slow", "torn")
#: Where `more_elsewhere` points: another port of the same host, so only the origin differs.
ELSEWHERE = "http://127.0.0.1:9"


@dataclass
class FaultPlan:
    """Which request (counted across every session of a run) meets which fault."""

    faults: dict[int, str]
    read_timeout: float = 0.3
    sent: int = 0
    met: list[tuple[int, str, str, str]] = field(default_factory=list)  # (request number, fault, method, url)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (method, url, headers) sent
    watch: Callable[[], None] | None = None

    @classmethod
    def seeded(cls, seed: int, *, requests_in_a_run: int, at_least: int = 3, at_most: int = 6) -> FaultPlan:
        rng = random.Random(seed)
        count = rng.randint(at_least, at_most)
        numbers = rng.sample(range(requests_in_a_run), count)
        return cls({n: rng.choice(KINDS) for n in numbers})


class FaultyAdapter(HTTPAdapter):
    def __init__(self, plan: FaultPlan) -> None:
        super().__init__()
        self.plan = plan

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.plan.watch is not None:
            self.plan.watch()
        number = self.plan.sent
        self.plan.sent += 1
        self.plan.requests.append((str(request.method), str(request.url), dict(request.headers)))
        fault = self.plan.faults.get(number)
        if fault is None:
            return super().send(request, **kwargs)
        self.plan.met.append((number, fault, str(request.method), str(request.url)))
        if fault in ("end_chain", "more_elsewhere"):
            return _with_more(super().send(request, **kwargs), fault)
        if fault == "drop_before":
            raise requests.ConnectionError("connection reset by peer (injected, before the request was sent)")
        if fault in ("too_many", "server_error", "unavailable"):
            status = {"too_many": 429, "server_error": 500, "unavailable": 503}[fault]
            return _answer(request, status, {"Retry-After": "1"} if status != 500 else {})
        response = super().send(request, **kwargs)  # the LRS takes the request...
        if fault == "drop_after":
            raise requests.ConnectionError("connection reset by peer (injected, after the LRS took the request)")
        if fault == "slow":
            time.sleep(self.plan.read_timeout)
            raise requests.ReadTimeout("read timed out (injected: the answer came after the read timeout)")
        body = response.content  # torn: half the body, as a proxy cutting the connection would leave it
        response._content = body[: len(body) // 2] if len(body) > 1 else b"{"
        return response


def _with_more(response: requests.Response, fault: str) -> requests.Response:
    """The LRS's answer with its `more` link removed, or moved to another origin."""
    body = orjson.loads(response.content)
    more = urlsplit(body.get("more") or "/statements")
    body["more"] = "" if fault == "end_chain" else f"{ELSEWHERE}{more.path}?{more.query}"
    response._content = orjson.dumps(body)
    return response


def _answer(request: requests.PreparedRequest, status: int, headers: Mapping[str, str]) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update({"Content-Type": "application/json", **headers})
    response._content = b'{"message": "injected fault"}'
    response.url = str(request.url)
    response.request = request
    return response


def faulty_sessions(plan: FaultPlan) -> type[requests.Session]:
    """A Session class whose every instance sends through the plan (patched in for `requests.Session`)."""

    class FaultySession(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            adapter = FaultyAdapter(plan)
            self.mount("http://", adapter)
            self.mount("https://", adapter)

    return FaultySession
