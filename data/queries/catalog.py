"""Every page's datasets, registered by importing their query modules (one line per page).

Import this module (not ``datasets``) where the full set is needed: the CSV export route
and the table callback. A new page adds its query module here.
"""

from __future__ import annotations

from data.queries import aca, cases, clap, defense, incidents, projects
from data.queries.datasets import DATASETS

__all__ = ["DATASETS", "aca", "cases", "clap", "defense", "incidents", "projects"]
