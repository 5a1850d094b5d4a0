"""Each figure draws what its data says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from cmac import plots, tables  # noqa: E402
from cmac.data import load  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_area_by_period_draws_one_bar_per_period_with_width_of_period() -> None:
    series = tables.clearance_1992_2012(load("clearance_1992_1999"), load("clearance_2000_2012"))
    ax = plots.area_by_period(series).axes[0]
    bars = ax.patches
    assert len(bars) == 20
    widths = sorted(round(b.get_width() * 12) for b in bars)
    assert widths[-2:] == [14, 17]
    assert max(b.get_height() for b in bars) == pytest.approx(76.699069)


def test_event_lanes_one_marker_per_event() -> None:
    events = load("south_south_calendar").assign(number=range(1, 26))
    fig = plots.event_lanes(
        events, "partner", ["Colombia", "Laos", "Angola", "Other"], "kind", plots.KIND_MARKERS
    )
    assert len(fig.axes[0].collections) == 25
    assert len(fig.axes[0].texts) == 25


def test_chronology_timeline_one_point_per_event() -> None:
    chronology = load("conflict_chronology")
    ax = plots.chronology_timeline(chronology).axes[0]
    assert len(ax.collections[0].get_offsets()) == len(chronology)


def test_training_bars_total_lengths() -> None:
    counts = tables.training_counts(load("text_figures"))
    ax = plots.training_bars(counts, {"UXO Lao": 109}).axes[0]
    ends = sorted({round(b.get_x() + b.get_width()) for b in ax.patches})
    assert ends[-3:] == [30, 45, 109]
