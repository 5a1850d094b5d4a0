"""National figures beside CMAC's: one preferred value per year, chosen by a written rule.

Casualties. Rule: a Landmine Monitor figure first; otherwise a CMAA/CMVIS (or Red Cross
database) figure quoted by the press; otherwise anything else. Within the best kind of source
for a year, the value most reports agree on; if none has a majority, the most recent report
(later reports revised early years); then the first listed. Every report is kept; the others
are marked as alternatives, never dropped.

Clearance. Rule: only rows that count clearance of a single calendar year; a figure for all
operators before one that leaves the armed forces out; within that, the most recent report;
then the first listed. Release by survey (cancellation, reduction) is not clearance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cmac.tables import M2_PER_KM2

SOURCE_KINDS = {1: "Landmine Monitor", 2: "CMAA/CMVIS via the press", 3: "other"}


def source_rank(source: str) -> int:
    if re.search(r"\bLM\d{4}\b|Monitor", source):
        return 1
    if re.search(r"CMAA|CMVIS|CRC|MIDP", source):
        return 2
    return 3


def report_year(source: str) -> int:
    """The latest year the source names (LM2009 -> 2009, '(c.2001)' -> 2001), 0 if none."""
    years = [int(y) for y in re.findall(r"(?<!\d)(19[89]\d|20[0-3]\d)(?!\d)", source)]
    return max(years, default=0)


def casualty_reports(monitor: pd.DataFrame, press: pd.DataFrame) -> pd.DataFrame:
    """Every yearly casualty report, from both files, in one frame."""
    frames = [
        monitor.rename(columns={"report": "source"}),
        press.rename(columns={"injured_incl_amputated": "injured"}),
    ]
    reports = pd.concat(frames, ignore_index=True)[
        ["year", "casualties_total", "killed", "injured", "source", "url", "quote"]
    ]
    reports["rank"] = reports["source"].map(source_rank)
    reports["source_kind"] = reports["rank"].map(SOURCE_KINDS)
    return reports


def mark_preferred(reports: pd.DataFrame, value: str, order: list[str]) -> pd.DataFrame:
    """One preferred row per year: the best rows by ``order``; among them the value most of
    them give, else the most recent report; then the first listed."""
    out = reports.reset_index(drop=True).copy()
    out["report_year"] = out["source"].map(report_year)
    out["preferred"] = False
    for _, rows in out.groupby("year", sort=True):
        best = rows.sort_values(
            [*order, "report_year"], ascending=[True] * len(order) + [False], kind="stable"
        )
        top = best[(best[order] == best.iloc[0][order]).all(axis=1)]
        counts = top[value].value_counts()
        runner_up = counts.iloc[1] if len(counts) > 1 else 0
        agreed = counts.index[0] if counts.iloc[0] > runner_up else None
        chosen = top[top[value] == agreed] if agreed is not None else top
        out.loc[chosen.index[0], "preferred"] = True
    return out


def preferred_casualties(reports: pd.DataFrame) -> pd.DataFrame:
    return mark_preferred(reports, "casualties_total", ["rank"])


def parse_printed(text: object) -> tuple[float | None, str]:
    """A number as printed: ('>32') -> (32.0, 'more than'); ('~1700') -> (1700.0, 'about')."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None, ""
    match = re.fullmatch(r"\s*([>~]?)\s*([\d,]+(?:\.\d+)?)\s*", str(text))
    if not match:
        return None, "not a number"
    qualifier = {">": "more than", "~": "about", "": "exact"}[match.group(1)]
    return float(match.group(2).replace(",", "")), qualifier


def clearance_kind(measure: str) -> str:
    text = measure.lower()
    if any(
        word in text
        for word in ["cancel", "reduc", "released", "item", "battle", "cluster", "plan"]
    ):
        return "other"
    if "excl" in text:
        return "clearance, armed forces excluded"
    if "clear" in text or "demining" in text:
        return "clearance"
    return "other"


