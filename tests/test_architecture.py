"""The import rules of docs/architecture.md, checked over the source's syntax trees: the pure core does no I/O, the
store only stores, SQL stays in the store, sources and sinks stay apart, and the ground floor imports nothing above
it. Each rule is also shown failing on a small tree that breaks it, so a checker that sees nothing cannot pass."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: Modules that talk to the world: a database, the network, the terminal, a subprocess.
IO_MODULES = ("sqlite3", "psycopg", "requests", "urllib3", "httpx", "socket", "subprocess", "fastapi", "click")
#: The ground floor: what every other package stands on.
GROUND = (
    "lrs_adapter.config",
    "lrs_adapter.errors",
    "lrs_adapter.logs",
    "lrs_adapter.tomlfile",
    "lrs_adapter.files",
    "lrs_adapter.csv_output",
    "lrs_adapter.terminal",
    "lrs_adapter.model",
)
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|VACUUM|BEGIN)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """Modules under any of `modules` may import none of `forbidden` (a prefix: a package or a module)."""

    name: str
    modules: tuple[str, ...]
    forbidden: tuple[str, ...]
    except_modules: tuple[str, ...] = ()


RULES = (
    Rule(
        "the rules and the mapper do no I/O",
        ("lrs_adapter.rules", "lrs_adapter.mapping.mapper"),
        (
            *IO_MODULES,
            "lrs_adapter.store",
            "lrs_adapter.pipeline",
            "lrs_adapter.sources",
            "lrs_adapter.sinks",
            "lrs_adapter.xapi.client",
            "lrs_adapter.api",
            "lrs_adapter.cli",
        ),
    ),
    Rule(
        "the store imports no rules, mapper, pipeline, CLI or HTTP",
        ("lrs_adapter.store",),
        (
            "lrs_adapter.rules",
            "lrs_adapter.mapping.mapper",
            "lrs_adapter.pipeline",
            "lrs_adapter.cli",
            "lrs_adapter.api",
            "lrs_adapter.sinks",
            "lrs_adapter.sources",
            "requests",
            "httpx",
            "fastapi",
            "click",
        ),
    ),
    Rule("sources do not import sinks", ("lrs_adapter.sources",), ("lrs_adapter.sinks", "lrs_adapter.pipeline")),
    Rule("sinks do not import sources", ("lrs_adapter.sinks",), ("lrs_adapter.sources", "lrs_adapter.pipeline")),
    Rule(
        "the ground floor imports nothing above it",
        GROUND,
        ("lrs_adapter",),
        except_modules=GROUND,
    ),
)


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from lrs_adapter import pipeline` names a module
                yield node.lineno, f"{node.module}.{alias.name}"


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def broken_rules(root: Path) -> list[str]:
    """Every import that breaks a rule, and every SQL text outside the store, as `module:line: what`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(root, path)
        tree = ast.parse(path.read_text(), str(path))
        for rule in RULES:
            if not under(name, rule.modules):
                continue
            broken: dict[int, str] = {}  # one finding per import statement, naming the module it imports
            for line, imported in imports(tree):
                if under(imported, rule.forbidden) and not under(imported, rule.except_modules):
                    broken.setdefault(line, imported)
            found += [f"{name}:{line}: {rule.name} ({imported})" for line, imported in broken.items()]
        if not under(name, ("lrs_adapter.store",)):
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                    found.append(f"{name}:{node.lineno}: nothing outside store/ runs SQL ({node.value[:40]!r})")
    return sorted(set(found))


def test_the_source_keeps_every_import_rule() -> None:
    assert broken_rules(SRC) == []


@pytest.mark.parametrize(
    ("module", "text", "rule"),
    [
        ("rules/engine.py", "import sqlite3\n", "the rules and the mapper do no I/O"),
        ("mapping/mapper.py", "from lrs_adapter.store.database import Database\n", "the rules and the mapper"),
        ("store/states.py", "from lrs_adapter.rules.engine import evaluate\n", "the store imports no rules"),
        ("store/outbox.py", "from lrs_adapter import pipeline\n", "the store imports no rules"),
        ("sources/lrs.py", "from lrs_adapter.sinks.webhook import WebhookSink\n", "sources do not import sinks"),
        ("sinks/webhook.py", "import lrs_adapter.sources.lrs\n", "sinks do not import sources"),
        ("config.py", "from lrs_adapter.xapi.client import XapiClient\n", "the ground floor imports nothing"),
        ("model/period.py", "from lrs_adapter.rules import engine\n", "the ground floor imports nothing"),
        ("cli/status.py", 'ROWS = "SELECT learner FROM learners"\n', "nothing outside store/ runs SQL"),
    ],
)
def test_each_rule_fails_when_broken(tmp_path: Path, module: str, text: str, rule: str) -> None:
    path = tmp_path / "lrs_adapter" / module
    path.parent.mkdir(parents=True)
    path.write_text("from lrs_adapter.model.period import Period\n" + text)
    found = broken_rules(tmp_path)
    assert len(found) == 1, found
    assert rule in found[0], found


def test_the_ground_floor_may_import_itself(tmp_path: Path) -> None:
    path = tmp_path / "lrs_adapter" / "config.py"
    path.parent.mkdir(parents=True)
    path.write_text("from lrs_adapter.errors import ConfigError\nfrom lrs_adapter.model.period import Period\n")
    assert broken_rules(tmp_path) == []


def test_a_command_starts_without_the_libraries_only_some_commands_need() -> None:
    """psycopg (a PostgreSQL store, an LMS's tables) and openpyxl (registers and workbooks) cost 50 ms each at
    import: every command, a timed pull among them, would pay them if the CLI imported them at start."""
    script = "import sys, lrs_adapter.cli; print(sorted({'psycopg', 'openpyxl'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
