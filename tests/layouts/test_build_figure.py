"""``build_figure`` skips plotly's layout validation in the app, not in these tests, and the
figure is the same either way."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from plotly.utils import PlotlyJSONEncoder

from layouts.components import figures
from layouts.components.figures import base_layout, build_figure, hbar, label_axis


def _json(fig: go.Figure) -> str:
    return json.dumps(fig, cls=PlotlyJSONEncoder, sort_keys=True)


def _sample() -> tuple[list[go.Bar], dict]:
    names = ["Zulia", "Lara", "Mérida"]
    layout = base_layout(1.4, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(names), 1.4)
    return [hbar(names, [3, 1, 2], "Dentro de meta", "#0f0", "dentro")], layout


def test_unvalidated_figure_is_the_validated_one() -> None:
    traces, layout = _sample()
    checked = go.Figure(traces, layout=layout)
    figures.VALIDATE = False  # as the app builds it (the fixture restores it)
    fast = build_figure(traces, layout)
    assert _json(fast) == _json(checked)
    assert fast.layout.template.layout.colorway  # the default template is still applied


def test_layout_tests_validate_the_layout() -> None:
    with pytest.raises(ValueError, match="xaxiss"):
        build_figure([], {"xaxiss": {"visible": False}})


def test_the_app_does_not_validate_it() -> None:
    figures.VALIDATE = False
    assert build_figure([], {"xaxiss": {"visible": False}}) is not None
