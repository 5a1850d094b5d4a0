"""Each figure draws what its data says, reads on a phone, and keeps its colours apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mpl_colors  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cmac import national, plots, tables  # noqa: E402
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


def test_training_bars_total_lengths() -> None:
    counts = tables.training_counts(load("text_figures"))
    ax = plots.training_bars(counts, {"UXO Lao": 109}).axes[0]
    ends = sorted({round(b.get_x() + b.get_width()) for b in ax.patches})
    assert ends[-3:] == [30, 45, 109]


# --- Readable on a phone ------------------------------------------------------------------


def test_font_rule_gives_nine_css_px_on_a_phone() -> None:
    assert plots.css_px(plots.min_font_pt(6.4), 6.4) == pytest.approx(9.0)
    assert plots.min_font_pt(6.4) == pytest.approx(11.58, abs=0.01)
    assert plots.FONT_PT >= plots.min_font_pt(plots.WIDTH_IN)
    # PNG pixels: at least twice the desktop column, so sharp on high-density screens too.
    assert plots.WIDTH_IN * plots.DPI >= 2 * plots.DESKTOP_COLUMN_PX


def cheap_figures() -> dict[str, Figure]:
    """One figure from each plotting function, from the real data where it is quick to get
    and from small made-up inputs where a model fit would be needed."""
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    series = tables.clearance_1992_2012(early, late, "1992-06")
    both = national.cmac_against_national(late, early, load("national_clearance"))
    dates = national.deadline_dates(load("article5_deadlines")).dropna(subset=["date"])
    events = load("japan_cambodia_events_1996_2000")
    events.insert(0, "number", range(1, len(events) + 1))
    marked = national.preferred_casualties(
        national.casualty_reports(load("casualties_monitor"), load("casualties_press"))
    )
    years = np.arange(2000, 2013)
    area = pd.Series(np.exp(2 + 0.15 * (years - 2000)))
    band = pd.DataFrame({"mean": area, "low": area * 0.8, "high": area * 1.25})
    future = pd.RangeIndex(2025, 2043)
    cumulative = pd.Series(80.0 * np.arange(1, len(future) + 1), index=future)
    densities = {"Anti-personnel mines": area.to_numpy(), "UXO": 3 * area.to_numpy()}
    return {
        "area": plots.area_by_period(series),
        "area_1990s": plots.area_by_period(series.head(len(early)), first=1992, last=1999),
        "density": plots.items_per_km2(series, tables.per_km2(series)),
        "item_mix": plots.item_mix_bars(early["period"], tables.item_mix(early)),
        "lanes": plots.event_lanes(
            events, "actor", ["Cambodia", "Japan", "Japan's assistance to CMAC"], "kind"
        ),
        "workshops": plots.workshop_bars(load("uxo_lao_workshops")),
        "training": plots.training_bars(
            tables.training_counts(load("text_figures")), {"UXO Lao (Laos), workshops 1–5": 109}
        ),
        "fit": plots.fit_with_band(
            pd.Series(years), area, {"Fitted (all terms)": band, "Without": band / 2}, True
        ),
        "sup_f": plots.sup_f_profile(list(range(2003, 2011)), [1.0] * 8, 7.9, 2005),
        "segments": plots.segmented_fit(
            years, area.to_numpy(), (5, 10), area.to_numpy(), 2005, (2008, 2010)
        ),
        "influence": plots.influence_bars(years, np.full(13, 0.1), np.full(13, 0.2)),
        "density_fits": plots.density_fits(years, densities, densities, (2008, 2010)),
        "casualties": plots.casualties_log(marked, 4000),
        "cmac_national": plots.cmac_national_bars(both),
        "deadlines": plots.deadlines_timeline(dates, 2025),
        "paths": plots.clearance_paths(
            {"Own rate (80 km²/yr)": cumulative, "Trend (median)": cumulative * 1.5},
            ("Trend, 95 % prediction band", cumulative, cumulative * 2),
            {"mines (Article 5)": 500.0, "all contamination": 1700.0},
            2030,
        ),
        "summary": plots.summary_area(series, both, dates),
    }


@pytest.fixture(scope="module")
def figures() -> dict[str, Figure]:
    """Drawn once for the tests below, in the book's style."""
    plots.set_style()
    return cheap_figures()


def test_every_text_reads_at_nine_css_px_on_a_phone(figures: dict[str, Figure]) -> None:
    smallest = {
        name: plots.smallest_text_px(fig, plots.PHONE_COLUMN_PX) for name, fig in figures.items()
    }
    assert min(smallest.values()) >= plots.MIN_TEXT_PX, smallest


