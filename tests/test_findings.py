"""Findings: the numbers a chapter quotes, returned by the study code that computes them and
recorded with one call (``ResultsRecord.add_rows``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from cmac import analysis, data, models, national, sensitivity, tables
from cmac.data import load
from cmac.params import ModelParameters
from cmac.results import Finding, ResultsRecord, ci_findings, landing_findings
from cmac.words import change_between


def a_record(tmp_path: Path, glued: dict[str, str]) -> ResultsRecord:
    return ResultsRecord("ch", tmp_path, glue=glued.__setitem__)


def test_an_estimate_with_its_ci_is_three_findings() -> None:
    rows = ci_findings("lr", (-12.5, -20.0, -3.25), "%", "Change")
    assert [r.key for r in rows] == ["lr", "lr_low", "lr_high"]
    assert [r.description for r in rows] == [
        "Change",
        "Change: lower 95 % limit",
        "Change: upper 95 % limit",
    ]
    assert {r.fmt for r in rows} == {"{:,.1f}"}
    assert ci_findings("x", (1, 0, 2), "", "d", "{:.3f}")[2].fmt == "{:.3f}"


def test_add_rows_records_and_glues_each_finding_as_add_does(tmp_path: Path) -> None:
    one, other = {}, {}
    by_rows, by_add = a_record(tmp_path / "a", one), a_record(tmp_path / "b", other)
    findings = [Finding("n", 3, "count", "Items"), *ci_findings("g", (1.25, 0.5, 2.0), "%", "G")]
    by_rows.add_rows(findings)
    for finding in findings:
        by_add.add(finding.key, finding.value, finding.unit, finding.description, finding.fmt)
    assert one == other and list(one) == ["n", "g", "g_low", "g_high"]
    assert by_rows.path.read_text() == by_add.path.read_text()
    assert json.loads(by_rows.path.read_text())[1]["text"] == "1.2"


@pytest.fixture(scope="module")
def density() -> tuple[analysis.DensityRun, analysis.DensityTrend]:
    late = load("clearance_2000_2012")
    return analysis.run_density(late, (2008, 2010), 19, 1), analysis.density_trend(late, "ap_mines")


def test_chapter_6_findings_come_from_its_models(
    density: tuple[analysis.DensityRun, analysis.DensityTrend],
) -> None:
    run, trend = density
    rows = {r.key: r for r in analysis.density_findings(run, trend, (2008, 2010))}
    assert len(rows) == len(analysis.density_findings(run, trend, (2008, 2010)))  # unique keys
    assert rows["ramp_span"].value == "2008–2010"
    assert [rows[k].value for k in ("ramp_start", "ramp_end", "reps")] == [2008, 2010, 19]
    ramp = run.fits["uxo"].effects.set_index("term").loc["lr_ramp"]
    assert rows["uxo_lr_low"].value == ramp["ci_low"]
    assert rows["ap_decline"].value == -trend.per_year[0]  # a fall: the sign flipped
    assert rows["ap_decline_high"].value == -trend.per_year[1]
    assert rows["n_years"].value == 13
    assert rows["disp_min"].value <= rows["disp_max"].value
    assert rows["ap_trend_converged_note"].value == ""  # converged: no warning
    for key in ("ap", "at", "uxo"):
        for suffix in ("lr", "lr_p", "lr_p_se", "2000", "2012"):
            assert f"{key}_{suffix}" in rows


def test_chapter_6_forms_findings_count_items_and_the_fall_before_the_ramp(
    density: tuple[analysis.DensityRun, analysis.DensityTrend],
) -> None:
    run, _ = density
    forms = analysis.density_forms(load("clearance_2000_2012"), (2008, 2010))
    rows = {r.key: r.value for r in analysis.density_forms_findings(forms, run.per_km2, 2008)}
    assert 0 <= rows["n_quad_zero"] <= 3 and 0 <= rows["n_no_ramp_best"] <= 3
    assert rows["year_before_ramp"] == 2007
    ap = run.per_km2["ap_mines_per_km2"]
    assert rows["ap_peak_year"] == ap.idxmax()
    assert rows["ap_fall_before"] == pytest.approx(100 * (1 - ap[2007] / ap.max()))


@pytest.fixture(scope="module")
def model_run() -> analysis.ModelRun:
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    return analysis.run_models(early, late, ModelParameters(bootstrap_replications=99))


def keyed(findings: list[Finding]) -> dict[str, Finding]:
    rows = {f.key: f for f in findings}
    assert len(rows) == len(findings), "a key twice"
    return rows


def test_chapter_5_trend_and_early_series_findings() -> None:
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    trends = analysis.trend_table(early, late, "1992-06")
    rows = keyed(analysis.trend_findings(trends))
    main = trends.set_index(["series", "method"]).loc[("2000–2012", "OLS")]
    assert rows["growth_low"].value == main["growth_low"]
    assert rows["slope"].fmt == "{:.2f}" and rows["n_1992"].value == 20
    settings = ModelParameters(bootstrap_replications=99)
    early_rows = keyed(analysis.early_series_findings(early, late, settings))
    assert early_rows["early_peak"].value >= early_rows["early_first"].value
    assert 1992 <= early_rows["early_peak_year"].value < 2000
    assert 0 < early_rows["supf92_p"].value <= 1


def test_chapter_5_model_findings_come_from_the_run(model_run: analysis.ModelRun) -> None:
    run = model_run
    rows = keyed(
        analysis.comparison_findings(run)
        + analysis.effect_findings(run)
        + analysis.segmentation_findings(run)
        + analysis.speedup_findings(run, load("clearance_2000_2012"), 0.7)
    )
    assert rows["bc_year"].value == 2005 and rows["ramp_span"].value == "2008–2010"
    assert {"f_bc_level_p", "f_bc_p", "f_lr_step_p", "f_lr_ramp_p"} <= set(rows)
    assert rows["bc_avg"].value == run.averaged_effect("bc_level").estimate
    assert rows["bc_range_min"].value <= rows["bc_level"].value <= rows["bc_range_max"].value
    assert rows["min_segment_longer"].value == run.params.min_segment + 1
    below = rows["bc_ratio_high"].value < rows["max_speedup"].value
    assert rows["bc_bound_phrase"].value == ("is below" if below else "exceeds")
    assert rows["effect_unit"].value == run.unit


def test_chapter_5_sup_f_and_holm_findings(model_run: analysis.ModelRun) -> None:
    events = load("japan_cambodia_events_1996_2000")
    rows = keyed(analysis.sup_f_findings(model_run, events, size_replications=50))
    assert rows["size_reps"].value == 50
    assert all(0 <= rows[f"size_{kind}"].value <= 100 for kind in models.ERROR_KINDS)
    assert rows["supf_reps"].value == model_run.sup_f.replications
    p_values = pd.Series({key: 0.5 for key in analysis.CLAIM_TESTS} | {"other_p": 0.01})
    holm = keyed(analysis.many_tests_findings(model_run, p_values))
    assert (holm["n_tests"].value, holm["n_family"].value, holm["n_holm_sig"].value) == (6, 5, 0)
    assert holm["holm_min"].value == pytest.approx(1.0)


# --- chapter 8 ---------------------------------------------------------------------------


def test_chapter_8_casualty_findings() -> None:
    reports = national.casualty_reports(load("casualties_monitor"), load("casualties_press"))
    marked = national.preferred_casualties(reports)
    preferred = national.preferred_series(marked, "casualties_total")
    rows = keyed(national.casualty_report_findings(marked, preferred, 1000.0))
    assert rows["alt_1996_min"].value <= rows["alt_1996_max"].value
    assert rows["jica_1996"].value == 1000 and rows["pref_1996"].value == int(preferred[1996])
    decline = national.casualty_decline(preferred, 1996, 2010, replications=19)
    trend = keyed(national.decline_findings(decline, preferred, 2010))
    assert trend["decline"].value == -decline.change[0]  # a fall: the sign flipped
    assert trend["decline_hac_low"].value == -decline.hac[2]
    assert trend["cas_first_year"].value == 1996 and trend["change_year"].value == 2010
    assert trend["n_cas"].value == len(decline.years)


def test_chapter_8_deadline_and_share_findings() -> None:
    dates = national.deadline_dates(load("article5_deadlines")).dropna(subset=["date"])
    rows = keyed(national.deadline_findings(dates))
    assert list(rows) == [f"deadline_{i}" for i in range(1, len(rows) + 1)]
    assert all(r.unit == "date" for r in rows.values())
    both = national.cmac_against_national(
        load("clearance_2000_2012"), load("clearance_1992_1999"), load("national_clearance")
    )
    share = keyed(national.national_share_findings(both))
    assert share["n_within"].value <= share["n_common"].value == len(both)
    assert share["share_min"].value <= share["share_max"].value <= 100


def test_chapter_8_trend_scenario_findings() -> None:
    late = load("clearance_2000_2012")
    years, area = late["year"].to_numpy(), late["area_m2"].to_numpy() / 1e6
    trend = national.trend_scenario(years, area, 2025.0, 1000.0, draws=200)
    rows = keyed(national.trend_scenario_findings(years, area, trend, 1000.0))
    assert rows["scenario_start"].value == 2025 and rows["gap_years"].value == 2025 - 2012
    assert rows["finish_trend_early"].value <= rows["finish_trend"].value
    assert rows["finish_trend"].value <= rows["finish_trend_late"].value
    assert rows["finish_trend_log"].description.startswith("Year CMAC's log-linear trend")


# --- chapter 7 ---------------------------------------------------------------------------


def test_chapter_7_findings_come_from_the_grid() -> None:
    base = ModelParameters(bootstrap_replications=99)
    runs = sensitivity.run_grid(load("clearance_1992_1999"), load("clearance_2000_2012"), base)
    rows = keyed(sensitivity.sensitivity_findings(runs, base, {}, 2012))
    assert rows["baseline_text"].value == "its default parameters"
    assert rows["n_runs"].value == len(runs)
    counted = rows["n_specified"].value
    assert rows["n_moving"].value + rows["n_fixed"].value == counted
    assert counted + rows["n_misspecified"].value == len(runs)
    assert rows["bc_avg_min"].value <= rows["base_bc_avg"].value <= rows["bc_avg_max"].value
    assert rows["level_run"].value in set(runs["label"])
    assert (rows["bc_year"].value, rows["last_year"].value) == (2005, 2012)
    assert rows["n_old_same"].value <= rows["n_old_log"].value
    named = keyed(sensitivity.grid_findings(runs, runs, base, {"scale": "level"}))
    assert named["baseline_text"].value == "scale = level"


# --- chapters 1 to 4 and the appendix ---------------------------------------------------


def test_chapters_1_to_3_findings_from_their_tables() -> None:
    chronology = load("conflict_chronology")
    rows = keyed(tables.chronology_findings(chronology))
    assert rows["years_to_peace"].value == rows["last_year"].value - rows["paris_year"].value
    figures = load("text_figures")
    founding = tables.dated_figures(figures, ["cmac_founded", "decree_public_institution"])
    keys = list(keyed(tables.founding_findings(founding, figures)))
    assert keys == ["cmac_founded", "decree_public", "council_cambodian", "council_foreign"]
    early, late = load("clearance_1992_1999"), load("clearance_2000_2012")
    shares = keyed(tables.item_mix_findings(early))
    total = sum(shares[k].value for k in ("uxo_share", "ap_share", "at_share"))
    assert total == pytest.approx(100)
    rate = keyed(tables.casualty_rate_findings(366 * 12))  # 1996 had 366 days
    assert (rate["casualties_per_day"].value, rate["hours_between"].value) == (12, 2)
    growth = keyed(tables.growth_year_findings(late))
    assert growth["ratio_2005_2004"].value == pytest.approx(
        growth["area_2005"].value / growth["area_2004"].value
    )


def test_chapter_4_and_appendix_findings_count_their_tables() -> None:
    events = load("japan_cambodia_events_1996_2000")
    rows = keyed(tables.events_findings(events, 1999.0))
    assert rows["n_early_events"].value == len(events) and rows["tokyo_text_year"].value == 1999
    calendar = load("south_south_calendar")
    kinds = keyed(tables.calendar_findings(calendar, load("text_figures")))
    counted = sum(kinds[k].value for k in tables.CALENDAR_KINDS.values())
    assert counted <= kinds["n_calendar"].value == len(calendar)
    sources = keyed(data.sources_findings(load("sources")))
    assert sources["n_sources"].value == len(load("sources"))


# --- the landing page --------------------------------------------------------------------


def test_landing_findings_combine_other_chapters_records(tmp_path: Path) -> None:
    rows = [
        ("02-emergency-phase", "total_area_km2", 10.0),
        ("03-reform-and-growth", "area_2000_2012", 32.5),
        ("05-trends-and-breaks", "bc_avg_low", -5.0),
        ("05-trends-and-breaks", "bc_avg_high", 40.0),
        ("05-trends-and-breaks", "lr_step_low", -20.0),
        ("05-trends-and-breaks", "lr_step_high", 30.0),
        ("05-trends-and-breaks", "lr_ramp_low", -50.0),
        ("05-trends-and-breaks", "lr_ramp_high", 10.0),
    ]
    frame = pd.DataFrame(
        [(c, k, v, "%", "d", str(v)) for c, k, v in rows],
        columns=["chapter", "key", "value", "unit", "description", "text"],
    )
    found = keyed(landing_findings(frame))
    assert found["area_1992_2012"].value == 42.5
    assert found["lr_models_between"].value == change_between(-50.0, 30.0)
    glued: dict[str, str] = {}
    record = ResultsRecord("intro", tmp_path, glue=glued.__setitem__, page_prefix="")
    record.quote_each(frame, {"05-trends-and-breaks": ["bc_avg_low", "lr_ramp_high"]})
    assert list(glued) == ["bc_avg_low", "lr_ramp_high"]
    assert not record.entries  # quoted, not recorded again
