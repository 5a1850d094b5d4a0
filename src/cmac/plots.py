"""Figures for the book. Each function takes validated data and returns a Figure.

Every figure is drawn to be read on a phone as well as on a desktop. The book's content column
is about 730 CSS px wide on a desktop and 358 CSS px on a 390 px phone; an image is scaled down
to the column, so text drawn at ``font_pt`` in a figure ``width_in`` inches wide shows at
``font_pt * column_px / (width_in * 72)`` CSS px (:func:`css_px`). With figures
:data:`WIDTH_IN` wide and text at :data:`FONT_PT`, all text shows at 9 CSS px or more on the
phone (:func:`min_font_pt`; :func:`smallest_text_px` measures a drawn figure). Figures are
PNG at :data:`DPI`, more than twice the desktop column's width in pixels. On the site each figure
links to its PNG (:func:`cmac.polish.tidy.link_figures`): a tap on a phone opens it at full size.

Colours come from the Okabe–Ito palette in an order whose first few colours stay apart under
simulated protanopia, deuteranopia and tritanopia (``tests/test_plots.py`` checks it). Words
stay short inside the plots; the detail is in the captions.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from cmac.errors import FigureTooLarge

KIND_MARKERS = {"visit or meeting": "o", "training or workshop": "s", "related milestone": "D"}

# Sizes: see the module docstring.
PHONE_COLUMN_PX = 358
DESKTOP_COLUMN_PX = 730
MIN_TEXT_PX = 9.0
WIDTH_IN = 6.4
FONT_PT = 12.0
DPI = 240

# Okabe & Ito (2008), "Color universal design". Categories take them in this order: the
# first two, three and four are the most distinct sets under colour-vision deficiency.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "black": "#000000",
    "sky blue": "#56B4E9",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "reddish purple": "#CC79A7",
    "yellow": "#F0E442",
}
# Lines and bars that sit beside black observed points use the palette without black.
SERIES_COLOURS = [c for name, c in OKABE_ITO.items() if name not in ("black", "yellow")]
NEUTRAL = "0.6"  # a second, quieter series (national figures, totals only)
SHADE = "0.88"  # the report's dates
MARK_TEXT = "0.2"
CATEGORY_MARKERS = "osD^vPXp"
BAND_ALPHA = 0.18
BAND_TITLE = "Bands: 95 % CI of the mean"

# Short names inside the plots; the captions and tables carry the full ones.
ITEM_SHORT_NAMES = {"ap_mines": "Anti-personnel", "at_mines": "Anti-tank", "uxo": "UXO"}
ITEM_COLOURS = dict(zip(ITEM_SHORT_NAMES, SERIES_COLOURS, strict=False))

# The tallest figure drawn: at DPI, 7,200 px by 1,536, far below what Pillow refuses as a
# decompression bomb. Data files are refused first (cmac.data, Dataset.max_rows).
MAX_HEIGHT_IN = 30.0


# The dates the report gives: brush cutters from 2005, land release over 2008–2010.
REPORT_BRUSH_CUTTER_YEAR = 2005
REPORT_LAND_RELEASE = (2008, 2010)


def css_px(font_pt: float, width_in: float, column_px: float = PHONE_COLUMN_PX) -> float:
    """CSS px of text drawn at font_pt in a figure width_in wide, scaled to the column."""
    return font_pt * column_px / (width_in * 72)


def min_font_pt(
    width_in: float, column_px: float = PHONE_COLUMN_PX, min_px: float = MIN_TEXT_PX
) -> float:
    """The smallest font (points) that shows at min_px in a figure width_in wide."""
    return min_px * width_in * 72 / column_px


def set_style() -> None:
    """One look for every figure; PNG output so files carry no timestamps."""
    sns.set_theme(style="whitegrid", context="notebook", palette=SERIES_COLOURS)
    mpl.rcParams.update(
        {
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.figsize": (WIDTH_IN, 4.0),
            "font.size": FONT_PT,
            "axes.labelsize": FONT_PT,
            "axes.titlesize": FONT_PT,
            "xtick.labelsize": FONT_PT,
            "ytick.labelsize": FONT_PT,
            "legend.fontsize": FONT_PT,
            "legend.title_fontsize": FONT_PT,
            "legend.frameon": False,
            "axes.titleweight": "bold",
            "axes.prop_cycle": cycler(color=SERIES_COLOURS),
            "lines.linewidth": 2,
            "svg.hashsalt": "cmac",
            # Labels can come from the data files: "$5 to $10" is text, not mathtext (no
            # figure of the book uses mathtext; log axes use plain number labels).
            "text.parse_math": False,
        }
    )


def smallest_text_px(
    fig: Figure, column_px: float = PHONE_COLUMN_PX, ticks_only: bool = False
) -> float:
    """Smallest text in the figure, in CSS px, once its PNG (cropped as the notebook's inline
    backend crops it, bbox_inches="tight") is scaled down to a column column_px wide."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    pad = mpl.rcParams["savefig.pad_inches"]
    width_in = fig.get_tightbbox(renderer).width + 2 * pad
    natural_px = width_in * fig.dpi  # the PNG's width, which is also its CSS width
    scale = min(1.0, column_px / natural_px)  # images shrink to the column, never grow
    texts: list[Text] = []
    for ax in fig.axes:
        texts += [*ax.get_xticklabels(), *ax.get_yticklabels()]
    if not ticks_only:
        texts += [t for t in fig.findobj(Text) if isinstance(t, Text)]
    sizes = [t.get_fontsize() for t in texts if t.get_visible() and t.get_text().strip()]
    return min(sizes) * fig.dpi / 72 * scale


