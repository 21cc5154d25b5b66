"""Text from data shown on a terminal: every control character escaped, everything else as it is."""

from __future__ import annotations

import unicodedata

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs_adapter.terminal import printable

BIDI = {"\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("P\x1b[31mRED\x1b[0m", "P\\x1b[31mRED\\x1b[0m"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
        ("a\tb\nc\rd\x08", "a\\tb\\nc\\rd\\x08"),
        ("\x9b31m", "\\u009b31m"),
        ("\x7f", "\\u007f"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("one\u2028two", "one\\u2028two"),
        ("Siobhán Ó Briain", "Siobhán Ó Briain"),
        ("محمد\u200cرضا", "محمد\u200cرضا"),  # a zero-width non-joiner is part of the name
        ("[red]x[/red] C:\\path", "[red]x[/red] C:\\path"),
        (42, "42"),
    ],
)
def test_each_text(text: object, shown: str) -> None:
    assert printable(text) == shown


@given(st.text())
def test_no_control_character_is_left_and_nothing_else_changes(text: str) -> None:
    shown = printable(text)
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in BIDI]
    assert printable(shown) == shown
    plain = [c for c in text if unicodedata.category(c) not in ("Cc", "Zl", "Zp") and c not in BIDI]
    if len(plain) == len(text):
        assert shown == text


@given(st.dictionaries(st.text(), st.text()))
def test_a_json_line_stays_the_same_json(record: dict[str, str]) -> None:
    line = orjson.dumps(record).decode()
    assert orjson.loads(printable(line)) == record
