"""Derived tables: totals, annualised rates, densities and the source-layout tables."""

from __future__ import annotations

import pandas as pd

from cmac.render import number, with_csv
from cmac.words import MONTHS

MEASURES = ["area_m2", "ap_mines", "at_mines", "uxo"]
ITEMS = ["ap_mines", "at_mines", "uxo"]
ITEM_NAMES = {"ap_mines": "Anti-personnel mines", "at_mines": "Anti-tank mines", "uxo": "UXO"}
MEASURE_HEADINGS = {"area_m2": "Area of land cleared (m²)", **ITEM_NAMES}
M2_PER_KM2 = 1_000_000


def months_in_period(start: str, end: str) -> int:
    """Calendar months from start to end, both included ("1995-01", "1995-12" -> 12)."""
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    if last < first:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    return (last - first).n + 1


def with_first_start(early: pd.DataFrame, first_start: str | None) -> pd.DataFrame:
    """The 1992–1999 table with the first period's start month replaced (an assumption)."""
    frame = early.copy()
    if first_start is not None:
        months_in_period(first_start, frame.at[0, "end_month"])  # raises if after the end
        frame.at[0, "start_month"] = first_start
        frame.at[0, "start_basis"] = "assumed"
    return frame


def annualised(early: pd.DataFrame, first_start: str | None = None) -> pd.DataFrame:
    """Per-period totals turned into rates per 12 months, so irregular periods compare."""
    frame = with_first_start(early, first_start)
    months = [
        months_in_period(s, e)
        for s, e in zip(frame["start_month"], frame["end_month"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "period": frame["period"],
            "start_month": frame["start_month"],
            "end_month": frame["end_month"],
            "months": months,
        }
    )
    out["irregular"] = out["months"] != 12
    out["area_km2"] = frame["area_m2"] / M2_PER_KM2
    out["area_km2_per_year"] = out["area_km2"] * 12 / out["months"]
    for item in ITEMS:
        out[f"{item}_per_year"] = frame[item] * 12 / out["months"]
    return out


def clearance_1992_2012(
    early: pd.DataFrame, late: pd.DataFrame, first_start: str | None = None
) -> pd.DataFrame:
    """One series of periods 1992–2012: counts, area and annualised area, irregular flagged."""
    early = with_first_start(early, first_start)
    late_periods = late.assign(
        period=late["year"].astype(str),
        start_month=late["year"].astype(str) + "-01",
        end_month=late["year"].astype(str) + "-12",
    )
    columns = ["period", "start_month", "end_month", *MEASURES]
    both = pd.concat([early[columns], late_periods[columns]], ignore_index=True)
    rates = annualised(both.assign(start_basis="printed"))
    out = both.join(rates[["months", "irregular", "area_km2", "area_km2_per_year"]])
    start = pd.PeriodIndex(out["start_month"], freq="M")
    out["start"] = start.year + (start.month - 1) / 12
    out["span_years"] = out["months"] / 12
    return out


def per_km2(frame: pd.DataFrame) -> pd.DataFrame:
    """Items found per km² cleared, for each row."""
    area_km2 = frame["area_m2"] / M2_PER_KM2
    return pd.DataFrame({f"{item}_per_km2": frame[item] / area_km2 for item in ITEMS})


def item_mix(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares (0–1) of anti-personnel mines, anti-tank mines and UXO among items found."""
    items = frame[ITEMS]
    return items.div(items.sum(axis=1), axis=0)


def totals_check(periods: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """The Total row as printed beside the sum recomputed from the rows."""
    recomputed = periods[MEASURES].sum()
    printed = published.iloc[0][MEASURES].astype("int64")
    return pd.DataFrame(
        {
            "measure": [MEASURE_HEADINGS[m] for m in MEASURES],
            "published": printed.to_numpy(),
            "recomputed": recomputed.to_numpy(),
            "difference": (printed - recomputed).to_numpy(),
        }
    )


def source_layout(
    frame: pd.DataFrame, label_column: str, label_heading: str, total: pd.DataFrame | None = None
) -> pd.DataFrame:
    """A clearance table as the report prints it: text cells with thousands separators."""
    rows = frame[[label_column, *MEASURES]].rename(columns={label_column: label_heading})
    if total is not None:
        total_row = total[MEASURES].assign(**{label_heading: "Total"})
        rows = pd.concat([rows, total_row[[label_heading, *MEASURES]]], ignore_index=True)
    rows[label_heading] = rows[label_heading].astype(str)
    csv = rows.rename(columns={label_heading: label_column}).astype(
        {measure: "int64" for measure in MEASURES}
    )
    if csv[label_column].str.fullmatch(r"\d+").all():
        csv[label_column] = csv[label_column].astype("int64")  # years stay numbers
    for measure in MEASURES:
        rows[measure] = rows[measure].map(lambda v: number(int(v)))
    return with_csv(rows.rename(columns=MEASURE_HEADINGS), csv)


def training_counts(figures: pd.DataFrame) -> pd.DataFrame:
    """People trained through South-South cooperation: per round × rounds against the total."""
    value = figures.set_index("key")["value"]
    rows = [
        (
            "PAICMA (Colombia)",
            "paicma_officials_per_round",
            "paicma_training_rounds",
            "paicma_officials_trained",
        ),
        ("INAD (Angola)", "inad_staff_per_round", "inad_training_rounds", "inad_staff_trained"),
    ]
    table = pd.DataFrame(
        [
            {
                "partner": partner,
                "per_round": int(value[per]),
                "rounds": int(value[rounds]),
                "stated_total": int(value[total]),
            }
            for partner, per, rounds, total in rows
        ]
    )
    table["computed_total"] = table["per_round"] * table["rounds"]
    table["consistent"] = table["computed_total"] == table["stated_total"]
    return table


def dated_figures(figures: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Dates stated in the text as 'Month YYYY' (or 'YYYY' when no month is given)."""
    chosen = figures.set_index("key").loc[keys]
    when = [
        pd.Timestamp(year=int(y), month=int(m), day=1).strftime("%B %Y")
        if pd.notna(m)
        else str(int(y))
        for y, m in zip(chosen["value"], chosen["month"], strict=True)
    ]
    return pd.DataFrame({"key": keys, "when": when, "what": chosen["description"].to_numpy()})


def workshop_dates_agree(workshops: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """Each UXO Lao workshop's month in its own table against the South-South calendar."""
    laos = calendar[(calendar["partner"] == "Laos") & (calendar["kind"] == "training or workshop")]
    laos = laos.reset_index(drop=True)
    calendar_month = laos["year"].astype(str) + "-" + laos["month"].map("{:02d}".format)
    out = workshops[["workshop", "start_month", "country"]].copy()
    out["calendar_month"] = calendar_month.reindex(range(len(out))).to_numpy()
    out["calendar_place"] = laos["place"].reindex(range(len(out))).to_numpy()
    out["agree"] = (out["start_month"] == out["calendar_month"]) & (
        out["country"] == out["calendar_place"]
    )
    return out


def annualised_layout(rates: pd.DataFrame) -> pd.DataFrame:
    """Annualised rates as display text: months covered, area per year, items per year."""
    shown = pd.DataFrame(
        {
            "Year/period": rates["period"],
            "Months covered": rates["start_month"]
            + " to "
            + rates["end_month"]
            + " ("
            + rates["months"].astype(str)
            + ")",
            "Area (km²/yr)": rates["area_km2_per_year"].map(lambda v: number(v, 1)),
            **{
                f"{name} per year": rates[f"{item}_per_year"].map(number)
                for item, name in ITEM_NAMES.items()
            },
        }
    )
    csv = rates[
        [
            "period",
            "start_month",
            "end_month",
            "months",
            "area_km2_per_year",
            *[f"{item}_per_year" for item in ITEMS],
        ]
    ]
    return with_csv(shown, csv)


def analysis_series(
    early: pd.DataFrame,
    late: pd.DataFrame,
    series_start: int = 2000,
    first_period_start: str | None = None,
    drop_years: tuple[int, ...] = (),
) -> pd.DataFrame:
    """Area cleared per year for the models: label, time (mid-period) and km² per year.

    From 1992 the two irregular periods enter at their annualised rates, placed at the middle
    of their periods; from 2000 the series is the thirteen calendar years.
    """
    series = clearance_1992_2012(early, late, first_period_start)
    series = series.assign(time=series["start"] + series["span_years"] / 2 - 0.5)
    if series_start == 2000:
        series = series[series["start"] >= 2000]
    elif series_start != 1992:
        raise ValueError(f"series_start must be 1992 or 2000, not {series_start}")
    keep = ~series["period"].isin([str(y) for y in drop_years])
    out = series.loc[keep, ["period", "time", "area_km2_per_year", *ITEMS, "area_km2"]]
    return out.rename(columns={"area_km2_per_year": "area"}).reset_index(drop=True)


def first_event(events: pd.DataFrame, words: str) -> pd.Series:
    """The earliest event whose description mentions ``words`` (case-insensitive), with its
    date as text in ``when`` ("March 1999")."""
    found = events[events["event"].str.contains(words, case=False, regex=False)]
    if found.empty:
        raise ValueError(f"no event mentions {words!r}")
    first = found.sort_values(["year", "month"]).iloc[0].copy()
    month = "" if pd.isna(first["month"]) else MONTHS[int(first["month"]) - 1] + " "
    first["when"] = f"{month}{int(first['year'])}"
    return first
