"""The files in ``deploy/``: nginx accepts the site, compose and systemd say what the README
says, and the Grafana dashboard only asks for metrics the app exports."""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from core.config import ROOT, Settings

DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "fullchain.pem", tmp / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=sala.example.gob.ve", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_nginx_accepts_the_site(tmp_path: Path):
    if NGINX is None:
        pytest.skip("nginx no está instalado (apt install nginx): no se puede ejecutar nginx -t")
    if shutil.which("openssl") is None:
        pytest.skip("openssl no está instalado: no se puede generar el certificado de prueba")
    cert, key = self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "sala.conf").read_text()
    site = site.replace("/etc/ssl/sala/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/sala/privkey.pem", str(key))
    (tmp_path / "sala.conf").write_text(site)
    shutil.copy(DEPLOY / "nginx" / "sala-upstream.conf", tmp_path / "sala-upstream.conf")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir()
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(
        f"""pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/client_body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/sala-upstream.conf;
    include {tmp_path}/sala.conf;
}}
"""
    )
    result = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(wrapper)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_site_matches_the_app_settings():
    site = (DEPLOY / "nginx" / "sala.conf").read_text()
    size = re.search(r"client_max_body_size\s+(\d+)([km]?);", site)
    assert size, "falta client_max_body_size"
    factor = {"": 1, "k": 1024, "m": 1024 * 1024}[size.group(2)]
    default_body = Settings.__dataclass_fields__["max_body_bytes"].default
    assert int(size.group(1)) * factor == default_body  # = SALA_MAX_BODY_BYTES
    assert "proxy_set_header Upgrade" in site and "$sala_connection" in site  # websocket
    assert "location = /_dash-ws-callback" in site
    assert "X-Forwarded-For" in site and "X-Forwarded-Proto" in site  # uvicorn --proxy-headers
    assert "gzip on" in site
    assert re.search(r"location = /metrics \{\s*return 404;", site)  # never public
    assert "immutable" in site  # fingerprinted assets cached long


def test_compose_file_describes_the_four_services():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "app", "nginx"}
    app = services["app"]
    env = app["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "SALA_SECRET_KEY" in env and ":?" in env["SALA_SECRET_KEY"]  # required, no default
    assert (DEPLOY / app["build"]["dockerfile"].removeprefix("deploy/")).exists()
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    mounts = " ".join(services["nginx"]["volumes"])
    for source in re.findall(r"\./(nginx/[\w.-]+)", mounts):
        assert (DEPLOY / source).exists(), source
    for name, service in services.items():
        if "image" in service:
            assert re.search(r":\d", service["image"]), f"{name}: fije la versión de la imagen"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_systemd_units():
    service = unit("sala.service")["Service"]
    assert service["ExecStart"].endswith("manage.py serve")
    assert service["Restart"] == "on-failure"
    assert service["User"] == "sala" and service["EnvironmentFile"] == "/etc/sala/sala.env"
    assert service["Environment"] == "PROMETHEUS_MULTIPROC_DIR=/run/sala/metrics"
    assert service["RuntimeDirectory"] == "sala"
    backup = unit("sala-backup.service")["Service"]
    assert "manage.py backup --salida" in backup["ExecStart"]
    assert unit("sala-backup.timer")["Timer"]["OnCalendar"]
    example = (DEPLOY / "sala.env.example").read_text()
    for variable in ("DATABASE_URL", "REDIS_URL", "SALA_SECRET_KEY", "SALA_WORKERS"):
        assert re.search(rf"^{variable}=", example, re.M), variable


def exported_metric_names() -> set[str]:
    """Every metric family /metrics can expose, with the suffixes Prometheus adds."""
    import data.metrics  # noqa: F401  (registers the database gauges)
    from core import metrics

    names = set(metrics._scrape_gauges)
    for value in vars(metrics).values():
        describe = getattr(value, "describe", None)
        if callable(describe) and hasattr(value, "_name"):
            for family in describe():
                base = family.name
                kind = family.type
                names.add(base)
                if kind == "counter":
                    names.add(base + "_total")
                if kind == "histogram":
                    names |= {base + "_bucket", base + "_count", base + "_sum"}
    return names


def test_grafana_dashboard_uses_only_exported_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "sala-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert exprs
    used = {m for e in exprs for m in re.findall(r"\b(sala_[a-z_]+)", e)}
    missing = used - exported_metric_names()
    assert not missing, f"el tablero pide métricas que la app no exporta: {missing}"
    for contract in ("sala_http_request_duration_seconds_bucket", "sala_ingest_records_total"):
        assert contract in used
