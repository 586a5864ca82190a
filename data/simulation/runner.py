"""Drives a simulator once a second, on the command line or on a thread of the server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from core.timeutil import utcnow
from data.simulation.load import LoadSimulator
from data.simulation.realistic import RealisticSimulator, Surge

log = logging.getLogger(__name__)

REALISTIC = "realista"


@dataclass(frozen=True)
class Mode:
    """What to simulate: the history's rates (``rate`` 0, optionally a surge) or a load of
    ``rate`` records per second."""

    rate: float = 0.0
    surge: Surge | None = None

    @property
    def realistic(self) -> bool:
        return self.rate == 0

    def describe(self) -> str:
        if not self.realistic:
            return f"carga de {self.rate:g} registros/s"
        text = "al ritmo de la historia guardada"
        if self.surge:
            text += f", con un pico de {self.surge.area} ×{self.surge.factor:g} en {self.surge.territory}"
        return text


class BadMode(ValueError):
    """``SALA_SIMULATE`` (or ``--simulate``) is neither 0, ``realista`` nor a rate."""


def parse_mode(value: str | None) -> Mode | None:
    """``0``/empty: no simulator; ``realista``: the believable demo; ``N``: N records/s."""
    text = (value or "").strip().lower()
    if text in ("", "0", "no"):
        return None
    if text == REALISTIC:
        return Mode()
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not rate > 0 or rate != rate or rate == float("inf"):
        raise BadMode(
            f"SALA_SIMULATE={value!r} no es válido: use 0 (apagado), «realista» (el ritmo de "
            "la historia, lo que usa make run) o un número de registros por segundo (carga)."
        )
    return Mode(rate=rate)


class Stepper(Protocol):
    totals: dict


def run(
    engine: Engine,
    mode: Mode,
    duration_s: float | None = None,
    stop: threading.Event | None = None,
    report: Callable[[Stepper], None] | None = None,
    seed: int | None = None,
) -> RealisticSimulator | LoadSimulator:
    """Simulate until ``duration_s`` passes or ``stop`` is set; errors are logged and the
    loop goes on (a database restart must not end the demo)."""
    sim: RealisticSimulator | LoadSimulator
    if mode.realistic:
        sim = RealisticSimulator(engine, seed=seed, surge=mode.surge)
    else:
        sim = LoadSimulator(engine, seed=seed)
    stop = stop or threading.Event()
    start = last = time.monotonic()
    carry = 0.0
    while not stop.is_set():
        if duration_s is not None and time.monotonic() - start >= duration_s:
            break
        tick = time.monotonic()
        try:
            if isinstance(sim, RealisticSimulator):
                sim.step(utcnow(), tick - last if tick > last else 1.0)
            else:
                carry += mode.rate
                n, carry = int(carry), carry - int(carry)
                sim.tick(n)
        except Exception:
            log.exception("simulador: falló un ciclo; se sigue con el siguiente")
            sim.pools = type(sim.pools)()  # reload next time: the database may have changed
        last = tick
        if report:
            report(sim)
        stop.wait(max(0.0, 1.0 - (time.monotonic() - tick)))
    return sim


class BackgroundSimulator:
    """The simulator on a daemon thread of the server, started and stopped by its lifespan."""

    def __init__(self, engine: Engine, mode: Mode) -> None:
        self.mode = mode
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._main, args=(engine, mode), name="sala-simulator", daemon=True
        )

    def _main(self, engine: Engine, mode: Mode) -> None:
        try:
            run(engine, mode, stop=self._stop)
        except Exception:  # never let the simulator take the server down
            log.exception("simulador: detenido por un error")

    def start(self) -> BackgroundSimulator:
        self._thread.start()
        log.info("simulador en marcha: %s", self.mode.describe())
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()
