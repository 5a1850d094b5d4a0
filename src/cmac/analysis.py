"""The models chapter's analysis in one call, so the chapter only narrates and shows results."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import RegressionResultsWrapper

from cmac import models, render, tables
from cmac.params import ModelParameters
from cmac.results import Finding, as_fall, ci_findings

PRIMARY_MODEL = "bc_lr_ramp"  # all pre-specified terms; used for the counterfactuals
LAND_RELEASE_TERMS = ("lr_step", "lr_ramp")  # two codings of the one land-release effect
INTERVENTION_TERMS = ("bc_level", "bc_slope", *LAND_RELEASE_TERMS)
# The pre-specified models assume one trend before the brush-cutter year. That holds from
# 2000; from 1992 the book's own sup-F search rejects a single trend, with the break at 2000.
EARLIEST_TREND_START = 2000


@dataclass
class ModelRun:
    params: ModelParameters
    series: pd.DataFrame
    y: pd.Series
    terms: pd.DataFrame
    fits: dict[str, RegressionResultsWrapper]
    comparison: pd.DataFrame
    effects: pd.DataFrame
    sup_f: models.SupF
    segmentation: pd.DataFrame
    segmentation_longer: pd.DataFrame  # the same search with segments one year longer

    @property
    def log_scale(self) -> bool:
        return self.params.scale == "log"

    @property
    def unit(self) -> str:
        return "%" if self.log_scale else "km²/yr"

    def effect(self, model: str, term: str) -> pd.Series:
        rows = self.effects[(self.effects["model"] == model) & (self.effects["term"] == term)]
        return rows.iloc[0]

    def observed(self) -> pd.Series:
        """Area cleared per year on its own scale (km²), indexed like ``y``."""
        return pd.Series(self.series["area"].to_numpy(), index=self.y.index)

    def to_original_scale(self, frame: pd.DataFrame) -> pd.DataFrame:
        return np.exp(frame) if self.log_scale else frame

    def counterfactuals(self) -> dict[str, pd.DataFrame]:
        """Fitted values, and the same model with land release, then both changes, switched off."""
        fit, design = self.fits[PRIMARY_MODEL], self.terms
        return {
            "Fitted (all terms)": self.to_original_scale(models.counterfactual(fit, design, [])),
            "Without the land-release term": self.to_original_scale(
                models.counterfactual(fit, design, ["lr_ramp"])
            ),
            "Without brush-cutter or land-release terms": self.to_original_scale(
                models.counterfactual(fit, design, ["bc_level", "bc_slope", "lr_ramp"])
            ),
        }

    def level_change_ratio(self, bound: str = "ci_high") -> float:
        """A brush-cutter level change (or a CI limit) as a ratio to the earlier trend's value."""
        change = self.effect("bc_level_slope", "bc_level")[bound]
        if self.log_scale:
            return 1 + change / 100
        baseline = self.earlier_trend_at_break()
        return (baseline + change) / baseline

    def earlier_trend_at_break(self) -> float:
        """The level-and-slope model's earlier trend at the brush-cutter year, on the run's
        scale (km²/yr on the level scale)."""
        fit = self.fits["bc_level_slope"]
        at_break = self.terms.loc[self.terms["bc_level"] == 1].iloc[[0]]
        x = at_break.assign(bc_level=0.0, bc_slope=0.0)[fit.params.index]
        return float(np.asarray(fit.predict(x))[0])

    def break_years(self, longer: bool = False) -> tuple[int, ...]:
        table = self.segmentation_longer if longer else self.segmentation
        return tuple(table[table["chosen"]].iloc[0]["first_years"])

    def averaged_effect(self, term: str | tuple[str, ...]) -> models.Averaged:
        """``term`` averaged over every pre-specified model by Akaike weight, a model without
        it counting as no change; in the run's unit (% on the log scale).

        ``term`` may name several terms that code the same effect in different models (the
        land-release step and ramp: each is the full effect once land release is in use); a
        model enters with whichever of them it has (never more than one)."""
        names_of = (term,) if isinstance(term, str) else term
        weights = self.comparison.set_index("model")["weight"]
        names = list(self.fits)

        def pick(values: pd.Series) -> float:
            present = [name for name in names_of if name in values.index]
            if len(present) > 1:
                raise ValueError(f"a model has more than one of {names_of}")
            return float(values[present[0]]) if present else 0.0

        averaged = models.model_average(
            np.array([pick(self.fits[m].params) for m in names]),
            np.array([pick(self.fits[m].bse) for m in names]),
            weights.loc[names].to_numpy(),
            int(min(fit.df_resid for fit in self.fits.values())),
        )
        if not self.log_scale:
            return averaged
        low, mid, high = (
            float(models.percent_change(v))
            for v in (averaged.low, averaged.estimate, averaged.high)
        )
        return models.Averaged(mid, low, high, averaged.se)

    def averaged_land_release(self) -> models.Averaged:
        """The land-release effect averaged over the five models: the step model's step, the
        ramp model's full ramp, and no change in the three models without land release."""
        return self.averaged_effect(LAND_RELEASE_TERMS)

    def averaged_as_percent(self, averaged: models.Averaged) -> models.Averaged:
        """A brush-cutter average in % of the earlier trend's value at the brush-cutter year.
        On the log scale it is already in %; on the level scale the km² (and the CI limits)
        are divided by the level-and-slope model's pre-break trend at that year, whose own
        uncertainty is left out."""
        if self.log_scale:
            return averaged
        baseline = self.earlier_trend_at_break()
        return models.Averaged(
            *(100 * v / baseline for v in (averaged.estimate, averaged.low, averaged.high)),
            100 * averaged.se / baseline,
        )

    def nominal_terms(self, level: float = 0.05) -> pd.DataFrame:
        """The brush-cutter and land-release terms whose own t test has p < ``level``, with
        the Akaike weight of the model they sit in."""
        weights = self.comparison.set_index("model")["weight"]
        terms = self.effects[self.effects["term"].isin(INTERVENTION_TERMS)]
        hits = terms[terms["p"] < level].copy()
        hits["weight"] = hits["model"].map(weights)
        return hits.reset_index(drop=True)

    def joint_f_test(self, model: str = PRIMARY_MODEL) -> models.FTest:
        """Exact F test of every brush-cutter and land-release term of ``model`` at once,
        against the trend alone."""
        return models.nested_f_test(self.fits[model], self.fits["trend"])

    def holm_terms(self) -> pd.Series:
        """Holm-adjusted p of every brush-cutter and land-release term's t test, over the
        five models (one family)."""
        terms = self.effects[self.effects["term"].isin(INTERVENTION_TERMS)]
        index = terms["model"] + ":" + terms["term"]
        return models.holm(pd.Series(terms["p"].to_numpy(), index=index.to_numpy()))

    def effect_range(self, term: str) -> tuple[float, float]:
        """Smallest and largest estimate of ``term`` among the models that contain it."""
        values = self.effects.loc[self.effects["term"] == term, "estimate"]
        return float(values.min()), float(values.max())

    def weight_with(self, term: str) -> float:
        """Total Akaike weight of the models that contain ``term``."""
        has = [name for name, columns in models.ITS_MODELS.items() if term in columns]
        return float(self.comparison.set_index("model").loc[has, "weight"].sum())

    @property
    def misspecified(self) -> bool:
        """From 1992 the series rises to 1997 and falls to 2000, which one pre-2005 trend
        cannot follow; the models here allow no break before the brush-cutter year."""
        return self.params.series_start < EARLIEST_TREND_START


