"""A worker's start-up objects are frozen out of garbage collections, which run less often
(core.heap)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from core.heap import THRESHOLDS, tune_after_start

ROOT = Path(__file__).resolve().parents[2]


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_freezing_moves_live_objects_out_of_the_collected_generations():
    alive = _Cycle()
    before = gc.get_threshold()
    try:
        frozen = tune_after_start()
        assert frozen == gc.get_freeze_count() > 0
        assert not any(o is alive for g in range(3) for o in gc.get_objects(generation=g))
        assert gc.get_threshold() == THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    assert any(o is alive for o in gc.get_objects(generation=2))


def test_importing_the_app_as_a_worker_freezes_what_it_built(tmp_path):
    """``uvicorn app:server`` (make run, manage.py serve) imports app.py: the app it built
    is out of the collector's way before the first request."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'heap.db'}"}
    probe = "import gc, app; print(gc.get_freeze_count(), *gc.get_threshold())"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, *thresholds = map(int, out.stdout.split()[-4:])
    assert frozen > 50_000
    assert tuple(thresholds) == THRESHOLDS
