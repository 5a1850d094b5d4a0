"""Findings: the numbers a chapter quotes, returned by the study code that computes them and
recorded with one call (``ResultsRecord.add_rows``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cmac import analysis
from cmac.data import load
from cmac.results import Finding, ResultsRecord, ci_findings


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
