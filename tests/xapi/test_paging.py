"""Paging a statement query by `since` (xapi/paging.py), against tests/helpers/statement_resource.py: a Statement
resource that answers as xAPI says (the `more` chains of a real LRS are what tests/integration/test_pull_paging.py
meets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from responses import matchers

from lrs_adapter.config import LrsConfig, RetryPolicy
from lrs_adapter.errors import ProtocolError
from lrs_adapter.xapi.client import XapiClient
from lrs_adapter.xapi.paging import SincePages, mark, place
from tests.helpers.statement_resource import serve_statements

ENDPOINT = "https://lrs.example.org/xAPI/"
BASE = datetime(2026, 1, 1, 10, tzinfo=UTC)
FAST = RetryPolicy(max_attempts=1, initial_wait=0.01, max_wait=0.01, max_total=1)


def client(page_size: int) -> XapiClient:
    return XapiClient(LrsConfig(name="main", endpoint=ENDPOINT, page_size=page_size, retry=FAST))


def statements(offsets_us: list[int], *, millis: bool) -> list[dict[str, Any]]:
    """A statement a `stored` offset, written in milliseconds or in microseconds."""
    made = []
    for number, offset in enumerate(offsets_us):
        at = BASE + timedelta(microseconds=offset)
        text = at.isoformat(timespec="milliseconds" if millis else "microseconds").replace("+00:00", "Z")
        made.append({"id": f"00000000-0000-4000-8000-{number:012d}", "stored": text})
    return made


def read(page_size: int, since: datetime | None = None) -> tuple[list[str], SincePages]:
    paging = SincePages(client(page_size), {"ascending": "true", "limit": str(page_size)}, since)
    return [orjson.loads(text)["id"] for page in paging for text in page.statements], paging


def test_a_mark_is_the_first_millisecond_at_or_after_stored() -> None:
    assert mark(BASE) == BASE
    assert mark(BASE + timedelta(microseconds=1)) == BASE + timedelta(milliseconds=1)
    assert mark(BASE + timedelta(microseconds=999)) == BASE + timedelta(milliseconds=1)
    assert mark(BASE + timedelta(microseconds=1000)) == BASE + timedelta(milliseconds=1)


def test_a_statement_unreadable_here_is_placed_by_its_text() -> None:
    good = orjson.dumps({"id": "a", "stored": "2026-01-01T10:00:00.5+01:00"})
    placed = place([good, b"[]", b'{"id": 42}', b'{"stored": "soon"}'])
    assert [item.key for item in placed] == ["a", b"[]", b'{"id": 42}', b'{"stored": "soon"}']
    assert [item.stored for item in placed] == [datetime(2026, 1, 1, 9, 0, 0, 500000, tzinfo=UTC), None, None, None]


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=5_000), max_size=30),
    page_size=st.integers(min_value=1, max_value=6),
    millis=st.booleans(),
)
@responses.activate
def test_every_statement_arrives_once_whatever_the_ties_precision_and_page_size(
    offsets: list[int], page_size: int, millis: bool
) -> None:
    """Offsets in microseconds over 5 ms: many share a millisecond, or a `stored`, groups bigger than a page among
    them."""
    served = statements(offsets, millis=millis)
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T11:00:00.000Z")
    got, paging = read(page_size)
    assert sorted(got) == sorted(s["id"] for s in served)
    assert paging.hidden == 0


@responses.activate
def test_a_page_that_is_one_stored_is_finished_by_its_more_chain_then_since_goes_on() -> None:
    served = statements([0, 0, 0, 0, 0, 1000, 2000], millis=True)  # five at 10:00:00.000, more than a page of 2
    serve_statements(ENDPOINT, served)
    got, _ = read(2)
    assert got == [s["id"] for s in served]
    queries = [parse_qs(urlsplit(str(call.request.url)).query) for call in responses.calls]
    asked = [(query.get("since", [None])[0], query.get("skip", ["0"])[0]) for query in queries]
    assert asked == [
        (None, "0"),
        (None, "2"),  # by `more`: the group's next two
        (None, "4"),  # its last one, and one at .001, left for `since`
        ("2026-01-01T10:00:00.000Z", "0"),  # the group done: .001 and .002, the last page
        ("2026-01-01T10:00:00.001Z", "0"),  # .002 again: nothing new, nothing more
    ]


@responses.activate
def test_statements_after_a_page_said_to_be_the_last_are_taken_and_counted() -> None:
    served = statements([0, 1000, 2000, 3000, 4000], millis=True)
    first = {"statements": served[:2], "more": ""}  # the LRS says the first two are all there is
    responses.get(
        ENDPOINT + "statements", json=first, match=[matchers.query_param_matcher({"limit": "2"}, strict_match=False)]
    )
    serve_statements(ENDPOINT, served, consistent_through="2026-01-01T10:00:00.003Z")
    got, paging = read(2)
    assert got == [s["id"] for s in served]
    assert paging.hidden == 2  # 10:00:00.002 and .003; .004 was stored after the LRS's Consistent-Through


@responses.activate
@pytest.mark.parametrize(
    ("order", "says"),
    [([1000, 0], "out of `stored` order"), ([0, 1000], "stored at or before its `since`")],
)
def test_an_lrs_that_does_not_page_as_xapi_says_is_refused(order: list[int], says: str) -> None:
    responses.get(ENDPOINT + "statements", json={"statements": statements(order, millis=True), "more": ""})
    with pytest.raises(ProtocolError, match=says):
        read(5)
