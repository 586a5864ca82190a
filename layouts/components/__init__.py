"""Reusable pieces of every page and of the wall, one idea per module, pure functions.

- ``kpi``: a KPI card whose value element carries ``data-kpi`` and ``data-value``.
- ``summary_kpis``: the five areas' cards built from ``data.queries.summary.summary``.
- ``territory_map``: dash-leaflet map with one GeoJSON point per territory.
- ``chart``: a chart card (dcc.Graph); ``figures``: the dark Plotly theme and the empty
  figure; ``trend_figures``: the areas' trend charts (CLAP, 1x10, incidents, projects).
- ``theme``: colours shared with Plotly and the map; ``scale_for`` sizes type to the screen.
- ``panel``: the titled frame around a section; ``empty``: the Spanish empty state.
- ``freshness``: the "actualizado hace N s" badge.
"""