def national_clearance_by_year(national: pd.DataFrame) -> pd.DataFrame:
    """Single-year clearance rows with parsed areas, the preferred one per year marked."""
    rows = national[national["year"].str.fullmatch(r"\d{4}")].copy()
    rows["kind"] = rows["measure"].map(clearance_kind)
    rows = rows[rows["kind"] != "other"]
    parsed = rows["area_km2"].map(parse_printed)
    rows["area"] = [p[0] for p in parsed]
    rows["area_qualifier"] = [p[1] for p in parsed]
    rows = rows[rows["area"].notna()]
    rows["year"] = rows["year"].astype(int)
    rows["kind_rank"] = (rows["kind"] != "clearance").astype(int)
    return mark_preferred(rows, "area", ["kind_rank"])


def cmac_against_national(
    late: pd.DataFrame, early: pd.DataFrame, national: pd.DataFrame
) -> pd.DataFrame:
    """CMAC's area (JICA tables) beside the preferred national figure for the same year."""
    cmac = pd.concat(
        [
            early[early["period"].str.fullmatch(r"\d{4}")].assign(
                year=lambda f: f["period"].astype(int)
            ),
            late,
        ]
    )[["year", "area_m2"]]
    preferred = national_clearance_by_year(national)
    preferred = preferred[preferred["preferred"]]
    both = cmac.merge(
        preferred[["year", "area", "area_qualifier", "measure", "source"]], on="year", how="inner"
    )
    both["cmac_km2"] = both["area_m2"] / M2_PER_KM2
    both["share"] = both["cmac_km2"] / both["area"]
    # A '>' figure is a lower bound on the national total, so CMAC below it is below the total.
    both["cmac_not_above_national"] = both["cmac_km2"] <= both["area"]
    return both.drop(columns="area_m2").rename(columns={"area": "national_km2"})


def preferred_series(marked: pd.DataFrame, value: str) -> pd.Series:
    """The preferred value per year, from rows marked by :func:`mark_preferred`."""
    return marked[marked["preferred"]].set_index("year")[value].sort_index()


def jica_average_1992_2004(
    early: pd.DataFrame, late: pd.DataFrame, first_start: str = "1992-06"
) -> dict[str, float]:
    """CMAC's mean yearly area for 1992–2004 from the JICA tables, two ways."""
    from cmac.tables import clearance_1992_2012

    series = clearance_1992_2012(early, late, first_start)
    years = series[series["start"] < 2005]
    return {
        "per_year_of_time": years["area_km2"].sum() / years["span_years"].sum(),
        "per_table_row": years["area_km2"].mean(),
        "total_km2": years["area_km2"].sum(),
        "years": years["span_years"].sum(),
    }


def finish_year(rates: pd.Series, remaining_km2: float) -> float:
    """When a run of yearly clearance rates (index: year) has cleared the remaining area:
    the year plus the fraction of it needed; inf if the rates never get there."""
    cleared = 0.0
    for year, rate in rates.items():
        if rate > 0 and cleared + rate >= remaining_km2:
            return float(year) + (remaining_km2 - cleared) / rate
        cleared += max(rate, 0.0)
    return float("inf")


def trend_rates(years: pd.Series, area_km2: pd.Series, future: range) -> pd.DataFrame:
    """CMAC's linear trend of area cleared per year, extended to future years, with the 95 %
    band of the fitted mean (the trend fitted in the models chapter, level scale)."""
    from cmac.models import fit_trend

    fit = fit_trend(np.asarray(years), np.asarray(area_km2), log_scale=False).result
    design = pd.DataFrame({"const": 1.0, "trend": [y - min(years) for y in future]})
    frame = fit.get_prediction(design).summary_frame(alpha=0.05)
    return pd.DataFrame(
        {
            "mean": frame["mean"].to_numpy(),
            "low": frame["mean_ci_lower"].to_numpy(),
            "high": frame["mean_ci_upper"].to_numpy(),
        },
        index=list(future),
    )


def deadline_dates(deadlines: pd.DataFrame) -> pd.DataFrame:
    """Each step with the last date its text gives ('31 December 2019' over '1 January 2020')."""
    dates = []
    for text in deadlines["deadline"]:
        found = re.findall(r"\d{1,2} [A-Z][a-z]+ \d{4}", text)
        dates.append(pd.to_datetime(found[-1], format="mixed") if found else pd.NaT)
    out = deadlines.assign(date=dates)[["step", "deadline", "date", "source"]]
    short_step = out["step"].str.split(" (", regex=False).str[0]
    ratified = short_step.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    short_step = short_step.where(~ratified, "in force (ratified " + short_step + ")")
    out["label"] = out["date"].dt.strftime("%d %b %Y") + "\n" + short_step
    return out


