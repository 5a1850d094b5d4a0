"""Chapter parameters, the models chapter's analysis and the sensitivity runner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cmac import analysis, sensitivity
from cmac.data import load
from cmac.errors import ParameterError
from cmac.params import ModelParameters


@pytest.fixture(scope="module")
def tables_1992_2012():
    return load("clearance_1992_1999"), load("clearance_2000_2012")


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"scale": "logs"}, "scale"),
        ({"series_start": 1995}, "series_start"),
        ({"brush_cutter_year": 2015}, "brush_cutter_year"),
        ({"brush_cutter_year": "2005"}, "brush_cutter_year"),
        ({"land_release_ramp_end": 2008}, "land_release_ramp_end"),
        ({"bootstrap_replications": 10}, "bootstrap_replications"),
        ({"drop_2010": "yes"}, "drop_2010"),
        ({"first_period_start": "June 1992"}, "first_period_start"),
        ({"min_segment": 1}, "min_segment"),
    ],
)
def test_bad_parameter_is_named(changes: dict[str, object], name: str) -> None:
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        ModelParameters(**changes)


def test_run_models_series_options(tables_1992_2012) -> None:
    early, late = tables_1992_2012
    base = analysis.run_models(early, late, ModelParameters(bootstrap_replications=99))
    assert len(base.y) == 13 and base.unit == "%"
    assert base.y.iloc[0] == pytest.approx(np.log(8.369635))
    dropped = analysis.run_models(
        early, late, ModelParameters(drop_2010=True, bootstrap_replications=99)
    )
    assert len(dropped.y) == 12 and 2010.0 not in dropped.y.index
    long = analysis.run_models(
        early, late, ModelParameters(series_start=1992, scale="level", bootstrap_replications=99)
    )
    assert len(long.y) == 20 and long.unit == "km²/yr"
    assert long.y.iloc[0] == pytest.approx(5.47985 * 12 / 17)


def test_counterfactuals_agree_with_fit_before_the_first_break(tables_1992_2012) -> None:
    run = analysis.run_models(*tables_1992_2012, ModelParameters(bootstrap_replications=99))
    lines = run.counterfactuals()
    before = run.y.index < 2005
    fitted = lines["Fitted (all terms)"]["mean"][before]
    for frame in lines.values():
        assert frame["mean"][before].to_numpy() == pytest.approx(fitted.to_numpy())
    assert run.level_change_ratio("estimate") == pytest.approx(
        1 + run.effect("bc_level_slope", "bc_level")["estimate"] / 100
    )


def test_level_change_ratio_on_level_scale(tables_1992_2012) -> None:
    run = analysis.run_models(
        *tables_1992_2012, ModelParameters(scale="level", bootstrap_replications=99)
    )
    fit = run.fits["bc_level_slope"]
    baseline = fit.params["const"] + fit.params["trend"] * 5  # 2005 on the earlier trend
    expected = (baseline + fit.params["bc_level"]) / baseline
    assert run.level_change_ratio("estimate") == pytest.approx(expected)


def test_layouts_have_one_row_per_item(tables_1992_2012) -> None:
    run = analysis.run_models(*tables_1992_2012, ModelParameters(bootstrap_replications=99))
    assert len(analysis.comparison_layout(run)) == 5
    assert len(analysis.effects_layout(run)) == len(run.effects)
    assert analysis.segmentation_layout(run)["Chosen"].tolist().count("yes") == 1


def test_phrases() -> None:
    assert analysis.ci_phrase(-1, 2) == "includes no change"
    assert analysis.ci_phrase(1, 2) == "excludes no change"
    assert analysis.format_p(0.0001) == "<\u00a00.001"  # a no-break space: never wraps
    assert analysis.format_p(0.0456) == "0.046"
    checks = {"ljung_box_p": 0.5, "breusch_pagan_p": 0.01, "jarque_bera_p": 0.9}
    assert "Breusch–Pagan" in analysis.diagnostics_phrase(checks)


def test_trend_table_covers_both_series_and_methods(tables_1992_2012) -> None:
    table = analysis.trend_table(*tables_1992_2012, "1992-06")
    assert len(table) == 6
    ols = table[(table["series"] == "2000–2012") & (table["method"] == "OLS")].iloc[0]
    assert ols["growth_low"] < ols["growth"] < ols["growth_high"]


def test_grid_starts_from_chapter_5s_parameters_and_skips_repeats(tables_1992_2012) -> None:
    base = ModelParameters(scale="level", bootstrap_replications=99)
    runs = sensitivity.run_grid(*tables_1992_2012, base)
    baseline = runs.iloc[0]
    assert baseline["effect_unit"] == "km²/yr"
    direct = sensitivity.summarise(analysis.run_models(*tables_1992_2012, base))
    assert {k: baseline[k] for k in direct} == direct
    settings = runs[["scale", "series_start", "land_release_step_year", "changes"]]
    assert not runs.duplicated(["label"]).any()
    assert len(runs) == len(sensitivity.ONE_AT_A_TIME) + len(sensitivity.joint_grid()) - 1
    assert set(settings["scale"]) == {"log", "level"}
    assert runs.loc[runs["series_start"] == 1992, "misspecified"].all()
    assert not runs.loc[runs["series_start"] == 2000, "misspecified"].any()


def test_land_release_estimates_do_not_depend_on_the_years_before_2000(
    tables_1992_2012,
) -> None:
    """The brush-cutter terms give the later years a line of their own, so the land-release
    estimates come from those years alone; the CIs differ through σ."""
    runs = sensitivity.run_grid(*tables_1992_2012, ModelParameters(bootstrap_replications=99))
    same, pairs = sensitivity.invariant_pairs(runs, "lr_ramp")
    assert pairs == 5 and same == pairs
    from_1992 = runs[runs["series_start"] == 1992]
    assert (from_1992["lr_ramp_low"] != from_1992["lr_ramp"]).all()


@pytest.mark.slow
def test_chapter_5_rerun_by_papermill_matches_the_in_process_grid(
    tables_1992_2012, tmp_path: Path
) -> None:
    """The rerun path an analyst uses gives the numbers chapter 7 computes in-process."""
    import papermill

    from cmac.book.execute import KERNEL_OPTIONS
    from cmac.paths import PROJECT_ROOT

    changes = {"scale": "level", "land_release_step_year": 2010, "bootstrap_replications": 199}
    notebook = PROJECT_ROOT / "chapters" / "05-trends-and-breaks.ipynb"
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        parameters={**changes, "results_dir": str(tmp_path), "chapter_name": notebook.stem},
        cwd=str(notebook.parent),
        progress_bar=False,
        **KERNEL_OPTIONS,
    )
    recorded = {
        row["key"]: row["value"]
        for row in json.loads((tmp_path / "results" / "05-trends-and-breaks.json").read_text())
    }
    grid = sensitivity.summarise(
        analysis.run_models(*tables_1992_2012, ModelParameters(**changes))  # type: ignore[arg-type]
    )
    for key, value in grid.items():
        if key in recorded:
            assert recorded[key] == (pytest.approx(value) if isinstance(value, float) else value)


def test_sensitivity_table_shows_small_p_as_below_and_keeps_numbers_in_its_csv() -> None:
    runs = pd.DataFrame(
        {
            "label": ["Baseline", "From 1992", "Other seed"],
            "misspecified": [False, True, False],
            "can_move": [True, True, False],
            "n_points": [13, 21, 13],
            "effect_unit": ["%", "km²/yr", "%"],
            "f_bc_p": [0.0004, 0.25, 0.0004],
            "best_model_id": ["bc_lr_step", "bc_level_slope", "bc_lr_step"],
            "supf_year": [2005, 2010, 2005],
            "supf_p": [0.0, 0.0123, 0.0],
            "supf_p_se": [0.0, 0.00111, 0.0],
            "bp_years": ["2005, 2010", "none", "2005, 2010"],
            **{
                f"{key}{end}": [-12.5, 3.0, -12.5]
                for key in ("bc_level", "lr_step", "lr_ramp", "bc_avg", "bc_avg_pct", "lr_avg")
                for end in ("", "_low", "_high")
            },
        }
    )
    shown = sensitivity.sensitivity_layout(runs)
    assert shown["F test p"].tolist() == ["<\u00a00.001", "0.250", "<\u00a00.001"]
    assert shown["sup-F year (p, simulation SE)"].tolist()[:2] == [
        "2005 (<\u00a00.001, SE\u00a00.000)",
        "2010 (0.012, SE\u00a00.001)",
    ]
    assert shown["Run"].tolist() == ["Baseline", "From 1992 †", "Other seed ‡"]
    assert shown.iloc[0, 2].startswith("\u221212.5\u00a0%")  # a true minus sign
    assert shown.iloc[1, 2].startswith("3.0\u00a0%")  # the averaged change is % on both scales
    assert "km²/yr" in shown.iloc[1, 3]
    csv = shown.attrs["csv"]
    assert csv["bc_level_f_test_p"].tolist() == [0.0004, 0.25, 0.0004]
    assert csv["effect_unit"].tolist() == ["pct", "km2_per_year", "pct"]
    assert csv["can_move_estimates"].tolist() == [True, True, False]
    assert csv["sup_f_p_simulation_se"].tolist() == [0.0, 0.00111, 0.0]
    assert {"bc_avg_pct", "bc_avg_low", "lr_avg_high", "bc_level"} <= set(csv.columns)
    assert csv["lr_ramp_low"].dtype.kind == "f" and csv["sup_f_year"].dtype.kind == "i"