def run_models(early: pd.DataFrame, late: pd.DataFrame, params: ModelParameters) -> ModelRun:
    """Fit the pre-specified models and the break searches for one set of parameters."""
    series = tables.analysis_series(
        early,
        late,
        params.series_start,
        params.first_period_start,
        (2010,) if params.drop_2010 else (),
    )
    values = series["area"].to_numpy()
    y = pd.Series(np.log(values) if params.scale == "log" else values, index=series["time"])
    dates = models.Interventions(
        params.brush_cutter_year,
        params.land_release_step_year,
        (params.land_release_ramp_start, params.land_release_ramp_end),
    )
    terms = models.its_terms(series["time"].to_numpy(), dates)
    terms.index = y.index
    fits = models.fit_its_models(y, terms)
    effects = pd.concat(
        [
            models.effects_table(fit, params.scale == "log").assign(model=name)
            for name, fit in fits.items()
        ],
        ignore_index=True,
    )
    times = series["time"].to_numpy()
    sup_f = models.sup_f_test(
        y.to_numpy(), times, params.min_segment, params.bootstrap_replications, params.seed
    )
    segmentation = models.bic_segmentation(y.to_numpy(), times, 3, params.min_segment)
    longer = models.bic_segmentation(y.to_numpy(), times, 3, params.min_segment + 1)
    return ModelRun(
        params,
        series,
        y,
        terms,
        fits,
        models.model_comparison(fits),
        effects,
        sup_f,
        segmentation,
        longer,
    )


def format_p(p: float) -> str:
    """'0.012'; '< 0.001' (with a no-break space); a dash when there is no test."""
    return render.p_value(p)


def p_with_se(p: float, replications: int) -> str:
    """A simulated p-value with its simulation standard error: '0.380 (SE 0.007)'."""
    se = models.monte_carlo_p_se(p, replications)
    return f"{format_p(p)} (SE\u00a0{render.number(se, 3)})"


def with_ci(estimate: float, low: float, high: float, digits: int = 1) -> str:
    """'−3.5 (−12.8 to 6.9)': thousands separators and a true minus sign."""
    return render.estimate_ci(estimate, low, high, digits)


def unit_name(run: ModelRun) -> str:
    """The effects' unit in a CSV column name."""
    return "pct" if run.log_scale else "km2_per_year"


def effects_layout(run: ModelRun) -> pd.DataFrame:
    """Every model's terms with 95 % CIs in plain units, for display."""
    frame = run.effects
    shown = pd.DataFrame(
        {
            "Model": frame["model"].map(models.MODEL_LABELS),
            "Term": frame["term"].map(models.TERM_LABELS),
            f"Effect, {run.unit} (95 % CI)": [
                with_ci(e, lo, hi)
                for e, lo, hi in zip(
                    frame["estimate"], frame["ci_low"], frame["ci_high"], strict=True
                )
            ],
            "p": frame["p"].map(format_p),
        }
    )
    effect = f"effect_{unit_name(run)}"
    csv = pd.DataFrame(
        {
            "model": frame["model"],
            "term": frame["term"],
            effect: frame["estimate"],
            f"{effect}_low": frame["ci_low"],
            f"{effect}_high": frame["ci_high"],
            "p": frame["p"],
        }
    )
    return render.with_csv(shown, csv)


def comparison_layout(run: ModelRun) -> pd.DataFrame:
    table = run.comparison
    shown = pd.DataFrame(
        {
            "Model": table["model"].map(models.MODEL_LABELS),
            "Coefficients": table["k"].map(render.number),
            "AICc": table["aicc"].map(lambda v: render.number(v, 2)),
            "ΔAICc": table["delta_aicc"].map(lambda v: render.number(v, 2)),
            "Akaike weight": table["weight"].map(lambda v: render.number(v, 2)),
            "Exact F test against": table["tested_against"]
            .map(models.MODEL_LABELS)
            .fillna(render.DASH),
            "F\u00a0(df)": [  # no-break spaces: the value never wraps inside
                f"{render.number(f, 2)}\u00a0({df})".replace(", ", ",\u00a0") if df else render.DASH
                for f, df in zip(table["f"], table["df"], strict=True)
            ],
            "p": table["p"].map(format_p),
        }
    )
    df = table["df"].fillna("").astype(str).str.split(",", expand=True).reindex(columns=[0, 1])
    csv = pd.DataFrame(
        {
            "model": table["model"],
            "coefficients": table["k"],
            "aicc": table["aicc"],
            "delta_aicc": table["delta_aicc"],
            "akaike_weight": table["weight"],
            "tested_against": table["tested_against"],
            "f": table["f"],
            "df_num": pd.to_numeric(df[0].str.strip(), errors="coerce").astype("Int64"),
            "df_den": pd.to_numeric(df[1].str.strip(), errors="coerce").astype("Int64"),
            "p": table["p"],
        }
    )
    return render.with_csv(shown, csv)


