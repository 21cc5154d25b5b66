"""Faults injected into a pull: a source whose page iterator dies after page k, as a killed process would."""

from __future__ import annotations

from collections.abc import Iterator

from lrs_adapter.config import Config
from lrs_adapter.pipeline.pull import make_source
from lrs_adapter.sources import Page, Source
from lrs_adapter.store import Database


class Killed(RuntimeError):
    pass


def dying_source(config: Config, connector: str, db: Database, *, after: int) -> Source:
    """The connector's real source (real client, real cursor), cut short after `after` committed pages."""
    source = make_source(config, config.connectors[connector], db, full=False)
    pages = source.pages

    def until_killed() -> Iterator[Page]:
        for number, page in enumerate(pages(), start=1):
            if number > after:
                raise Killed(f"killed after page {after}")
            yield page

    source.pages = until_killed  # type: ignore[method-assign]
    return source