def test_smallest_text_px_scales_with_the_cropped_width() -> None:
    plots.set_style()
    fig, ax = plt.subplots(figsize=(6.4, 3))
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=12)
    ax.set_xlabel("x", fontsize=20)
    ax.set_ylabel("y", fontsize=20)
    fig.tight_layout()
    # Tick labels decide; the cropped PNG is about 6.4 in plus padding wide.
    assert plots.smallest_text_px(fig, 358) == pytest.approx(12 * 358 / (6.4 * 72), rel=0.06)
    # A column wider than the PNG shows it at its own size: 1 pt = dpi / 72 px.
    assert plots.smallest_text_px(fig, 10_000) == pytest.approx(12 * fig.dpi / 72)


# --- The report's dates, marked alike on every time series of output or density ------------


def mark_labels(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_style() == "italic"]


@pytest.mark.parametrize(
    "name", ["area", "density", "fit", "segments", "density_fits", "cmac_national", "summary"]
)
def test_report_dates_marked_with_short_labels(name: str, figures: dict[str, Figure]) -> None:
    assert mark_labels(figures[name]) == ["brush cutters", "land release"]


def test_marks_outside_the_axis_are_left_out(figures: dict[str, Figure]) -> None:
    assert mark_labels(figures["area_1990s"]) == []


def test_mark_spans_follow_the_axis_convention() -> None:
    assert plots.report_spans(centred=False) == {
        "brush cutters": (2005, 2006),
        "land release": (2008, 2011),
    }
    assert plots.report_spans(2006, (2008, 2009))["land release"] == (2007.5, 2009.5)
    assert plots.short_label("land release (report)") == "land release"


# --- Bands have legend entries ------------------------------------------------------------


def legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def test_bands_have_legend_entries(figures: dict[str, Figure]) -> None:
    fit_legend = figures["fit"].legends[0]
    assert fit_legend.get_title().get_text() == "Bands: 95 % CI of the mean"
    # Each line's key is its band with the line over it.
    assert len(fit_legend.legend_handles) == 3  # two lines and the observed points
    assert "Trend, 95 % prediction band" in legend_texts(figures["paths"])


# --- The landing page's summary ------------------------------------------------------------


def test_no_path_runs_through_a_remaining_area_label(figures: dict[str, Figure]) -> None:
    fig = figures["paths"]
    ax = fig.axes[0]
    fig.canvas.draw()
    to_data = ax.transData.inverted()
    labels = [t for t in ax.texts if t.get_text().startswith("remaining:")]
    assert len(labels) == 2
    for label in labels:
        (x0, y0), (x1, y1) = to_data.transform(label.get_window_extent().get_points())
        for line in ax.lines:
            xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
            if len(xs) < 3:  # the deadline and the remaining-area lines themselves
                continue
            inside = np.linspace(x0, x1, 50)
            heights = np.interp(inside, xs, ys)
            assert not ((heights > y0) & (heights < y1)).any(), (label.get_text(), line)


def test_summary_area_bars_national_points_and_deadline() -> None:
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    series = tables.clearance_1992_2012(early, late, "1992-06")
    both = national.cmac_against_national(late, early, load("national_clearance"))
    dates = national.deadline_dates(load("article5_deadlines")).dropna(subset=["date"])
    fig = plots.summary_area(series, both, dates)
    ax = fig.axes[0]
    assert len([p for p in ax.patches if p.get_height() > 0]) == len(series)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    points = np.concatenate([c.get_offsets() for c in scatters])
    assert sorted(points[:, 0] - 0.5) == sorted(both["year"])
    assert max(points[:, 1]) == pytest.approx(both["national_km2"].max())
    # The original Article 5 deadline (1 January 2010) is the only one inside 1992–2012.
    deadline = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in deadline] == [pytest.approx(2010.0)]
    assert "First Article 5 deadline (2010)" in legend_texts(fig)
    # Without national figures or deadlines it is CMAC's bars alone.
    bare = plots.summary_area(series).axes[0]
    assert not [c for c in bare.collections if isinstance(c, PathCollection)]
    assert not [line for line in bare.lines if line.get_linestyle() == "--"]


# --- Colours that stay apart under colour-vision deficiency --------------------------------

# Machado, Oliveira & Fernandes (2009), severity 1.0 (dichromacy), applied to linear sRGB.
MACHADO_2009 = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
VISION = ["normal", *MACHADO_2009]


