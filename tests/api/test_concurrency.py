"""Two batches racing on the same new ids: both succeed, nothing is duplicated or lost."""

from __future__ import annotations

import threading

from sqlalchemy.orm import Session

from data.ingest import ingest
from data.models import Incident
from tests import factories as f
from tests.api.conftest import count, incident


def test_concurrent_batches_with_the_same_new_ids(engine):
    with Session(engine) as s:
        f.two_estados(s)
        s.commit()
    batch = [incident(i) for i in range(300)]
    results, errors = [], []
    barrier = threading.Barrier(3)

    def worker():
        barrier.wait()
        try:
            results.append(ingest(engine, "incidents", batch))
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(engine, Incident) == 300
    assert sum(r.inserted for r in results) == 300
    assert all(r.inserted + r.unchanged == 300 for r in results)
