"""Configuration, read once from environment variables with safe defaults.

Every knob the README documents lives here; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from core.sla import DEFAULT_SLA_HOURS, BadSlaSetting, parse_sla

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "sala.db"
INSECURE_SECRET = "dev-insecure-change-me"  # refused off loopback (auth.install)
DEFAULT_TILES = "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SystemExit(f"La variable {name}={raw!r} debe ser un número entero.") from exc


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(raw: str | None) -> tuple[IPNetwork, ...]:
    """``SALA_TRUSTED_PROXIES``: comma-separated IPs or CIDR blocks of the declared proxies."""
    networks = []
    for item in (raw or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise SystemExit(
                f"SALA_TRUSTED_PROXIES: {item!r} no es una dirección IP ni un bloque CIDR "
                "(p. ej. 10.0.0.5 o 10.0.0.0/24)."
            ) from exc
    return tuple(networks)


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"La variable {name}={raw!r} debe ser un número.") from exc


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "si", "sí", "true", "on", "yes"):
        return True
    if raw in ("0", "no", "false", "off"):
        return False
    raise SystemExit(f"La variable {name}={raw!r} debe ser 1 (sí) o 0 (no).")


def _sla() -> dict[str, float]:
    try:
        return parse_sla(os.environ.get("SALA_SLA_HORAS"))
    except BadSlaSetting as exc:
        raise SystemExit(str(exc)) from exc


@dataclass(frozen=True)
class Settings:
    """The process configuration. Build with :func:`load_settings`."""

    database_url: str
    redis_url: str | None
    host: str
    port: int
    tile_url: str
    tile_attribution: str
    secret_key: str
    simulate: str  # SALA_SIMULATE: 0, «realista» or records/s (data.simulation.runner)
    max_body_bytes: int = 20 * 1024 * 1024
    bus_stream: str = "sala:events"
    allowed_origins: tuple[str, ...] = ()
    sla_hours: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    exercise_overdue_days: int = 90
    log_format: str = "text"
    log_level: str = "INFO"
    metrics_allow: tuple[str, ...] = ()
    workers: int = 1
    ws_deflate: bool = True  # permessage-deflate on the websockets (uvicorn's; see README)
    trusted_proxies: tuple[IPNetwork, ...] = ()
    alerts_enabled: bool = True  # run the alert evaluator in this process (one leads)
    alert_period_s: int = 60  # window rules, every this many seconds
    alert_escalate_min: int = 15  # level >= 4 unacknowledged this long: "sin atender"
    webhook_timeout_s: float = 5.0
    webhook_retry_hours: float = 24.0  # a notification is retried this long, then given up
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name, "").strip() or default
    if raw.lower() not in choices:
        raise SystemExit(f"La variable {name}={raw!r} debe ser una de: {', '.join(choices)}.")
    return raw.lower()


def _networks(name: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (``10.0.0.7,10.1.0.0/16``), checked now."""
    import ipaddress

    out = []
    for item in os.environ.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            out.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError as exc:
            raise SystemExit(
                f"La variable {name} tiene {item.strip()!r}, que no es una dirección IP ni una "
                "red (p. ej. 10.0.0.7 o 10.0.0.0/24)."
            ) from exc
    return tuple(out)


def load_settings() -> Settings:
    """Read the environment. Called per process; tests call it again after monkeypatching."""
    return Settings(
        database_url=os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE}",
        redis_url=os.environ.get("REDIS_URL", "").strip() or None,
        host=os.environ.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
        port=_int("PORT", 8050),
        tile_url=os.environ.get("SALA_TILE_URL", "").strip() or DEFAULT_TILES,
        tile_attribution=os.environ.get(
            "SALA_TILE_ATTRIBUTION", "© OpenStreetMap contributors © CARTO"
        ),
        secret_key=os.environ.get("SALA_SECRET_KEY", "").strip() or INSECURE_SECRET,
        simulate=os.environ.get("SALA_SIMULATE", "0").strip() or "0",
        max_body_bytes=_int("SALA_MAX_BODY_BYTES", 20 * 1024 * 1024),
        bus_stream=os.environ.get("SALA_BUS_STREAM", "").strip() or "sala:events",
        allowed_origins=tuple(
            o.strip() for o in os.environ.get("SALA_ALLOWED_ORIGINS", "").split(",") if o.strip()
        ),
        sla_hours=_sla(),
        exercise_overdue_days=_int("SALA_EJERCICIO_VENCIDO_DIAS", 90),
        log_format=_choice("SALA_LOG_FORMAT", "text", ("text", "json")),
        log_level=_choice(
            "SALA_LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")
        ).upper(),
        metrics_allow=_networks("SALA_METRICS_ALLOW"),
        workers=max(1, _int("SALA_WORKERS", 1)),
        ws_deflate=_flag("SALA_WS_DEFLATE", True),
        trusted_proxies=parse_trusted_proxies(os.environ.get("SALA_TRUSTED_PROXIES")),
        alerts_enabled=_flag("SALA_ALERTAS", True),
        alert_period_s=max(5, _int("SALA_ALERTAS_PERIODO", 60)),
        alert_escalate_min=max(1, _int("SALA_ALERTA_ESCALAR_MIN", 15)),
        webhook_timeout_s=max(0.5, _float("SALA_WEBHOOK_TIMEOUT", 5.0)),
        webhook_retry_hours=max(0.01, _float("SALA_WEBHOOK_REINTENTO_HORAS", 24.0)),
    )
