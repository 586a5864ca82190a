"""Figures reserve the margins their labels need (layouts/components/margins.py), so Plotly
draws them once instead of growing the margins and drawing again. The browser side (no
margin grown on any page at 1920×1080 and 1366×768) is in tests/browser/test_labels.py."""

from __future__ import annotations

import plotly.graph_objects as go

from layouts import proyectos
from layouts.components.figures import base_layout, empty_figure, heat_colorbar, label_axis
from layouts.components.margins import LINE, fit_margins, text_width
from layouts.components.page_figures import legend_layout


def _hbars(names: list[str], layout: dict) -> go.Figure:
    fig = go.Figure(go.Bar(y=names, x=[3] * len(names), orientation="h", name="Casos"))
    fig.update_layout(**label_axis(layout, len(names)))
    return fig


def test_text_width_grows_with_the_text_and_takes_the_widest_line():
    assert text_width("Zulia", 15) < text_width("Delta Amacuro", 15)
    assert text_width("Delta Amacuro", 30) == 2 * text_width("Delta Amacuro", 15)
    assert text_width("Delta<br>Amacuro", 15) == text_width("Amacuro", 15)
    assert text_width("WWW", 15) > text_width("iii", 15)  # not a count of characters


def test_the_left_margin_holds_the_longest_name_and_short_names_keep_the_default():
    long_name = "Banco Comunal Unión de Productores del Sur del Lago"
    fig = fit_margins(_hbars(["Zulia", long_name], base_layout()))
    assert fig.layout.margin.l >= text_width(long_name, 15)
    short = fit_margins(_hbars(["A", "B"], base_layout()))
    assert short.layout.margin.l == base_layout()["margin"]["l"]


def test_a_legend_that_cannot_fit_one_row_gets_the_room_of_its_rows():
    def figure(names: list[str]) -> go.Figure:
        fig = go.Figure([go.Bar(x=["a"], y=[1], name=n) for n in names])
        fig.update_layout(**legend_layout())
        return fit_margins(fig)

    one = figure(["Culminado"]).layout.margin.t
    many = figure([f"Estado número {i} del proyecto" for i in range(6)]).layout.margin.t
    assert one >= LINE * 15  # a row of 15 px text
    assert many >= 6 * LINE * 15  # one entry a row: none fits beside another
    assert many > one


def test_crowded_x_labels_get_a_fixed_angle_and_the_bottom_margin_for_it():
    fig = go.Figure(go.Bar(y=["Banco"], x=[1_500_000], orientation="h"))
    layout = base_layout()
    layout["xaxis"].update(tickprefix="USD ", tickformat=",.0f")
    fig.update_layout(**layout)
    fit_margins(fig)
    assert fig.layout.xaxis.tickangle == -30  # "USD 1.650.000" would not fit level
    assert fig.layout.margin.b > base_layout()["margin"]["b"]


def test_a_date_axis_that_may_thin_its_labels_shows_fewer_instead_of_tilting_them():
    from datetime import datetime, timedelta

    days = [datetime(2026, 11, 1) + timedelta(days=i) for i in range(30)]
    fig = go.Figure(go.Bar(x=days, y=list(range(30))))
    layout = base_layout()
    layout["xaxis"].update(type="date", tickformat="%d/%m", nticks=30)
    fig.update_layout(**layout)
    fit_margins(fig)
    assert fig.layout.xaxis.tickangle is None
    assert fig.layout.xaxis.nticks < 30


def test_a_heat_map_keeps_room_for_its_colour_scale_on_the_right():
    fig = go.Figure(go.Heatmap(z=[[1, 250], [3, 4]], colorbar=heat_colorbar("Incidentes")))
    fig.update_layout(**base_layout())
    assert fit_margins(fig).layout.margin.r >= 60


def test_the_empty_figure_is_left_alone():
    fig = empty_figure("Sin datos")
    before = fig.layout.margin.to_plotly_json()
    assert fit_margins(fig).layout.margin.to_plotly_json() == before


def test_a_page_figure_comes_with_its_margins_fitted():
    """The builders call fit_margins: a long bank name widens the banks chart's margin."""
    name = "Banco Comunal Unión de Productores del Sur del Lago"
    fig = proyectos.banks_figure([{"bank": name, "usd": 1_000, "transfers": 2}])
    assert fig.layout.margin.l >= text_width(name, 15)
