"""The maps' territory shapes, kept in memory per ``territories`` data version.

Every main refresh of an indicator page draws its territories as filled shapes where they
carry one (``callbacks.indicator.with_shapes``). Reading the same GeoJSON from
``territory.geometry`` and decoding it on every refresh was a large share of a national
response (the 24 estado shapes, ~70 kB of coordinates), although it changes only when
territories are written. Here each shape is read once and reused while the
``territories`` version stays the same: every write of territories bumps it in its
transaction (``data.versions``), so a changed shape is read again on the next refresh.

The version row's ``updated_at`` is part of the stamp, so a database emptied and written
again up to the same version number is not mistaken for the cached one; while
``territories`` was never written through a versioned path (no row) nothing is cached.
Per worker process, bounded, thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import DataVersion
from data.queries.common import territory_shapes

# Codes remembered per version (with or without a shape); beyond it shapes are read uncached.
MAX_CODES = 50_000

Stamp = tuple[int, datetime | None]


def territories_stamp(session: Session) -> Stamp | None:
    """The ``territories`` version and when it moved; None while it was never written."""
    row = session.execute(
        select(DataVersion.version, DataVersion.updated_at).where(
            DataVersion.dataset == "territories"
        )
    ).first()
    return None if row is None else (int(row[0]), row[1])


class ShapeCache:
    """``code -> stored GeoJSON geometry or None`` for one ``territories`` stamp at a time."""

    def __init__(self, max_codes: int = MAX_CODES) -> None:
        self._max = max_codes
        self._lock = threading.Lock()
        self._stamp: Stamp | None = None
        self._shapes: dict[str, dict[str, Any] | None] = {}
        self.reads = 0  # database reads of shapes (for tests)

    def clear(self) -> None:
        with self._lock:
            self._stamp, self._shapes = None, {}

    def shapes(self, session: Session, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        """``code -> GeoJSON geometry`` of the given territories that carry one, as
        :func:`data.queries.common.territory_shapes` (the same objects on every call: read
        only)."""
        wanted = set(codes)
        if not wanted:
            return {}
        # the stamp first: shapes read after it are at least as new as it
        stamp = territories_stamp(session)
        with self._lock:
            usable = stamp is not None and (
                self._stamp is None or self._stamp == stamp or stamp[0] > self._stamp[0]
            )
            if usable and self._stamp != stamp:
                self._stamp, self._shapes = stamp, {}
            cached = self._shapes if usable else {}
            known = {code: cached[code] for code in wanted if code in cached}
        missing = sorted(wanted - known.keys())
        if missing:
            self.reads += 1
            found = territory_shapes(session, missing)
            fresh = {code: found.get(code) for code in missing}
            known.update(fresh)
            with self._lock:
                if usable and self._stamp == stamp and len(self._shapes) + len(fresh) <= self._max:
                    self._shapes.update(fresh)
        return {code: shape for code in wanted if (shape := known.get(code)) is not None}


SHAPES = ShapeCache()
