"""``informe --territorio CODE [--as-of ISO] --salida FILE.pdf``: the territory briefing as a
PDF file, for cron jobs and for sending by other means.

The same document as ``/informe.pdf`` (``data.queries.briefing`` and ``layouts.informe``),
generated with the national scope of the command line and written to the audit log as an
export by ``cli:<user>``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from cli import CommandError, actor
from core.config import load_settings
from core.numbers import fmt_number
from core.timeutil import parse_moment, utcnow
from data.db import get_engine, session_scope
from data.queries.briefing import briefing, record_download
from data.scope import NATIONAL, UnknownTerritory
from layouts import informe

NATIONAL_CODES = ("VE", "nacional")
STEPS = 4  # read the data, compose, print, write: each printed as it ends


def _output(raw: str) -> Path:
    path = Path(raw).expanduser()
    if path.suffix.lower() != ".pdf":
        raise CommandError(f"«{raw}» no termina en .pdf: indique un archivo como informe.pdf.")
    if not path.parent.is_dir():
        raise CommandError(
            f"La carpeta {path.parent} no existe: créela (mkdir -p {path.parent}) o elija otra."
        )
    if path.is_dir():
        raise CommandError(f"{path} es una carpeta: indique el nombre del archivo PDF.")
    return path


def make_informe(args: argparse.Namespace) -> int:
    path = _output(args.salida)
    code = None if args.territorio in NATIONAL_CODES else args.territorio.strip()
    try:
        as_of = parse_moment(args.as_of, utcnow())
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    settings = load_settings()
    started = time.monotonic()

    def step(n: int, text: str) -> None:
        elapsed = fmt_number(time.monotonic() - started, 1)
        print(f"informe: paso {n}/{STEPS} — {text} ({elapsed} s)", flush=True)

    try:
        with session_scope(get_engine(settings.database_url)) as session:
            data = briefing(
                session, NATIONAL, code, as_of, settings.sla_hours, settings.exercise_overdue_days
            )
            step(1, "datos leídos")
            ref = data["territory"]
            record_download(
                session, actor(), "pdf", ref.code if ref else None, data["as_of"], None, None
            )
    except UnknownTerritory:
        raise CommandError(
            f"No existe el territorio «{args.territorio}». Use un código como VE-A (Distrito "
            "Capital) o VE-V (Zulia), o VE para todo el país; los códigos de los hijos de un "
            "territorio están en GET /api/v1/territories?parent=CODE."
        ) from None
    except DBAPIError as exc:
        raise CommandError(
            "No se pudo leer la base de datos: revise DATABASE_URL o ejecute "
            f"«python manage.py doctor». ({type(exc.orig).__name__})"
        ) from None
    doc = informe.document(data, actor(), utcnow())
    html = informe.render_html(doc)
    step(2, "documento y gráficos compuestos")
    pdf = informe.to_pdf(html)
    step(3, "PDF impreso")
    try:
        path.write_bytes(pdf)
    except OSError as exc:
        raise CommandError(
            f"No se pudo escribir {path}: {exc.strerror}. Elija otra ruta."
        ) from None
    step(4, "archivo escrito")
    print(
        f"Informe de {doc['territory_name']} (situación al {doc['moment_short']}, hora de "
        f"Caracas) guardado en {path} ({fmt_number(len(pdf) / 1024, 0)} KB).",
        flush=True,
    )
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "informe", help="informe de rendición de cuentas de un territorio, en PDF"
    )
    p.add_argument(
        "--territorio",
        required=True,
        metavar="CÓDIGO",
        help="código del territorio (VE-A, VE-V-01…; VE para todo el país)",
    )
    p.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        metavar="FECHA",
        help="momento del informe, ISO 8601 (2026-11-23T15:00, hora de Caracas; por defecto: ahora)",
    )
    p.add_argument("--salida", required=True, metavar="ARCHIVO.pdf", help="archivo PDF a escribir")
    p.set_defaults(func=make_informe)
