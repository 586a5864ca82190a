"""A concurrent batch simulated in one process: the writer's first lock finds none of its
keys stored (as if it ran before another batch committed them), the retry sees them."""

from __future__ import annotations

from typing import Any

import pytest

from data.ingest import write


def first_lock_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    real_lock, looks = write.Writer.lock, []

    def looked_too_early(self: write.Writer, prepared: Any) -> Any:
        looks.append(len(prepared))
        if len(looks) == 1:  # before the other batch committed: none of them stored yet
            return {}, []
        return real_lock(self, prepared)

    monkeypatch.setattr(write.Writer, "lock", looked_too_early)
