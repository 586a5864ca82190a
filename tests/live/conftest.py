"""Live-push browser tests run only with SALA_TEST_BROWSER=1 (and Redis: SALA_TEST_REDIS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.harness import BROWSER

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(reason="pruebas de navegador: defina SALA_TEST_BROWSER=1")
    if BROWSER:
        return
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE) and item.get_closest_marker("browser"):
            item.add_marker(skip)
