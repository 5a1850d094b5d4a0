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

from cmac import render
from cmac.results import Finding, as_fall, ci_findings
from cmac.tables import M2_PER_KM2
from cmac.words import month_words

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


def unconfirmed(source: str) -> bool:
    """A figure whose only source is a machine-written summary (no primary or press source
    was found for it): shown, flagged, and kept out of every conclusion."""
    return "ai-written" in source.lower()


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
                "unconfirmed": unconfirmed(row["source"]),
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


def finish_calendar_year(finish: float) -> int | None:
    """The calendar year a fractional finish falls in; None if it never finishes."""
    return int(np.floor(finish)) if np.isfinite(finish) else None


def finish_text_columns(
    finishes: pd.Series, deadline_year: int, label: str
) -> dict[str, pd.Series]:
    """The shown table's two columns for a finishing time (the CSV's: ``finish_columns``)."""
    return {
        label: finishes.map(finish_text),
        "Calendar years after the deadline": finishes.map(lambda f: late_text(f, deadline_year)),
    }


def finish_columns(finishes: pd.Series, deadline_year: int, name: str) -> dict[str, pd.Series]:
    """The CSV's two columns for a finishing time: its calendar year and the calendar years
    after the deadline (one definition, ``years_late``), as whole numbers or missing."""
    return {
        name: finishes.map(finish_calendar_year).astype("Int64"),
        "years_after_deadline": finishes.map(lambda f: years_late(f, deadline_year)).astype(
            "Int64"
        ),
    }


def finish_text(finish: float) -> str:
    year = finish_calendar_year(finish)
    return "never" if year is None else str(year)


def late_text(finish: float, deadline_year: int) -> str:
    """Calendar years after the deadline as a signed number (+3, −1, 0), or 'never'."""
    years = years_late(finish, deadline_year)
    return "never" if years is None else render.number(years, sign=True)


def bounded(value: float, qualifier: str, digits: int = 1) -> str:
    """A figure with the bound it was printed with: '>273.0' for 'more than'."""
    return (">" if qualifier == "more than" else "") + render.number(value, digits)


def rates_layout(rates: pd.DataFrame, deadline_year: int) -> pd.DataFrame:
    """Rates and where each lands against the deadline (the end of ``deadline_year``); a rate
    from an unconfirmed source (column ``unconfirmed``, if given) is marked as such."""
    flags = rates.get("unconfirmed", pd.Series(False, index=rates.index))
    shown = pd.DataFrame(
        {
            "Period": [
                f"{p} (unconfirmed)" if u else p
                for p, u in zip(rates["period"], flags, strict=True)
            ],
            "Measure": rates["measure"],
            "Rate (km²/yr)": [
                bounded(v, q) for v, q in zip(rates["rate_km2"], rates["qualifier"], strict=True)
            ],
            "Basis": rates["basis"],
            "Source": rates["source"],
            **finish_text_columns(rates["finishes"], deadline_year, "Finished during"),
        }
    )
    csv = pd.DataFrame(
        {
            "period": rates["period"],
            "unconfirmed": flags,
            "measure": rates["measure"],
            "rate_km2_per_year": rates["rate_km2"],
            "rate_qualifier": rates["qualifier"],
            "basis": rates["basis"],
            "source": rates["source"],
            **finish_columns(rates["finishes"], deadline_year, "finish_year"),
        }
    )
    return render.with_csv(shown, csv)


@dataclass(frozen=True)
class Decline:
    """The casualty trend. ``change`` is the headline: % per year with its 95 % CI from the
    trend with AR(1) errors (the residuals of the plain fit are autocorrelated); ``ols`` and
    ``hac`` are the plain least-squares fit and its Newey–West interval; ``checks`` are the
    residual checks of the plain fit (chapter 5's, ``models.diagnostics``)."""

    years: np.ndarray
    counts: np.ndarray
    change: tuple[float, float, float]
    phi: float
    ols: tuple[float, float, float]
    hac: tuple[float, float, float]
    checks: dict[str, float]
    chow: object
    sup_f: object


def casualty_decline(
    preferred: pd.Series,
    first_year: int,
    change_year: int,
    replications: int = 4999,
    seed: int = 2010,
) -> Decline:
    """Log-linear fall of the preferred casualty series: by least squares, with its residual
    checks and a Newey–West interval, and with AR(1) errors by maximum likelihood on the full
    yearly grid (a year without a figure is missing, not skipped); an exact Chow test at a
    date fixed in advance, and a parametric Monte Carlo sup-F search over every date
    (segments of 4 years or more). The Chow and sup-F p-values assume independent errors."""
    from cmac import models

    kept = preferred[preferred.index >= first_year]
    years, counts = kept.index.to_numpy(dtype=float), kept.to_numpy(dtype=float)
    if change_year not in kept.index:
        raise ValueError(f"no preferred casualty figure for the change year {change_year}")
    trend = models.fit_trend(years, counts, log_scale=True)
    grid = np.arange(int(years.min()), int(years.max()) + 1)
    on_grid = kept.reindex(grid).to_numpy(dtype=float)
    ar1 = models.fit_trend_ar1(grid.astype(float), on_grid, log_scale=True)
    chow = models.chow_test(np.log(counts), years, int(np.searchsorted(years, change_year)))
    sup_f = models.sup_f_test(np.log(counts), years, 4, replications, seed)
    return Decline(
        years,
        counts,
        (ar1["slope"], ar1["ci_low"], ar1["ci_high"]),
        ar1["phi"],
        trend.slope(),
        models.fit_trend_hac(years, counts, log_scale=True).slope(),
        models.diagnostics(trend.result, years),
        chow,
        sup_f,
    )


