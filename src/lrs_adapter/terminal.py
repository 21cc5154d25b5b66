"""Text from data shown on a terminal as text: control characters escaped, so none is obeyed.

A learner id, a name, an LRS's error message or a statement's raw text can hold anything a statement or a file
can carry. Printed raw, an ESC sequence recolours, moves the cursor, retitles or clears the terminal, a carriage
return or backspace writes over what the line said, a newline forges a line of a table, and a Unicode bidi
override (Trojan Source) shows the characters after it in another order than they are. `printable` replaces each
with its escape: the C0 controls as Python writes them (`\\x1b`, `\\t`, `\\n`, `\\r`), DEL, the C1 controls, the bidi
marks and overrides and the Unicode line and paragraph separators as `\\uNNNN` (JSON's form: a JSON line stays the
same JSON). Everything else, accented and non-Latin letters included, is left alone; a backslash too, so a value
reading `\\x1b` and an escaped ESC look alike, which is harmless: neither is obeyed.
"""

from __future__ import annotations

_C0 = {code: f"\\x{code:02x}" for code in range(0x20)} | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_OTHERS = (
    *(0x7F, *range(0x80, 0xA0)),  # DEL and the C1 controls (0x9b is a one-byte CSI on some terminals)
    *(0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)),  # bidi marks, embeddings, isolates
    *(0x2028, 0x2029),  # line and paragraph separators
)
_ESCAPES = _C0 | {code: f"\\u{code:04x}" for code in _OTHERS}


def printable(text: object) -> str:
    """`text` (str() of anything else) with every control character escaped; idempotent."""
    return str(text).translate(_ESCAPES)
