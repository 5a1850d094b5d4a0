"""Figures for the book. Each function takes validated data and returns a Figure."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from cmac.tables import ITEM_NAMES

KIND_MARKERS = {"visit or meeting": "o", "training or workshop": "s", "related milestone": "D"}


def set_style() -> None:
    """One look for every figure; PNG output so files carry no timestamps."""
    sns.set_theme(style="whitegrid", context="notebook", palette="colorblind")
    mpl.rcParams.update(
        {
            "figure.dpi": 110,
            "savefig.dpi": 110,
            "figure.figsize": (8, 4.5),
            "axes.titleweight": "bold",
            "svg.hashsalt": "cmac",
        }
    )


def log_axis(ax: plt.Axes) -> None:
    """Log scale with plain tick labels at 1, 2, 5 × powers of ten."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(mpl.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,g}"))
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def palette(names: list[str]) -> dict[str, tuple[float, float, float]]:
    return dict(zip(names, sns.color_palette("colorblind", len(names)), strict=True))


def decimal_date(year: pd.Series, month: pd.Series) -> pd.Series:
    """Mid-month as a decimal year, so events can sit on a numeric time axis."""
    return year + (month - 0.5) / 12


def chronology_timeline(chronology: pd.DataFrame) -> Figure:
    """Events 1970–1998, one line each, coloured by kind of event."""
    colours = palette(sorted(chronology["category"].unique()))
    events = chronology.sort_values(["year", "order"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(10, 0.4 * len(events) + 1.6))
    y = range(len(events), 0, -1)
    ax.scatter(events["year"], list(y), c=[colours[c] for c in events["category"]], s=60, zorder=3)
    for year, pos, text in zip(events["year"], y, events["event"], strict=True):
        ax.text(year + 0.6, pos, text, va="center", fontsize=10)
    ax.set_yticks([])
    ax.set_xlim(1968, 2024)  # room on the right for the labels
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xticks(range(1970, 2000, 5))
    ax.set_xlabel("Year")
    ax.legend(
        handles=[Line2D([], [], marker="o", ls="", color=c, label=k) for k, c in colours.items()],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=3,
        fontsize=9,
        frameon=False,
    )
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


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
    markers = markers or dict(zip(kinds, "osD^vP*X", strict=False))
    colours = palette(lanes)
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.85 * len(lanes)))
    when = decimal_date(events["year"], events["month"])
    lane_pos = {name: len(lanes) - i for i, name in enumerate(lanes)}
    offsets: dict[tuple[str, float], int] = {}
    last_in_lane: dict[str, tuple[float, bool]] = {}
    for (_, event), t in zip(events.iterrows(), when, strict=True):
        key = (event[lane], round(t, 3))
        t = t + 0.1 * offsets.get(key, 0)  # same lane and month: set side by side
        offsets[key] = offsets.get(key, 0) + 1
        # Numbers of close neighbours alternate above and below so they stay legible.
        previous_t, previous_above = last_in_lane.get(event[lane], (-1e9, False))
        above = not previous_above if t - previous_t < 0.25 else True
        last_in_lane[event[lane]] = (t, above)
        y = lane_pos[event[lane]]
        ax.scatter(
            t,
            y,
            marker=markers[event[marker_by]],
            s=110,
            color=colours[event[lane]],
            edgecolor="black",
            linewidth=0.5,
            zorder=3,
        )
        ax.annotate(
            str(event[number_column]),
            (t, y),
            xytext=(0, 9 if above else -9),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
            fontsize=8,
        )
    ax.set_yticks(list(lane_pos.values()), list(lane_pos.keys()))
    ax.set_ylim(0.5, len(lanes) + 0.6)
    first, last = int(events["year"].min()), int(events["year"].max())
    ax.set_xticks(range(first, last + 2))
    ax.set_xlim(first - 0.1, last + 1.1)
    ax.set_xlabel("Date (numbers refer to the table rows)")
    ax.legend(
        handles=[Line2D([], [], marker=markers[k], ls="", color="grey", label=k) for k in kinds],
        loc="upper center",
        bbox_to_anchor=(0.5, -0.22),
        ncol=min(len(kinds), 4),
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout()
    return fig


def year_axis(ax: plt.Axes, first: int, last: int, step: int = 2) -> None:
    ax.set_xticks(range(first, last + 1, step))
    ax.set_xlim(first - 0.2, last + 1.2)


def mark_report_dates(ax: plt.Axes, marks: dict[str, tuple[float, float]]) -> None:
    """Shade the spans the report names (label -> (first year, last year + 1))."""
    for text, (start, end) in marks.items():
        ax.axvspan(start, end, color="0.88", zorder=0)
        ax.text(
            (start + end) / 2,
            1.01,
            text,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=9,
            color="0.25",
        )


def area_by_period(
    series: pd.DataFrame,
    first: int = 1992,
    last: int = 2012,
    marks: dict[str, tuple[float, float]] | None = None,
) -> Figure:
    """Area cleared per year, each bar as wide as its period; irregular periods hatched."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if marks:
        mark_report_dates(ax, marks)
    styles = {
        False: {"color": "C0", "edgecolor": "white", "label": "Calendar year"},
        True: {
            "color": "C1",
            "edgecolor": "black",
            "hatch": "//",
            "label": "Irregular period, annualised",
        },
    }
    for irregular, style in styles.items():
        bars = series[series["irregular"] == irregular]
        ax.bar(
            bars["start"],
            bars["area_km2_per_year"],
            width=bars["span_years"],
            align="edge",
            **style,
        )
    ax.set_xlabel("Year")
    ax.set_ylabel("Area cleared (km² per year)")
    year_axis(ax, first, last, 1 if last - first < 10 else 2)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def items_per_km2(series: pd.DataFrame, densities: pd.DataFrame) -> Figure:
    """Items found per km² cleared, by period, on a log scale."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    mid = series["start"] + series["span_years"] / 2
    for item, name in ITEM_NAMES.items():
        ax.plot(mid, densities[f"{item}_per_km2"], marker="o", label=name)
    log_axis(ax)
    year_axis(ax, 1992, 2012)
    ax.set_xlabel("Year (middle of period)")
    ax.set_ylabel("Items found per km² cleared (log scale)")
    ax.legend()
    fig.tight_layout()
    return fig


def item_mix_bars(labels: pd.Series, mix: pd.DataFrame) -> Figure:
    """Share of each kind of item among all items found, by period (stacked to 100 %)."""
    fig, ax = plt.subplots(figsize=(9, 4))
    left = pd.Series(0.0, index=mix.index)
    for item, name in ITEM_NAMES.items():
        ax.barh(labels, mix[item] * 100, left=left * 100, label=name)
        left = left + mix[item]
    ax.invert_yaxis()
    ax.set_xlabel("Share of items found (%)")
    ax.set_xlim(0, 100)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def workshop_bars(workshops: pd.DataFrame) -> Figure:
    """Duration of each UXO Lao workshop, coloured by host country."""
    colours = palette(["Cambodia", "Laos"])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    labels = [
        f"{w}. {m}" for w, m in zip(workshops["workshop"], workshops["start_month"], strict=True)
    ]
    ax.barh(labels, workshops["duration_days"], color=[colours[c] for c in workshops["country"]])
    ax.invert_yaxis()
    ax.set_xlabel("Duration (days)")
    ax.legend(handles=[Patch(color=c, label=k) for k, c in colours.items()], title="Host")
    fig.tight_layout()
    return fig


def training_bars(counts: pd.DataFrame, totals_only: dict[str, int]) -> Figure:
    """People trained by partner, split into rounds; partners with only a total in grey."""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    for _, row in counts.iterrows():
        for r in range(int(row["rounds"])):
            ax.barh(
                row["partner"],
                row["per_round"],
                left=r * row["per_round"],
                color=f"C{r}",
                edgecolor="white",
            )
    for partner, total in totals_only.items():
        ax.barh(partner, total, color="0.7", edgecolor="white")
    ax.invert_yaxis()
    ax.set_xlabel("People trained")
    handles = [
        Patch(color=f"C{r}", label=f"Round {r + 1}") for r in range(int(counts["rounds"].max()))
    ]
    if totals_only:
        handles.append(Patch(color="0.7", label="Total only"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.3),
        ncol=len(handles),
        frameon=False,
    )
    fig.tight_layout()
    return fig


def shade_report_dates(ax: plt.Axes, brush_cutter_year: float, ramp: tuple[int, int]) -> None:
    """The report's two dates: brush cutters (a year) and land release (a span of years)."""
    mark_report_dates(
        ax,
        {
            "brush cutters (report)": (brush_cutter_year - 0.5, brush_cutter_year + 0.5),
            "land release (report)": (ramp[0] - 0.5, ramp[1] + 0.5),
        },
    )


def fit_with_band(
    times: pd.Series,
    observed: pd.Series,
    lines: dict[str, pd.DataFrame],
    log_scale: bool,
    ylabel: str = "Area cleared, km² per year",
) -> Figure:
    """Observed points and fitted or counterfactual lines, each with a 95 % band.

    ``lines`` maps a label to a frame with columns mean, low, high on the original scale.
    """
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for i, (label, frame) in enumerate(lines.items()):
        colour = f"C{i}"
        ax.plot(times, frame["mean"], color=colour, label=label, lw=2)
        ax.fill_between(times, frame["low"], frame["high"], color=colour, alpha=0.18, lw=0)
    ax.scatter(times, observed, color="black", zorder=4, label="Observed", s=28)
    if log_scale:
        log_axis(ax)
    ax.set_ylabel(ylabel + (", log scale" if log_scale else ""))
    ax.set_xlabel("Year")
    first, last = int(np.floor(times.min())), int(np.ceil(times.max()))
    year_axis(ax, first, last, 1 if last - first <= 14 else 2)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def sup_f_profile(
    years: list[float], f_values: list[float], critical_95: float, report_year: int
) -> Figure:
    """Chow F at each candidate break year against the bootstrap 5 % critical value of sup-F."""
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.bar(years, f_values, color="C0", width=0.7, label="Chow F at this break year")
    ax.axhline(critical_95, color="C3", ls="--", label="5 % critical value of sup-F (bootstrap)")
    ax.axvline(report_year, color="0.4", ls=":", label=f"Report's date ({report_year})")
    ax.set_xticks(years)
    ax.set_xticklabels([str(int(y)) for y in years])
    ax.set_xlabel("Candidate first year of a new regime")
    ax.set_ylabel("F statistic")
    ax.set_ylim(0, 1.15 * max(critical_95, max(f_values)))
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.tight_layout()
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
    fig, ax = plt.subplots(figsize=(9, 4.5))
    shade_report_dates(ax, brush_cutter_year, ramp)
    bounds = (0, *cuts, len(times))
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        ax.plot(
            times[a:b],
            fitted[a:b],
            color="C0",
            lw=2,
            label="Segment fits" if i == 0 else None,
        )
    for c in cuts:
        ax.axvline(times[c] - 0.5, color="C3", ls="--", lw=1.2)
    ax.scatter(times, area, color="black", s=28, zorder=4, label="Observed")
    log_axis(ax)
    ax.set_ylabel("Area cleared, km² per year, log scale")
    year_axis(ax, int(times.min()), int(times.max()), 1)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    return fig


def influence_bars(years: np.ndarray, cooks_d: np.ndarray, leverage: np.ndarray) -> Figure:
    """Cook's distance and leverage of each year in the trend fit."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharex=True)
    axes[0].bar(years, cooks_d, color="C0")
    axes[0].axhline(4 / len(years), color="C3", ls="--", lw=1, label="4 / n")
    axes[0].set_title("Cook's distance", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].bar(years, leverage, color="C1")
    axes[1].axhline(2 * 2 / len(years), color="C3", ls="--", lw=1, label="2k / n")
    axes[1].set_title("Leverage", fontsize=10)
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.set_xticks(years[::2])
        ax.tick_params(axis="x", labelrotation=45)
    fig.tight_layout()
    return fig


def density_fits(
    years: np.ndarray,
    observed: dict[str, np.ndarray],
    fitted: dict[str, np.ndarray],
    ramp: tuple[int, int],
) -> Figure:
    """Items per km² by year with the negative binomial fit, one panel per kind of item."""
    fig, axes = plt.subplots(1, len(observed), figsize=(10, 3.6))
    for ax, (name, values) in zip(axes, observed.items(), strict=True):
        ax.axvspan(ramp[0] - 0.5, ramp[1] + 0.5, color="0.88", zorder=0)
        ax.scatter(years, values, color="black", s=20, zorder=3, label="Observed")
        ax.plot(years, fitted[name], color="C0", lw=2, label="Fitted")
        ax.set_title(name, fontsize=10)
        log_axis(ax)
        ax.set_xticks(years[::3])
    axes[0].set_ylabel("Items per km² (log scale)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def casualties_log(marked: pd.DataFrame, jica_1996: float) -> Figure:
    """National casualties per year (log scale): the preferred series, the other reports, and
    the JICA report's 1996 figure."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    chosen = marked[marked["preferred"]].sort_values("year")
    others = marked[~marked["preferred"]]
    for kind, rows in chosen.groupby("source_kind"):
        ax.plot(rows["year"], rows["casualties_total"], "o", label=f"Preferred: {kind}", ms=6)
    ax.plot(chosen["year"], chosen["casualties_total"], color="0.5", lw=1, zorder=1)
    ax.scatter(
        others["year"],
        others["casualties_total"],
        facecolors="none",
        edgecolors="C3",
        s=60,
        label="Other reports (kept)",
        zorder=3,
    )
    ax.scatter(
        [1996], [jica_1996], marker="*", s=220, color="C4", zorder=4, label="JICA report, 1996"
    )
    log_axis(ax)
    ax.set_ylabel("Casualties per year, log scale")
    year_axis(ax, 1996, 2024, 4)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def cmac_national_bars(both: pd.DataFrame) -> Figure:
    """CMAC's area (JICA) beside the preferred national figure, with CMAC's share."""
    fig, ax = plt.subplots(figsize=(9, 4.2))
    years = both["year"].to_numpy()
    ax.bar(
        years - 0.2,
        both["national_km2"],
        width=0.4,
        label="National (preferred figure)",
        color="C7",
    )
    ax.bar(years + 0.2, both["cmac_km2"], width=0.4, label="CMAC (JICA report)", color="C0")
    for year, top, share in zip(years, both["national_km2"], both["share"], strict=True):
        ax.text(year, top + 1.5, f"{share:.0%}", ha="center", fontsize=8)
    ax.set_xticks(years)
    ax.set_ylabel("Area cleared, km²")
    ax.legend(fontsize=9, loc="upper left")
    fig.tight_layout()
    return fig


def deadlines_timeline(dates: pd.DataFrame, today: float) -> Figure:
    """Article 5 deadlines on a time line, each extension a step further on."""
    fig, ax = plt.subplots(figsize=(9, 2.6))
    when = dates["date"].dt.year + (dates["date"].dt.dayofyear - 1) / 365.25
    ax.plot(when, [0] * len(when), color="0.6", zorder=1)
    ax.scatter(when, [0] * len(when), s=70, color="C0", zorder=2)
    for i, (t, label) in enumerate(zip(when, dates["label"], strict=True)):
        ax.annotate(
            label,
            (t, 0),
            xytext=(0, 14 if i % 2 == 0 else -22),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.axvline(today, color="C3", ls=":", lw=1)
    ax.set_yticks([])
    ax.set_ylim(-1, 1)
    ax.set_xlim(1998, 2033)
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def clearance_paths(
    paths: dict[str, pd.Series],
    band: tuple[str, pd.Series, pd.Series],
    remaining: dict[str, float],
    deadline: int,
) -> Figure:
    """Cumulative area cleared by the end of each year under each scenario, one scenario
    with a band, against the remaining area and the deadline (end of that year)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    label, low, high = band
    ax.fill_between(low.index, low.to_numpy(), high.to_numpy(), color="C1", alpha=0.2, label=label)
    for i, (name, cumulative) in enumerate(paths.items()):
        ax.plot(cumulative.index, cumulative.to_numpy(), color=f"C{i}", lw=2, label=name)
    first_year = next(iter(paths.values())).index[0]
    for j, (name, value) in enumerate(remaining.items()):
        ax.axhline(value, color="0.3", ls=["--", ":"][j % 2], lw=1)
        ax.text(first_year, value, f" remaining: {name}", va="bottom", fontsize=8)
    ax.axvline(deadline, color="C3", lw=1.5, label=f"Article 5 deadline (end of {deadline})")
    year_axis(ax, int(first_year), int(max(p.index[-1] for p in paths.values())), 2)
    ax.set_ylabel("Area cleared since the start year, km²")
    ax.set_xlabel("Year (area cleared by its end)")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig
