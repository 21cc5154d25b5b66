"""The rule for a learner's identifier (model/identifiers.py), against an oracle written from Unicode's categories,
and the same rule seen through the statement checker, which every statement's actor passes."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lrs_adapter.model.identifiers import IDENTIFIER_MAX_LENGTH, identifier_fault
from lrs_adapter.xapi.statement import StatementInvalid, check_statement

#: Text of every kind: any code point, near the length bound, and identifiers as HR systems write them.
TEXTS = (
    st.text()
    | st.text(st.characters(codec="utf-8"), min_size=IDENTIFIER_MAX_LENGTH - 2, max_size=IDENTIFIER_MAX_LENGTH + 2)
    | st.text('P0123456789 -=+@(")', min_size=IDENTIFIER_MAX_LENGTH - 2, max_size=IDENTIFIER_MAX_LENGTH + 2)
    | st.from_regex(r"[A-Z]{0,2}[0-9]{3,8}", fullmatch=True)
)


def allowed(text: str) -> bool:
    """The rule as the README states it: 1 to 255 characters, each a letter, mark, number, punctuation, symbol or
    the plain space; no control (Cc), format (Cf), surrogate, private-use or unassigned code point (C*), no other
    separator (Z*)."""
    return 0 < len(text) <= IDENTIFIER_MAX_LENGTH and all(
        character == " " or unicodedata.category(character)[0] not in "CZ" for character in text
    )


@given(TEXTS)
@example('=HYPERLINK("http://evil.example/","x")')
@example("P" * IDENTIFIER_MAX_LENGTH)
@example("P" * (IDENTIFIER_MAX_LENGTH + 1))
@example("P1\x1b[31m")
@example("\u202e1000P")
@example("")
def test_an_identifier_is_refused_exactly_when_the_rule_says(text: str) -> None:
    fault = identifier_fault(text)
    assert (fault is None) == allowed(text), (text, fault)
    if fault is not None and 0 < len(text) <= IDENTIFIER_MAX_LENGTH:
        first = next(c for c in text if c != " " and unicodedata.category(c)[0] in "CZ")
        assert f"U+{ord(first):04X}" in fault  # the first offender, named by code point
        assert text not in fault or text == " "  # the value itself is never echoed


@given(TEXTS)
def test_a_statement_is_quarantined_exactly_when_its_account_name_breaks_the_rule(name: str) -> None:
    statement = {
        "actor": {"account": {"homePage": "https://learning.example.gov.uk", "name": name}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "https://learning.example.gov.uk/xapi/activities/prevent-elearning"},
    }
    fault = identifier_fault(name)
    if fault is None:
        assert check_statement(statement).learner == f"account:https://learning.example.gov.uk {name}"
        return
    with pytest.raises(StatementInvalid) as caught:
        check_statement(statement)
    assert caught.value.field == "actor.account.name"
    assert caught.value.reason.endswith(fault) or not name  # an empty name is refused earlier, as xAPI's fault