def decline_layout(decline: Decline, change_year: int) -> pd.DataFrame:
    """The casualty trend by three ways of getting its interval, and the tests for a change
    in it. Changes are shown as falls (positive % a year)."""
    years, chow, sup_f = decline.years, decline.chow, decline.sup_f
    fits = [
        (
            "Trend with AR(1) errors (headline)",
            decline.change,
            f"allows for autocorrelated errors (φ = {render.number(decline.phi, 2)})",
        ),
        ("Least-squares trend", decline.ols, "assumes independent errors"),
        ("Least squares, Newey–West interval", decline.hac, "allows for autocorrelation at lag 1"),
    ]
    shown_rows = [
        (name, render.estimate_ci(-est, -high, -low, unit="% a year"), note)
        for name, (est, low, high), note in fits
    ]
    shown_rows += [
        (
            f"Chow F at {change_year}",
            f"F = {render.number(chow.f, 2)} (df {chow.df_num}, {chow.df_den}), "
            f"p = {render.number(chow.p, 3)}",
            "assumes independent errors",
        ),
        (
            "sup-F, any date (parametric Monte Carlo)",
            f"largest at {int(years[sup_f.break_index])}, p = "
            f"{render.number(sup_f.p_monte_carlo, 3)} "
            f"(simulation SE {render.number(sup_f.p_se, 3)})",
            "assumes independent errors",
        ),
    ]
    csv_rows = [
        {
            "method": name,
            "fall_pct_per_year": -est,
            "fall_pct_per_year_low": -high,
            "fall_pct_per_year_high": -low,
            "statistic": np.nan,
            "p": np.nan,
            "p_simulation_se": np.nan,
            "note": note,
        }
        for name, (est, low, high), note in fits
    ]
    csv_rows += [
        {
            "method": f"Chow F at {change_year}",
            "fall_pct_per_year": np.nan,
            "fall_pct_per_year_low": np.nan,
            "fall_pct_per_year_high": np.nan,
            "statistic": chow.f,
            "p": chow.p,
            "p_simulation_se": np.nan,
            "note": "assumes independent errors",
        },
        {
            "method": f"sup-F, largest at {int(years[sup_f.break_index])}",
            "fall_pct_per_year": np.nan,
            "fall_pct_per_year_low": np.nan,
            "fall_pct_per_year_high": np.nan,
            "statistic": sup_f.stat,
            "p": sup_f.p_monte_carlo,
            "p_simulation_se": sup_f.p_se,
            "note": "assumes independent errors",
        },
    ]
    shown = pd.DataFrame(shown_rows, columns=["Method or test", "Result", "Note"])
    return render.with_csv(shown, pd.DataFrame(csv_rows))


# --- remaining area by scope, and rates that match each scope -------------------------------

SCOPES = {
    "mines": "mined area (AP and AT mines), wider than the Article 5 scope (AP mines)",
    "other": "cluster munitions and other ERW (outside Article 5)",
    "all": "all contamination: mines, cluster munitions and other ERW",
}


def parse_as_of(text: str) -> float | None:
    """'2024-03' -> 2024.167 (start of that month, as a fractional year); None if no month."""
    found = re.match(r"(\d{4})-(\d{2})$", text.strip())
    return int(found.group(1)) + (int(found.group(2)) - 1) / 12 if found else None


def remaining_by_scope(remaining: pd.DataFrame) -> pd.DataFrame:
    """Remaining-area estimates that state the mined area and the rest separately, one row per
    estimate and scope. Estimates printed with one scope only (AP alone, 'mines+ERW' without a
    split) cannot be set beside each other and are left out."""

    def number(pattern: str, text: str) -> float | None:
        found = re.search(pattern, text)
        return float(found.group(1).replace(",", "")) if found else None

    rows = []
    for _, row in remaining.iterrows():
        when, text = parse_as_of(str(row["as_of"])), str(row["estimate_km2"])
        mines = number(r"([\d,]+) mines", text)
        if when is None or mines is None:
            continue
        total = number(r"([\d,]+) total", text) or number(r"=([\d,]+)", text)
        if total is None:
            continue
        for scope, km2 in [("mines", mines), ("other", total - mines), ("all", total)]:
            rows.append(
                {
                    "as_of": row["as_of"],
                    "when": when,
                    "scope": scope,
                    "km2": km2,
                    "source": row["source"],
                }
            )
    return pd.DataFrame(rows)


def fall_between(first: pd.Series, last: pd.Series) -> dict[str, object]:
    """How one remaining-area estimate (as_of, when, km2) fell to a later one: from, to,
    km2_from, km2_to, years, and the rate in km² a year."""
    years = last["when"] - first["when"]
    return {
        "from": first["as_of"],
        "to": last["as_of"],
        "km2_from": first["km2"],
        "km2_to": last["km2"],
        "years": years,
        "rate_km2": (first["km2"] - last["km2"]) / years,
    }


def net_decline_rates(by_scope: pd.DataFrame) -> pd.DataFrame:
    """Rule: for each scope, the rate at which its own estimate fell from the earliest to the
    latest estimate. It is taken to count everything that shrinks the estimate (clearance,
    cancellation and reduction by survey) net of newly found areas, so that it matches the
    scope it divides; the sources do not say so."""
    rows = []
    for scope, group in by_scope.groupby("scope", sort=False):
        group = group.sort_values("when")
        first, last = group.iloc[0], group.iloc[-1]
        if last["when"] > first["when"]:
            rows.append({"scope": scope, **fall_between(first, last), "when": last["when"]})
    return pd.DataFrame(rows)


