"""Progress lines for long commands (seeding, imports, benchmarks)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints ``label: done/total (pct) eta`` at most every ``every_s`` seconds."""

    def __init__(self, label: str, total: int | None = None, every_s: float = 1.0) -> None:
        self.label, self.total, self.every_s = label, total, every_s
        self.done = 0
        self._start = self._last = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self._print(now)

    def finish(self) -> None:
        self._print(time.monotonic(), final=True)

    def _print(self, now: float, final: bool = False) -> None:
        elapsed = now - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total:
            pct = 100.0 * self.done / self.total
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            text = f"{self.label}: {self.done:,}/{self.total:,} ({pct:5.1f} %)"
            text += f" — {rate:,.0f}/s" + ("" if final else f", faltan ~{eta:,.0f} s")
        else:
            text = f"{self.label}: {self.done:,} — {rate:,.0f}/s"
        if final:
            text += f" — listo en {elapsed:,.1f} s"
        print(text.replace(",", "."), file=sys.stdout, flush=True)
