"""``python -m bench [NAME [OPTIONS]]``: list the benchmarks, or run one by name.

Each module of this folder is one benchmark with ``main(argv)`` that prints its figures.
They are run one at a time on purpose: some load data (seed_load) or need their own
database, so running all of them blindly would be wrong.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def names() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print("Uso: python -m bench NOMBRE [opciones]   (NOMBRE --help para sus opciones)")
        for name in names():
            doc = (importlib.import_module(f"bench.{name}").__doc__ or "").strip()
            print(f"  {name:<20} {doc.splitlines()[0] if doc else ''}")
        return 0
    if argv[0] not in names():
        print(f"No hay un benchmark llamado {argv[0]!r}; disponibles: {', '.join(names())}")
        return 2
    return int(importlib.import_module(f"bench.{argv[0]}").main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
