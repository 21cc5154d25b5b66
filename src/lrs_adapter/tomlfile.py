"""Reading the TOML files people edit (the configuration, the mappings), with errors a person can act on.

Every problem is reported at once, each with the file, the dotted key and the fix; a fix comes from the caller's
table of fixes per key, or from the kind of mistake (an unknown key is usually a misspelling).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from lrs_adapter.errors import ConfigError


class Strict(Schema):
    """Unknown keys are errors: a misspelt key silently ignored is a setting silently not applied."""

    class Meta:
        unknown = RAISE


def read_toml(path: Path, *, missing_fix: str) -> dict[str, Any]:
    try:
        data = path.read_bytes()
        return tomllib.loads(data.decode("utf-8-sig"))  # a byte-order mark allowed, as Notepad writes one
    except FileNotFoundError:
        raise ConfigError("no such file.", file=str(path), fix=missing_fix) from None
    except OSError as error:
        raise ConfigError(f"cannot read it: {error.strerror}.", file=str(path), fix=missing_fix) from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"not UTF-8 text: byte 0x{data[error.start]:02x} on line {line}.", file=str(path), fix="save it as UTF-8."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}.", file=str(path), fix="correct the TOML syntax there.") from None
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError("not valid TOML: nested too deeply.", file=str(path), fix="flatten it.") from None


def flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Marshmallow's nested message dicts as (dotted key, message) pairs; dict-valued fields add a 'value' level."""
    if isinstance(messages, dict):
        pairs: list[tuple[str, str]] = []
        for key, inner in messages.items():
            if key in ("value", "_schema"):
                pairs += flatten(inner, prefix)
            else:
                pairs += flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if isinstance(messages, list):
        return [pair for item in messages for pair in flatten(item, prefix)]
    return [(prefix, str(messages))]


def load_checked(schema: Schema, raw: dict[str, Any], *, path: Path, what: str, fixes: dict[str, str]) -> Any:
    """`schema.load(raw)`, or a ConfigError that lists every problem with its key and fix."""
    try:
        return schema.load(raw)
    except ValidationError as error:
        reference = f"see the README's {what} reference."
        problems = []
        for key, message in flatten(error.messages):
            leaf = key.rsplit(".", 1)[-1]
            if message.startswith("Unknown field"):
                fix = f"remove {leaf!r} or correct its spelling ({reference})"
            elif message.startswith("Missing data"):
                fix = f"add {leaf} = ... " + fixes.get(leaf, f"({reference})")
            else:
                fix = fixes.get(leaf, reference)
            problems.append(f"  - key {key or '(top level)'}: {message} Fix: {fix}")
        raise ConfigError(f"the {what} is not valid:\n" + "\n".join(problems), file=str(path)) from None
