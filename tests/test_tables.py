"""Derived tables against hand-worked answers."""

from __future__ import annotations

import pandas as pd
import pytest

from cmac import tables
from cmac.data import load


def test_months_in_period_counts_both_ends() -> None:
    assert tables.months_in_period("1995-01", "1995-12") == 12
    assert tables.months_in_period("1992-06", "1993-10") == 17  # Jun–Dec 92 (7) + 10
    assert tables.months_in_period("1993-11", "1994-12") == 14
    with pytest.raises(ValueError, match="before it starts"):
        tables.months_in_period("1994-01", "1993-12")


def test_annualised_matches_hand_calculation() -> None:
    rates = tables.annualised(load("clearance_1992_1999"))
    # 5,479,850 m² over 17 months -> 5.47985 * 12 / 17 km² per year
    assert rates.at[0, "area_km2_per_year"] == pytest.approx(5.47985 * 12 / 17)
    assert rates.at[1, "uxo_per_year"] == pytest.approx(208_854 * 12 / 14)
    assert rates.at[2, "area_km2_per_year"] == pytest.approx(10.150014)
    assert rates["irregular"].tolist() == [True, True] + [False] * 5


def test_first_start_parameter_changes_only_the_first_period() -> None:
    early = load("clearance_1992_1999")
    january = tables.annualised(early, "1992-01")
    assert january.at[0, "months"] == 22
    assert january.at[0, "area_km2_per_year"] == pytest.approx(5.47985 * 12 / 22)
    assert january.iloc[1:].equals(tables.annualised(early).iloc[1:])
    with pytest.raises(ValueError):
        tables.annualised(early, "1994-01")


def test_series_1992_2012_joins_both_tables() -> None:
    series = tables.clearance_1992_2012(load("clearance_1992_1999"), load("clearance_2000_2012"))
    assert len(series) == 20
    assert series["period"].iloc[[0, 7, 19]].tolist() == ["1992–Oct. 1993", "2000", "2012"]
    assert series.at[0, "start"] == pytest.approx(1992 + 5 / 12)
    assert series["span_years"].sum() == pytest.approx((17 + 14) / 12 + 18)
    assert series.at[19, "area_km2"] == pytest.approx(76.699069)


def test_per_km2_and_mix_on_a_small_example() -> None:
    frame = pd.DataFrame({"area_m2": [2_000_000], "ap_mines": [10], "at_mines": [0], "uxo": [30]})
    density = tables.per_km2(frame)
    assert density.iloc[0].tolist() == [5.0, 0.0, 15.0]
    assert tables.item_mix(frame).iloc[0].tolist() == [0.25, 0.0, 0.75]


def test_totals_check_reports_differences() -> None:
    early = load("clearance_1992_1999")
    total = load("clearance_1992_1999_published_total")
    assert (tables.totals_check(early, total)["difference"] == 0).all()
    total.loc[0, "uxo"] += 5
    assert tables.totals_check(early, total)["difference"].tolist() == [0, 0, 0, 5]


def test_source_layout_has_separators_and_total_row() -> None:
    layout = tables.source_layout(
        load("clearance_1992_1999"),
        "period",
        "Year/period",
        load("clearance_1992_1999_published_total"),
    )
    assert list(layout.columns) == [
        "Year/period",
        "Area of land cleared (m²)",
        "Anti-personnel mines",
        "Anti-tank mines",
        "UXO",
    ]
    assert layout.iloc[-1].tolist() == ["Total", "72,734,427", "105,693", "1,696", "531,727"]
    assert layout.iloc[0, 1] == "5,479,850"


def test_training_counts_products() -> None:
    counts = tables.training_counts(load("text_figures"))
    assert counts["computed_total"].tolist() == [45, 30]
    assert counts["consistent"].all()


def test_training_counts_flags_inconsistent_total() -> None:
    figures = load("text_figures")
    figures.loc[figures["key"] == "inad_staff_trained", "value"] = 31
    assert tables.training_counts(figures)["consistent"].tolist() == [True, False]


def test_workshop_dates_agree_and_detects_a_mismatch() -> None:
    workshops, calendar = load("uxo_lao_workshops"), load("south_south_calendar")
    assert tables.workshop_dates_agree(workshops, calendar)["agree"].all()
    workshops.loc[2, "start_month"] = "2013-07"
    assert tables.workshop_dates_agree(workshops, calendar)["agree"].tolist() == [
        True,
        True,
        False,
        True,
        True,
        True,
    ]


def test_dated_figures_formats_month_when_known() -> None:
    dated = tables.dated_figures(load("text_figures"), ["cmac_founded", "cmaa_established"])
    assert dated["when"].tolist() == ["June 1992", "2000"]


def test_annualised_layout_text() -> None:
    layout = tables.annualised_layout(tables.annualised(load("clearance_1992_1999")))
    assert layout.iloc[0]["Months covered"] == "1992-06 to 1993-10 (17)"
    assert layout.iloc[0]["Area (km²/yr)"] == "3.9"


def test_first_event_mentioning_brush_cutters_is_march_1999() -> None:
    first = tables.first_event(load("japan_cambodia_events_1996_2000"), "Brush Cutter")
    assert (first["year"], first["when"]) == (1999, "March 1999")
    with pytest.raises(ValueError, match="no event"):
        tables.first_event(load("japan_cambodia_events_1996_2000"), "helicopter")