def segmentation_layout(run: ModelRun) -> pd.DataFrame:
    table = run.segmentation
    years = table["first_years"].map(lambda years: ", ".join(map(str, years)))
    shown = pd.DataFrame(
        {
            "Breaks": table["breaks"].map(render.number),
            "Best first years of new regimes": years.replace("", render.DASH),
            "Segmentations searched": table["segmentations_searched"].map(render.number),
            "RSS": table["rss"].map(lambda v: render.number(v, 3)),
            "BIC": table["bic"].map(lambda v: render.number(v, 2)),
            "ΔBIC": table["delta_bic"].map(lambda v: render.number(v, 2)),
            "Chosen": table["chosen"].map({True: "yes", False: ""}),
        }
    )
    csv = pd.DataFrame(
        {
            "breaks": table["breaks"],
            "first_years": years,
            "segmentations_searched": table["segmentations_searched"],
            "rss": table["rss"],
            "bic": table["bic"],
            "delta_bic": table["delta_bic"],
            "chosen": table["chosen"],
        }
    )
    return render.with_csv(shown, csv)


def segmented_fitted(run: ModelRun) -> tuple[tuple[int, ...], np.ndarray]:
    """Cut points of the BIC-chosen segmentation and its fitted values in km²."""
    cuts = tuple(run.segmentation[run.segmentation["chosen"]].iloc[0]["cuts"])
    fitted = models.segmented_fit(run.y.to_numpy(), run.series["time"].to_numpy(), cuts)
    return cuts, np.exp(fitted) if run.log_scale else fitted


TREND_METHODS = ["OLS", "HAC (Newey–West, 1 lag)", "AR(1) errors (ML)"]


def trend_row(times: np.ndarray, area: np.ndarray, method: str) -> dict[str, float]:
    """Growth (% per year, log-linear) and slope (km²/yr, linear) with 95 % CIs."""
    row: dict[str, float] = {}
    for column, log_scale in [("growth", True), ("slope", False)]:
        if method == "OLS":
            estimate, low, high = models.fit_trend(times, area, log_scale).slope()
        elif method.startswith("HAC"):
            estimate, low, high = models.fit_trend_hac(times, area, log_scale).slope()
        else:
            ar1 = models.fit_trend_ar1(times, area, log_scale)
            estimate, low, high = ar1["slope"], ar1["ci_low"], ar1["ci_high"]
            row[f"{column}_phi"] = ar1["phi"]
        row.update({column: estimate, f"{column}_low": low, f"{column}_high": high})
    return row


def trend_table(early: pd.DataFrame, late: pd.DataFrame, first_period_start: str) -> pd.DataFrame:
    """Trend fits for 2000–2012 and 1992–2012 by three ways of getting the uncertainty."""
    rows = []
    for start, label in [(2000, "2000–2012"), (1992, "1992–2012")]:
        series = tables.analysis_series(early, late, start, first_period_start)
        times, area = series["time"].to_numpy(), series["area"].to_numpy()
        for method in TREND_METHODS:
            rows.append(
                {
                    "series": label,
                    "method": method,
                    "n": len(series),
                    **trend_row(times, area, method),
                }
            )
    return pd.DataFrame(rows)


def trend_layout(table: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Series (n)": table["series"] + " (" + table["n"].astype(str) + ")",
            "Method": table["method"],
            "Growth, % per year (95 % CI)": [
                with_ci(r.growth, r.growth_low, r.growth_high) for r in table.itertuples()
            ],
            "Slope, km²/yr (95 % CI)": [
                with_ci(r.slope, r.slope_low, r.slope_high, 2) for r in table.itertuples()
            ],
        }
    )
    csv = pd.DataFrame(
        {
            "series": table["series"],
            "n": table["n"],
            "method": table["method"],
            "growth_pct_per_year": table["growth"],
            "growth_pct_per_year_low": table["growth_low"],
            "growth_pct_per_year_high": table["growth_high"],
            "slope_km2_per_year": table["slope"],
            "slope_km2_per_year_low": table["slope_low"],
            "slope_km2_per_year_high": table["slope_high"],
        }
    )
    return render.with_csv(shown, csv)


def diagnostics_layout(checks: dict[str, float]) -> pd.DataFrame:
    """Residual checks of a trend fit as a readable table."""
    lag = int(checks["ljung_box_lag"])
    nan = float("nan")
    rows = [
        (
            "Durbin–Watson",
            checks["durbin_watson"],
            nan,
            "near 2: no first-order autocorrelation",
        ),
        (
            f"Ljung–Box Q ({lag} lags)",
            checks["ljung_box_q"],
            checks["ljung_box_p"],
            "autocorrelation up to that lag",
        ),
        (
            "Breusch–Pagan LM",
            checks["breusch_pagan_lm"],
            checks["breusch_pagan_p"],
            "variance changing with the trend",
        ),
        (
            "Jarque–Bera",
            checks["jarque_bera"],
            checks["jarque_bera_p"],
            "non-normal residuals",
        ),
        (
            "Largest Cook's distance",
            checks["max_cooks_d"],
            nan,
            f"in {int(checks['max_cooks_d_year'])}; 4/n is a common flag",
        ),
        (
            "Largest leverage",
            checks["max_leverage"],
            nan,
            f"in {int(checks['max_leverage_year'])}; the end points of a trend always lead",
        ),
    ]
    csv = pd.DataFrame(rows, columns=["check", "statistic", "p", "looks_for"])
    shown = pd.DataFrame(
        {
            "Check": csv["check"],
            "Statistic": csv["statistic"].map(lambda v: render.number(v, 2)),
            "p": csv["p"].map(lambda p: render.DASH if pd.isna(p) else render.number(p, 3)),
            "What it looks for": csv["looks_for"],
        }
    )
    return render.with_csv(shown, csv)


def ci_phrase(low: float, high: float, null: float = 0.0) -> str:
    """Words for whether a confidence interval includes 'no change'."""
    return "includes no change" if low <= null <= high else "excludes no change"


DENSITY_TERMS = ["const", "trend", "lr_ramp"]


