"""Logging of the app and of uvicorn: plain text (default) or one JSON object per line.

``SALA_LOG_FORMAT=json`` makes every line ``{"time", "level", "logger", "message", ...}``
plus the fields a caller passed in ``extra`` (a request's method, path, status, duration and
client; an ingest batch's dataset and counts), so the IT team's log collector needs no
parsing rules. uvicorn's own loggers are routed through the same handler; its access log is
silenced because :mod:`api.request_log` logs each request once, with its duration.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's colourised duplicate of the message
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which uvicorn worker
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain default, with a request's or a batch's fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = [
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _STANDARD and not k.startswith("_")
        ]
        return f"{text} {' '.join(extras)}" if extras else text


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else TextFormatter()


class SalaHandler(logging.StreamHandler):
    """Our root handler, told apart from others (pytest's, for one) when reconfiguring.

    Writes to whatever ``sys.stderr`` is at the time of each record, so a stream replaced
    after configuration (a test capturing output) is never written after it closed."""

    def __init__(self, stream=None) -> None:
        super().__init__(stream)
        self._follow = stream is None or stream is sys.stderr

    def emit(self, record: logging.LogRecord) -> None:
        if self._follow:
            self.stream = sys.stderr
        super().emit(record)


def configure(fmt: str = "text", level: str = "INFO") -> None:
    """Send the app's and uvicorn's records to stderr in ``fmt``; idempotent.

    Called when the app is built, which in a uvicorn worker is after uvicorn set up its own
    logging, so this wins in every worker."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, SalaHandler)]:
        root.removeHandler(handler)
    handler = SalaHandler()
    handler.setFormatter(formatter(fmt))
    root.addHandler(handler)
    root.setLevel(level)
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # api.request_log logs them


def uvicorn_config(fmt: str = "text", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for ``uvicorn.run(log_config=...)``: the same format in
    uvicorn's parent process (start-up, worker restarts) as in the workers."""
    factory = "core.logs.JsonFormatter" if fmt == "json" else "core.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"sala": {"()": factory}},
        "handlers": {
            "sala": {
                "class": "core.logs.SalaHandler",
                "formatter": "sala",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["sala"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": level},
            "uvicorn.access": {"handlers": [], "propagate": True, "level": "WARNING"},
        },
    }
