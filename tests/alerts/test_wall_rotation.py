"""The wall's alert column follows the territory the rotation shows; the level-5 banner keeps
the whole screen's scope (a level 5 elsewhere in the room's scope is never hidden)."""

from __future__ import annotations

from callbacks.alertas import load_wall
from tests.alerts.test_scope_screens import raised  # noqa: F401 - fixture


def _places(rows) -> set[str]:
    return {r["territory_code"] for r in rows}


def test_the_column_follows_the_rotation_and_the_banner_keeps_the_scope(raised):  # noqa: F811
    rows, total, level5 = load_wall("VE-M")
    assert _places(rows) == {"VE-M-C1"} and total == 1
    assert _places(level5) == {"VE-A-C1", "VE-M-C1"}
    rows, total, level5 = load_wall(None)
    assert _places(rows) == _places(level5) == {"VE-A-C1", "VE-M-C1"} and total == 2
    rows, total, _ = load_wall("VE-Q")  # unknown: the scope's alerts, the wall says why
    assert _places(rows) == {"VE-A-C1", "VE-M-C1"} and total == 2