def finish_during(start: float, remaining_km2: float, rate_km2: float) -> float:
    """Fractional year at which a steady rate clears the area (inf if it never does)."""
    return start + remaining_km2 / rate_km2 if rate_km2 > 0 else float("inf")


def years_late(finish: float, deadline_year: int) -> int | None:
    """Calendar years after the deadline (end of ``deadline_year``): finishing during 2037
    against end-2030 is 7. 0 or less means on time. None if it never finishes. The one
    definition used in the text and every table."""
    return None if not np.isfinite(finish) else int(np.floor(finish)) - deadline_year


# --- CMAC's trend extended, with a prediction band for the cumulative total -----------------


def simulate_trend_paths(
    years: np.ndarray,
    area_km2: np.ndarray,
    future: np.ndarray,
    draws: int = 4000,
    seed: int = 8,
    log_scale: bool = False,
) -> np.ndarray:
    """Yearly area (draws × future years) from the linear trend of the past years, with both
    sources of uncertainty a prediction needs: the coefficients (drawn from their exact
    normal–inverse-χ² posterior under a flat prior, which gives the classical t prediction
    interval for one year) and a new error for every future year. With ``log_scale`` the
    trend is fitted to the logarithm of the area (the log-linear form) and the paths are
    exponentiated back to km²."""
    from cmac.models import fit_trend

    fit = fit_trend(np.asarray(years), np.asarray(area_km2), log_scale=log_scale).result
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(len(future)), np.asarray(future) - np.min(years)])
    df = int(fit.df_resid)
    sigma2 = fit.scale * df / rng.chisquare(df, draws)
    unscaled = np.asarray(fit.normalized_cov_params)
    chol = np.linalg.cholesky(unscaled)
    beta = (
        np.asarray(fit.params)
        + (rng.standard_normal((draws, 2)) @ chol.T) * np.sqrt(sigma2)[:, None]
    )
    noise = rng.standard_normal((draws, len(future))) * np.sqrt(sigma2)[:, None]
    paths = beta @ x.T + noise
    return np.exp(paths) if log_scale else paths


def finish_years(paths: np.ndarray, future: np.ndarray, remaining_km2: float) -> np.ndarray:
    """For each simulated path, the fractional year its cumulative total reaches the area."""
    return np.array([finish_year(pd.Series(path, index=future), remaining_km2) for path in paths])


MIN_MONTHS = 9  # a part-year shorter than this says little about the whole year

AREA_UNITS_KM2 = {
    "sq km": 1.0,
    "sq. km": 1.0,
    "square kilomet": 1.0,
    "km2": 1.0,
    "km²": 1.0,
    "hectare": 0.01,
    "ha": 0.01,
    "sqm": 1e-6,
    "square met": 1e-6,
    "m²": 1e-6,
}


def printed_area(value_km2: float, quote: str) -> str:
    """The area as the quoted source prints it ('91,919,972sqm', 'over 9,200 hectares'): the
    number in the quote, with its unit and any 'over'/'almost' before it, that converts to
    ``value_km2``; the km² figure itself if none does."""
    units = "|".join(re.escape(u) for u in sorted(AREA_UNITS_KM2, key=len, reverse=True))
    pattern = rf"((?:over|almost|about|more than|nearly)\s+)?(\d[\d,]*(?:\.\d+)?)\s?({units})"
    for found in re.finditer(pattern, quote, flags=re.IGNORECASE):
        factor = AREA_UNITS_KM2[found.group(3).lower()]
        km2 = float(found.group(2).replace(",", "")) * factor
        if np.isclose(km2, value_km2, rtol=1e-9, atol=0):
            end = found.end()
            word = re.match(r"\w*", quote[end:])
            return found.group(0) + (word.group(0) if word else "")
    return f"{render.number(value_km2, 1)} km²"


def _later_rows(other: pd.DataFrame) -> pd.DataFrame:
    """Every CMAC press figure for one year after 2012 (or part of one), with its months and
    its rate scaled to twelve months; '>' kept as a qualifier."""
    rows = []
    for _, row in other.iterrows():
        period = str(row["period"])
        value, qualifier = parse_printed(row["area_km2"])
        found = re.fullmatch(r"(20[12]\d)(?: Jan-(\w{3}))?", period)
        if value is None or not found or int(found.group(1)) <= 2012:
            continue
        months = 12 if not found.group(2) else pd.to_datetime(found.group(2), format="%b").month
        rows.append(
            {
                "year": int(found.group(1)),
                "period": period,
                "months": months,
                "printed": printed_area(value, str(row["quote"])),
                "km2_per_year": value * 12 / months,
                "qualifier": qualifier,
                "measure": row["measure"],
                "source": row["source"],
            }
        )
    return pd.DataFrame(rows)


