"""The pages of the Sala: path, Spanish title and the pure function that lays each out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dash.development.base_component import Component


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    nav_label: str
    layout: Callable[[dict[str, str]], Component]
    in_nav: bool = True
    # How the app's frame holds the page (``layouts.shell.app_class``): "" grows and scrolls,
    # "fit-screen" fills the viewport exactly, "muro" is the wall (whole screen, no menu).
    frame: str = ""


PAGES: list[Page] = []


def register_page(page: Page) -> None:
    """Add ``page``, replacing one already registered at its path (apps built twice)."""
    for i, existing in enumerate(PAGES):
        if existing.path == page.path:
            PAGES[i] = page
            return
    PAGES.append(page)


def find_page(path: str) -> Page | None:
    normalized = "/" + (path or "/").strip("/")
    return next((page for page in PAGES if page.path == normalized), None)
