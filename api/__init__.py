"""REST API (``/api/v1``) and health check, mounted on the FastAPI server before Dash."""

from __future__ import annotations

from fastapi import FastAPI

from core.config import Settings


def register(server: FastAPI, settings: Settings) -> None:
    """Attach every API router to ``server``; routes read ``settings`` from the app state."""
    from api import alerts, docs, export, health, ingest, read

    server.state.sala_settings = settings
    server.include_router(health.router)
    server.include_router(ingest.router)
    server.include_router(read.router)
    server.include_router(alerts.router)
    docs.mount(server)
    server.include_router(export.router)
