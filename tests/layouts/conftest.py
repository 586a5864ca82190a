"""Every figure a layout test builds is validated by plotly (the app skips that for speed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from layouts.components import figures


@pytest.fixture(autouse=True)
def validated_figures() -> Iterator[None]:
    previous, figures.VALIDATE = figures.VALIDATE, True
    try:
        yield
    finally:
        figures.VALIDATE = previous
