"""A small in-process cache of page aggregates, keyed by the data versions they read.

A result is reused only while every dataset it depends on keeps the same version (one tiny
query, ``data.versions.current``) and within the same Caracas minute (relative windows such
as "last 24 h" move with the clock). Any write bumps a version, so a cached number is never
older than the data. Per worker process; bounded (LRU).

Concurrent misses of one key are computed once ("single flight"): when fifty wall screens of
one scope ask for the same refresh after the same write, one of them runs the query and the
others wait for its result, so the server's work per event does not grow with the screens.
It is the same mechanism as the push's shared results (:class:`FreshCache`): here the
versions are in the key, so any stored result is fresh enough.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from data import versions
from data.queries.shared import FreshCache

T = TypeVar("T")


class VersionCache(FreshCache):
    """A :class:`FreshCache` whose keys carry the data versions and the minute."""

    def get_or_compute(
        self,
        session: Session,
        key: Hashable,
        datasets: Iterable[str],
        as_of: datetime,
        compute: Callable[[], T],
    ) -> T:
        current = versions.current(session)
        full_key = (
            key,
            tuple(sorted((d, current.get(d, 0)) for d in datasets)),
            as_of.replace(second=0, microsecond=0),
        )
        # The versions make the key: any result stored under it (or being computed) will do.
        return self.get(full_key, float("-inf"), compute)


PAGE_CACHE = VersionCache()
