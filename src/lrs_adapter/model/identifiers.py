"""What may identify a learner: the one rule every entry point applies before an identifier is kept.

A learner's identifier (a statement actor's account name, mbox or openid; a roster's payroll numbers, manager and
work emails; a register's or LMS history's payroll number; `learners add`) is printed in tables, written into
the LMS's upload file and CSV exports, and compared with other identifiers. So it must be printable text of at
most `IDENTIFIER_MAX_LENGTH` characters: no control characters (C0, DEL, C1), which could drive a terminal or
split a line; no invisible formatting characters (bidi overrides and isolates, zero-width spaces and joiners, a
soft hyphen), which make one identifier display as another (Trojan Source, CVE-2021-42574) or two that look the
same be different learners; no separators other than the plain space (a no-break space, a line separator); no
private-use, unassigned or surrogate code points. That is exactly Python's `str.isprintable`, done in C on
intake's hot path. No HR system, LMS or LRS issues such identifiers; a value holding one is a corrupt export or
an attack, and is refused where it enters, never stored as a learner.

Printable text that a spreadsheet would run (`=HYPERLINK(...)`) stays legal here: it is a valid, if odd, name,
and every CSV the adapter writes neutralises such cells instead.
"""

from __future__ import annotations

import unicodedata

#: Longer than any payroll number, email address (RFC 5321 allows 254) or account name a real system issues, and
#: short enough to show in a table and keep in an index.
IDENTIFIER_MAX_LENGTH = 255

_RULE = f"an identifier is printable text of at most {IDENTIFIER_MAX_LENGTH} characters"
#: What `str.isprintable` refuses, by Unicode general category: every category but the letters, marks, numbers,
#: punctuation and symbols.
_KINDS = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character (a bidi override, a zero-width space or joiner)",
    "Zs": "a space other than the plain space",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Co": "a private-use character",
    "Cs": "a lone surrogate",
    "Cn": "an unassigned code point",
}


def identifier_fault(text: str) -> str | None:
    """None when `text` may identify a learner; else what is wrong with it, to follow the name of the field.

    The reason never repeats the value (it may be megabytes long, or hold the very escapes refused), so a caller
    that shows it does so in its own safe form.
    """
    if not text:
        return "is empty"
    if len(text) > IDENTIFIER_MAX_LENGTH:
        return f"is {len(text)} characters long: {_RULE}"
    if text.isprintable():
        return None
    character = next(character for character in text if not character.isprintable())
    return f"holds U+{ord(character):04X}, {_KINDS[unicodedata.category(character)]}: {_RULE}"
