"""Files other programs pick up (an LMS upload, a feed export, a report page) appear whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    """A text file written beside `path` and renamed over it when the block ends (a rename within one file system
    is atomic), removed when the block fails. It gets the permissions a plain new file would (mkstemp's 0600 would
    hide it from the LMS job or the web server that reads it), and it is on disk before it is renamed."""
    with _atomic(path, binary=False) as out:
        yield out


@contextmanager
def atomic_binary_file(path: Path) -> Iterator[IO[bytes]]:
    """`atomic_file` for bytes (a workbook)."""
    with _atomic(path, binary=True) as out:
        yield out


@contextmanager
def _atomic(path: Path, *, binary: bool) -> Iterator[Any]:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        text: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(handle, "wb" if binary else "w", **text) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
