"""How fast a dataset scale loads: ``python -m bench.seed_load --scale national``.

Loads into ``DATABASE_URL`` (migrating first) and prints the split of the load (wall and CPU
seconds per step and per table, as ``manage.py seed`` does), rows per second, the CPU seconds
and the load average (other processes on the machine stretch the wall time, not the CPU
time). Use a throw-away database: with ``--reset`` it empties the territories and facts
first. ``--until`` fixes the rows (the same seed and a past date give the same ones).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

from data.db import get_engine
from data.migrate import upgrade
from data.seed import SCALES, SeedError, seed_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_load")
    parser.add_argument("--scale", choices=tuple(SCALES), default="demo")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--until", type=date.fromisoformat, default=None, help="último día (AAAA-MM-DD)"
    )
    parser.add_argument("--reset", action="store_true", help="vacía la base antes de cargar")
    parser.add_argument("--quiet", action="store_true", help="sin progreso por tabla")
    args = parser.parse_args(argv)
    engine = get_engine()
    upgrade(engine)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        counts = seed_database(
            engine,
            scale=args.scale,
            seed=args.seed,
            until=args.until,
            reset=args.reset,
            progress=not args.quiet,
        )
    except SeedError as exc:
        print(f"Error: {exc}")
        return 2
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    total = sum(counts.values())
    print(f"backend={engine.dialect.name} scale={args.scale} seed={args.seed}")
    for table, count in counts.items():
        print(f"  {table:<16} {count:>12,}")
    print(
        f"total rows={total:,} seconds={seconds:,.1f} cpu_seconds={cpu:,.1f} "
        f"rows/s={total / seconds:,.0f} loadavg={' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
