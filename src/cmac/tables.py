"""Derived tables: totals, annualised rates, densities and the source-layout tables."""

from __future__ import annotations

import pandas as pd

from cmac.render import number, with_csv
from cmac.results import Finding
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


# The numbers chapter 4 quotes, as findings beside the tables they come from, so the chapter
# records each set with one call.
def events_findings(events: pd.DataFrame, tokyo_text_year: float) -> list[Finding]:
    """The 1996–2000 events table: when each party joined the Ottawa Treaty, Japan's first
    equipment project, and the table's dates against the report's text."""
    rows = [Finding("n_early_events", len(events), "count",
                    "Entries in the 1996–2000 events table")]
    for actor, key in [("Japan", "japan_party"), ("Cambodia", "cambodia_party")]:
        joined = first_event(events[events["actor"] == actor], "State Party")
        rows.append(Finding(key, joined["when"], "date",
                            f"{actor} becomes a State Party to the Ottawa Treaty"))
    first = first_event(events[events["kind"] == "equipment"], "equipment project")
    rows.append(Finding("first_equipment", first["when"], "date",
                        "Month of Japan's first equipment project for CMAC in the events table "
                        "(the project, not the delivery or first use of its brush cutters)"))
    rows += [
        Finding(key, first_event(events, words)["when"], "date",
                f"Date the events table gives for: {words}")
        for key, words in [("tokyo_table_date", "Tokyo"), ("ottawa_process_date", "Ottawa process")]
    ]
    rows.append(Finding("tokyo_text_year", int(tokyo_text_year), "year",
                        "Year the report's text gives for the Tokyo conference"))
    return rows


CALENDAR_KINDS = {
    "visit or meeting": "n_visits",
    "training or workshop": "n_trainings",
    "related milestone": "n_milestones",
}


def calendar_findings(calendar: pd.DataFrame, figures: pd.DataFrame) -> list[Finding]:
    """The South-South calendar by kind of entry, and the first extended Ottawa deadline
    (``figures``: the text figures)."""
    counts = calendar["kind"].value_counts()
    extension = dated_figures(figures, ["ottawa_deadline_extension_1"])
    return [
        Finding("first_extension", extension.at[0, "when"], "date",
                "Ottawa deadline after the first extension"),
        Finding("n_calendar", len(calendar), "count", "Entries in the South-South calendar"),
        *(
            Finding(key, int(counts.get(kind, 0)), "count", f"Calendar entries: {kind}")
            for kind, key in CALENDAR_KINDS.items()
        ),
    ]


def workshop_findings(
    workshops: pd.DataFrame, calendar: pd.DataFrame, planned: float, programme_years: float
) -> list[Finding]:
    """The UXO Lao workshops: planned and held, their total length, and whether their month
    and place match the calendar."""
    agreement = workshop_dates_agree(workshops, calendar)
    return [
        Finding("ws_planned", int(planned), "count", "Workshops planned with UXO Lao"),
        Finding("ws_years", int(programme_years), "years",
                "Length of the UXO Lao workshop programme"),
        Finding("workshops_agree", int(agreement["agree"].sum()), "count",
                "Workshops whose month and place match the calendar"),
        Finding("n_workshops", len(workshops), "count", "Workshops in the UXO Lao table"),
        Finding("workshop_days", int(workshops["duration_days"].sum()), "days",
                "Total length of the six workshops (1 week = 7 days)"),
    ]


def training_findings(
    training: pd.DataFrame, uxo_lao: int, workshops: pd.DataFrame
) -> list[Finding]:
    """People trained with Colombia (PAICMA) and Angola (INAD), UXO Lao's workshop
    participants (``uxo_lao``, workshops 1–5), and whether per-round figures add up."""
    return [
        Finding("paicma_total", int(training.at[0, "stated_total"]), "persons",
                "PAICMA officials"),
        Finding("inad_total", int(training.at[1, "stated_total"]), "persons",
                "INAD staff trained"),
        Finding("uxo_lao_total", uxo_lao, "persons",
                "UXO Lao workshop participants, workshops 1–5"),
        Finding("uxo_lao_mean", uxo_lao / (workshops["workshop"] <= 5).sum(), "persons",
                "Mean participants per UXO Lao workshop, workshops 1–5", "{:.0f}"),
        Finding("paicma_rounds", int(training.at[0, "rounds"]), "count",
                "PAICMA training rounds"),
        Finding("inad_rounds", int(training.at[1, "rounds"]), "count", "INAD training rounds"),
        Finding("training_consistent", int(training["consistent"].sum()), "count",
                "Partners whose per-round figures times rounds equal the stated total"),
        Finding("training_checked", len(training), "count", "Partners with per-round figures"),
    ]


# The numbers chapters 1 to 3 quote, as findings beside the tables they come from.
def chronology_findings(chronology: pd.DataFrame) -> list[Finding]:
    """Chapter 1: the chronology's span, and the years from the Paris agreements to its end."""
    last = chronology["year"].max()
    paris = chronology[chronology["event"].str.contains("Paris")]["year"].iloc[0]
    return [
        Finding("n_events", len(chronology), "count", "Events in the chronology table"),
        Finding("first_year", int(chronology["year"].min()), "year",
                "First year of the chronology"),
        Finding("last_year", int(last), "year", "Last year of the chronology"),
        Finding("paris_year", int(paris), "year", "Paris Peace Agreements signed"),
        Finding("years_to_peace", int(last - paris), "years",
                "Years from the Paris agreements to the end of the Khmer Rouge", "{}"),
    ]


# Keys shorter than the text figure's own, as the prose glues them.
SHORT_KEYS = {"decree_public_institution": "decree_public"}
COUNCIL = ["governing_council_cambodian", "governing_council_foreign"]


