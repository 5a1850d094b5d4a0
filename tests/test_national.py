"""The preferred-series rules and the CMAC-within-national check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cmac import national
from cmac.data import load


@pytest.mark.parametrize(
    ("source", "rank", "year"),
    [
        ("LM2009 / Monitor profile 2011", 1, 2011),
        ("Monitor 2016 country report", 1, 2016),
        ("CRC/HIB CMVIS report (c.2001) via Cambodia Daily", 2, 2001),
        ("CMAA via Xinhua (The Star, 14 Mar 2024)", 2, 2024),
        ("DPM Aun Pornmoniroth via Phnom Penh Post (Mar 2023)", 3, 2023),
        ("government sources via WarpNews", 3, 0),
    ],
)
def test_source_rank_and_report_year(source: str, rank: int, year: int) -> None:
    assert national.source_rank(source) == rank
    assert national.report_year(source) == year


def reports(rows: list[tuple[int, int, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["year", "casualties_total", "source"])
    frame["rank"] = frame["source"].map(national.source_rank)
    return frame


def test_rule_monitor_first_then_majority_then_latest() -> None:
    marked = national.preferred_casualties(
        reports(
            [
                (2000, 10, "CMAA via press (2001)"),
                (2000, 12, "LM2001"),  # Monitor wins
                (2001, 5, "CMAA (2002)"),
                (2001, 7, "CMAA (2010)"),
                (2001, 5, "CMVIS (2003)"),  # majority
                (2002, 8, "CMAA (2003)"),
                (2002, 9, "CMAA (2012)"),  # tie: latest
            ]
        )
    )
    chosen = marked[marked["preferred"]].set_index("year")["casualties_total"].to_dict()
    assert chosen == {2000: 12, 2001: 5, 2002: 9}
    assert len(marked) == 7  # alternatives are kept, never dropped
    assert marked.groupby("year")["preferred"].sum().eq(1).all()


def test_real_casualties_follow_the_rule() -> None:
    marked = national.preferred_casualties(
        national.casualty_reports(load("casualties_monitor"), load("casualties_press"))
    )
    chosen = marked[marked["preferred"]].set_index("year")["casualties_total"]
    assert chosen[1996] == 4320  # the JICA report's figure, the most recent CMAA report
    assert chosen[2008] == 269 and chosen[2009] == 244  # Monitor over the press
    assert (marked["year"] == 1996).sum() == 4
    assert chosen.index.is_unique


@pytest.mark.parametrize(
    ("printed", "value", "qualifier"),
    [
        (">32", 32.0, "more than"),
        ("~1700", 1700.0, "about"),
        ("1,823", 1823.0, "exact"),
        ("11.9", 11.9, "exact"),
        ("1.25M mines", None, "not a number"),
        (None, None, ""),
    ],
)
def test_parse_printed(printed: object, value: float | None, qualifier: str) -> None:
    assert national.parse_printed(printed) == (value, qualifier)


@pytest.mark.parametrize(
    ("measure", "kind"),
    [
        ("cleared", "clearance"),
        ("mined area clearance (incl. RCAF)", "clearance"),
        ("mined area clearance (excl. RCAF)", "clearance, armed forces excluded"),
        ("demining", "clearance"),
        ("cancellation/reduction", "other"),
        ("total released", "other"),
        ("battle area clearance", "other"),
    ],
)
def test_clearance_kind(measure: str, kind: str) -> None:
    assert national.clearance_kind(measure) == kind


def test_cmac_never_exceeds_national_clearance() -> None:
    both = national.cmac_against_national(
        load("clearance_2000_2012"), load("clearance_1992_1999"), load("national_clearance")
    )
    assert both["year"].tolist() == [1999, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008]
    assert both["cmac_not_above_national"].all()
    assert both.set_index("year").at[2007, "national_km2"] == pytest.approx(55.31)


def test_check_flags_cmac_above_national() -> None:
    late = load("clearance_2000_2012")
    late.loc[late["year"] == 2003, "area_m2"] = 50_000_000
    both = national.cmac_against_national(
        late, load("clearance_1992_1999"), load("national_clearance")
    ).set_index("year")
    assert not both.at[2003, "cmac_not_above_national"]


def test_finish_year_by_hand() -> None:
    rates = pd.Series([100.0, 100.0, 100.0], index=[2025, 2026, 2027])
    assert national.finish_year(rates, 250) == pytest.approx(2027.5)  # 2025, 2026, half of 2027
    assert national.finish_year(rates, 400) == float("inf")
    rising = pd.Series([10.0, 20.0, 30.0], index=[2025, 2026, 2027])
    assert national.finish_year(rising, 45) == pytest.approx(2027.5)


def test_trend_rates_match_the_fitted_line() -> None:
    years = pd.Series(range(2000, 2013))
    area = 5 + 2.0 * (years - 2000)  # an exact line
    rates = national.trend_rates(years, area, range(2025, 2027))
    assert rates.loc[2025, "mean"] == pytest.approx(5 + 2 * 25)
    assert rates.loc[2025, "low"] == pytest.approx(rates.loc[2025, "high"])


def test_deadlines_take_the_last_date_given() -> None:
    dates = national.deadline_dates(load("article5_deadlines"))
    years = dates["date"].dt.year.tolist()
    assert years == [2000, 2010, 2019, 2025, 2030]
    assert dates["date"].iloc[2].strftime("%d %B") == "31 December"
    assert dates["label"].iloc[0].endswith("in force (ratified 1999-07-28)")


def test_recent_national_rates_scale_partial_and_multi_year_figures() -> None:
    rates = national.recent_national_rates(load("national_clearance")).set_index("period")
    assert rates.at["2018-2020", "rate_km2"] == pytest.approx(421 / 3)
    assert rates.at["2020 Jan-Sep", "rate_km2"] == pytest.approx(103.2 * 12 / 9)
    assert rates.at["2024", "qualifier"] == "more than"
    assert "cancelled NTS" not in set(rates["measure"])


def test_jica_average_1992_2004() -> None:
    average = national.jica_average_1992_2004(
        load("clearance_1992_1999"), load("clearance_2000_2012")
    )
    total = (72_734_427 + 8_369_635 + 9_637_455 + 11_582_239 + 9_708_686 + 11_157_336) / 1e6
    assert average["total_km2"] == pytest.approx(total)
    assert average["years"] == pytest.approx(12 + 7 / 12)  # June 1992 to December 2004


def test_rates_layout_marks_rates_that_never_finish() -> None:
    rates = pd.DataFrame(
        {
            "period": ["a", "b"],
            "measure": ["m", "m"],
            "rate_km2": [100.0, 1.0],
            "qualifier": ["exact", "more than"],
            "basis": ["x", "y"],
            "source": ["s", "t"],
            "finishes": [2037.5, float("inf")],
        }
    )
    layout = national.rates_layout(rates, 2030)
    assert layout["Calendar years after the deadline"].tolist() == ["+7", "never"]
    assert layout["Finished during"].tolist() == ["2037", "never"]
    assert layout["Rate (km²/yr)"].tolist() == ["100.0", ">1.0"]  # printed ">": more than
    csv = layout.attrs["csv"]
    assert csv["rate_km2_per_year"].tolist() == [100.0, 1.0]
    assert csv["rate_qualifier"].tolist() == ["exact", "more than"]
    assert csv["years_after_deadline"].tolist() == [7, pd.NA]


def test_casualty_decline_on_an_exact_exponential() -> None:
    years = range(1996, 2025)
    preferred = pd.Series([1000 * 0.9 ** (y - 1996) for y in years], index=list(years))
    decline = national.casualty_decline(preferred, 1996, 2010, replications=99)
    assert decline.ols == pytest.approx((-10.0, -10.0, -10.0))
    # AR(1) by maximum likelihood on an exact curve: the optimiser stops close to it
    assert decline.change == pytest.approx((-10.0, -10.0, -10.0), rel=1e-4)
    assert len(decline.years) == 29
    with pytest.raises(ValueError, match="change year"):
        national.casualty_decline(preferred, 1996, 1990, replications=99)


def test_remaining_by_scope_and_net_decline_rule() -> None:
    remaining = pd.DataFrame(
        {
            "as_of": ["2023-06", "2024", "2025-03", "2025-01"],
            "estimate_km2": [
                "563 mines + 1,322 CM/ERW (=1,885)",
                "1,600 mines",
                "1,697 total: 469 mines, 681 CM, 547 ERW",
                "1,576 total; 348 AP",
            ],
            "source": ["a", "b", "c", "d"],
        }
    )
    by_scope = national.remaining_by_scope(remaining)
    assert set(by_scope["as_of"]) == {"2023-06", "2025-03"}  # no month or no split: left out
    rates = national.net_decline_rates(by_scope).set_index("scope")
    assert rates.at["mines", "rate_km2"] == pytest.approx((563 - 469) / 1.75)
    assert rates.at["all", "rate_km2"] == pytest.approx((1885 - 1697) / 1.75)
    assert rates.at["other", "km2_to"] == 1697 - 469


def test_one_definition_of_years_late() -> None:
    assert national.years_late(2037.4, 2030) == 7
    assert national.years_late(2030.9, 2030) == 0
    assert national.years_late(float("inf"), 2030) is None
    assert national.late_phrase(1) == "1 calendar year after"
    assert national.late_phrase(-2) == "in time for"
    assert national.finish_during(2025.0, 100, 50) == 2027.0


def test_simulated_band_matches_the_t_prediction_interval() -> None:
    """Validation: one year ahead, the simulation's 2.5 and 97.5 % points are the classical
    prediction interval; the cumulative band is wider than one year's but narrower than the
    sum of yearly limits."""
    rng = np.random.default_rng(4)
    years = np.arange(2000, 2013)
    area = 5 + 2 * (years - 2000) + rng.normal(0, 3, len(years))
    future = np.arange(2020, 2030)
    paths = national.simulate_trend_paths(years, area, future, draws=20000, seed=1)
    fit = sm.OLS(area, sm.add_constant(years - 2000.0)).fit()
    frame = fit.get_prediction(np.array([[1.0, 20.0]])).summary_frame(alpha=0.05)
    low, high = np.percentile(paths[:, 0], [2.5, 97.5])
    assert low == pytest.approx(frame["obs_ci_lower"].iloc[0], rel=0.03)
    assert high == pytest.approx(frame["obs_ci_upper"].iloc[0], rel=0.03)
    cumulative = np.cumsum(paths, axis=1)[:, -1]
    summed = fit.get_prediction(sm.add_constant(future - 2000.0)).summary_frame(alpha=0.05)
    naive = summed["obs_ci_upper"].sum() - summed["obs_ci_lower"].sum()
    width = np.subtract(*np.percentile(cumulative, [97.5, 2.5]))
    assert width < naive


def test_later_cmac_figures_scale_part_years_and_check_the_trend() -> None:
    later = national.later_cmac_figures(load("cmac_other_figures"))
    assert later["year"].tolist() == [2017, 2019, 2020, 2021]
    assert later.set_index("year").at[2021, "km2_per_year"] == pytest.approx(91.919972 * 12 / 11)
    late = load("clearance_2000_2012")
    check = national.prediction_check(late["year"], late["area_m2"] / 1e6, later)
    assert (check["pi_low"] < check["predicted"]).all()
    assert check["inside"].dtype == bool


# --- chapter 8's scenarios ------------------------------------------------------------------------


def test_scope_scenarios_run_out_at_their_own_rate() -> None:
    rates = national.scope_scenarios(load("remaining_contamination"))
    assert {"mines", "all"} <= set(rates["scope"])
    for row in rates.itertuples():
        assert row.finishes == pytest.approx(row.when + row.km2_to / row.rate_km2)
    mines = national.scope_scenarios(load("remaining_contamination"), mines_rate_km2=50.0)
    row = mines.set_index("scope").loc["mines"]
    assert row["rate_km2"] == 50.0 and row["finishes"] == pytest.approx(
        row["when"] + row["km2_to"] / 50
    )


def test_national_rate_scenarios_apply_each_rate_from_the_start() -> None:
    rates = national.national_rate_scenarios(load("national_clearance"), 2025.5, 600.0)
    assert len(rates) > 0
    assert rates["finishes"].tolist() == pytest.approx(
        (2025.5 + 600.0 / rates["rate_km2"]).tolist()
    )


def test_a_flat_trend_clears_a_known_area_in_a_known_time() -> None:
    """10 km² a year with little noise: 95 km² from the start of 2020 run out halfway through
    2029 (nine full years, then half of the tenth)."""
    years = np.arange(2000, 2013)
    area = 10 + np.random.default_rng(1).normal(0, 0.01, len(years))
    trend = national.trend_scenario(years, area, 2020.0, 95.0, draws=500)
    assert np.median(trend.finishes) == pytest.approx(2029.5, abs=0.01)
    assert trend.early <= trend.median <= trend.late
    assert trend.median == 2029 and trend.late - trend.early <= 1
    assert trend.paths.shape == (500, 60) and trend.future[0] == 2020


def test_cumulative_paths_add_up_each_rate() -> None:
    years = np.arange(2000, 2013)
    trend = national.trend_scenario(
        years, np.full(len(years), 5.0) + 0.001 * years, 2020.0, 50.0, draws=200
    )
    scoped = pd.DataFrame({"rate_km2": [4.0, 8.0]}, index=["mines", "all"])
    lines, (label, low, high) = national.cumulative_paths(scoped, trend, end=2024)
    mines = lines["Mined area's own rate (4 km²/yr)"]
    assert mines.index.tolist() == [2020, 2021, 2022, 2023, 2024]
    assert mines.tolist() == [4.0, 8.0, 12.0, 16.0, 20.0]
    assert lines["All scopes' own rate (8 km²/yr)"].iloc[-1] == 40.0
    assert (low <= lines["CMAC's 2000–2012 trend (median)"]).all()
    assert (lines["CMAC's 2000–2012 trend (median)"] <= high).all()
    assert "95 %" in label