def to_linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def simulate(rgb: tuple[float, float, float], vision: str) -> np.ndarray:
    """sRGB (0–1) as seen with the given vision, back in sRGB."""
    if vision == "normal":
        return np.asarray(rgb, dtype=float)
    linear = np.clip(np.asarray(MACHADO_2009[vision]) @ to_linear(np.asarray(rgb)), 0, 1)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0–1) to CIELAB, D65."""
    xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    ) @ to_linear(rgb)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference (Sharma, Wu & Dalal 2005)."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dlp, dcp = l2 - l1, c2p - c1p
    dh = 0.0 if c1p * c2p == 0 else h2p - h1p - 360 * np.sign(h2p - h1p) * (abs(h2p - h1p) > 180)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lp, cp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp = (h1p + h2p) / 2
    else:
        hp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * np.cos(np.radians(hp - 30))
        + 0.24 * np.cos(np.radians(2 * hp))
        + 0.32 * np.cos(np.radians(3 * hp + 6))
        - 0.20 * np.cos(np.radians(4 * hp - 63))
    )
    sl = 1 + 0.015 * (lp - 50) ** 2 / np.sqrt(20 + (lp - 50) ** 2)
    sc, sh = 1 + 0.045 * cp, 1 + 0.015 * cp * t
    rt = (
        -np.sin(np.radians(60 * np.exp(-(((hp - 275) / 25) ** 2))))
        * 2
        * np.sqrt(cp**7 / (cp**7 + 25**7))
    )
    return float(
        np.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp / sh) ** 2 + rt * (dcp / sc) * (dhp / sh))
    )


def min_distance(colours: list[tuple[float, float, float]], vision: str) -> float:
    labs = [to_lab(simulate(c, vision)) for c in colours]
    return min(ciede2000(a, b) for i, a in enumerate(labs) for b in labs[i + 1 :])


def test_ciede2000_matches_published_pairs() -> None:
    # Sharma, Wu & Dalal (2005), table 1, pairs 1, 7 and 17.
    assert ciede2000(
        np.array([50, 2.6772, -79.7751]), np.array([50, 0, -82.7485])
    ) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000(np.array([50, 0, 0]), np.array([50, -1, 2])) == pytest.approx(2.3669, abs=1e-4)
    assert ciede2000(np.array([50, 2.5, 0]), np.array([73, 25, -18])) == pytest.approx(
        27.1492, abs=1e-4
    )


# The category counts the figures use, and the colours that share a figure besides.
RGB = {name: mpl_colors.to_rgb(c) for name, c in plots.OKABE_ITO.items()}
COLOUR_SETS = {
    **{f"palette({n})": plots.category_colours(n) for n in (2, 3, 4, 6)},
    "series(3): fits, paths, items": plots.category_colours(3, black=False),
    "bars beside neutral": [RGB["blue"], mpl_colors.to_rgb(plots.NEUTRAL)],
    "casualties": [RGB["blue"], RGB["orange"], RGB["black"], RGB["sky blue"]],
    "summary": [RGB["blue"], RGB["orange"], RGB["black"]],
}
# CIEDE2000 of about 20 is an easy difference for small marks (sky blue against blue under
# tritanopia is 19.95, the closest pair); 11 for the six kinds of event in the chronology,
# which also differ in marker shape.
MIN_DISTANCE = {"palette(6)": 11.0}


@pytest.mark.parametrize("vision", VISION)
@pytest.mark.parametrize("name", COLOUR_SETS)
def test_colours_stay_apart_under_colour_vision_deficiency(name: str, vision: str) -> None:
    distance = min_distance(COLOUR_SETS[name], vision)
    assert distance >= MIN_DISTANCE.get(name, 19.5), f"{name}, {vision}: {distance:.1f}"


@pytest.mark.parametrize("vision", MACHADO_2009)
def test_simulation_agrees_with_colorspacious(vision: str) -> None:
    colorspacious = pytest.importorskip("colorspacious")
    space = {"name": "sRGB1+CVD", "cvd_type": vision.replace("opia", "omaly"), "severity": 100}
    for colour in plots.category_colours(8):
        expected = np.clip(colorspacious.cspace_convert(colour, space, "sRGB1"), 0, 1)
        assert simulate(colour, vision) == pytest.approx(expected, abs=1e-6)


def test_palette_keeps_names_and_refuses_too_many() -> None:
    assert list(plots.palette(["a", "b"]).values()) == plots.category_colours(2)
    with pytest.raises(ValueError, match="more than"):
        plots.category_colours(9)


@pytest.mark.parametrize(
    "label", ["costing $5 to $10 million", "$\\alpha$", "$\\href{javascript:alert(1)}{x}$"]
)
def test_data_text_in_a_figure_is_drawn_as_written(label: str) -> None:
    plots.set_style()
    counts = pd.DataFrame({"partner": [label], "rounds": [2], "per_round": [10]})
    fig = plots.training_bars(counts, {})
    fig.canvas.draw()  # mathtext would raise on \href, or drop the dollars
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert shown == [plots.wrap(label, 18)]
    assert not any(t.get_parse_math() for t in fig.axes[0].get_yticklabels())