def later_cmac_figures(other: pd.DataFrame, min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """CMAC's own yearly area after 2012 (press figures), scaled to twelve months where a
    figure covers part of a year. Rule: figures for fewer than ``min_months`` months are left
    out (see :func:`dropped_part_years`); of two figures for one year, the later-listed."""
    rows = _later_rows(other)
    rows = rows[rows["months"] >= min_months]
    return rows.drop_duplicates("year", keep="last").reset_index(drop=True)


def dropped_part_years(other: pd.DataFrame, min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """The part-year figures :func:`later_cmac_figures` leaves out, scaled the same way."""
    rows = _later_rows(other)
    return rows[rows["months"] < min_months].reset_index(drop=True)


def period_words(period: str) -> str:
    """'2023 Jan-Jun' -> 'January–June 2023'; '2019' stays '2019'."""
    found = re.fullmatch(r"(\d{4}) (\w{3})-(\w{3})", period)
    if not found:
        return period
    first, last = (pd.to_datetime(m, format="%b").strftime("%B") for m in found.group(2, 3))
    return f"{first}–{last} {found.group(1)}"


def prediction_check(
    years: np.ndarray,
    area_km2: np.ndarray,
    later: pd.DataFrame,
    alpha: float = 0.05,
    log_scale: bool = False,
) -> pd.DataFrame:
    """The 2000–2012 trend's prediction for each later year, its prediction interval, and
    where CMAC's own figure falls. With ``log_scale`` the trend is log-linear and its
    prediction and limits are taken back to km² (the prediction is then the median)."""
    from cmac.models import fit_trend

    fit = fit_trend(np.asarray(years), np.asarray(area_km2), log_scale=log_scale).result
    design = pd.DataFrame({"const": 1.0, "trend": later["year"] - np.min(years)})
    frame = fit.get_prediction(design).summary_frame(alpha=alpha)
    back = np.exp if log_scale else np.asarray
    out = later.assign(
        predicted=back(frame["mean"].to_numpy()),
        pi_low=back(frame["obs_ci_lower"].to_numpy()),
        pi_high=back(frame["obs_ci_upper"].to_numpy()),
    )
    out["ratio"] = out["km2_per_year"] / out["predicted"]
    out["inside"] = (out["km2_per_year"] >= out["pi_low"]) & (out["km2_per_year"] <= out["pi_high"])
    return out


def prediction_check_layout(check: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Year": check["year"].astype(str),
            "CMAC figure, km²/yr": [
                bounded(v, q)
                for v, q in zip(check["km2_per_year"], check["qualifier"], strict=True)
            ],
            "As printed": [
                text if period_words(period) == period else f"{text} ({period_words(period)})"
                for text, period in zip(
                    check["printed"].astype(str), check["period"].astype(str), strict=True
                )
            ],
            "Trend, km²/yr (95 % prediction interval)": [
                render.estimate_ci(m, lo, hi)
                for m, lo, hi in zip(
                    check["predicted"], check["pi_low"], check["pi_high"], strict=True
                )
            ],
            "Figure / trend": check["ratio"].map(lambda v: render.number(v, 2)),
            "Inside the interval": check["inside"].map({True: "yes", False: "no"}),
            "Source": check["source"],
        }
    )
    csv = pd.DataFrame(
        {
            "year": check["year"],
            "period": check["period"],
            "cmac_km2_per_year": check["km2_per_year"],
            "cmac_qualifier": check["qualifier"],
            "printed": check["printed"].astype(str),
            "trend_km2_per_year": check["predicted"],
            "trend_km2_per_year_low": check["pi_low"],
            "trend_km2_per_year_high": check["pi_high"],
            "figure_to_trend": check["ratio"],
            "inside_interval": check["inside"],
            "source": check["source"],
        }
    )
    return render.with_csv(shown, csv)


# --- the chapter's scenarios, from the rates above ------------------------------------------------


def scope_scenarios(remaining: pd.DataFrame, mines_rate_km2: float = 0.0) -> pd.DataFrame:
    """For each scope (mined area; all contamination), its latest remaining area, the rate at
    which its own estimate fell (or ``mines_rate_km2`` for the mined area, when given), and
    the fractional year it would run out at that rate (column ``finishes``)."""
    rates = net_decline_rates(remaining_by_scope(remaining))
    if mines_rate_km2:
        rates.loc[rates["scope"] == "mines", "rate_km2"] = mines_rate_km2
    rates["finishes"] = [finish_during(r.when, r.km2_to, r.rate_km2) for r in rates.itertuples()]
    return rates


def national_rate_scenarios(
    national: pd.DataFrame, start: float, remaining_km2: float
) -> pd.DataFrame:
    """Each recent national yearly rate applied from ``start`` to the remaining area, with
    the fractional year it would run out (column ``finishes``)."""
    rates = recent_national_rates(national)
    rates["finishes"] = [finish_during(start, remaining_km2, r) for r in rates["rate_km2"]]
    return rates


@dataclass(frozen=True)
class TrendScenario:
    """CMAC's past linear trend carried forward: simulated yearly areas from ``future[0]``,
    the year each path clears the remaining area, and the 2.5 %, 50 % and 97.5 % points of
    those years (calendar years, rounded down)."""

    future: np.ndarray
    paths: np.ndarray
    finishes: np.ndarray
    early: int
    median: int
    late: int


def trend_scenario(
    years: np.ndarray,
    area_km2: np.ndarray,
    start: float,
    remaining_km2: float,
    horizon: int = 60,
    draws: int = 4000,
    seed: int = 8,
    log_scale: bool = False,
) -> TrendScenario:
    future = np.arange(int(start), int(start) + horizon)
    paths = simulate_trend_paths(years, area_km2, future, draws, seed, log_scale)
    finishes = finish_years(paths, future, remaining_km2)
    early, median, late = (int(np.floor(v)) for v in np.percentile(finishes, [2.5, 50, 97.5]))
    return TrendScenario(future, paths, finishes, early, median, late)


def cumulative_paths(
    scoped: pd.DataFrame, trend: TrendScenario, end: int
) -> tuple[dict[str, pd.Series], tuple[str, pd.Series, pd.Series]]:
    """The figure's lines: cumulative area from the scenario's start at each scope's own rate
    and along the trend's median, up to ``end``; and the trend's 95 % prediction band."""
    cumulative = np.cumsum(trend.paths, axis=1)

    def upto(values: np.ndarray | float) -> pd.Series:
        return pd.Series(values, index=trend.future).loc[:end]

    mines, every = scoped.at["mines", "rate_km2"], scoped.at["all", "rate_km2"]
    lines = {
        f"Mined area's own rate ({mines:.0f} km²/yr)": upto(mines).cumsum(),
        f"All scopes' own rate ({every:.0f} km²/yr)": upto(every).cumsum(),
        "CMAC's 2000–2012 trend (median)": upto(np.median(cumulative, axis=0)),
    }
    band = (
        "CMAC trend, 95 % prediction band",
        upto(np.percentile(cumulative, 2.5, axis=0)),
        upto(np.percentile(cumulative, 97.5, axis=0)),
    )
    return lines, band


# --- the Article 5 deadline: the anti-personnel area, the mined area, and a range of rates ------


def latest_ap_estimate(remaining: pd.DataFrame) -> pd.Series:
    """The latest estimate dated to a month that states the anti-personnel (AP) mined area
    ('348 AP'): as_of, when (fractional year), km2, source."""
    rows = []
    for _, row in remaining.iterrows():
        when = parse_as_of(str(row["as_of"]))
        found = re.search(r"(?<![~>\d,])([\d,]+) AP\b", str(row["estimate_km2"]))
        if when is None or not found:
            continue
        rows.append(
            {
                "as_of": row["as_of"],
                "when": when,
                "km2": float(found.group(1).replace(",", "")),
                "source": row["source"],
            }
        )
    if not rows:
        raise ValueError("no dated estimate of the anti-personnel mined area")
    return pd.DataFrame(rows).sort_values("when", kind="stable").iloc[-1]


def mined_area_rates(by_scope: pd.DataFrame) -> pd.DataFrame:
    """Rule: the rates at which the mined-area estimate (AP and AT) fell: from its earliest to
    its latest estimate (the two-point rate), and over each step between consecutive
    estimates (the rates the estimates in between split it into). Columns: label, from, to,
    km2_from, km2_to, years, rate_km2."""
    mines = by_scope[by_scope["scope"] == "mines"].sort_values("when", kind="stable")
    pairs = [(mines.iloc[0], mines.iloc[-1], "two-point")]
    pairs += [
        (a, b, "step")
        for (_, a), (_, b) in zip(
            mines.iloc[:-1].iterrows(), mines.iloc[1:].iterrows(), strict=True
        )
    ]
    rows = []
    for first, last, kind in pairs:
        if last["when"] > first["when"]:
            label = f"{month_words(first['as_of'])} to {month_words(last['as_of'])}"
            rows.append({"label": label, "kind": kind, **fall_between(first, last)})
    out = pd.DataFrame(rows)
    if len(out) == 2:  # two estimates: the step is the two-point rate itself
        out = out.iloc[:1]
    return out.reset_index(drop=True)


def required_rate(remaining_km2: float, start: float, deadline_year: int) -> float:
    """The steady yearly rate that clears the area from ``start`` by the end of the deadline
    year: area / years left."""
    years = deadline_year + 1 - start
    return remaining_km2 / years if years > 0 else float("inf")


@dataclass(frozen=True)
class DeadlineArea:
    """One area to be cleared by the deadline: how much, from when, and what rate it needs."""

    name: str
    km2: float
    as_of: str
    when: float
    source: str
    required: float


def deadline_areas(remaining: pd.DataFrame, deadline_year: int) -> dict[str, DeadlineArea]:
    """The Article 5 area (anti-personnel, latest) and the wider mined area (AP and AT)."""
    ap = latest_ap_estimate(remaining)
    mines = remaining_by_scope(remaining)
    mines = mines[mines["scope"] == "mines"].sort_values("when", kind="stable").iloc[-1]
    return {
        key: DeadlineArea(
            name,
            float(row["km2"]),
            str(row["as_of"]),
            float(row["when"]),
            str(row["source"]),
            required_rate(float(row["km2"]), float(row["when"]), deadline_year),
        )
        for key, name, row in [
            ("ap", "anti-personnel mined area (Article 5)", ap),
            ("mines", "mined area (anti-personnel and anti-tank)", mines),
        ]
    }


def deadline_finishes(rates: pd.DataFrame, areas: dict[str, DeadlineArea]) -> pd.DataFrame:
    """Each rate applied to each area from that area's own date: the fractional year it runs
    out (columns ``finish_<area>``)."""
    out = rates.copy()
    for key, area in areas.items():
        out[f"finish_{key}"] = [finish_during(area.when, area.km2, r) for r in out["rate_km2"]]
    return out


def deadline_outlook(
    rates: pd.Series, required: float, deadline_year: int, what: str = "recorded rates"
) -> str:
    """Words for what meeting the deadline depends on: the rate it needs against the range
    of recorded rates, and how many of them reach it."""
    low, high, n = rates.min(), rates.max(), len(rates)
    reach = int((rates >= required).sum())
    span = f"{render.number(low, 0)} to {render.number(high, 0)} km² a year"
    need = f"{render.number(required, 0)} km² a year"
    if reach == n:
        return f"on track if clearance keeps to the {what} ({span}), which all reach " + (
            f"the {need} it needs by the end of {deadline_year}"
        )
    if reach == 0:
        return f"out of reach at each of the {what} ({span}): it needs {need}"
    which = f"only the fastest of the {what}" if reach == 1 else f"{reach} of the {n} {what}"
    return f"at risk: it needs {need}, which {which} ({span}) reach{'es' if reach == 1 else ''}"


def with_reader_rate(rates: pd.DataFrame, rate_km2: float) -> pd.DataFrame:
    """The recorded rates, plus a rate the reader set (parameter ``mines_rate_km2``), if any."""
    if not rate_km2:
        return rates
    extra = pd.DataFrame([{"label": "set by the reader", "kind": "reader", "rate_km2": rate_km2}])
    return pd.concat([rates, extra], ignore_index=True)


def deadline_layout(
    finishes: pd.DataFrame, areas: dict[str, DeadlineArea], deadline_year: int
) -> pd.DataFrame:
    """Rates of the mined-area estimate and the year each area runs out at each, with a last
    row giving the rate each area needs to finish by the end of the deadline year."""
    head = {key: f"{render.number(a.km2)} km² ({month_words(a.as_of)})" for key, a in areas.items()}
    shown = pd.DataFrame(
        {
            "Rate of decline (period)": [
                f"{render.number(r.rate_km2, 1)} km²/yr ({r.label})" for r in finishes.itertuples()
            ],
            f"Anti-personnel area, {head['ap']}: runs out during": finishes["finish_ap"].map(
                finish_text
            ),
            f"All mined area, {head['mines']}: runs out during": finishes["finish_mines"].map(
                finish_text
            ),
        }
    )
    needed = pd.DataFrame(
        {
            shown.columns[0]: [f"Needed to finish by the end of {deadline_year}"],
            shown.columns[1]: [f"{render.number(areas['ap'].required, 1)} km²/yr"],
            shown.columns[2]: [f"{render.number(areas['mines'].required, 1)} km²/yr"],
        }
    )
    csv = pd.DataFrame(
        {
            "rate": list(finishes["label"]) + [f"needed by end {deadline_year}"],
            "ap_rate_km2_per_year": list(finishes["rate_km2"]) + [areas["ap"].required],
            "ap_runs_out_year": list(finishes["finish_ap"].map(finish_calendar_year)) + [None],
            "mines_rate_km2_per_year": list(finishes["rate_km2"]) + [areas["mines"].required],
            "mines_runs_out_year": list(finishes["finish_mines"].map(finish_calendar_year))
            + [None],
        }
    )
    csv["ap_runs_out_year"] = csv["ap_runs_out_year"].astype("Int64")
    csv["mines_runs_out_year"] = csv["mines_runs_out_year"].astype("Int64")
    return render.with_csv(pd.concat([shown, needed], ignore_index=True), csv)


def part_years_text(rows: pd.DataFrame) -> str:
    """'January–June 2023 (over 151sq km), …': part-year figures in words, as printed."""
    return ", ".join(
        f"{period_words(p)} ({t})" for p, t in zip(rows["period"], rows["printed"], strict=True)
    )


# The numbers chapter 8 quotes, as findings beside the computations that give them, so the
# chapter records each set with one call.
def casualty_report_findings(
    marked: pd.DataFrame, preferred: pd.Series, jica_1996: float
) -> list[Finding]:
    """The disputed first year (1996) and the years with more than one report."""
    alt_1996 = marked[(marked["year"] == 1996) & ~marked["preferred"]]["casualties_total"]
    return [
        Finding("pref_1996", int(preferred[1996]), "persons", "Preferred 1996 casualties"),
        Finding("jica_1996", int(jica_1996), "persons", "JICA 1996 figure"),
        Finding("alt_1996_min", int(alt_1996.min()), "persons", "Lowest other 1996 report"),
        Finding("alt_1996_max", int(alt_1996.max()), "persons", "Highest other 1996 report"),
        Finding("alt_1996_min_source", marked.loc[alt_1996.idxmin(), "source"], "text",
                "Source of the lowest 1996 report"),
        Finding("n_conflict_years", len(conflicting_years(marked)), "count",
                "Years with more than one casualty report"),
    ]


def decline_findings(decline: Decline, preferred: pd.Series, change_year: int) -> list[Finding]:
    """The casualty trend three ways, the test of a change at ``change_year`` and the search
    for one in any year, and the series' first and last years and gaps."""
    years, chow, sup_f = decline.years, decline.chow, decline.sup_f
    hac = as_fall(decline.hac)
    rows = [
        Finding("n_cas", len(years), "count", "Years with a preferred casualty figure"),
        *ci_findings("decline", as_fall(decline.change), "%/yr",
                     "Fall in casualties per year, trend with AR(1) errors (the headline)"),
        *ci_findings("decline_ols", as_fall(decline.ols), "%/yr",
                     "Fall in casualties per year, least squares (assumes independent errors)"),
        Finding("decline_hac_low", hac[1], "%/yr",
                "Fall in casualties per year, Newey–West: lower 95 % limit", "{:.1f}"),
        Finding("decline_hac_high", hac[2], "%/yr",
                "Fall in casualties per year, Newey–West: upper 95 % limit", "{:.1f}"),
        Finding("cas_phi", decline.phi, "", "AR(1) coefficient of the casualty trend", "{:.2f}"),
        Finding("change_year", change_year, "year", "Pre-specified change date"),
        Finding("chow_f", chow.f, "F", "Chow F at the change date", "{:.2f}"),
        Finding("chow_p", chow.p, "p", "Chow test p", "{:.3f}"),
        Finding("cas_supf_year", int(years[sup_f.break_index]), "year", "Year of largest F"),
        Finding("cas_supf_p", sup_f.p_monte_carlo, "p", "sup-F Monte Carlo p", "{:.3f}"),
        Finding("cas_supf_p_se", sup_f.p_se, "p",
                "Simulation standard error of the sup-F Monte Carlo p", "{:.3f}"),
    ]
    for key, year in [("cas_first", years[0]), ("cas_last", years[-1])]:
        rows += [
            Finding(key, int(preferred[int(year)]), "persons", f"Casualties in {int(year)}"),
            Finding(f"{key}_year", int(year), "year", f"Year of the {key[4:]} casualty figure"),
        ]
    gaps = sorted(set(range(int(years[0]), int(years[-1]) + 1)) - set(years.astype(int)))
    rows.append(Finding("cas_gap_years", ", ".join(map(str, gaps)) or "none", "years",
                        "Years without a casualty figure, left missing in the AR(1) fit", "{}"))
    return rows


def decline_check_findings(
    decline: Decline, preferred: pd.Series, change_year: int
) -> list[Finding]:
    """The residual checks of the casualty trend, and the trend without the disputed first
    year (99 Monte Carlo draws: only its trend is quoted)."""
    checks, second = decline.checks, int(decline.years[1])
    later = casualty_decline(preferred, second, change_year, replications=99)
    return [
        Finding("cas_dw", checks["durbin_watson"], "",
                "Durbin–Watson statistic of the least-squares casualty trend", "{:.2f}"),
        Finding("cas_cooks_year", int(checks["max_cooks_d_year"]), "year",
                "Year with the largest Cook's distance in the casualty trend"),
        *ci_findings("decline_no_first", as_fall(later.change), "%/yr",
                     f"Fall in casualties per year, AR(1) trend from {second}"),
    ]


def national_share_findings(both: pd.DataFrame) -> list[Finding]:
    """CMAC's area against the national figure (:func:`cmac_against_national`)."""
    qualified = both.groupby("area_qualifier")["year"].agg(lambda y: ", ".join(map(str, y)))
    return [
        Finding("n_common", len(both), "count", "Years with both CMAC and national figures"),
        Finding("n_within", int(both["cmac_not_above_national"].sum()), "count",
                "Years where CMAC's area is within the national figure"),
        Finding("share_min", both["share"].min() * 100, "%", "Smallest CMAC share", "{:.0f}"),
        Finding("share_max", both["share"].max() * 100, "%", "Largest CMAC share", "{:.0f}"),
        Finding("lower_bound_years", qualified.get("more than", "none"), "years",
                "Years whose national figure is printed as a lower bound", "{}"),
        Finding("approximate_years", qualified.get("about", "none"), "years",
                "Years whose national figure is printed as approximate", "{}"),
    ]


def press_average_findings(
    other: pd.DataFrame, early: pd.DataFrame, late: pd.DataFrame
) -> list[Finding]:
    """The press's 1992–2004 average for CMAC against the JICA tables' (``other``: the
    other CMAC figures; ``early``, ``late``: the JICA clearance tables)."""
    press_avg = float(other.set_index("period").at["1992-2004 avg", "area_km2"])
    jica = jica_average_1992_2004(early, late)
    return [
        Finding("press_avg", press_avg, "km²/yr", "Press figure, CMAC 1992–2004 average",
                "{:.0f}"),
        Finding("jica_total", jica["total_km2"], "km²", "JICA total 1992–2004", "{:.1f}"),
        Finding("jica_years", jica["years"], "years", "Years covered", "{:.1f}"),
        Finding("jica_avg", jica["per_year_of_time"], "km²/yr", "JICA average per year",
                "{:.1f}"),
        Finding("jica_row_avg", jica["per_table_row"], "km²/yr", "JICA mean of rows", "{:.1f}"),
        Finding("press_ratio", press_avg / jica["per_year_of_time"], "ratio", "Press / JICA",
                "{:.2f}"),
    ]


def deadline_findings(dates: pd.DataFrame) -> list[Finding]:
    """Each Article 5 deadline after the first (``dates``: :func:`deadline_dates`)."""
    deadlines = dates[dates["step"] != dates["step"].iloc[0]]["date"].dt.strftime("%B %Y")
    return [
        Finding(f"deadline_{i}", text, "date", f"Article 5 deadline {i}")
        for i, text in enumerate(deadlines.tolist(), start=1)
    ]


def outlook_findings(
    scoped: pd.DataFrame,
    steps: pd.DataFrame,
    areas: dict[str, DeadlineArea],
    mine_rates: pd.DataFrame,
    finishes: pd.DataFrame,
    deadline_year: int,
    reader_rate: float,
) -> list[Finding]:
    """The areas left, the rates they fell at, and when each runs out at those rates
    (``scoped``: :func:`scope_scenarios` by scope; ``reader_rate``: the chapter's
    ``mines_rate_km2``, 0 for none)."""
    rows = [Finding("deadline", deadline_year, "year", "Article 5 deadline (end of year)")]
    for scope in ["mines", "all"]:
        row = scoped.loc[scope]
        rows += [
            Finding(f"{scope}_left", row["km2_to"], "km²", f"Remaining area, {scope}", "{:,.0f}"),
            Finding(f"{scope}_rate", row["rate_km2"], "km²/yr", f"Net decline rate, {scope}, "
                    "from the earliest to the latest estimate", "{:,.0f}"),
        ]
    rows += [
        Finding("mines_as_of", month_words(scoped.at["mines", "to"]), "date",
                "Date of the latest mined-area estimate"),
        Finding("mines_from", month_words(scoped.at["mines", "from"]), "date",
                "Date of the earliest mined-area estimate"),
        Finding("mines_split_as_of", month_words(steps["to"].iloc[1]), "date",
                "Date of the estimate that splits the two-point rate"),
        Finding("ap_left", areas["ap"].km2, "km²",
                "Remaining anti-personnel mined area (Article 5)", "{:,.0f}"),
        Finding("ap_as_of", month_words(areas["ap"].as_of), "date",
                "Date of the anti-personnel estimate"),
        *(
            Finding(f"required_{key}", areas[key].required, "km²/yr", f"Yearly rate that clears "
                    f"the {areas[key].name} by the end of the deadline year", "{:,.0f}")
            for key in ["ap", "mines"]
        ),
    ]
    return rows + finish_findings(steps, areas, mine_rates, finishes, deadline_year, reader_rate)


def finish_findings(
    steps: pd.DataFrame,
    areas: dict[str, DeadlineArea],
    mine_rates: pd.DataFrame,
    finishes: pd.DataFrame,
    deadline_year: int,
    reader_rate: float,
) -> list[Finding]:
    rows = [
        Finding(f"rate_{which}_step", steps["rate_km2"].iloc[step], "km²/yr",
                f"Fall of the mined-area estimate, {steps['label'].iloc[step]}", "{:,.0f}")
        for which, step in [("first", 1), ("second", 2)]
    ]
    rows += [
        Finding(key, value, "km²/yr", f"{what} of the rates applied", "{:,.0f}")
        for key, value, what in [("rate_low", mine_rates["rate_km2"].min(), "Slowest"),
                                 ("rate_high", mine_rates["rate_km2"].max(), "Fastest")]
    ]
    for key in ["ap", "mines"]:
        out = finishes[f"finish_{key}"].map(finish_calendar_year)
        rows += [
            Finding(f"finish_{key}_{end}", int(year), "year",
                    f"{word} year the {areas[key].name} runs out at the rates applied")
            for end, year, word in [("early", out.min(), "Earliest"), ("late", out.max(), "Latest")]
        ]
    what = "rates applied" if reader_rate else "recorded rates"
    outlook = deadline_outlook(mine_rates["rate_km2"], areas["ap"].required, deadline_year, what)
    rows.append(Finding("deadline_outlook", outlook, "text",
                        "What meeting the deadline for the anti-personnel area depends on"))
    return rows


def trend_check_findings(
    years: np.ndarray, area: np.ndarray, other: pd.DataFrame, check: pd.DataFrame
) -> list[Finding]:
    """CMAC's later figures against its 2000–2012 trend (``check``: :func:`prediction_check`
    of the straight line), the part-years left out, and the same check of the log-linear
    trend."""
    dropped = prediction_check(years, area, dropped_part_years(other))
    top = dropped.loc[dropped["ratio"].idxmax()]
    figures = check.drop(columns=["predicted", "pi_low", "pi_high", "ratio", "inside"])
    log_check = prediction_check(years, area, figures, log_scale=True)
    return [
        Finding("n_later", len(check), "count", "Later CMAC yearly figures"),
        Finding("n_inside", int(check["inside"].sum()), "count", "Inside the prediction interval"),
        Finding("ratio_min", check["ratio"].min(), "ratio", "Smallest figure/prediction",
                "{:.2f}"),
        Finding("ratio_max", check["ratio"].max(), "ratio", "Largest figure/prediction",
                "{:.2f}"),
        Finding("n_trend_years", len(years), "count", "Years in CMAC's trend"),
        Finding("min_months", MIN_MONTHS, "months", "Shortest part-year kept in the check"),
        Finding("n_dropped", len(dropped), "count", "Part-year figures left out of the check"),
        Finding("dropped_periods", part_years_text(dropped), "text",
                "The part-year figures left out, as printed"),
        Finding("dropped_inside", int(dropped["inside"].sum()), "count",
                "Left-out part-years inside the prediction interval, scaled to a year"),
        Finding("dropped_max_period", period_words(top["period"]), "text",
                "Left-out part-year furthest from the trend"),
        Finding("dropped_max_ratio", top["ratio"], "ratio",
                "That part-year, scaled to a year, over the trend's prediction", "{:.2f}"),
        Finding("log_ratio_min", log_check["ratio"].min(), "ratio",
                "Smallest later figure over the log-linear trend's prediction", "{:.2f}"),
        Finding("log_ratio_max", log_check["ratio"].max(), "ratio",
                "Largest later figure over the log-linear trend's prediction", "{:.2f}"),
        Finding("log_n_inside", int(log_check["inside"].sum()), "count",
                "Later figures inside the log-linear trend's prediction interval"),
    ]


def trend_scenario_findings(
    years: np.ndarray, area: np.ndarray, trend: TrendScenario, remaining_km2: float
) -> list[Finding]:
    """When CMAC alone would finish at its 2000–2012 trend (``trend``: the straight line's
    :func:`trend_scenario`), and at the log-linear trend carried forward the same way."""
    start, last = int(trend.future[0]), int(years.max())
    log_trend = trend_scenario(years, area, start, remaining_km2, log_scale=True)
    return [
        Finding("sim_draws", len(trend.paths), "count", "Simulated trend paths"),
        Finding("gap_years", start - last, "years", "Years from the data's end to the "
                "scenario's start", "{}"),
        Finding("span_years", trend.median - last, "years", "Years from the data's end to the "
                "median finish", "{}"),
        *finish_year_findings("finish_trend", trend, "trend"),
        Finding("scenario_start", start, "year", "The scenario's first year"),
        Finding("log_area_start", float(np.median(log_trend.paths[:, 0])), "km²",
                "Log-linear trend: median area cleared in the scenario's first year", "{:,.0f}"),
        *finish_year_findings("finish_trend_log", log_trend, "log-linear trend"),
    ]


def finish_year_findings(key: str, scenario: TrendScenario, trend: str) -> list[Finding]:
    """The median finishing year of a trend scenario and its 95 % band."""
    return [
        Finding(name, value, "year",
                f"Year CMAC's {trend} would finish all contamination: {what}")
        for name, value, what in [
            (key, scenario.median, "median path"),
            (f"{key}_early", scenario.early, "early end of the 95 % band"),
            (f"{key}_late", scenario.late, "late end of the 95 % band"),
        ]
    ]
