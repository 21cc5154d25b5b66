"""Statement facts: what mappings ask about, taken out once at intake."""

from __future__ import annotations

import isodate
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs_adapter.xapi.facts import extract

numbers = st.one_of(
    st.integers(min_value=0, max_value=10_000).map(str), st.decimals(min_value=0, max_value=10_000, places=2).map(str)
)


@settings(max_examples=500, deadline=None)
@given(st.tuples(*(st.none() | numbers for _ in range(4))))
def test_durations_read_as_isodate_reads_them(parts: tuple[str | None, ...]) -> None:
    days, hours, minutes, seconds = parts
    clock = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value)
    text = "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    if text == "P":
        text = "PT0S"
    got = extract({"result": {"duration": text}})["duration_s"]
    assert abs(got - isodate.parse_duration(text).total_seconds()) < 1e-6


def test_calendar_durations_go_to_isodate() -> None:
    assert extract({"result": {"duration": "P1M"}})["duration_s"] == 31 * 86400  # January 2000, as isodate counts it


def test_facts_keep_what_mappings_ask_about() -> None:
    facts = extract(
        {
            "context": {
                "contextActivities": {"parent": [{"id": "https://x.org/p"}], "category": {"id": "https://x.org/c"}},
                "instructor": {"mbox": "mailto:T@X.org"},
                "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": "s"},
            },
            "result": {
                "completion": True,
                "score": {"scaled": 0.5},
                "extensions": {"https://x.org/progress": 0.9, "https://x.org/text": "x"},
            },
        }
    )
    assert facts == {
        "parent": ("https://x.org/p",),
        "category": ("https://x.org/c",),
        "completion": True,
        "scaled": 0.5,
        "extensions": {"https://x.org/progress": 0.9},
        "instructor": "mbox:mailto:t@x.org",
        "cmi5_session": True,
    }
