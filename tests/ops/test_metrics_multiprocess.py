"""Multiprocess mode: push screens are summed over live workers only; counters of every
worker (a dead one's too) still add up. Runs in a fresh interpreter, because prometheus-client
chooses its storage when first imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from core.config import ROOT

SCRIPT = textwrap.dedent(
    """
    import multiprocessing as mp, sys
    from prometheus_client.parser import text_string_to_metric_families
    from core import metrics

    def worker(screens, records, started, leave):
        metrics.PUSH_CONNECTIONS.inc(screens)
        metrics.INGEST_RECORDS.labels("cases", "inserted").inc(records)
        started.set()
        leave.wait()

    def samples():
        out = {}
        for family in text_string_to_metric_families(metrics.render().decode()):
            for s in family.samples:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return out

    ctx = mp.get_context("fork")
    started = [ctx.Event(), ctx.Event()]
    leave = [ctx.Event(), ctx.Event()]
    procs = [ctx.Process(target=worker, args=(n, 10 * n, started[i], leave[i]))
             for i, n in enumerate((3, 4))]
    for p in procs:
        p.start()
    for e in started:
        e.wait(20)
    both = samples()
    leave[0].set(); procs[0].join(20)      # worker 1 dies (uvicorn would start another)
    after = samples()
    leave[1].set(); procs[1].join(20)
    key = ("sala_ingest_records_total", (("dataset", "cases"), ("outcome", "inserted")))
    print(both[("sala_push_connections", ())], after[("sala_push_connections", ())],
          both[key], after[key])
    """
)


def test_live_gauges_forget_dead_workers_counters_do_not(tmp_path: Path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    both, after, records_both, records_after = map(float, result.stdout.split())
    assert (both, after) == (7, 4)  # 3 + 4 screens; then only the live worker's 4
    assert (records_both, records_after) == (70, 70)  # a dead worker's counts stay counted