def log_axis(ax: plt.Axes, subs: tuple[float, ...] | None = None) -> None:
    """Log scale with plain tick labels: 1, 2, 5 × powers of ten over a short range, fewer
    over a long one so that the labels never crowd."""
    ax.set_yscale("log")
    if subs is None:
        low, high = ax.get_ylim()
        decades = np.log10(high / low) if low > 0 else 4.0
        subs = (1.0, 2.0, 5.0) if decades <= 1.6 else (1.0, 3.0) if decades <= 3 else (1.0,)
    ax.yaxis.set_major_locator(mpl.ticker.LogLocator(subs=subs))
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,g}"))
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def category_colours(n: int, black: bool = True) -> list[tuple[float, float, float]]:
    """The first n Okabe–Ito colours in the order above (without black if black=False)."""
    order = list(OKABE_ITO.values()) if black else SERIES_COLOURS
    if n > len(order):
        raise ValueError(f"{n} categories is more than {len(order)} colours can tell apart")
    return [mpl.colors.to_rgb(c) for c in order[:n]]


def palette(names: Sequence[str], black: bool = True) -> dict[str, tuple[float, float, float]]:
    return dict(zip(names, category_colours(len(names), black), strict=True))


def decimal_date(year: pd.Series, month: pd.Series) -> pd.Series:
    """Mid-month as a decimal year, so events can sit on a numeric time axis."""
    return year + (month - 0.5) / 12


def wrap(text: str, width: int) -> str:
    return textwrap.fill(text, width, break_long_words=False)


def new_figure(height_in: float, nrows: int = 1, **kwargs: object) -> tuple[Figure, object]:
    """A figure WIDTH_IN wide with constrained layout, so text outside the axes fits; one
    taller than MAX_HEIGHT_IN is refused before anything is drawn."""
    if height_in > MAX_HEIGHT_IN:
        raise FigureTooLarge(
            f"a figure {height_in:,.1f} in tall is refused: at most {MAX_HEIGHT_IN:.0f} in "
            f"({MAX_HEIGHT_IN * DPI:,.0f} px) are drawn; there are too many rows for one figure"
        )
    return plt.subplots(nrows, figsize=(WIDTH_IN, height_in), layout="constrained", **kwargs)


