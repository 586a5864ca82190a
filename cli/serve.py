"""``manage.py serve``: the production server (N uvicorn workers) with metrics and logs set up.

What the systemd unit and the container run. Over a bare ``uvicorn app:server --workers N``
it adds: one log format for uvicorn's parent process and its workers (``SALA_LOG_FORMAT``),
and a fresh ``PROMETHEUS_MULTIPROC_DIR`` so ``/metrics`` adds up every worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from cli import CommandError
from core import logs
from core.config import load_settings
from core.serving import uvicorn_options


def prepare_metrics_dir(workers: int) -> Path | None:
    """Empty (or create) the multiprocess directory before any worker starts.

    prometheus-client requires a clean directory per run; with one worker and no directory
    configured, the in-process registry is enough."""
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if not configured and workers <= 1:
        return None
    path = Path(configured) if configured else Path(tempfile.mkdtemp(prefix="sala-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)  # inherited by the workers
    return path


def serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    workers = args.workers or settings.workers
    if workers > 1 and not settings.redis_url:
        raise CommandError(
            "Con varios workers hace falta REDIS_URL: sin Redis cada worker tiene su propio bus "
            "y una pantalla conectada a uno no vería lo que llega por otro. Defina REDIS_URL o "
            "use --workers 1."
        )
    own_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    metrics_dir = prepare_metrics_dir(workers)
    import uvicorn

    try:
        uvicorn.run(
            "app:server",
            **uvicorn_options(
                settings,
                host=args.host or settings.host,
                port=args.port or settings.port,
                workers=workers,
                log_config=logs.uvicorn_config(settings.log_format, settings.log_level),
                timeout_graceful_shutdown=10,
            ),
        )
    finally:
        if own_dir and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="servidor de producción: N workers, métricas sumadas y registro configurado"
    )
    p.add_argument("--workers", type=int, default=0, help="workers de uvicorn (SALA_WORKERS; 1)")
    p.add_argument("--host", default=None, help="interfaz (por omisión HOST)")
    p.add_argument("--port", type=int, default=None, help="puerto (por omisión PORT)")
    p.set_defaults(func=serve)