def founding_findings(founding: pd.DataFrame, figures: pd.DataFrame) -> list[Finding]:
    """Chapter 1: each dated step in CMAC's founding (``founding``: :func:`dated_figures`)
    and its governing council (``figures``: the text figures)."""
    by_key = figures.set_index("key")
    return [
        *(
            Finding(SHORT_KEYS.get(step["key"], step["key"]), step["when"], "date", step["what"])
            for _, step in founding.iterrows()
        ),
        *(
            Finding(key.replace("governing_", ""), int(by_key.at[key, "value"]), "persons",
                    by_key.at[key, "description"])
            for key in COUNCIL
        ),
    ]


def totals_findings(early: pd.DataFrame, check: pd.DataFrame) -> list[Finding]:
    """Chapter 2: the printed totals against the sum of the rows (``check``:
    :func:`totals_check`), and the total area."""
    return [
        Finding("totals_checked", len(check), "count", "Printed totals checked, 1992–1999 table"),
        Finding("totals_agree", int((check["difference"] == 0).sum()), "count",
                "Printed totals equal to the recomputed sum, 1992–1999 table"),
        Finding("total_area_km2", early["area_m2"].sum() / 1e6, "km²",
                "Total area cleared 1992–1999", "{:.1f}"),
    ]


def period_findings(rates: pd.DataFrame) -> list[Finding]:
    """Chapter 2: the lengths of the two irregular first periods (``rates``:
    :func:`annualised`)."""
    return [
        Finding("months_first", int(rates.at[0, "months"]), "months",
                "Length of the first period"),
        Finding("months_second", int(rates.at[1, "months"]), "months",
                "Length of the second period"),
    ]


def start_findings(first_rates: dict[str, float], rates: pd.DataFrame) -> list[Finding]:
    """Chapter 2: the first period's rate under the assumed start months, and 1997's."""
    return [
        Finding("first_rate_low", min(first_rates.values()), "km²/yr",
                "First-period rate, earliest assumed start", "{:.1f}"),
        Finding("first_rate_high", max(first_rates.values()), "km²/yr",
                "First-period rate, latest assumed start", "{:.1f}"),
        Finding("rate_1997", rates.set_index("period").at["1997", "area_km2_per_year"],
                "km²/yr", "Area cleared in 1997", "{:.1f}"),
    ]


ITEM_SHARE_KEYS = {"uxo": "uxo_share", "ap_mines": "ap_share", "at_mines": "at_share"}


def item_mix_findings(early: pd.DataFrame) -> list[Finding]:
    """Chapter 2: the kinds of item found, 1992–1999, as shares of all items."""
    overall = item_mix(early[ITEMS].sum().to_frame().T).iloc[0] * 100
    return [
        Finding("uxo_min_share", item_mix(early)["uxo"].min() * 100, "%",
                "Lowest share of UXO among items found in any period 1992–1999", "{:.0f}"),
        *(
            Finding(key, overall[item], "%",
                    f"Share of {ITEM_NAMES[item]} in items found 1992–1999", "{:.1f}")
            for item, key in ITEM_SHARE_KEYS.items()
        ),
        Finding("uxo_second", int(early.at[1, "uxo"]), "count", "UXO found Nov 1993–Dec 1994"),
    ]


def casualty_rate_findings(casualties: float) -> list[Finding]:
    """Chapter 2: the 1996 casualties as a rate per day and hours between casualties."""
    per_day = casualties / pd.Timestamp("1996-12-31").day_of_year  # 1996 was a leap year
    return [
        Finding("casualties_1996", int(casualties), "persons", "Mine/UXO casualties in 1996"),
        Finding("casualties_per_day", per_day, "persons/day", "1996 casualties per day",
                "{:.1f}"),
        Finding("hours_between", 24 / per_day, "hours", "Hours between casualties, 1996",
                "{:.1f}"),
    ]


def late_totals_findings(late: pd.DataFrame) -> list[Finding]:
    """Chapter 3: the 2000–2012 table's totals."""
    return [
        Finding("area_2000_2012", late["area_m2"].sum() / 1e6, "km²",
                "Area cleared 2000–2012 (sum of the table)", "{:,.1f}"),
        Finding("items_2000_2012", int(late[ITEMS].sum().sum()), "count",
                "Items found or destroyed 2000–2012"),
    ]


def growth_year_findings(late: pd.DataFrame) -> list[Finding]:
    """Chapter 3: the area in the years the prose names, and the two jumps it discusses."""
    area = late.set_index("year")["area_m2"] / 1e6
    return [
        *(
            Finding(f"area_{year}", area[year], "km²", f"Area cleared in {year}", "{:.1f}")
            for year in [2004, 2005, 2008, 2010, 2011, 2012]
        ),
        Finding("ratio_2005_2004", area[2005] / area[2004], "ratio", "Area 2005 / area 2004",
                "{:.2f}"),
        Finding("ratio_2010_2008", area[2010] / area[2008], "ratio", "Area 2010 / area 2008",
                "{:.2f}"),
    ]


def density_end_findings(density: pd.DataFrame) -> list[Finding]:
    """Chapter 3: anti-personnel mines and UXO per km² in 2000 and 2012 (``density``: the
    periods with :func:`per_km2`)."""
    by_year = density.set_index("period")
    return [
        Finding(f"{short}_density_{year}", by_year.at[year, f"{item}_per_km2"], "items/km²",
                f"{ITEM_NAMES[item]} per km² in {year}", "{:,.0f}")
        for item, short in [("ap_mines", "ap"), ("uxo", "uxo")]
        for year in ["2000", "2012"]
    ]
