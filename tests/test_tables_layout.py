"""Tables for people and CSVs for analysis: number formats, what reads as a number, headers in
words, the CSV frames the layouts attach, and the classes the Sphinx extension puts on cells."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docutils import nodes
from docutils.core import publish_doctree

from cmac import analysis, national, render, tables
from cmac.book.sphinx_ext import break_points, mark_table_columns
from cmac.cells import column_kind, is_date_text, is_numeric_text, number_pieces, value_runs
from cmac.data import load
from cmac.params import ModelParameters
from cmac.render import (
    MINUS,
    NBSP,
    analysis_ready,
    display_frame,
    estimate_ci,
    human_header,
    is_column_name,
    machine_name,
    number,
    p_value,
    with_csv,
    with_minus,
)

# --- formatting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "sign", "text"),
    [
        (1234567, 0, False, "1,234,567"),
        (-1234.56, 1, False, f"{MINUS}1,234.6"),
        (-0.04, 1, False, "0.0"),  # rounds to zero: no sign
        (3, 0, True, "+3"),
        (-3, 0, True, f"{MINUS}3"),
        (0, 0, True, "0"),
        (0.5, 2, False, "0.50"),
        (float("nan"), 1, False, "–"),
        (None, 0, False, "–"),
        (np.int64(105693), 0, False, "105,693"),
    ],
)
def test_number_has_separators_and_a_true_minus(
    value: object, digits: int, sign: bool, text: str
) -> None:
    assert number(value, digits, sign) == text
    assert "-" not in number(value, digits, sign)


def test_estimate_ci_and_p_value() -> None:
    assert estimate_ci(-3.46, -12.81, 6.88) == f"{MINUS}3.5 ({MINUS}12.8 to 6.9)"
    assert estimate_ci(1234.5, 1000, 2000, 0) == "1,234 (1,000 to 2,000)"
    assert estimate_ci(71.4, 3.7, 183.2, unit="%") == f"71.4{NBSP}% (3.7 to 183.2)"
    assert p_value(0.0004) == f"<{NBSP}0.001"
    assert p_value(0.0456) == "0.046"
    assert p_value(float("nan")) == "–"


def test_with_minus_changes_minus_signs_only() -> None:
    assert with_minus("-14.1 % a year (-15.2 to -13.1)") == (
        f"{MINUS}14.1 % a year ({MINUS}15.2 to {MINUS}13.1)"
    )
    for text in ["1996-10", "2018-2020", "Jan-Sep", "CRC-2", "http://x.org/a/-1", "- 3 items"]:
        assert with_minus(text) == text


def test_layout_helpers_use_the_true_minus() -> None:
    assert analysis.with_ci(-86.24, -94.21, -67.3) == f"{MINUS}86.2 ({MINUS}94.2 to {MINUS}67.3)"
    assert national.late_text(2027.5, 2030) == f"{MINUS}3"
    assert national.late_text(2037.5, 2030) == "+7"
    assert national.late_text(float("inf"), 2030) == "never"
    assert national.bounded(273.0, "more than") == ">273.0"
    assert national.bounded(273.0, "exact") == "273.0"


# --- what reads as a number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1,234",
        f"{MINUS}0.5",
        "-0.5",
        "12 %",
        f"<{NBSP}0.001",
        "< 0.001",
        ">273.0",
        "+3",
        "2 to 5",
        "21.4 (17.2 to 25.7)",
        f"{MINUS}86.2 ({MINUS}94.2 to {MINUS}67.3)",
        f"71.4{NBSP}% (3.7 to 183.2)",
        "2.20 (1, 10)",
        "2005 (0.380)",
        "469 (2025-03)",
        "563 (2023-06) → 469 (2025-03)",
        "2005, 2010",
        "5.2 km²/yr",
    ],
)
def test_numeric_text(text: str) -> None:
    assert is_numeric_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Anti-tank mines",
        "1992-06 to 1993-10 (17)",
        "2000–2012 (13)",
        f"{MINUS}14.1 % a year ({MINUS}15.2 to {MINUS}13.1)",
        "12,34",
        "1.2.3",
        "91.919972 (2021 Jan-Nov)",
        "1 to 6; unique; required",
        "",
    ],
)
def test_not_numeric_text(text: str) -> None:
    assert not is_numeric_text(text)


def test_dates_and_column_kinds() -> None:
    assert is_date_text("1996-10") and is_date_text("2033") and is_date_text("2018-2020")
    assert not is_date_text("1,996") and not is_date_text("20")
    assert column_kind(["1,234", f"{MINUS}5", "–", "never"]) == "num"
    assert column_kind(["2033", "2048", "never"]) == "date"
    assert column_kind(["1996-10", "1997-03"]) == "date"
    assert column_kind(["0.010", "< 0.001", "2005"]) == "num"
    assert column_kind(["1,234", "yes"]) == "text"
    assert column_kind(["–", ""]) == "text"


def test_number_pieces_cut_between_values_not_inside_them() -> None:
    assert number_pieces(f"{MINUS}86.2 ({MINUS}94.2 to {MINUS}67.3)") == [
        f"{MINUS}86.2",
        f"({MINUS}94.2 to {MINUS}67.3)",
    ]
    assert number_pieces("563 (2023-06) → 469 (2025-03)") == ["563 (2023-06) →", "469 (2025-03)"]
    assert number_pieces("1,234") == ["1,234"]


def test_value_runs_keep_breakable_values_whole() -> None:
    runs = value_runs("from 1996-10 to 1997-03, then 12 % of 4,320")
    assert ("1996-10 to 1997-03", True) in runs
    assert ("12 %", True) in runs
    assert "".join(piece for piece, _ in runs) == "from 1996-10 to 1997-03, then 12 % of 4,320"
    assert not any(whole for piece, whole in runs if piece == "4,320")  # cannot break anyway
    assert value_runs("no numbers here") == [("no numbers here", False)]
    assert value_runs("91.9 (2021 Jan-Nov)") == [("91.9 (2021 Jan-Nov)", True)]  # not "Jan-/Nov"
    assert ("YYYY-MM", True) in value_runs("month, YYYY-MM; required")


# --- headers --------------------------------------------------------------------------------------


def test_headers_in_words_and_csv_names() -> None:
    assert human_header("cmac_km2") == "CMAC area (km²)"
    assert human_header("date_basis") == "Date basis"
    assert human_header("rate_km2") == "Rate (km²)"
    assert human_header("measure") == "Measure"
    assert human_header("p") == "p" and human_header("Year/period") == "Year/period"
    assert is_column_name("source_id") and not is_column_name("Source ID")
    assert machine_name("Area (km²/yr)") == "area_km2_per_year"
    assert machine_name("Effect, % (95 % CI)") == "effect_pct"
    assert machine_name("ΔAICc") == "delta_aicc"
    assert machine_name("cmac_km2") == "cmac_km2"


def test_display_frame_formats_each_column_one_way() -> None:
    frame = pd.DataFrame(
        {
            "year": [1999, 2001],
            "cmac_km2": [10.8, 9.6],
            "national_km2": [11.9, 32.0],
            "count": [1234, -5],
            "text_numbers": ["3546.3", "24.1"],
            "note": ["-14.1 % a year", "1996-10"],
            "ok": [True, False],
            "Finished during": ["2061", "2106"],
            "people": [2012, 2106],
        }
    )
    shown = display_frame(frame)
    assert list(shown.columns) == [
        "Year",
        "CMAC area (km²)",
        "National area (km²)",
        "Count",
        "Text numbers",
        "Note",
        "Ok",
        "Finished during",
        "People",
    ]
    assert shown["Year"].tolist() == ["1999", "2001"]  # years are not 1,999
    assert shown["National area (km²)"].tolist() == ["11.9", "32.0"]
    assert shown["Count"].tolist() == ["1,234", f"{MINUS}5"]
    assert shown["Text numbers"].tolist() == ["3,546.3", "24.1"]
    assert shown["Note"].tolist() == [f"{MINUS}14.1 % a year", "1996-10"]
    assert shown["Ok"].tolist() == ["yes", "no"]
    assert shown["Finished during"].tolist() == ["2061", "2106"]  # a time column, past 2100
    assert shown["People"].tolist() == ["2,012", "2,106"]  # a count that looks like years


# --- the CSV behind a table -----------------------------------------------------------------------


def test_analysis_ready_parses_numbers_and_splits_intervals() -> None:
    shown = pd.DataFrame(
        {
            "Run": ["a", "b"],
            "n": [13, 12],
            "Level (95 % CI)": ["71.4 % (3.7 to 183.2)", f"{MINUS}1.7 % ({MINUS}64.5 to 172.5)"],
            "sup-F year (p)": ["2005 (0.380)", "2010 (0.100)"],
            "share": ["91 %", "44 %"],
            "Preferred": ["4,320", "1,249"],
            "p": [f"<{NBSP}0.001", "0.020"],
        }
    )
    csv = analysis_ready(shown)
    assert list(csv.columns) == [
        "run",
        "n",
        "level_pct",
        "level_pct_low",
        "level_pct_high",
        "sup_f_year",
        "sup_f_year_p",
        "share_pct",
        "preferred",
        "p",
    ]
    assert csv["level_pct_low"].tolist() == [3.7, -64.5]
    assert csv["preferred"].tolist() == [4320, 1249]
    assert csv["sup_f_year_p"].tolist() == [0.38, 0.1]
    assert csv["p"].tolist() == ["< 0.001", "0.020"]  # a bound is not a number: kept as text


def test_mixed_units_get_a_unit_column() -> None:
    csv = analysis_ready(pd.DataFrame({"Level (95 % CI)": ["1.0 % (0 to 2)", "3 km²/yr (1 to 5)"]}))
    assert list(csv.columns) == ["level", "level_unit", "level_low", "level_high"]
    assert csv["level_unit"].tolist() == ["%", "km²/yr"]


def test_attached_csv_only_while_it_fits_the_frame() -> None:
    shown = with_csv(pd.DataFrame({"A": ["1,234"]}), pd.DataFrame({"a": [1234]}))
    assert render.table_csv(shown).columns.tolist() == ["a"]
    assert render.table_csv(shown.copy()).columns.tolist() == ["a"]
    renamed = shown.rename(columns={"A": "B"})
    assert "csv" in renamed.attrs  # pandas keeps attrs, so show_table must check the columns
    assert render.table_csv(renamed).columns.tolist() == ["b"]
    assert render.table_csv(renamed)["b"].tolist() == [1234]
    with pytest.raises(ValueError, match="rows"):
        with_csv(pd.DataFrame({"A": [1, 2]}), pd.DataFrame({"a": [1]}))


def test_show_table_writes_the_analysis_ready_csv(tmp_path: Path) -> None:
    layout = tables.source_layout(load("clearance_2000_2012"), "year", "Year")
    render.show_table(
        layout, "Caption.", "tbl-demo", data=["clearance_2000_2012"], tables_dir=tmp_path
    )
    csv = pd.read_csv(tmp_path / "tbl-demo.csv")
    assert list(csv.columns) == ["year", "area_m2", "ap_mines", "at_mines", "uxo"]
    assert csv["year"].iloc[0] == 2000 and csv["area_m2"].iloc[0] == 8_369_635


# --- the CSV of the layouts -----------------------------------------------------------------------


def test_source_layout_csv() -> None:
    layout = tables.source_layout(
        load("clearance_1992_1999"),
        "period",
        "Year/period",
        load("clearance_1992_1999_published_total"),
    )
    csv = layout.attrs["csv"]
    assert list(csv.columns) == ["period", "area_m2", "ap_mines", "at_mines", "uxo"]
    assert csv.iloc[-1].tolist() == ["Total", 72_734_427, 105_693, 1_696, 531_727]
    assert all(pd.api.types.is_integer_dtype(csv[c]) for c in tables.MEASURES)


def test_annualised_layout_csv() -> None:
    layout = tables.annualised_layout(tables.annualised(load("clearance_1992_1999")))
    csv = layout.attrs["csv"]
    assert list(csv.columns) == [
        "period",
        "start_month",
        "end_month",
        "months",
        "area_km2_per_year",
        "ap_mines_per_year",
        "at_mines_per_year",
        "uxo_per_year",
    ]
    assert csv.at[0, "months"] == 17
    assert layout.iloc[0]["Area (km²/yr)"] == number(csv.at[0, "area_km2_per_year"], 1)


@pytest.fixture(scope="module")
def model_run() -> analysis.ModelRun:
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    return analysis.run_models(early, late, ModelParameters(bootstrap_replications=99))


def test_effects_layout_csv(model_run: analysis.ModelRun) -> None:
    layout = analysis.effects_layout(model_run)
    csv = layout.attrs["csv"]
    assert list(csv.columns) == [
        "model",
        "term",
        "effect_pct",
        "effect_pct_low",
        "effect_pct_high",
        "p",
    ]
    assert (csv["effect_pct_low"] <= csv["effect_pct"]).all()
    assert (csv["effect_pct"] <= csv["effect_pct_high"]).all()
    shown = layout["Effect, % (95 % CI)"]
    assert all(is_numeric_text(text) for text in shown) and not shown.str.contains("-").any()


def test_comparison_and_segmentation_layout_csv(model_run: analysis.ModelRun) -> None:
    comparison = analysis.comparison_layout(model_run).attrs["csv"]
    assert list(comparison.columns) == [
        "model",
        "coefficients",
        "aicc",
        "delta_aicc",
        "akaike_weight",
        "tested_against",
        "f",
        "df_num",
        "df_den",
        "p",
    ]
    assert comparison["df_num"].isna().iloc[0] and comparison["df_den"].iloc[1] == 10
    segmentation = analysis.segmentation_layout(model_run).attrs["csv"]
    assert segmentation["chosen"].sum() == 1
    assert pd.api.types.is_float_dtype(segmentation["bic"])


def test_trend_layout_csv() -> None:
    table = analysis.trend_table(
        load("clearance_1992_1999"), load("clearance_2000_2012"), "1992-06"
    )
    csv = analysis.trend_layout(table).attrs["csv"]
    assert list(csv.columns) == [
        "series",
        "n",
        "method",
        "growth_pct_per_year",
        "growth_pct_per_year_low",
        "growth_pct_per_year_high",
        "slope_km2_per_year",
        "slope_km2_per_year_low",
        "slope_km2_per_year_high",
    ]
    assert len(csv) == 6


def test_diagnostics_and_density_forms_layout_csv() -> None:
    checks = {
        "ljung_box_lag": 3,
        "durbin_watson": 2.02,
        "ljung_box_q": 4.45,
        "ljung_box_p": 0.217,
        "breusch_pagan_lm": 0.06,
        "breusch_pagan_p": 0.811,
        "jarque_bera": 0.22,
        "jarque_bera_p": 0.897,
        "max_cooks_d": 0.39,
        "max_cooks_d_year": 2010,
        "max_leverage": 0.3,
        "max_leverage_year": 2000,
    }
    layout = analysis.diagnostics_layout(checks)
    assert layout["p"].tolist()[:2] == ["–", "0.217"]
    csv = layout.attrs["csv"]
    assert list(csv.columns) == ["check", "statistic", "p", "looks_for"]
    assert math.isnan(csv.at[0, "p"]) and csv.at[1, "p"] == 0.217
    forms = pd.DataFrame(
        {
            "item": ["ap_mines", "ap_mines"],
            "form": ["Quadratic trend", "Quadratic trend + ramp"],
            "lr": [np.nan, -64.9],
            "lr_low": [np.nan, -90.7],
            "lr_high": [np.nan, 33.5],
            "aicc": [10.0, 13.4],
            "converged": [True, False],
            "delta_aicc": [0.0, 3.4],
        }
    )
    shown = analysis.density_forms_layout(forms)
    assert shown["Land release, % (95 % CI)"].tolist() == [
        "–",
        f"{MINUS}64.9 ({MINUS}90.7 to 33.5)",
    ]
    assert list(shown.attrs["csv"].columns) == [
        "item",
        "model",
        "land_release_pct",
        "land_release_pct_low",
        "land_release_pct_high",
        "delta_aicc",
        "converged",
    ]


def test_national_layouts_csv() -> None:
    check = pd.DataFrame(
        {
            "year": [2020],
            "period": ["2020"],
            "printed": [">92"],
            "km2_per_year": [92.0],
            "qualifier": ["more than"],
            "source": ["s"],
            "predicted": [106.75],
            "pi_low": [71.67],
            "pi_high": [141.84],
            "ratio": [0.86],
            "inside": [True],
        }
    )
    layout = national.prediction_check_layout(check)
    assert layout.iloc[0]["CMAC figure, km²/yr"] == ">92.0"
    assert layout.iloc[0]["Trend, km²/yr (95 % prediction interval)"] == "106.8 (71.7 to 141.8)"
    csv = layout.attrs["csv"]
    assert csv.iloc[0][["trend_km2_per_year_low", "cmac_qualifier"]].tolist() == [
        71.67,
        "more than",
    ]


# --- the Sphinx extension -------------------------------------------------------------------------

TABLE = """
.. list-table::
   :header-rows: 1

   * - Model
     - Effect
     - When
     - Note
   * - Trend only
     - −86.2 (−94.2 to −67.3)
     - 1996-10
     - from 1996-10 to 1997-03
   * - Level change
     - 1,234
     - 1997-03
     - data/national_clearance_cumulative.csv
