"""Every command prints through `cli.echo`, which escapes control characters: a line printed with `click.echo` (or
`print`) would show a learner id's ESC sequence raw. Checked over the commands' syntax trees, and shown failing."""

from __future__ import annotations

import ast
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "lrs_adapter" / "cli"


def raw_prints(source: str) -> list[int]:
    """Lines calling or handing on `click.echo` or `click.secho`, or calling `print`, outside the function named `echo`."""
    tree = ast.parse(source)
    allowed = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.name == "echo"
        for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        if (  # called, or handed on as a callable (`run_checks(config, click.echo)`)
            isinstance(node, ast.Attribute) and node.attr in ("echo", "secho") and ast.unparse(node.value) == "click"
        ) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"):
            found.append(node.lineno)
    return sorted(found)


def test_every_command_prints_through_echo() -> None:
    found = {path.name: lines for path in sorted(CLI.glob("*.py")) if (lines := raw_prints(path.read_text()))}
    assert found == {}


def test_a_raw_print_is_found() -> None:
    source = (
        "import click\ndef echo(x):\n    click.echo(x)\ndef show(x):\n    echo(x)\n    click.echo(x)\n    print(x)\n"
        "def check(x):\n    run(x, click.echo)\n"
    )
    assert raw_prints(source) == [6, 7, 9]
