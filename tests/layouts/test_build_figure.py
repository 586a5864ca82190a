"""``build_figure`` gives the app a plain dict with the JSON of plotly's validated figure
(margins fitted to its labels either way), and these tests the validated ``go.Figure``."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from plotly.utils import PlotlyJSONEncoder

from layouts.components import figures
from layouts.components.figures import base_layout, build_figure, empty_figure, hbar, label_axis
from layouts.components.margins import fit_margins


def _json(fig: object) -> str:
    return json.dumps(fig, cls=PlotlyJSONEncoder, sort_keys=True)


def _sample() -> tuple[list[go.Bar], dict]:
    names = ["Zulia", "Lara", "Mérida"]
    layout = base_layout(1.4, barmode="stack", showlegend=True, bargap=0.2)
    label_axis(layout, len(names), 1.4)
    bars = [
        hbar(names, [3, 1, 2], "Dentro", "#0f0", "dentro"),
        hbar(names, [0, 2, 1], "Fuera", "#f00", "fuera"),
    ]
    return bars, layout


@pytest.mark.parametrize("one", [False, True])
def test_the_apps_dict_is_the_validated_figure(one: bool) -> None:
    traces, layout = _sample()
    traces = traces[0] if one else traces
    checked = fit_margins(go.Figure(traces, layout={**layout, "template": figures._template()}))
    figures.VALIDATE = False  # as the app builds it (the fixture restores it)
    fast = build_figure(traces, layout)
    assert isinstance(fast, dict)
    assert _json(fast) == _json(checked)
    assert fast["layout"]["template"]["layout"]["colorway"]  # the default template, as plotly's
    assert fast["layout"]["margin"]["l"] > layout["margin"]["l"]  # room for "Mérida"


def test_the_empty_figure_too() -> None:
    checked = empty_figure("Sin datos", 1.2)
    figures.VALIDATE = False
    assert _json(empty_figure("Sin datos", 1.2)) == _json(checked)


def test_layout_tests_validate_the_layout() -> None:
    with pytest.raises(ValueError, match="xaxiss"):
        build_figure([], {"xaxiss": {"visible": False}})


def test_the_template_lets_plotly_draw_without_measuring_every_tick_label() -> None:
    """Plotly's default template with the axes' ``automargin`` and ``title.standoff`` gone
    and no label hidden past the chart's edge (each made Plotly measure every tick label as
    it draws; the margins already hold them): the rest is plotly's."""
    import plotly.io as pio

    plotly = pio.templates[pio.templates.default].to_plotly_json()
    ours = figures._template()
    for name in ("xaxis", "yaxis"):
        axis = ours["layout"][name]
        assert "automargin" not in axis and "title" not in axis
        assert axis["ticklabeloverflow"] == "allow"
        rest = {k: v for k, v in plotly["layout"][name].items() if k not in ("automargin", "title")}
        assert {k: v for k, v in axis.items() if k != "ticklabeloverflow"} == rest
    assert ours["data"] == plotly["data"]
    assert {k: v for k, v in ours["layout"].items() if k not in ("xaxis", "yaxis")} == {
        k: v for k, v in plotly["layout"].items() if k not in ("xaxis", "yaxis")
    }
    assert plotly["layout"]["xaxis"]["automargin"] is True  # plotly's own is left untouched


def test_both_value_axes_write_venezuelan_thousands() -> None:
    """Plotly writes a four-digit tick as "2000" unless ``separatethousands``: the value axis
    of a horizontal bar chart (x) showed "1000 2000" beside vertical charts' "2.000"."""
    layout = base_layout()
    assert layout["separators"] == ",."
    for axis in ("xaxis", "yaxis"):
        assert layout[axis]["separatethousands"] is True, axis
        assert layout[axis]["exponentformat"] == "none", axis