def recent_national_rates(national: pd.DataFrame, since: int = 2014) -> pd.DataFrame:
    """Yearly clearance rates the national figures support since ``since``: single years as
    printed, partial years scaled to twelve months, multi-year totals divided by years."""
    rows = []
    for _, row in national.iterrows():
        value, qualifier = parse_printed(row["area_km2"])
        if (
            value is None
            or clearance_kind(row["measure"]) == "other"
            and "plan" not in row["measure"]
        ):
            continue
        period = str(row["year"])
        span = re.fullmatch(r"(\d{4})-(\d{4})", period)
        months = re.search(r"Jan-(\w{3})", period)
        first = int(period[:4])
        if first < since:
            continue
        if span:
            years = int(span.group(2)) - int(span.group(1)) + 1
            rate, basis = value / years, f"{period} total / {years}"
        elif months:
            month = pd.to_datetime(months.group(1), format="%b").month
            rate, basis = value * 12 / month, f"{period} × 12/{month}"
        else:
            rate, basis = value, period
        rows.append(
            {
                "period": period,
                "measure": row["measure"],
                "rate_km2": rate,
                "qualifier": qualifier,
                "basis": basis,
                "source": row["source"],
                "rank": source_rank(row["source"]),
            }
        )
    return pd.DataFrame(rows)


def conflicting_years(marked: pd.DataFrame) -> pd.DataFrame:
    """Years with more than one casualty report: the preferred figure and the others."""
    rows = []
    for year, group in marked.groupby("year"):
        if len(group) < 2:
            continue
        chosen = group[group["preferred"]].iloc[0]
        others = group[~group["preferred"]]
        rows.append(
            {
                "Year": year,
                "Preferred": f"{chosen['casualties_total']:,}",
                "Source of the preferred figure": chosen["source"],
                "Other reports": "; ".join(
                    f"{v:,} ({s})"
                    for v, s in zip(others["casualties_total"], others["source"], strict=True)
                ),
            }
        )
    return pd.DataFrame(rows)


def rates_layout(rates: pd.DataFrame, deadline_year: int) -> pd.DataFrame:
    """Rates and where each lands against the deadline (the end of ``deadline_year``)."""

    def when(finish: float) -> str:
        return "not within the horizon" if finish == float("inf") else f"{finish:.1f}"

    def after(finish: float) -> str:
        return "–" if finish == float("inf") else f"{finish - deadline_year - 1:+.1f}"

    return pd.DataFrame(
        {
            "Period": rates["period"],
            "Measure": rates["measure"],
            "Rate (km²/yr)": rates["rate_km2"].map("{:.1f}".format)
            + rates["qualifier"].map({"more than": " or more"}).fillna(""),
            "Basis": rates["basis"],
            "Source": rates["source"],
            "Finished by": rates["finishes"].map(when),
            "Years after the deadline": rates["finishes"].map(after),
        }
    )


@dataclass(frozen=True)
class Decline:
    years: np.ndarray
    counts: np.ndarray
    change: tuple[float, float, float]  # % per year with its 95 % CI
    chow: object
    sup_f: object


def casualty_decline(
    preferred: pd.Series,
    first_year: int,
    change_year: int,
    replications: int = 4999,
    seed: int = 2010,
) -> Decline:
    """Log-linear fall of the preferred casualty series, an exact Chow test at a date fixed
    in advance, and a bootstrap sup-F search over every date (segments of 4 years or more)."""
    from cmac import models

    kept = preferred[preferred.index >= first_year]
    years, counts = kept.index.to_numpy(dtype=float), kept.to_numpy(dtype=float)
    if change_year not in kept.index:
        raise ValueError(f"no preferred casualty figure for the change year {change_year}")
    trend = models.fit_trend(years, counts, log_scale=True)
    chow = models.chow_test(np.log(counts), years, int(np.searchsorted(years, change_year)))
    sup_f = models.sup_f_test(np.log(counts), years, 4, replications, seed)
    return Decline(years, counts, trend.slope(), chow, sup_f)
