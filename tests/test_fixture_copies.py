"""The repository's fixture folders are verbatim copies of the project's shared material.

``fixtures/corpus`` (and, once copied, ``fixtures/scenarios``) let the tests run from the repository alone; this
test keeps them honest: wherever the shared originals are at hand (``../shared/<name>`` next to the repository,
as on the build machines), every original file must be present in the copy, byte for byte. Files only the copy
has (its README) are allowed. Without the originals there is nothing to compare against and the test skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# (name, copy must already exist): the corpus is copied; the scenarios are compared once someone copies them.
COPIES = [("corpus", True), ("scenarios", False)]


def _differences(original: Path, copy: Path) -> tuple[list[str], list[str]]:
    """Relative paths of original files missing from the copy, and of those whose bytes differ."""
    missing: list[str] = []
    differing: list[str] = []
    for source in sorted(path for path in original.rglob("*") if path.is_file()):
        relative = source.relative_to(original)
        target = copy / relative
        if not target.is_file():
            missing.append(str(relative))
        elif target.read_bytes() != source.read_bytes():
            differing.append(str(relative))
    return missing, differing


@pytest.mark.parametrize(("name", "required"), COPIES, ids=[name for name, _ in COPIES])
def test_fixture_copy_is_verbatim(name: str, required: bool) -> None:
    original = SHARED / name
    copy = REPO / "fixtures" / name
    if not original.is_dir():
        pytest.skip(f"{original} is not present on this machine: no original to compare fixtures/{name} with")
    if not copy.is_dir():
        if required:
            pytest.fail(f"fixtures/{name} is missing: copy {original} into it")
        pytest.skip(f"fixtures/{name} has not been copied from {original} yet")
    missing, differing = _differences(original, copy)
    assert not missing, f"files of {original} missing from fixtures/{name}: {missing}"
    assert not differing, f"files of fixtures/{name} that differ from {original}: {differing}"


def test_differences_finds_missing_and_changed_files(tmp_path: Path) -> None:
    original, copy = tmp_path / "original", tmp_path / "copy"
    (original / "sub").mkdir(parents=True)
    (copy / "sub").mkdir(parents=True)
    (original / "same.json").write_bytes(b"{}")
    (copy / "same.json").write_bytes(b"{}")
    (original / "sub" / "changed.json").write_bytes(b"[1]")
    (copy / "sub" / "changed.json").write_bytes(b"[1]\n")
    (original / "gone.md").write_text("x")
    (copy / "extra.md").write_text("only in the copy")
    assert _differences(original, copy) == (["gone.md"], [str(Path("sub") / "changed.json")])
