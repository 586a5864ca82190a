"""The empty state: a clear Spanish sentence where data would be, never blank space."""

from __future__ import annotations

from dash import html


def empty_state(title: str, detail: str | None = None) -> html.Div:
    return html.Div(
        [html.Div(title, className="empty-title"), html.Div(detail) if detail else None],
        className="empty-state",
    )