"""


def test_sphinx_extension_marks_number_and_date_columns() -> None:
    doctree = publish_doctree(TABLE)
    mark_table_columns(None, doctree, "demo")  # type: ignore[arg-type]
    rows = [list(row.findall(nodes.entry)) for row in doctree.findall(nodes.row)]
    header, first, second = rows
    assert "num" in header[1]["classes"] and "num" in first[1]["classes"]
    assert "parts" in first[1]["classes"]  # estimate above interval, each whole
    spans = [n.astext() for n in first[1].findall(nodes.inline) if "nowrap" in n["classes"]]
    assert spans == ["−86.2", "(−94.2 to −67.3)"]
    assert "parts" not in second[1]["classes"]
    assert "date" in first[2]["classes"] and "num" not in first[0]["classes"]
    assert first[0]["classes"] == []
    note = [n.astext() for n in first[3].findall(nodes.inline) if "nowrap" in n["classes"]]
    assert note == ["1996-10 to 1997-03"]
    assert any(isinstance(n, nodes.raw) and n.astext() == "<wbr>" for n in second[3].findall())
    mark_table_columns(None, doctree, "demo")  # type: ignore[arg-type]
    assert first[1]["classes"].count("num") == 1  # marked once


def test_break_points_in_long_names() -> None:
    assert break_points("data/national_clearance_cumulative.csv") == [
        "data/",
        "national_",
        "clearance_",
        "cumulative.csv",
    ]
    assert break_points("short_name") == ["short_name"]
    assert break_points("words with spaces and_underscores_here") == [
        "words with spaces and_underscores_here"
    ]
