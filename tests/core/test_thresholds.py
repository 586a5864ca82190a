"""The thresholds judge a figure the same way wherever it is shown."""

from __future__ import annotations

import pytest

from core import thresholds as th


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("clap_coverage", 0.95, "bien"),
        ("clap_coverage", 0.9, "bien"),
        ("clap_coverage", 0.8, "regular"),
        ("clap_coverage", 0.5, "mal"),
        ("defense_readiness", 80.0, "bien"),
        ("defense_readiness", 79.9, "regular"),
        ("defense_readiness", 10.0, "mal"),
        ("cases_late_share", 0.05, "bien"),
        ("cases_late_share", 0.2, "regular"),
        ("cases_late_share", 0.3, "mal"),
        ("incidents_vs_usual", 2.0, "mal"),
        ("clap_coverage", None, "sin-datos"),
        ("clap_coverage", float("nan"), "sin-datos"),
    ],
)
def test_state(name: str, value: float | None, expected: str) -> None:
    assert th.state(name, value) == expected


def test_tone_and_colour_follow_the_state() -> None:
    assert th.tone("defense_readiness", 85) == "ok"
    assert th.tone("defense_readiness", 70) == "warn"
    assert th.tone("defense_readiness", 30) == "bad"
    assert th.tone("defense_readiness", None) is None
    assert th.colour("cases_late_share", 0.5) == th.STATE_COLOUR["mal"]


def test_bands_are_written_the_venezuelan_way() -> None:
    assert th.THRESHOLDS["defense_readiness"].bands() == ("≥ 80 %", "60–80 %", "< 60 %")
    assert th.THRESHOLDS["clap_coverage"].bands() == ("≥ 90 %", "70–90 %", "< 70 %")
    assert th.THRESHOLDS["cases_late_share"].bands() == ("≤ 10 %", "10–25 %", "> 25 %")
