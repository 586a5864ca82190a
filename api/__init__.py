"""REST API (``/api/v1``) and health check, mounted on the FastAPI server before Dash."""

from __future__ import annotations

from fastapi import FastAPI

from core.config import Settings


def register(server: FastAPI, settings: Settings) -> None:
    """Attach every API router to ``server``."""
    from api import export, health

    server.include_router(health.router)
    server.include_router(export.router)
