"""How the app's frame holds each page: classes set by the router, never CSS ``:has()`` on the
page's ancestors (with it, every insertion made Chromium re-check the whole page's styles:
~100 ms of main thread on a first visit to ``/proyectos``)."""

from __future__ import annotations

import json
import re

import pytest

from auth.principal import LOCAL_ADMIN, Principal
from core.config import ROOT
from layouts.shell import app_class
from tests.auth.conftest import make_client, sala_app  # noqa: F401 - fixture
from tests.auth.dash_requests import payload

ROUTE = "..page.children...app.className.."
# The page's ancestors: a :has() on any of them is re-checked on every change to the page.
FRAME = {"html", "body", ":root", "#react-entry-point", "#_dash-app-content", ".app", ".page"}
HAS_SUBJECT = re.compile(r"([^\s>+~,{}()]+):has\(")  # the compound selector :has() is asked of
SIMPLE = re.compile(r"[.#:]?[\w-]+")


def frame_has(css: str) -> list[str]:
    """The ``:has()`` subjects in ``css`` that are one of the page's ancestors."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    return [m[1] for m in HAS_SUBJECT.finditer(css) if FRAME & set(SIMPLE.findall(m[1]))]


def test_no_stylesheet_asks_has_of_the_pages_frame() -> None:
    found = {css.name: frame_has(css.read_text()) for css in (ROOT / "assets").glob("*.css")}
    assert {name: subjects for name, subjects in found.items() if subjects} == {}


def test_the_check_sees_the_rules_it_replaced_and_spares_the_others() -> None:
    old = "html:has(.muro), body:has(.muro) {} .app:has(.muro) .nav {} .page:has(.muro) {}"
    assert frame_has(old) == ["html", "body", ".app", ".page"]
    assert frame_has("#muro .muro-panel:has(.state-mal) {} /* .app:has(.x) */") == []


def test_the_app_class_names_the_frame_and_the_kiosk() -> None:
    screen = Principal("SALA-1", "pantalla", None, kind="display")
    assert app_class(LOCAL_ADMIN) == "app"
    assert app_class(LOCAL_ADMIN, "muro") == "app frame-muro"
    assert app_class(screen, "muro") == "app kiosk frame-muro"
    assert app_class(screen) == "app kiosk"


def _route(app, path: str) -> tuple[dict, str]:
    """The router's answer for ``path``, asked over HTTP as the browser does."""
    request = payload(ROUTE, app.callback_map[ROUTE], {0: path, 1: ""})
    answer = make_client(app).post("/_dash-update-component", json=request)
    assert answer.status_code == 200, answer.text[:300]
    response = answer.json()["response"]
    return response["page"]["children"], response["app"]["className"]


@pytest.mark.parametrize(
    ("path", "classes"),
    [
        ("/muro", "app frame-muro"),
        ("/", "app frame-fit-screen"),
        ("/proyectos", "app"),
        ("/no-existe", "app"),
    ],
)
def test_the_router_sets_the_frame_with_the_page(
    sala_app,  # noqa: F811
    sqlite_engine,
    path: str,
    classes: str,
) -> None:
    page, got = _route(sala_app, path)
    assert got == classes
    wall = '"id": "muro"' in json.dumps(page)  # the page comes in the same answer
    assert wall == (path == "/muro")
