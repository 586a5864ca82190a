"""The titled frame around a section of a page or a panel of the wall."""

from __future__ import annotations

from typing import Any

from dash import html


def panel(
    title: str,
    body: Any,
    subtitle: str | None = None,
    extra: Any = None,
    class_name: str = "",
    panel_id: str | dict | None = None,
) -> html.Section:
    """Header (title, subtitle, and ``extra`` on the right such as a freshness badge) + body.

    A scrolling list body (``html.Div`` with class ``ind-list``) becomes a region named by
    the title and reachable by keyboard (``tabIndex=0``), so it can be scrolled without a mouse.
    """
    if isinstance(body, html.Div) and "ind-list" in str(getattr(body, "className", "")).split():
        body.tabIndex = "0"
        body.role = "region"
        setattr(body, "aria-label", title)
    head = html.Div(
        [
            html.Div(
                [
                    html.H2(title, className="panel-title"),
                    html.Span(subtitle, className="panel-subtitle") if subtitle else None,
                ],
                className="panel-titles",
            ),
            html.Div(extra, className="panel-extra") if extra is not None else None,
        ],
        className="panel-head",
    )
    kwargs: dict[str, Any] = {"id": panel_id} if panel_id is not None else {}
    return html.Section(
        [head, html.Div(body, className="panel-body")],
        className=f"panel {class_name}".strip(),
        **kwargs,
    )
