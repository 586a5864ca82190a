"""The "Informe (PDF)" row above the pages: the page's territory, for the roles that may."""

from __future__ import annotations

from dash import html

from auth.principal import Principal
from layouts.components.informe_link import informe_href, with_informe_bar

PAGE = html.Div("página")


def _links(tree) -> list[str]:
    return [a.href for a in tree[0].children if isinstance(a, html.A)]


def test_the_link_names_the_page_territory():
    analyst = Principal("ana", "analista", "VE-A")
    tree = with_informe_bar("/clap", {"territorio": "VE-A-M1", "rango": "7d"}, analyst, PAGE)
    assert tree[1] is PAGE
    assert _links(tree) == ["/informe.pdf?territorio=VE-A-M1", "/informe?territorio=VE-A-M1"]
    whole_scope = with_informe_bar("/", {}, analyst, PAGE)
    assert _links(whole_scope) == ["/informe.pdf", "/informe"]
    assert informe_href("VE-A&x=1") == "/informe.pdf?territorio=VE-A%26x%3D1"


def test_no_link_where_no_briefing_can_be_had():
    for role in ("operador", "pantalla"):
        assert with_informe_bar("/clap", {}, Principal("x", role, None), PAGE) is PAGE
    assert with_informe_bar("/muro", {}, Principal("a", "admin", None), PAGE) is PAGE