@dataclass
class DensityRun:
    fits: dict[str, models.CountFit]
    bootstrap: dict[str, tuple[float, float]]  # item -> (LR, p) for the land-release term
    per_km2: pd.DataFrame
    fitted_per_km2: pd.DataFrame
    replications: int

    def p_se(self, item: str) -> float:
        """Simulation standard error of the bootstrap p of ``item``'s land-release term."""
        return models.monte_carlo_p_se(self.bootstrap[item][1], self.replications)


def run_density(
    late: pd.DataFrame, ramp: tuple[int, int], replications: int, seed: int
) -> DensityRun:
    """Negative binomial models of items found, with log(area) as exposure, for each item."""
    years = late["year"].to_numpy()
    area = late["area_m2"].to_numpy() / tables.M2_PER_KM2
    design = density_terms(late, ramp)[DENSITY_TERMS]
    fits, bootstrap, fitted = {}, {}, {}
    for item in tables.ITEMS:
        counts = late[item].to_numpy()
        fits[item] = models.fit_density(counts, area, design, item)
        bootstrap[item] = models.density_term_bootstrap_p(
            counts, area, design, "lr_ramp", replications, seed
        )
        fitted[item] = models.density_fitted(counts, area, design)
    return DensityRun(
        fits,
        bootstrap,
        tables.per_km2(late).set_axis(years),
        pd.DataFrame(fitted, index=years),
        replications,
    )


@dataclass(frozen=True)
class DensityTrend:
    """Chapter 6's headline: the average yearly change in items found per km², from a
    negative binomial model with a trend and nothing else, and what it implies from the
    first year to the last. Percentages, with Wald 95 % CIs."""

    item: str
    per_year: tuple[float, float, float]  # % per year: estimate, low, high
    over_span: tuple[float, float, float]  # % change first year -> last year
    span_years: int
    converged: bool


def density_trend(late: pd.DataFrame, item: str) -> DensityTrend:
    """Negative binomial model of ``item`` with exposure log(area) and a straight-line trend
    on the log scale: its trend is the average yearly % change in items per km²."""
    area = late["area_m2"].to_numpy() / tables.M2_PER_KM2
    design = density_terms(late, (2008, 2010))[["const", "trend"]]  # the ramp is not used
    fit = models.fit_density(late[item].to_numpy(), area, design, item)
    row = fit.effects.set_index("term").loc["trend"]
    per_year = (float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]))
    span = int(late["year"].max() - late["year"].min())
    over_span = tuple(float(100 * ((1 + v / 100) ** span - 1)) for v in per_year)
    return DensityTrend(item, per_year, over_span, span, fit.converged)  # type: ignore[arg-type]


# Alternative forms for the density models: the land-release effect must survive a more
# flexible trend before it is read as more than the shape of the trend.
DENSITY_FORMS: dict[str, list[str]] = {
    "Linear trend + ramp (pre-specified)": ["const", "trend", "lr_ramp"],
    "Quadratic trend": ["const", "trend", "trend_sq"],
    "Quadratic trend + ramp": ["const", "trend", "trend_sq", "lr_ramp"],
}


def density_terms(late: pd.DataFrame, ramp: tuple[int, int]) -> pd.DataFrame:
    """Every regressor the density forms use, one row per year from 0; the quadratic term is
    centred and scaled so that its coefficient is of the same order as the others."""
    terms = models.its_terms(late["year"].to_numpy(), models.Interventions(land_release_ramp=ramp))
    terms = terms.assign(trend_sq=(terms["trend"] - terms["trend"].mean()) ** 2 / 10)
    return terms.reset_index(drop=True)


def density_forms(late: pd.DataFrame, ramp: tuple[int, int]) -> pd.DataFrame:
    """Each item under each form: the land-release term with its CI, AICc, convergence."""
    area = late["area_m2"].to_numpy() / tables.M2_PER_KM2
    terms = density_terms(late, ramp)
    rows = []
    for item in tables.ITEMS:
        for form, columns in DENSITY_FORMS.items():
            fit = models.fit_density(late[item].to_numpy(), area, terms[columns], item)
            effects = fit.effects.set_index("term")
            has_ramp = "lr_ramp" in effects.index
            rows.append(
                {
                    "item": item,
                    "form": form,
                    "lr": effects.at["lr_ramp", "estimate"] if has_ramp else np.nan,
                    "lr_low": effects.at["lr_ramp", "ci_low"] if has_ramp else np.nan,
                    "lr_high": effects.at["lr_ramp", "ci_high"] if has_ramp else np.nan,
                    "aicc": fit.aicc,
                    "converged": fit.converged,
                }
            )
    table = pd.DataFrame(rows)
    table["delta_aicc"] = table["aicc"] - table.groupby("item")["aicc"].transform("min")
    return table


