"""The preferred-series rules and the CMAC-within-national check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cmac import national
from cmac.data import load
from cmac.words import month_words


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


# --- issue 21: the deadline range, part-years, printed figures, the log-linear scenario ---------


def test_dates_and_periods_in_words() -> None:
    assert month_words("2025-03") == "March 2025"
    assert month_words("2022 (Feb)") == "2022 (Feb)"  # not a month: as printed
    assert national.period_words("2023 Jan-Jun") == "January–June 2023"
    assert national.period_words("2019") == "2019"


def estimates(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, e, f"src {a}") for a, e in rows], columns=["as_of", "estimate_km2", "source"]
    )


def test_latest_dated_anti_personnel_estimate() -> None:
    remaining = estimates(
        [
            ("2016 (mid)", "1,640 total; 860 AP; 334 CM"),  # no month
            ("2022 (Feb)", "~800 AP (CMAC)"),  # no month, and approximate
            ("2024-01", "1,000 total; 400 AP"),
            ("2025-01", "1,576 total; 348 AP"),
            ("2025-03", "1,697 total: 469 mines"),  # no AP figure
        ]
    )
    latest = national.latest_ap_estimate(remaining)
    assert (latest["as_of"], latest["km2"], latest["when"]) == ("2025-01", 348.0, 2025.0)
    with pytest.raises(ValueError, match="anti-personnel"):
        national.latest_ap_estimate(remaining.iloc[[0, 1, 4]])


def test_mined_area_rates_two_point_and_its_steps_by_hand() -> None:
    by_scope = pd.DataFrame(
        {
            "as_of": ["2023-01", "2024-01", "2025-07"],
            "when": [2023.0, 2024.0, 2025.5],
            "scope": "mines",
            "km2": [600.0, 560.0, 440.0],
            "source": "s",
        }
    )
    rates = national.mined_area_rates(by_scope)
    assert rates["label"].tolist() == [
        "January 2023 to July 2025",
        "January 2023 to January 2024",
        "January 2024 to July 2025",
    ]
    assert rates["rate_km2"].tolist() == pytest.approx([160 / 2.5, 40.0, 80.0])
    # with two estimates there is one rate, not the same one twice
    assert len(national.mined_area_rates(by_scope.iloc[[0, 2]])) == 1


def test_required_rate_is_area_over_years_left() -> None:
    assert national.required_rate(348.0, 2025.0, 2030) == pytest.approx(58.0)
    assert national.required_rate(469.0, 2025 + 2 / 12, 2030) == pytest.approx(469 / (70 / 12))
    assert national.required_rate(10.0, 2031.0, 2030) == float("inf")


@pytest.mark.parametrize(
    ("rates", "start"),
    [
        ([60.0, 70.0], "on track if clearance keeps to the recorded rates (60 to 70"),
        ([40.0, 50.0], "out of reach at each of the recorded rates (40 to 50"),
        ([40.0, 64.0, 54.0], "at risk: it needs 58 km² a year, which only the fastest"),
        ([40.0, 64.0, 60.0], "at risk: it needs 58 km² a year, which 2 of the 3 recorded rates"),
    ],
)
def test_deadline_outlook_says_what_it_depends_on(rates: list[float], start: str) -> None:
    assert national.deadline_outlook(pd.Series(rates), 58.0, 2030).startswith(start)


def test_deadline_table_on_the_real_estimates() -> None:
    remaining = load("remaining_contamination")
    areas = national.deadline_areas(remaining, 2030)
    assert (areas["ap"].km2, areas["ap"].as_of) == (348.0, "2025-01")
    assert (areas["mines"].km2, areas["mines"].as_of) == (469.0, "2025-03")
    steps = national.mined_area_rates(national.remaining_by_scope(remaining))
    # 563 (June 2023) -> 533 (March 2024) -> 469 (March 2025)
    assert steps["rate_km2"].tolist() == pytest.approx([94 / 1.75, 30 / 0.75, 64.0])
    finishes = national.deadline_finishes(steps, areas)
    assert finishes["finish_ap"].tolist() == pytest.approx(
        [2025 + 348 / (94 / 1.75), 2025 + 348 / 40, 2025 + 348 / 64]
    )
    layout = national.deadline_layout(finishes, areas, 2030)
    assert layout.iloc[-1].tolist() == [
        "Needed to finish by the end of 2030",
        "58.0 km²/yr",
        "80.4 km²/yr",
    ]
    assert layout.iloc[:, 1].tolist()[:3] == ["2031", "2033", "2030"]
    csv = layout.attrs["csv"]
    assert csv["ap_runs_out_year"].tolist()[:3] == [2031, 2033, 2030]
    assert national.with_reader_rate(steps, 0.0) is steps
    assert national.with_reader_rate(steps, 99.0)["rate_km2"].iloc[-1] == 99.0


@pytest.mark.parametrize(
    ("km2", "quote", "printed"),
    [
        (91.919972, "91,919,972sqm ... 82,138 landmines", "91,919,972sqm"),
        (92.0, "freeing over 9,200 hectares from mines", "over 9,200 hectares"),
        (86.36, "had cleared 8,636 hectares of landmines", "8,636 hectares"),
        (151.0, "cleared over 151sq km of minefields", "over 151sq km"),
        (67.0, "on 67 square kilometre or some 6,700 ha", "67 square kilometre"),
        (12.0, "no figure here", "12.0 km²"),
    ],
)
def test_printed_area_quotes_the_source(km2: float, quote: str, printed: str) -> None:
    assert national.printed_area(km2, quote) == printed


def test_part_years_are_kept_or_listed_never_lost() -> None:
    other = load("cmac_other_figures")
    kept, dropped = national.later_cmac_figures(other), national.dropped_part_years(other)
    assert (dropped["months"] < national.MIN_MONTHS).all()
    assert "2023 Jan-Jun" in dropped["period"].tolist()
    assert "2023" not in kept["year"].astype(str).tolist()  # only a half-year exists
    every = national._later_rows(other)
    assert len(dropped) + (every["months"] >= national.MIN_MONTHS).sum() == len(every)
    assert dropped.loc[dropped["period"] == "2023 Jan-Jun", "km2_per_year"].item() == 302.0
    text = national.part_years_text(dropped)
    assert "January–June 2023 (over 151sq km)" in text
    printed = dict(zip(kept["period"], kept["printed"], strict=True))
    assert printed["2021 Jan-Nov"] == "91,919,972sqm"  # as printed, not 91.919972


def test_log_linear_paths_follow_the_exponential() -> None:
    """On data that grow 10 % a year with tiny noise, the log-linear median path continues
    the exponential; the linear one falls short of it."""
    rng = np.random.default_rng(1)
    years = np.arange(2000, 2013)
    area = 10 * 1.1 ** (years - 2000) * np.exp(rng.normal(0, 1e-4, len(years)))
    future = np.arange(2020, 2025)
    log_paths = national.simulate_trend_paths(years, area, future, 2000, 3, log_scale=True)
    expected = 10 * 1.1 ** (future - 2000)
    assert np.median(log_paths, axis=0) == pytest.approx(expected, rel=1e-3)
    level_paths = national.simulate_trend_paths(years, area, future, 2000, 3)
    assert (np.median(level_paths, axis=0) < expected).all()


def test_prediction_check_on_the_log_scale_is_taken_back_to_km2() -> None:
    years = np.arange(2000, 2013)
    area = 10 * 1.1 ** (years - 2000)
    later = pd.DataFrame({"year": [2015], "km2_per_year": [10 * 1.1**15]})
    check = national.prediction_check(years, area, later, log_scale=True)
    assert check["predicted"].item() == pytest.approx(10 * 1.1**15)
    assert check["ratio"].item() == pytest.approx(1.0)


def test_only_the_ai_written_figure_is_flagged() -> None:
    rates = national.recent_national_rates(load("national_clearance"))
    assert rates.loc[rates["unconfirmed"], "period"].tolist() == ["2024"]
    rates["finishes"] = 2040.0
    layout = national.rates_layout(rates, 2030)
    assert "2024 (unconfirmed)" in layout["Period"].tolist()
    assert layout.attrs["csv"]["unconfirmed"].sum() == 1


def test_decline_table_carries_the_monte_carlo_error() -> None:
    years = range(1996, 2025)
    rng = np.random.default_rng(3)
    preferred = pd.Series(
        [1000 * 0.9 ** (y - 1996) * np.exp(rng.normal(0, 0.1)) for y in years], index=list(years)
    )
    decline = national.casualty_decline(preferred, 1996, 2010, replications=99)
    layout = national.decline_layout(decline, 2010)
    p = decline.sup_f.p_monte_carlo
    assert decline.sup_f.p_se == pytest.approx(np.sqrt(p * (1 - p) / 99))
    assert "simulation SE" in layout["Result"].iloc[-1]
    assert layout.attrs["csv"]["p_simulation_se"].notna().sum() == 1
    assert set(decline.checks) >= {"durbin_watson", "ljung_box_p", "max_cooks_d"}