def legend_columns(labels: Sequence[str], chars_per_row: int = 66) -> int:
    """How many legend columns fit across the figure: a column is as wide as its longest
    label plus about nine characters' room for the key and the gap."""
    longest = max((len(label) for label in labels), default=1)
    return max(1, min(len(labels), chars_per_row // (longest + 9)))


def legend_below(
    fig: Figure, handles: list[object], labels: list[str], ncol: int | None = None
) -> None:
    """The legend under the plot, in as many columns as fit across a phone-sized figure."""
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=legend_columns(labels) if ncol is None else ncol,
        handlelength=2.2,
    )


def event_lanes(
    events: pd.DataFrame,
    lane: str,
    lanes: list[str],
    marker_by: str,
    markers: dict[str, str] | None = None,
    number_column: str = "number",
) -> Figure:
    """Numbered events on a time axis, one lane per actor or partner."""
    kinds = list(dict.fromkeys(events[marker_by]))
    markers = markers or dict(zip(kinds, CATEGORY_MARKERS, strict=False))
    colours = palette(lanes)
    first, last = int(events["year"].min()), int(events["year"].max())
    fig, ax = new_figure(1.6 + 0.95 * len(lanes))
    # Points per year of the time axis, roughly (the lane labels take the rest of the width).
    years_per_pt = (last + 1.2 - first) / (0.72 * WIDTH_IN * 72)
    when = decimal_date(events["year"], events["month"])
    lane_pos = {name: len(lanes) - i for i, name in enumerate(lanes)}
    placed: dict[str, float] = {}  # each lane's last marker
    last_label: dict[tuple[str, bool], float] = {}  # each lane's last number above / below
    for (_, event), t in zip(events.iterrows(), when, strict=True):
        name = event[lane]
        # Markers closer than 11 pt are pushed right, so that none hides another.
        t = max(t, placed.get(name, -1e9) + 11 * years_per_pt)
        if t > last + 1.1:  # past the axis: the tight PNG would grow with every mark
            raise FigureTooLarge(
                f"lane '{name}' has more events than its time line can show apart (marks 11 pt "
                f"apart, {last + 1.1 - first:.1f} years wide)"
            )
        placed[name] = t
        # A number goes above its marker unless the last number above is too close; then
        # below, unless that is closer still.
        room = {side: t - last_label.get((name, side), -1e9) for side in (True, False)}
        above = room[True] >= 20 * years_per_pt or room[True] >= room[False]
        last_label[(name, above)] = t
        y = lane_pos[event[lane]]
        ax.scatter(
            t,
            y,
            marker=markers[event[marker_by]],
            s=80,
            color=colours[event[lane]],
            edgecolor="white",
            linewidth=0.6,
            zorder=3,
        )
        ax.annotate(
            str(event[number_column]),
            (t, y),
            xytext=(0, 7 if above else -7),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
        )
    ax.set_yticks(list(lane_pos.values()), [wrap(n, 12) for n in lane_pos])
    ax.set_ylim(0.45, len(lanes) + 0.55)
    ax.set_xticks(range(first, last + 2, 1 if last - first < 8 else 2))
    ax.set_xlim(first - 0.1, last + 1.1)
    handles = [Line2D([], [], marker=markers[k], ls="", color="0.3", ms=8, label=k) for k in kinds]
    legend_below(fig, handles, kinds)
    return fig


def year_axis(
    ax: plt.Axes, first: int, last: int, step: int | None = None, centred: bool = False
) -> None:
    """Year ticks (every step years; by default few enough to read on a phone). Bars that
    start at their year need room on the right (centred=False); points at the year do not."""
    if step is None:
        step = next(
            s
            for s in (1, 2, 4, 5, 10, 20)
            if len(range(-(-first // s) * s, last + 1, s)) <= 8 and (s != 4 or first % 4 == 0)
        )
        ax.set_xticks(range(-(-first // step) * step, last + 1, step))
    else:
        ax.set_xticks(range(first, last + 1, step))
    if centred:
        ax.set_xlim(first - 0.6, last + 0.6)
    else:
        ax.set_xlim(first - 0.2, last + 1.2)


def report_spans(
    brush_cutter_year: int = REPORT_BRUSH_CUTTER_YEAR,
    ramp: tuple[int, int] = REPORT_LAND_RELEASE,
    centred: bool = True,
) -> dict[str, tuple[float, float]]:
    """The report's two dates as spans on a year axis: points for year Y sit at Y
    (centred=True: Y ± 0.5) or bars for year Y run from Y to Y + 1 (centred=False)."""
    shift = 0.5 if centred else 0.0
    return {
        "brush cutters": (brush_cutter_year - shift, brush_cutter_year + 1 - shift),
        "land release": (ramp[0] - shift, ramp[1] + 1 - shift),
    }


def short_label(text: str) -> str:
    """A label without its bracketed detail ("land release (report)" -> "land release")."""
    return text.split(" (")[0]


def mark_report_dates(
    ax: plt.Axes, marks: Mapping[str, tuple[float, float]], labels: bool = True
) -> None:
    """Shade the spans the report names (label -> (start, end) on the x axis) and name them
    above the axes. Call after the x limits are set: spans outside them are left out and the
    rest are cut to them. The first of two labels ends at its span's right edge and the second
    starts at its span's left edge, so close spans keep their labels apart."""
    low, high = sorted(ax.get_xlim())
    shown = sorted(
        (
            (max(start, low), min(end, high), short_label(text))
            for text, (start, end) in marks.items()
            if end > low and start < high
        ),
    )
    for i, (start, end, text) in enumerate(shown):
        # A collection, not a patch: ax.patches stays the data's bars.
        ax.fill_between(
            [start, end], 0, 1, transform=ax.get_xaxis_transform(), color=SHADE, lw=0, zorder=0
        )
        if not labels:
            continue
        if len(shown) == 1:
            x, ha = (start + end) / 2, "center"
        elif i == 0:
            x, ha = end, "right"
        else:
            x, ha = start, "left"
        if ha == "left" and x > high - 0.25 * (high - low):  # no room on the right
            x, ha = end, "right"
        if ha == "right" and x < low + 0.25 * (high - low):  # none on the left
            x, ha = start, "left"
        ax.text(
            x,
            1.015,
            text,
            transform=ax.get_xaxis_transform(),
            ha=ha,
            va="bottom",
            color=MARK_TEXT,
            style="italic",
        )


def shade_report_dates(
    ax: plt.Axes, brush_cutter_year: float, ramp: tuple[int, int], labels: bool = True
) -> None:
    """The report's two dates: brush cutters (a year) and land release (a span of years), on an
    axis with each year's point at the year itself."""
    mark_report_dates(ax, report_spans(int(brush_cutter_year), ramp, centred=True), labels)


def period_bars(ax: plt.Axes, series: pd.DataFrame, labels: Sequence[str]) -> None:
    """Area cleared per year, each bar as wide as its period; irregular periods hatched."""
    styles = {
        False: {"color": OKABE_ITO["blue"], "edgecolor": "white", "linewidth": 0.5},
        True: {"color": OKABE_ITO["orange"], "edgecolor": "black", "hatch": "//", "linewidth": 0.5},
    }
    for (irregular, style), label in zip(styles.items(), labels, strict=True):
        bars = series[series["irregular"] == irregular]
        ax.bar(
            bars["start"],
            bars["area_km2_per_year"],
            width=bars["span_years"],
            align="edge",
            label=label if len(bars) else None,
            **style,
        )


def area_by_period(
    series: pd.DataFrame,
    first: int = 1992,
    last: int = 2012,
    marks: dict[str, tuple[float, float]] | None = None,
) -> Figure:
    """Area cleared per year, each bar as wide as its period; irregular periods hatched.

    ``marks`` (label -> (start, end)) defaults to the report's dates; ``{}`` for none.
    """
    fig, ax = new_figure(3.7)
    period_bars(ax, series, ["Calendar year", "Irregular period"])
    ax.set_ylabel("km² cleared per year")
    year_axis(ax, first, last, 1 if last - first < 8 else None)
    mark_report_dates(ax, report_spans(centred=False) if marks is None else marks)
    ax.legend(loc="upper left")
    return fig


def items_per_km2(
    series: pd.DataFrame,
    densities: pd.DataFrame,
    marks: dict[str, tuple[float, float]] | None = None,
) -> Figure:
    """Items found per km² cleared, by period, on a log scale, with the report's dates."""
    fig, ax = new_figure(4.2)
    mid = series["start"] + series["span_years"] / 2
    styles = dict(zip(ITEM_SHORT_NAMES, ["o", "s", "D"], strict=True))
    for item, name in ITEM_SHORT_NAMES.items():
        ax.plot(
            mid,
            densities[f"{item}_per_km2"],
            marker=styles[item],
            ms=5,
            color=ITEM_COLOURS[item],
            label=name,
        )
    log_axis(ax)
    year_axis(ax, 1992, 2012)
    mark_report_dates(ax, report_spans(centred=False) if marks is None else marks)
    ax.set_ylabel("Items per km²")
    handles, labels = ax.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=3)
    return fig


def item_mix_bars(labels: pd.Series, mix: pd.DataFrame) -> Figure:
    """Share of each kind of item among all items found, by period (stacked to 100 %)."""
    fig, ax = new_figure(0.38 * len(labels) + 1.5)
    left = pd.Series(0.0, index=mix.index)
    for item, name in ITEM_SHORT_NAMES.items():
        ax.barh(
            labels,
            mix[item] * 100,
            left=left * 100,
            label=name,
            color=ITEM_COLOURS[item],
            edgecolor="white",
            linewidth=0.5,
        )
        left = left + mix[item]
    ax.invert_yaxis()
    ax.set_xlabel("Share of items (%)")
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    handles, names = ax.get_legend_handles_labels()
    legend_below(fig, handles, names, ncol=3)
    return fig


def workshop_bars(workshops: pd.DataFrame) -> Figure:
    """Duration of each UXO Lao workshop, coloured by host country."""
    colours = palette(["Cambodia", "Laos"])
    fig, ax = new_figure(0.36 * len(workshops) + 1.2)
    labels = [
        f"{w}. {m}" for w, m in zip(workshops["workshop"], workshops["start_month"], strict=True)
    ]
    ax.barh(labels, workshops["duration_days"], color=[colours[c] for c in workshops["country"]])
    ax.invert_yaxis()
    ax.set_xlabel("Days")
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[Patch(color=c, label=k) for k, c in colours.items()],
        title="Host",
        loc="lower right",
    )
    return fig


def training_bars(counts: pd.DataFrame, totals_only: dict[str, int]) -> Figure:
    """People trained by partner: one segment per round; partners with only a total in grey."""
    rows = len(counts) + len(totals_only)
    fig, ax = new_figure(0.5 * rows + 1.3)
    per_round = OKABE_ITO["blue"]
    for _, row in counts.iterrows():
        partner = wrap(row["partner"], 18)
        for r in range(int(row["rounds"])):
            ax.barh(
                partner,
                row["per_round"],
                left=r * row["per_round"],
                color=per_round,
                edgecolor="white",
                linewidth=2,
            )
        total = int(row["rounds"]) * row["per_round"]
        ax.text(total, partner, f" {total}", va="center")
    for partner, total in totals_only.items():
        ax.barh(wrap(partner, 18), total, color=NEUTRAL, edgecolor="white")
        ax.text(total, wrap(partner, 18), f" {total}", va="center")
    ax.invert_yaxis()
    ax.set_xlabel("People trained")
    ax.grid(axis="y", visible=False)
    ax.margins(x=0.12)
    handles = [Patch(color=per_round, label="One round")]
    if totals_only:
        handles.append(Patch(color=NEUTRAL, label="Total only"))
    legend_below(fig, handles, [str(h.get_label()) for h in handles], ncol=len(handles))
    return fig


def band_handle(colour: object, line: Line2D) -> tuple[Patch, Line2D]:
    """A legend key: the line drawn over its band."""
    return (Patch(color=colour, alpha=BAND_ALPHA, lw=0), line)


def fit_with_band(
    times: pd.Series,
    observed: pd.Series,
    lines: dict[str, pd.DataFrame],
    log_scale: bool,
    ylabel: str = "km² cleared per year",
    marks: dict[str, tuple[float, float]] | None = None,
) -> Figure:
    """Observed points and fitted or counterfactual lines, each with a 95 % band, against the
    report's dates (``marks``; ``{}`` for none).

    ``lines`` maps a label to a frame with columns mean, low, high on the original scale.
    """
    fig, ax = new_figure(4.8)
    handles: list[object] = []
    for (label, frame), colour, style in zip(
        lines.items(), SERIES_COLOURS, ["-", "--", ":", "-."] * 3, strict=False
    ):
        (line,) = ax.plot(times, frame["mean"], color=colour, ls=style, lw=2.2)
        ax.fill_between(times, frame["low"], frame["high"], color=colour, alpha=BAND_ALPHA, lw=0)
        handles.append((band_handle(colour, line), label))
    points = ax.scatter(times, observed, color="black", zorder=4, s=28)
    handles.append((points, "Observed"))
    if log_scale:
        log_axis(ax)
    ax.set_ylabel(ylabel + (" (log)" if log_scale else ""))
    first, last = int(np.floor(times.min())), int(np.ceil(times.max()))
    year_axis(ax, first, last, centred=True)
    mark_report_dates(ax, report_spans(centred=True) if marks is None else marks)
    # Each line's key is drawn over its band; the title says what the bands are.
    fig.legend(
        [h for h, _ in handles],
        [lab for _, lab in handles],
        loc="outside lower center",
        title=BAND_TITLE,
        handlelength=2.2,
    )
    return fig


def sup_f_profile(
    years: list[float], f_values: list[float], critical_95: float, report_year: int
) -> Figure:
    """Chow F at each candidate break year against sup-F's 5 % critical value (parametric
    Monte Carlo)."""
    fig, ax = new_figure(4.0)
    ax.bar(years, f_values, color=OKABE_ITO["blue"], width=0.7, label="Chow F")
    ax.axhline(critical_95, color=OKABE_ITO["vermillion"], ls="--", label="5 % critical value")
    ax.axvline(report_year, color="0.3", ls=":", lw=2, label="Report: brush cutters")
    ax.set_xticks(years)
    ax.set_xticklabels(
        [str(int(y)) if i % 2 == 0 or len(years) <= 8 else "" for i, y in enumerate(years)]
    )
    ax.set_xlabel("First year of a new regime")
    ax.set_ylabel("F statistic")
    ax.set_ylim(0, 1.15 * max(critical_95, max(f_values)))
    handles, labels = ax.get_legend_handles_labels()
    order = [labels.index(k) for k in ["Chow F", "5 % critical value", "Report: brush cutters"]]
    legend_below(fig, [handles[i] for i in order], [labels[i] for i in order])
    return fig


def segmented_fit(
    times: np.ndarray,
    area: np.ndarray,
    cuts: tuple[int, ...],
    fitted: np.ndarray,
    brush_cutter_year: int,
    ramp: tuple[int, int],
) -> Figure:
    """The data-chosen segmentation: one line per segment, breaks against the report's dates."""
    fig, ax = new_figure(4.2)
    bounds = (0, *cuts, len(times))
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        ax.plot(
            times[a:b],
            fitted[a:b],
            color=OKABE_ITO["blue"],
            lw=2.2,
            label="Segment fits" if i == 0 else None,
        )
    for i, c in enumerate(cuts):
        ax.axvline(
            times[c] - 0.5,
            color=OKABE_ITO["vermillion"],
            ls="--",
            lw=1.5,
            label="New regime (BIC)" if i == 0 else None,
        )
    ax.scatter(times, area, color="black", s=28, zorder=4, label="Observed")
    log_axis(ax)
    ax.set_ylabel("km² cleared per year (log)")
    year_axis(ax, int(times.min()), int(times.max()), centred=True)
    shade_report_dates(ax, brush_cutter_year, ramp)
    handles, labels = ax.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=len(labels))
    return fig


def influence_bars(years: np.ndarray, cooks_d: np.ndarray, leverage: np.ndarray) -> Figure:
    """Cook's distance and leverage of each year in the trend fit, one above the other."""
    fig, axes = new_figure(5.0, nrows=2, sharex=True)
    rules = [
        (cooks_d, 4 / len(years), "4 / n", "Cook's distance"),
        (leverage, 2 * 2 / len(years), "2k / n", "Leverage"),
    ]
    for ax, (values, rule, rule_label, title) in zip(axes, rules, strict=True):
        ax.bar(years, values, color=OKABE_ITO["blue"], width=0.7)
        ax.axhline(rule, color=OKABE_ITO["vermillion"], ls="--", lw=1.5, label=rule_label)
        ax.set_title(title, loc="left")
        ax.legend(loc="upper right")
    year_axis(axes[1], int(years.min()), int(years.max()), centred=True)
    return fig


def density_fits(
    years: np.ndarray,
    observed: dict[str, np.ndarray],
    fitted: dict[str, np.ndarray],
    ramp: tuple[int, int],
    brush_cutter_year: int = REPORT_BRUSH_CUTTER_YEAR,
) -> Figure:
    """Items per km² by year with the negative binomial fit, one panel per kind of item (one
    above the other), against the report's dates."""
    fig, axes = new_figure(1.9 * len(observed) + 0.9, nrows=len(observed), sharex=True)
    axes = np.atleast_1d(axes)
    for i, (ax, (name, values)) in enumerate(zip(axes, observed.items(), strict=True)):
        ax.scatter(years, values, color="black", s=24, zorder=3, label="Observed")
        ax.plot(years, fitted[name], color=OKABE_ITO["blue"], lw=2.2, label="Fitted")
        ax.text(
            0.98,
            0.93,
            short_label(name),
            transform=ax.transAxes,
            ha="right",
            va="top",
            weight="bold",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.5},
        )
        log_axis(ax)
        year_axis(ax, int(years.min()), int(years.max()), centred=True)
        shade_report_dates(ax, brush_cutter_year, ramp, labels=i == 0)
        ax.set_ylabel("Items per km²" if i == len(observed) // 2 else "")
    handles, labels = axes[0].get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=2)
    return fig


def casualties_log(marked: pd.DataFrame, jica_1996: float) -> Figure:
    """National casualties per year (log scale): the preferred series, the other reports, and
    the JICA report's 1996 figure."""
    short = {"Landmine Monitor": "Monitor", "CMAA/CMVIS via the press": "CMAA/CMVIS (press)"}
    fig, ax = new_figure(4.3)
    chosen = marked[marked["preferred"]].sort_values("year")
    others = marked[~marked["preferred"]]
    ax.plot(chosen["year"], chosen["casualties_total"], color="0.6", lw=1, zorder=1)
    kinds = list(dict.fromkeys(chosen["source_kind"]))
    colours = palette(kinds, black=False)
    for (kind, rows), shape in zip(chosen.groupby("source_kind", sort=False), "os", strict=False):
        ax.plot(
            rows["year"],
            rows["casualties_total"],
            shape,
            ms=6,
            color=colours[kind],
            label=short.get(str(kind), str(kind)),
        )
    ax.scatter(
        others["year"],
        others["casualties_total"],
        facecolors="none",
        edgecolors="black",
        s=60,
        label="Other reports",
        zorder=3,
    )
    ax.scatter(
        [1996],
        [jica_1996],
        marker="*",
        s=240,
        color=OKABE_ITO["sky blue"],
        edgecolor="black",
        linewidth=0.6,
        zorder=4,
        label="JICA report",
    )
    log_axis(ax)
    ax.set_ylabel("Casualties per year (log)")
    year_axis(ax, 1996, 2024, 4, centred=True)
    handles, labels = ax.get_legend_handles_labels()
    legend_below(fig, handles, labels, ncol=2)
    return fig


def cmac_national_bars(
    both: pd.DataFrame, marks: dict[str, tuple[float, float]] | None = None
) -> Figure:
    """CMAC's area (JICA) beside the preferred national figure, with CMAC's share, against
    the report's dates (``marks``; ``{}`` for none)."""
    fig, ax = new_figure(4.0)
    years = both["year"].to_numpy()
    ax.bar(years - 0.2, both["national_km2"], width=0.4, label="National", color=NEUTRAL)
    ax.bar(years + 0.2, both["cmac_km2"], width=0.4, label="CMAC", color=OKABE_ITO["blue"])
    top = both[["national_km2", "cmac_km2"]].max(axis=1)
    for year, height, share in zip(years, top, both["share"], strict=True):
        ax.annotate(
            f"{share:.0%}",
            (year, height),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
        )
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years.min() - 0.6, years.max() + 0.6)
    ax.set_ylim(0, top.max() * 1.18)
    ax.set_ylabel("km² cleared")
    ax.grid(axis="x", visible=False)
    mark_report_dates(ax, report_spans(centred=True) if marks is None else marks)
    ax.legend(loc="upper left")
    return fig


def deadlines_timeline(dates: pd.DataFrame, today: float) -> Figure:
    """Article 5 deadlines on a time line, each extension a step further on."""
    fig, ax = new_figure(2.5)
    when = (dates["date"].dt.year + (dates["date"].dt.day_of_year - 1) / 365.25).to_numpy()
    ax.plot(when, [0] * len(when), color="0.6", zorder=1)
    ax.scatter(when, [0] * len(when), s=70, color=OKABE_ITO["blue"], zorder=2)
    low, high = 1998.0, float(max(2036, when.max() + 5))
    for i, (t, label) in enumerate(zip(when, dates["label"], strict=True)):
        date, _, step = str(label).partition("\n")
        text = (
            f"{date[3:]}\n{short_label(step)}" if i % 2 == 0 else f"{short_label(step)}\n{date[3:]}"
        )
        ha = "left" if t - low < 4 else "right" if high - t < 4 else "center"
        ax.annotate(
            text,
            (t, 0),
            xytext=(-6 if ha == "left" else 6 if ha == "right" else 0, 10 if i % 2 == 0 else -10),
            textcoords="offset points",
            ha=ha,
            va="bottom" if i % 2 == 0 else "top",
            linespacing=1.1,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            zorder=3,
        )
    ax.axvline(today, color=OKABE_ITO["vermillion"], ls=":", lw=1.5)
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.set_xlim(low, high)
    ax.set_xticks(range(2000, int(high) + 1, 10))
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.grid(axis="y", visible=False)
    return fig


def clearance_paths(
    paths: dict[str, pd.Series],
    band: tuple[str, pd.Series, pd.Series],
    remaining: dict[str, float],
    deadline: int,
    band_of: str | None = None,
) -> Figure:
    """Cumulative area cleared by the end of each year under each scenario, one scenario
    (``band_of``, by default the last) with a band, against the remaining area and the
    deadline (end of that year)."""
    fig, ax = new_figure(4.8)
    colours = dict(zip(paths, SERIES_COLOURS, strict=False))
    band_of = band_of if band_of is not None else list(paths)[-1]
    label, low, high = band
    ax.fill_between(
        low.index, low.to_numpy(), high.to_numpy(), color=colours[band_of], alpha=BAND_ALPHA, lw=0
    )
    handles: list[object] = []
    labels: list[str] = []
    for (name, cumulative), style in zip(paths.items(), ["-", "--", "-.", ":"] * 3, strict=False):
        (line,) = ax.plot(cumulative.index, cumulative.to_numpy(), color=colours[name], ls=style)
        handles.append(band_handle(colours[name], line) if name == band_of else line)
        labels.append(name)
    handles.append(Patch(color=colours[band_of], alpha=BAND_ALPHA, lw=0))
    labels.append(label)
    first_year = next(iter(paths.values())).index[0]
    last_year = max(p.index[-1] for p in paths.values())
    early = pd.concat(paths.values()).loc[
        lambda c: c.index <= first_year + 0.4 * (last_year - first_year)
    ]
    top = max([*remaining.values(), *(float(c.max()) for c in paths.values())])
    for j, (name, value) in enumerate(remaining.items()):
        ax.axhline(value, color="0.3", ls=["--", ":"][j % 2], lw=1.2)
        on_left = bool((early < value).all())  # else at the right, under it: paths are past it
        # Two lines closer than a tenth of the axis: the lower label goes under its line and
        # the upper one over it, so that they never overlap.
        near = [v for v in remaining.values() if v != value and abs(v - value) < 0.1 * top]
        below = any(v > value for v in near) or (not near and not on_left)
        ax.text(
            first_year if on_left else last_year,
            value,
            f"remaining: {short_label(name)}" + ("" if on_left else " "),
            ha="left" if on_left else "right",
            va="top" if below else "bottom",
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
        )
    deadline_line = ax.axvline(deadline, color="black", lw=1.5)
    handles.append(deadline_line)
    labels.append(f"Deadline (end {deadline})")
    year_axis(ax, int(first_year), int(last_year), centred=True)
    ax.set_ylabel("km² cleared since start")
    legend_below(fig, handles, labels)
    return fig


def article5_deadlines(dates: pd.DataFrame) -> pd.DataFrame:
    """The deadline rows of :func:`cmac.national.deadline_dates`: every step but entry into
    force (the row whose step is the ratification date)."""
    step = dates["step"].astype(str).str.split(" (", regex=False).str[0]
    return dates[~step.str.fullmatch(r"\d{4}-\d{2}-\d{2}")]


def summary_area(
    series: pd.DataFrame,
    national: pd.DataFrame | None = None,
    deadlines: pd.DataFrame | None = None,
    first: int = 1992,
    last: int = 2012,
) -> Figure:
    """CMAC's area cleared per year 1992–2012 for the landing page, with the report's dates.

    ``series``: :func:`cmac.tables.clearance_1992_2012`. ``national``: the national figure for
    the years that have one, columns year and national_km2 (and area_qualifier, where "more
    than" marks a lower bound), as from :func:`cmac.national.cmac_against_national`; drawn as
    points on CMAC's bars. ``deadlines``: :func:`cmac.national.deadline_dates`; the first
    Article 5 deadline inside the years shown is a dashed line, its legend entry naming the
    latest deadline.
    """
    fig, ax = new_figure(4.3)
    period_bars(ax, series, ["CMAC", "CMAC, irregular period"])
    handles, labels = ax.get_legend_handles_labels()
    if national is not None and len(national):
        rows = national[national["year"].between(first, last)]
        qualifier = (
            rows["area_qualifier"] if "area_qualifier" in rows else pd.Series("", rows.index)
        )
        lower = qualifier == "more than"
        for subset, marker, label in [
            (rows[~lower], "D", "National"),
            (rows[lower], "^", "National, lower bound"),
        ]:
            size = 46 if marker == "D" else 70  # a triangle looks smaller than a diamond
            if len(subset):
                points = ax.scatter(
                    subset["year"] + 0.5,
                    subset["national_km2"],
                    marker=marker,
                    s=size,
                    color="black",
                    edgecolor="white",
                    linewidth=0.8,
                    zorder=4,
                )
                handles.append(points)
                labels.append(label)
    year_axis(ax, first, last)
    ax.set_ylabel("km² cleared per year")
    mark_report_dates(ax, report_spans(centred=False))
    if deadlines is not None:
        steps = article5_deadlines(deadlines).dropna(subset=["date"])
        when = steps["date"].dt.year + (steps["date"].dt.day_of_year - 1) / 365.25
        inside = when[(when >= first) & (when <= last + 1)]
        if len(inside):
            line = ax.axvline(float(inside.iloc[0]), color="black", ls="--", lw=1.5, zorder=1)
            after_cmac = sum(label.startswith("CMAC") for label in labels)
            handles.insert(after_cmac, line)  # the legend's first column: CMAC, deadline
            labels.insert(after_cmac, f"First Article 5 deadline ({inside.iloc[0]:.0f})")
    ax.grid(axis="x", visible=False)
    legend_below(fig, handles, labels, ncol=2)
    return fig