def density_forms_layout(forms: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(
        {
            "Item": forms["item"].map(tables.ITEM_NAMES),
            "Model": forms["form"],
            "Land release, % (95 % CI)": [
                render.DASH if pd.isna(r.lr) else with_ci(r.lr, r.lr_low, r.lr_high)
                for r in forms.itertuples()
            ],
            "ΔAICc": forms["delta_aicc"].map(lambda v: render.number(v, 1)),
            "Converged": forms["converged"].map({True: "yes", False: "NO: do not read"}),
        }
    )
    csv = pd.DataFrame(
        {
            "item": forms["item"],
            "model": forms["form"],
            "land_release_pct": forms["lr"],
            "land_release_pct_low": forms["lr_low"],
            "land_release_pct_high": forms["lr_high"],
            "delta_aicc": forms["delta_aicc"],
            "converged": forms["converged"],
        }
    )
    return render.with_csv(shown, csv)


def density_layout(run: DensityRun) -> pd.DataFrame:
    rows, csv_rows = [], []
    for item, fit in run.fits.items():
        effects = fit.effects.set_index("term")
        trend, ramp = effects.loc["trend"], effects.loc["lr_ramp"]
        rows.append(
            {
                "Item": tables.ITEM_NAMES[item],
                "Trend, % per year (95 % CI)": with_ci(
                    trend["estimate"], trend["ci_low"], trend["ci_high"]
                ),
                "Land release, % (95 % CI)": with_ci(
                    ramp["estimate"], ramp["ci_low"], ramp["ci_high"]
                ),
                # the parametric bootstrap p with its simulation standard error
                "p, land release (bootstrap)": p_with_se(run.bootstrap[item][1], run.replications),
                "α (95 % CI)": with_ci(fit.alpha, *fit.alpha_ci, digits=3),
                "Poisson dispersion": render.number(fit.pearson_dispersion),
                "p, α\u00a0=\u00a00": format_p(fit.lr_p),  # no-break spaces: "= 0" stays with α
                "Converged": "yes" if fit.converged else "NO: do not read",
            }
        )
        csv_rows.append(
            {
                "item": item,
                "trend_pct_per_year": trend["estimate"],
                "trend_pct_per_year_low": trend["ci_low"],
                "trend_pct_per_year_high": trend["ci_high"],
                "land_release_pct": ramp["estimate"],
                "land_release_pct_low": ramp["ci_low"],
                "land_release_pct_high": ramp["ci_high"],
                "land_release_p_bootstrap": run.bootstrap[item][1],
                "land_release_p_bootstrap_se": models.monte_carlo_p_se(
                    run.bootstrap[item][1], run.replications
                ),
                "alpha": fit.alpha,
                "alpha_low": fit.alpha_ci[0],
                "alpha_high": fit.alpha_ci[1],
                "poisson_dispersion": fit.pearson_dispersion,
                "alpha_zero_p": fit.lr_p,
                "converged": fit.converged,
            }
        )
    return render.with_csv(pd.DataFrame(rows), pd.DataFrame(csv_rows))


def diagnostics_phrase(checks: dict[str, float], level: float = 0.05) -> str:
    """Words for the residual tests: which, if any, reject at ``level``."""
    names = {
        "ljung_box_p": "Ljung–Box",
        "breusch_pagan_p": "Breusch–Pagan",
        "jarque_bera_p": "Jarque–Bera",
    }
    flagged = [name for key, name in names.items() if checks[key] < level]
    if not flagged:
        return f"raise no alarm (every p-value is above {level})"
    return "flag a possible problem (" + ", ".join(flagged) + f" below {level})"


def nominal_phrase(hits: pd.DataFrame) -> str:
    """Words for the single brush-cutter or land-release terms whose own 95 % CI excludes no
    change (``ModelRun.nominal_terms``): how many, and the largest weight of their models."""
    if hits.empty:
        return (
            "no single brush-cutter or land-release term has a 95\u00a0% interval that excludes "
            "no change"
        )
    count = len(hits)
    models_with = hits["model"].nunique()
    return (
        f"{count} single term{'s' if count > 1 else ''} ha{'ve' if count > 1 else 's'} a 95\u00a0% "
        f"interval that excludes no change, but only in {models_with} model"
        f"{'s' if models_with > 1 else ''} with an Akaike weight of at most "
        f"{render.number(hits['weight'].max(), 2)}"
    )


# The numbers chapter 6 quotes, as findings (key, value, unit, description, format) computed
# here beside the models, so the chapter records them with one call.
ITEM_KEYS = {"ap_mines": "ap", "at_mines": "at", "uxo": "uxo"}
NOT_CONVERGED = "Warning: this model's fit did not converge, so its numbers are unreliable."


def density_findings(run: DensityRun, trend: DensityTrend, ramp: tuple[int, int]) -> list[Finding]:
    """Chapter 6's numbers from the density models (``run``) and the headline trend."""
    start, end = ramp
    rows = [Finding("ramp_span", f"{start}–{end}", "years", "Land-release ramp", "{}")]
    for item, short in ITEM_KEYS.items():
        name = tables.ITEM_NAMES[item]
        term = run.fits[item].effects.set_index("term").loc["lr_ramp"]
        rows += ci_findings(f"{short}_lr", (term["estimate"], term["ci_low"], term["ci_high"]),
                            "%", f"Change in {name} per km² with land release")
        rows += [
            Finding(f"{short}_lr_p", run.bootstrap[item][1], "p",
                    f"Parametric-bootstrap p of the land-release change, {name}", "{:.3f}"),
            Finding(f"{short}_lr_p_se", run.p_se(item), "",
                    "Simulation standard error of that p", "{:.3f}"),
        ]
        rows += [
            Finding(f"{short}_{year}", run.per_km2.at[year, f"{item}_per_km2"], "items/km²",
                    f"{name} per km², {year}", "{:,.0f}")
            for year in (2000, 2012)
        ]
    rows += [
        Finding("ramp_start", start, "year", "Ramp start"),
        Finding("ramp_end", end, "year", "Ramp end"),
        Finding("reps", run.replications, "count", "Bootstrap replications"),
    ]
    return rows + density_trend_findings(trend) + density_fit_findings(run)


def density_trend_findings(trend: DensityTrend) -> list[Finding]:
    """The headline: the average yearly fall in anti-personnel mines per km², trend only."""
    return [
        *ci_findings("ap_decline", as_fall(trend.per_year), "%/yr", "Average yearly fall in "
                     "anti-personnel mines found per km² cleared, 2000–2012 (negative binomial "
                     "trend)"),
        *ci_findings("ap_decline_span", as_fall(trend.over_span), "%",
                     "The same trend's fall from the first year to the last"),
        Finding("span_years", trend.span_years, "years", "Years from the first to the last", "{}"),
        Finding("ap_trend_converged_note", "" if trend.converged else NOT_CONVERGED, "text",
                "Warning shown if the headline model did not converge (empty: it did)"),
    ]


def density_fit_findings(run: DensityRun) -> list[Finding]:
    """How the density models fit: the observed fall, dispersion, convergence, and how many
    land-release intervals lie below zero."""
    dispersion = [fit.pearson_dispersion for fit in run.fits.values()]
    ends = run.per_km2["ap_mines_per_km2"]
    converged = all(f.converged for f in run.fits.values())
    upper = {i: f.effects.set_index("term").at["lr_ramp", "ci_high"] for i, f in run.fits.items()}
    return [
        Finding("ap_obs_fall", 100 * (1 - ends[2012] / ends[2000]), "%",
                "Fall in anti-personnel mines per km² from the 2000 figure to the 2012 one",
                "{:.0f}"),
        Finding("n_years", len(run.per_km2), "count", "Years in the table"),
        Finding("disp_min", min(dispersion), "ratio", "Smallest Poisson dispersion", "{:,.0f}"),
        Finding("disp_max", max(dispersion), "ratio", "Largest Poisson dispersion", "{:,.0f}"),
        Finding("converged_phrase", "All three models converged." if converged else
                "Warning: at least one model did not converge; its row is flagged.", "text",
                "Convergence of the count models"),
        Finding("ap_converged_note", "" if run.fits["ap_mines"].converged else NOT_CONVERGED,
                "text",
                "Warning shown if the anti-personnel model did not converge (empty: it did)"),
        Finding("n_lr_below", sum(v < 0 for v in upper.values()), "count",
                "Items whose land-release CI lies below zero"),
    ]


def density_forms_findings(
    forms: pd.DataFrame, per_km2: pd.DataFrame, ramp_start: int
) -> list[Finding]:
    """Does the land-release finding survive a curved trend, and how far anti-personnel
    density had fallen from its peak before the ramp began."""
    curved = forms[forms["form"] == "Quadratic trend + ramp"]
    best = forms.loc[forms.groupby("item")["aicc"].idxmin()]
    ap = per_km2["ap_mines_per_km2"]
    before = ramp_start - 1
    return [
        Finding("n_quad_zero", int(((curved["lr_low"] <= 0) & (curved["lr_high"] >= 0)).sum()),
                "count", "Items whose ramp CI includes zero with a quadratic trend"),
        Finding("n_no_ramp_best", int(best["lr"].isna().sum()), "count",
                "Items whose lowest-AICc form has no land-release term"),
        Finding("ap_peak_year", int(ap.idxmax()), "year", "Year of peak AP density"),
        Finding("year_before_ramp", before, "year", "Year before the ramp starts"),
        Finding("ap_fall_before", 100 * (1 - ap[before] / ap.max()), "%",
                "Fall in AP density from its peak to the year before the ramp", "{:.0f}"),
    ]


# The numbers chapter 5 quotes, as findings beside the models that give them.
def trend_findings(trends: pd.DataFrame) -> list[Finding]:
    """The OLS trends of :func:`trend_table`: growth and slope over 2000–2012, growth from
    1992."""
    ols = trends.set_index(["series", "method"])
    main, long = ols.loc[("2000–2012", "OLS")], ols.loc[("1992–2012", "OLS")]
    return [
        *ci_findings("growth", (main["growth"], main["growth_low"], main["growth_high"]),
                     "%/yr", "Log-linear trend 2000–2012, growth per year"),
        *ci_findings("slope", (main["slope"], main["slope_low"], main["slope_high"]), "km²/yr",
                     "Linear trend 2000–2012, slope", "{:.2f}"),
        Finding("n_1992", int(long["n"]), "count", "Points in the series from 1992"),
        *ci_findings("growth_1992", (long["growth"], long["growth_low"], long["growth_high"]),
                     "%/yr", "Log-linear trend 1992–2012, growth per year"),
    ]


def early_series_findings(
    early: pd.DataFrame, late: pd.DataFrame, params: ModelParameters
) -> list[Finding]:
    """The series from 1992: its rise and fall in the 1990s, and the search for a break in
    one trend through it (sup-F, parametric Monte Carlo)."""
    series = tables.analysis_series(early, late, 1992, params.first_period_start)
    rates = series.set_index("time")["area"]
    nineties = rates[rates.index < 2000]
    supf = models.sup_f_test(np.log(rates.to_numpy()), rates.index.to_numpy(), params.min_segment,
                             params.bootstrap_replications, params.seed)
    return [
        Finding("early_first", rates.iloc[0], "km²/yr", "Yearly rate in the first period",
                "{:.1f}"),
        Finding("early_peak", nineties.max(), "km²/yr", "Highest yearly rate before 2000",
                "{:.1f}"),
        Finding("early_peak_year", int(nineties.idxmax()), "year", "Year of that peak"),
        Finding("early_2000", rates.loc[2000], "km²/yr", "Area cleared in 2000", "{:.1f}"),
        Finding("supf92_year", int(rates.index[supf.break_index]), "year",
                "Largest Chow F, log series 1992–2012 (first year of new regime)"),
        Finding("supf92_p", supf.p_monte_carlo, "p",
                "sup-F p, log series 1992–2012, parametric Monte Carlo", "{:.3f}"),
        Finding("supf92_p_se", supf.p_se, "", "Simulation standard error of that p", "{:.3f}"),
    ]


RESIDUAL_TESTS = {
    "durbin_watson": ("", "Durbin–Watson statistic (2: no lag-1 correlation)"),
    "ljung_box_p": ("p", "Ljung–Box test of autocorrelation, p"),
    "breusch_pagan_p": ("p", "Breusch–Pagan test of unequal variance, p"),
    "jarque_bera_p": ("p", "Jarque–Bera test of normal residuals, p"),
}


def diagnostics_findings(checks: dict[str, float], n_years: int) -> list[Finding]:
    """The residual checks of the 2000–2012 trend fit (:func:`models.diagnostics`)."""
    return [
        Finding("n_trend", n_years, "count", "Years in the 2000–2012 trend fit"),
        Finding("max_cooks", checks["max_cooks_d"], "", "Largest Cook's distance, trend fit",
                "{:.2f}"),
        Finding("max_cooks_year", int(checks["max_cooks_d_year"]), "year",
                "Year with the largest Cook's distance"),
        *(
            Finding(key, checks[key], unit, f"Trend fit 2000–2012: {what}", "{:.3f}")
            for key, (unit, what) in RESIDUAL_TESTS.items()
        ),
        Finding("diag_phrase", diagnostics_phrase(checks), "text", "Residual checks"),
    ]


def model_label(model: str) -> str:
    return models.MODEL_LABELS[model].lstrip("+ ")


# The key of each nested F test's p in the record (the others: f_<model without "bc_">_p).
F_TEST_KEYS = {"bc_level": "f_bc_level_p", "bc_level_slope": "f_bc_p"}


def comparison_findings(run: ModelRun) -> list[Finding]:
    """The pre-specified models compared: the best by AICc, the Akaike weights, the nested F
    tests, and what was modelled (series, scale, the report's dates)."""
    table = run.comparison.set_index("model")
    best = run.comparison.sort_values("aicc").iloc[0]
    settings = run.params
    period = run.series["period"]
    return [
        Finding("best_model", model_label(best["model"]), "text", "Model with the lowest AICc"),
        Finding("best_model_id", best["model"], "text", "Identifier of that model"),
        Finding("best_weight", best["weight"], "", "Akaike weight of that model", "{:.2f}"),
        *(
            Finding(f"w_{name}", table.at[name, "weight"], "",
                    f"Akaike weight of the model {model_label(name)}", "{:.2f}")
            for name in ("bc_level", "bc_level_slope")
        ),
        Finding("trend_weight", table.at["trend", "weight"], "",
                "Akaike weight of the trend-only model", "{:.2f}"),
        Finding("bc_weight", run.weight_with("bc_level"), "",
                "Total Akaike weight of the models with a brush-cutter level change", "{:.2f}"),
        *(
            Finding(F_TEST_KEYS.get(name, f"f_{name[3:]}_p"), table.at[name, "p"], "p",
                    f"Exact F test p, {models.MODEL_LABELS[name]}", "{:.3f}")
            for name in models.NESTED_IN
        ),
        Finding("n_points", len(run.y), "count", "Points in the modelled series"),
        Finding("series_label", f"{period.iloc[0]} to {period.iloc[-1]}"
                + (" without 2010" if settings.drop_2010 else ""), "text", "Modelled series"),
        Finding("scale_label", "logarithm of the" if run.log_scale else "", "text", "Scale"),
        Finding("effect_unit", run.unit, "text", "Unit of the effects in this run"),
        Finding("bc_year", settings.brush_cutter_year, "year", "Brush-cutter break (first year)"),
        Finding("lr_step_year", settings.land_release_step_year, "year",
                "Land-release step (first year)"),
        Finding("ramp_span",
                f"{settings.land_release_ramp_start}–{settings.land_release_ramp_end}", "years",
                "Land-release ramp", "{}"),
    ]


# Each quoted term: the key it is recorded as -> (the model, the term in it).
QUOTED_TERMS = {
    "bc_level": ("bc_level_slope", "bc_level"),
    "bc_level_only": ("bc_level", "bc_level"),
    "bc_slope": ("bc_level_slope", "bc_slope"),
    "lr_step": ("bc_lr_step", "lr_step"),
    "lr_ramp": ("bc_lr_ramp", "lr_ramp"),
}


def effect_findings(run: ModelRun) -> list[Finding]:
    """The terms of the single models, their model averages, and the terms that pass a test
    of their own and of all at once."""
    rows: list[Finding] = []
    for key, (model, term) in QUOTED_TERMS.items():
        row = run.effect(model, term)
        rows += ci_findings(key, (row["estimate"], row["ci_low"], row["ci_high"]), run.unit,
                            f"{models.TERM_LABELS[term]} in model {model}")
    averaged = run.averaged_effect("bc_level")
    low, high = run.effect_range("bc_level")
    ramp = run.effect("bc_lr_ramp", "lr_ramp")
    rows += [
        *ci_findings("bc_avg", (averaged.estimate, averaged.low, averaged.high), run.unit,
                     "Brush-cutter change, averaged over the five models by their support"),
        Finding("bc_range_min", low, run.unit,
                "Smallest brush-cutter level change across models", "{:,.1f}"),
        Finding("bc_range_max", high, run.unit,
                "Largest brush-cutter level change across models", "{:,.1f}"),
        Finding("lr_ramp_phrase", ci_phrase(ramp["ci_low"], ramp["ci_high"]), "text",
                "Whether the ramp's CI includes no change"),
        Finding("bc_avg_phrase", ci_phrase(averaged.low, averaged.high), "text",
                "Whether the averaged brush-cutter CI includes no change (0\u00a0%)"),
    ]
    return rows + land_release_findings(run)


def land_release_findings(run: ModelRun) -> list[Finding]:
    land = run.averaged_land_release()
    hits = run.nominal_terms()
    return [
        *ci_findings("lr_avg", (land.estimate, land.low, land.high), run.unit,
                     "Land-release change, averaged over the five models by their support"),
        Finding("lr_avg_phrase", ci_phrase(land.low, land.high), "text",
                "Whether the averaged land-release CI includes no change (0 %)"),
        Finding("lr_weight", run.weight_with("lr_step") + run.weight_with("lr_ramp"), "",
                "Total Akaike weight of the models with a land-release term", "{:.2f}"),
        Finding("n_nominal", len(hits), "count",
                "Brush-cutter or land-release terms whose own 95 % CI excludes no change"),
        Finding("nominal_max_weight", float(hits["weight"].max()) if len(hits) else 0.0, "",
                "Largest Akaike weight of a model with such a term (0: none)", "{:.2f}"),
        Finding("nominal_phrase", nominal_phrase(hits), "text", "Those terms, in words"),
        Finding("f_joint_p", run.joint_f_test().p, "p", "Exact F test of every brush-cutter and "
                "land-release term at once (ramp model against the trend)", "{:.3f}"),
    ]


def counterfactual_findings(
    lines: dict[str, pd.DataFrame], observed: pd.Series
) -> list[Finding]:
    """The last year without either term (:meth:`ModelRun.counterfactuals`) against the
    observed area."""
    none = lines["Without brush-cutter or land-release terms"]["mean"]
    return [
        Finding("cf_none_2012", float(none.iloc[-1]), "km²",
                "Counterfactual without either term, last year", "{:.1f}"),
        Finding("observed_2012", float(observed.iloc[-1]), "km²", "Observed, last year",
                "{:.1f}"),
    ]


SIZE_REPLICATIONS = 2000  # simulated no-break series per error kind


def sup_f_findings(
    run: ModelRun, events: pd.DataFrame, size_replications: int = SIZE_REPLICATIONS
) -> list[Finding]:
    """The search for a break in any year (sup-F), the date of the first Japanese project
    with brush cutters (``events``), and the test's size under other errors."""
    sup_f, times = run.sup_f, run.series["time"].to_numpy()
    first = tables.first_event(events, "brush cutter")
    return [
        Finding("min_segment", run.params.min_segment, "years", "Minimum segment length", "{}"),
        Finding("supf", sup_f.stat, "F", "sup-F statistic", "{:.2f}"),
        Finding("supf_year", int(times[sup_f.break_index]), "year",
                "Year of the largest Chow F (first year of the new regime)"),
        Finding("supf_p", sup_f.p_monte_carlo, "p", "sup-F p-value, parametric Monte Carlo",
                "{:.3f}"),
        Finding("supf_p_se", sup_f.p_se, "", "Simulation standard error of the sup-F p",
                "{:.3f}"),
        Finding("supf_crit", sup_f.critical_95, "F", "Simulated 5 % critical value of sup-F",
                "{:.2f}"),
        Finding("supf_crit_se", sup_f.critical_95_se, "F",
                "Simulation standard error of that critical value (Maritz–Jarrett)", "{:.2f}"),
        Finding("supf_reps", sup_f.replications, "count", "Monte Carlo replications"),
        Finding("bc_first_date", first["when"], "date",
                "Date of the first Japanese equipment project for CMAC with brush cutters (JICA "
                "report, table 3); the project, not a delivery or first use"),
        *sup_f_size_findings(run, size_replications),
    ]


def sup_f_size_findings(run: ModelRun, replications: int) -> list[Finding]:
    """How often sup-F rejects series with no break at its simulated 5 % critical value,
    under each kind of error (seed: the run's seed + 1)."""
    times = run.series["time"].to_numpy()
    rows = [Finding("size_reps", replications, "count", "Simulated no-break series per error kind")]
    for kind, words in models.ERROR_KINDS.items():
        size = models.sup_f_size(times, run.params.min_segment, run.sup_f.critical_95, kind,
                                 replications, run.params.seed + 1)
        rows += [
            Finding(f"size_{kind}", 100 * size, "%",
                    f"Rejection rate of sup-F, no break, {words}", "{:.1f}"),
            Finding(f"size_{kind}_se", 100 * models.monte_carlo_p_se(size, replications), "%",
                    "Simulation standard error of that rate (percentage points)", "{:.1f}"),
        ]
    return rows


def segmentation_findings(run: ModelRun) -> list[Finding]:
    """The breaks BIC chooses in the exhaustive search, and with segments one year longer."""
    chosen = run.break_years()
    table = run.segmentation.set_index("breaks")
    longer = run.break_years(longer=True)
    return [
        Finding("bp_breaks", len(chosen), "count", "Breaks chosen by BIC",
                "{} break" if len(chosen) == 1 else "{} breaks"),
        Finding("bp_years", ", ".join(map(str, chosen)) or "none", "years",
                "First years of the regimes chosen by BIC", "{}"),
        Finding("bp_delta_none", table.at[0, "delta_bic"], "",
                "BIC of no break minus the lowest BIC", "{:.2f}"),
        Finding("bp_params", 3 * (len(chosen) + 1), "count",
                "Parameters of the chosen segmentation as strucchange counts them (level and "
                "slope per segment, the break dates and the variance)", "{}"),
        Finding("min_segment_longer", run.params.min_segment + 1, "years",
                "Longer minimum segment", "{}"),
        Finding("bp_years_longer", ", ".join(map(str, longer)) or "no break", "years",
                "BIC choice with the longer minimum segment", "{}"),
    ]


def speedup_findings(run: ModelRun, late: pd.DataFrame, share: float) -> list[Finding]:
    """The report's share of time spent on vegetation bounds the speed-up brush cutters could
    give; the 2005 jump and the upper end of its CI, against that bound."""
    area = late.set_index("year")["area_m2"]
    bound = models.max_speedup(share)
    ratio_high = run.level_change_ratio("ci_high")
    return [
        Finding("vegetation_pct", share * 100, "%", "Share of time on vegetation (report)",
                "{:.0f}"),
        Finding("vegetation_share", share, "", "Share as a fraction", "{:.1f}"),
        Finding("max_speedup", bound, "ratio", "Bound 1/(1-share)", "{:.1f}"),
        Finding("ratio_2005", area[2005] / area[2004], "ratio", "Area 2005 / area 2004",
                "{:.2f}"),
        Finding("bound_60", models.max_speedup(0.6), "ratio", "Bound at a 60 % share", "{:.1f}"),
        Finding("bound_80", models.max_speedup(0.8), "ratio", "Bound at an 80 % share", "{:.1f}"),
        Finding("bc_ratio_high", ratio_high, "ratio",
                "Upper CI of the 2005 level change as a ratio", "{:.2f}"),
        Finding("bc_bound_phrase", "is below" if ratio_high < bound else "exceeds", "text",
                "Upper CI against the bound"),
    ]


# The F tests and sup-F: the tests of the report's two claims, one Holm family.
CLAIM_TESTS = ["f_bc_level_p", "f_bc_p", "f_lr_step_p", "f_lr_ramp_p", "supf_p"]


def many_tests_findings(run: ModelRun, p_values: pd.Series) -> list[Finding]:
    """How many p-values the chapter reports (``p_values``: those recorded, by key), and what
    Holm's adjustment leaves of the report's claims and of the single terms."""
    adjusted = models.holm(p_values[CLAIM_TESTS])
    terms_adjusted = run.holm_terms()
    survivors = int((terms_adjusted < 0.05).sum())
    return [
        Finding("n_tests", len(p_values), "count", "p-values reported in this chapter"),
        Finding("n_family", len(CLAIM_TESTS), "count", "Tests of the report's claims"),
        Finding("n_holm_sig", int((adjusted < 0.05).sum()), "count",
                "Of these, below 0.05 after Holm's adjustment"),
        Finding("holm_min", adjusted.min(), "p", "Smallest Holm-adjusted p of these", "{:.3f}"),
        Finding("n_terms_family", len(terms_adjusted), "count",
                "Brush-cutter and land-release terms in the five models (one Holm family)"),
        Finding("holm_terms_min", terms_adjusted.min(), "p",
                "Smallest Holm-adjusted p of those terms' own t tests", "{:.3f}"),
        Finding("holm_terms_phrase", "no single term survives the adjustment" if not survivors
                else f"{survivors} of them stay below 0.05", "text", "Terms that survive Holm"),
    ]
