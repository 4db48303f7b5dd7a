"""Evaluation of the intervention programmes: did injury incidence change between the baseline
and the follow-up survey, and by more than in a comparison area? (docs/methods.md, evaluation.)

The waves are independent samples. They are analysed as **one stacked design**: each wave's
strata, PSUs and households are kept apart (``"<wave>|<id>"``) and each wave's calibration cells
too, so the variance of a between-wave contrast is the sum of the waves' variances, exactly as R's
``svycontrast`` gives it on the same stacked design (design df = PSUs − strata of the stack). The
stack carries the same variance declaration as the waves' own estimates (``estimation.certainty_psus``,
``estimation.fpc``; :mod:`injury_survey.variance_design`), each wave with the population sizes of
its own frame.

For every indicator (injury incidence, crude and age-standardised, overall, by sex, by age group,
and the target groups: persons with a case episode of the target causes among residents of the
target ages):

- the change ``Δ = p̂_F − p̂_B`` with SE ``√(V_F + V_B)`` and a t interval;
- the ratio ``p̂_F / p̂_B`` with its interval on the log scale,
  ``exp(log r ± t·√((se_F/p̂_F)² + (se_B/p̂_B)²))``;
- with a comparison area, the difference-in-differences ``(p̂_IF − p̂_IB) − (p̂_CF − p̂_CB)`` and
  the ratio of ratios ``(p̂_IF/p̂_IB)/(p̂_CF/p̂_CB)`` (log scale), with their design-based CIs;
- the minimum detectable change of the samples achieved
  (:func:`injury_survey.sample_size.minimum_detectable_change`, two-sided test at
  ``1 − estimation.confidence``, power ``plan.power``), so that "no significant change" is read
  against what the survey could have seen.

Per-cause comparisons are descriptive: many are made and none is corrected for multiplicity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from injury_survey.confidence_intervals import t_quantile
from injury_survey.design_spec import CalibrationSpec
from injury_survey.estimation import variance_declaration
from injury_survey.evaluation_settings import (
    EvaluationError,
    EvaluationSettings,
    TargetGroup,
    check_comparability,
)
from injury_survey.sample_size import minimum_detectable_change
from injury_survey.standardize import (
    STANDARD_NAMES,
    standard_weights,
    standardized_estimates,
)
from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import VarianceDeclaration
from injury_survey.weighting import calibration_spec

COMPARISON_COLUMNS = [
    "area",
    "indicator",
    "by",
    "level",
    "contrast",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "baseline",
    "followup",
    "n_baseline",
    "n_followup",
    "df",
    "mdc",
    "mdc_relative",
    "significant",
    "method",
]

MULTIPLICITY_NOTE = {
    "zh": "各原因、各目标人群的比较为描述性结果，未做多重比较校正。",
    "en": "Comparisons by cause and target group are descriptive and not corrected for "
    "multiplicity.",
}


__all__ = [
    "COMPARISON_COLUMNS",
    "MULTIPLICITY_NOTE",
    "EvaluationError",
    "EvaluationSettings",
    "TargetGroup",
    "between_area_contrasts",
    "check_comparability",
    "compare_waves",
    "detectable_change",
    "evaluate",
    "pooled_logistic",
    "stack_waves",
    "stacked_design",
    "trend_table",
    "wave_contrasts",
]


# ---------------------------------------------------------------------- the stacked design


def stack_waves(
    persons_by_wave: Mapping[str, pd.DataFrame],
    episodes_by_wave: Mapping[str, pd.DataFrame],
    target_groups: Sequence[TargetGroup] = (),
    price_deflators: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One person table over the waves: ``wave``, strata and calibration cells made distinct per
    wave, and per target group ``tg_<name>`` (1 = a case episode of its causes in the window) and
    ``in_<name>`` (1 = of its ages). ``cost_medical_known`` (the person's direct medical cost of
    case episodes with a known cost, divided by the wave's price deflator, i.e. at baseline prices)
    and ``episodes_cost_known`` (their number) make the cost per episode a person-level ratio."""
    parts = []
    for wave, persons in persons_by_wave.items():
        part = persons.copy()
        part["wave"] = wave
        for column in ("stratum_id", "psu_id", "hh_id"):
            if column in part:
                part[column] = wave + "|" + part[column].astype(str)
        for column in ("calibration_cell", "sex", "calibration_age_group"):
            if column in part:
                part[f"_cal_{column}"] = wave + "|" + part[column].astype(str)
        episodes = episodes_by_wave[wave]
        counted = episodes[episodes["is_case"].astype(bool) & episodes["in_window"].astype(bool)]
        cause = pd.to_numeric(counted["cause"], errors="coerce")
        if "cost_medical" in counted:
            cost = pd.to_numeric(counted["cost_medical"], errors="coerce")
            deflator = (price_deflators or {}).get(wave, 1.0)
            known = counted.loc[cost.notna(), "person_id"]
            sums = (cost.dropna() / deflator).groupby(known.to_numpy()).sum()
            part["cost_medical_known"] = part["person_id"].map(sums).fillna(0.0).astype(float)
            part["episodes_cost_known"] = (
                part["person_id"].map(known.value_counts()).fillna(0).astype(float)
            )
        for group in target_groups:
            hit = set(counted.loc[cause.isin(group.causes), "person_id"])
            part[f"tg_{group.name}"] = part["person_id"].isin(hit).astype(int)
            age = pd.to_numeric(part["age_years"], errors="coerce")
            part[f"in_{group.name}"] = ((age >= group.age_low) & (age <= group.age_high)).astype(
                int
            )
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def stacked_design(
    stacked: pd.DataFrame,
    *,
    lonely_psu: str = "fail",
    calibration: str | None = None,
    variance: VarianceDeclaration | None = None,
) -> SurveyDesign:
    """The design over :func:`stack_waves`' table, crediting each wave's own calibration, with the
    variance declaration of the waves' estimates (``estimation.variance_declaration``; None: PSUs
    as sampled, with replacement)."""
    spec = calibration_spec(calibration) if calibration not in (None, "none") else None
    if spec is not None:
        cells = tuple(f"_cal_{c}" if f"_cal_{c}" in stacked else c for c in spec.cells)
        spec = CalibrationSpec(spec.method, spec.weight_before, cells)
    return SurveyDesign(
        stacked,
        strata="stratum_id",
        psu="psu_id",
        weight="weight",
        lonely_psu=lonely_psu,
        calibration=spec,
        variance=variance,
    )


# ---------------------------------------------------------------------- contrasts


def _ratio_ci(
    num: float, se_num: float, den: float, se_den: float, t: float
) -> tuple[float, float, float, float]:
    """Ratio num/den, SE of its log, and its log-scale CI (independent estimates)."""
    if not (num > 0 and den > 0):
        return (math.nan,) * 4
    log_se = math.hypot(se_num / num, se_den / den)
    ratio = num / den
    return ratio, log_se, ratio * math.exp(-t * log_se), ratio * math.exp(t * log_se)


def wave_contrasts(
    followup: pd.Series, baseline: pd.Series, *, df: float, confidence: float
) -> list[dict]:
    """Difference and ratio of two independent estimates (rows with estimate, se, CI, n)."""
    t = t_quantile(confidence, df)
    difference = followup["estimate"] - baseline["estimate"]
    se = math.hypot(followup["se"], baseline["se"])
    ratio, log_se, lower, upper = _ratio_ci(
        followup["estimate"], followup["se"], baseline["estimate"], baseline["se"], t
    )
    common = {
        "baseline": baseline["estimate"],
        "followup": followup["estimate"],
        "n_baseline": int(baseline["n"]),
        "n_followup": int(followup["n"]),
        "df": df,
    }
    return [
        {
            "contrast": "difference",
            "estimate": difference,
            "se": se,
            "ci_lower": difference - t * se,
            "ci_upper": difference + t * se,
            **common,
        },
        {
            "contrast": "ratio",
            "estimate": ratio,
            "se": log_se,
            "ci_lower": lower,
            "ci_upper": upper,
            **common,
        },
    ]


def between_area_contrasts(
    intervention: Mapping[str, pd.Series],
    comparison: Mapping[str, pd.Series],
    *,
    df: float,
    confidence: float,
) -> list[dict]:
    """Difference-in-differences and ratio of ratios of four independent estimates."""
    t = t_quantile(confidence, df)
    ib, if_ = intervention["baseline"], intervention["followup"]
    cb, cf = comparison["baseline"], comparison["followup"]
    did = (if_["estimate"] - ib["estimate"]) - (cf["estimate"] - cb["estimate"])
    se = math.sqrt(sum(row["se"] ** 2 for row in (ib, if_, cb, cf)))
    rows = [
        {
            "contrast": "difference_in_differences",
            "estimate": did,
            "se": se,
            "ci_lower": did - t * se,
            "ci_upper": did + t * se,
        }
    ]
    estimates = [row["estimate"] for row in (ib, if_, cb, cf)]
    if all(e > 0 for e in estimates):
        log_ror = math.log(if_["estimate"] / ib["estimate"]) - math.log(
            cf["estimate"] / cb["estimate"]
        )
        log_se = math.sqrt(sum((row["se"] / row["estimate"]) ** 2 for row in (ib, if_, cb, cf)))
        rows.append(
            {
                "contrast": "ratio_of_ratios",
                "estimate": math.exp(log_ror),
                "se": log_se,
                "ci_lower": math.exp(log_ror - t * log_se),
                "ci_upper": math.exp(log_ror + t * log_se),
            }
        )
    for row in rows:
        row.update(
            baseline=ib["estimate"],
            followup=if_["estimate"],
            n_baseline=int(ib["n"]),
            n_followup=int(if_["n"]),
            df=df,
        )
    return rows


def detectable_change(
    baseline: pd.Series, followup: pd.Series, *, confidence: float, power: float
) -> float:
    """Minimum detectable fall (absolute) of a proportion with the samples achieved: the smaller
    wave's unweighted n, the waves' mean design effect (1 when unknown), two-sided test at
    ``1 − confidence``. NaN when not even a fall to zero is detectable."""
    p1 = float(baseline["estimate"])
    n = float(min(baseline["n"], followup["n"]))
    deffs = [float(d) for d in (baseline.get("deff"), followup.get("deff")) if d == d and d]
    deff = float(np.mean(deffs)) if deffs else 1.0
    if not 0 < p1 < 1 or n <= 0:
        return math.nan
    try:
        p2 = minimum_detectable_change(n, p1, deff, alpha=1 - confidence, power=power)
    except ValueError:
        return math.nan
    return p1 - p2


def compare_waves(
    estimates: Mapping[tuple[str, str, str], Mapping[str, pd.Series]],
    settings: EvaluationSettings,
    *,
    df: float,
    confidence: float,
    mdc: Callable[[pd.Series, pd.Series], float],
) -> pd.DataFrame:
    """The contrasts of per-wave estimates ``(indicator, by, level) -> {wave: row}``: follow-up
    vs baseline per area (with ``mdc(baseline_row, followup_row)``) and, with a comparison area,
    between the areas; ``significant`` when the CI excludes no change. Columns are
    :data:`COMPARISON_COLUMNS` without ``method``."""
    areas = [("intervention", settings.baseline, settings.followup)]
    if settings.has_comparison:
        areas.append(("comparison", settings.comparison_baseline, settings.comparison_followup))
    rows = []
    for (indicator, by, level), per_wave in estimates.items():
        key = {"indicator": indicator, "by": by, "level": level}
        for area, base, follow in areas:
            if base not in per_wave or follow not in per_wave:
                continue
            change = mdc(per_wave[base], per_wave[follow])
            for row in wave_contrasts(
                per_wave[follow], per_wave[base], df=df, confidence=confidence
            ):
                rows.append({"area": area, **key, **row, "mdc": change})
        if settings.has_comparison and all(w in per_wave for w in settings.waves):
            for row in between_area_contrasts(
                {"baseline": per_wave[settings.baseline], "followup": per_wave[settings.followup]},
                {
                    "baseline": per_wave[settings.comparison_baseline],
                    "followup": per_wave[settings.comparison_followup],
                },
                df=df,
                confidence=confidence,
            ):
                rows.append({"area": "between", **key, **row, "mdc": math.nan})
    columns = [c for c in COMPARISON_COLUMNS if c != "method"]
    table = pd.DataFrame(
        rows, columns=[c for c in columns if c not in ("mdc_relative", "significant")]
    )
    table["mdc_relative"] = table["mdc"] / table["baseline"]
    no_change = np.where(table["contrast"].str.contains("ratio"), 1.0, 0.0)
    table["significant"] = (table["ci_lower"] > no_change) | (table["ci_upper"] < no_change)
    return table[columns]


# ---------------------------------------------------------------------- the whole comparison


def _per_wave(design: SurveyDesign, settings: EvaluationSettings, ci_method, confidence, groups):
    """Estimates per wave: (indicator, by, level) -> {wave: row}."""
    out: dict[tuple[str, str, str], dict[str, pd.Series]] = {}

    def put(indicator, by, table, level_column=None):
        for _, row in table.iterrows():
            level = "all" if level_column is None else str(row[level_column])
            out.setdefault((indicator, by, level), {})[row["wave"]] = row

    put(
        "injury_incidence",
        "all",
        design.proportion("injured", by="wave", ci_method=ci_method, confidence=confidence),
    )
    for by in ("sex", "age_group"):
        table = design.proportion(
            "injured", by=["wave", by], ci_method=ci_method, confidence=confidence
        )
        put("injury_incidence", by, table, level_column=by)
    for group in groups:
        table = design.proportion(
            f"tg_{group.name}",
            by="wave",
            where=(f"in_{group.name}", 1),
            ci_method=ci_method,
            confidence=confidence,
        )
        put("target_group", group.name, table)
    return out


def evaluate(
    stacked: pd.DataFrame,
    settings: EvaluationSettings,
    *,
    estimation: Mapping,
    age_groups: Sequence[int],
    calibration: str | None,
    power: float = 0.8,
) -> pd.DataFrame:
    """Every comparison of the evaluation as one tidy table (:data:`COMPARISON_COLUMNS`).

    ``area`` is "intervention" (follow-up vs baseline of the intervention area), "comparison"
    (the same for the comparison area) or "between" (difference-in-differences, ratio of ratios);
    ``indicator`` is injury_incidence, injury_incidence_std or target_group (``by`` = the group's
    name); ``contrast`` is difference, ratio, difference_in_differences or ratio_of_ratios; ``se``
    of a ratio is that of its log. ``significant`` is True when the CI excludes no change.
    """
    confidence = float(estimation.get("confidence", 0.95))
    ci_method = estimation.get("ci_method", "logit")
    stacked = stacked[stacked["wave"].isin(settings.waves)].assign(
        wave_sex=lambda d: d["wave"] + "|" + d["sex"].astype(str)
    )
    design = stacked_design(
        stacked,
        lonely_psu=estimation.get("lonely_psu", "fail"),
        calibration=calibration,
        variance=variance_declaration(estimation),
    )
    df = design.degrees_of_freedom
    estimates = _per_wave(design, settings, ci_method, confidence, settings.target_groups)
    weights = standard_weights(estimation.get("standard_population", "china2010"), age_groups)
    std = standardized_estimates(
        design,
        "injured",
        weights=weights,
        by=["wave", "wave_sex"],
        ci_method=ci_method,
        confidence=confidence,
    )
    for _, row in std[std["by"].isin(["wave", "wave_sex"])].iterrows():
        wave, _, sex = str(row["level"]).partition("|")
        by, level = ("sex", sex) if sex else ("all", "all")
        # A standardised estimate has no deff of its own; its MDC uses the crude one.
        row = row.copy()
        row["deff"] = estimates[("injury_incidence", by, level)][wave]["deff"]
        row["wave"] = wave
        estimates.setdefault(("injury_incidence_std", by, level), {})[wave] = row

    if "cost_medical_known" in stacked and stacked["episodes_cost_known"].sum() > 0:
        cost = design.ratio(
            "cost_medical_known", "episodes_cost_known", by="wave", confidence=confidence
        )
        for _, row in cost.iterrows():
            estimates.setdefault(("cost_medical_per_episode", "all", "all"), {})[row["wave"]] = row

    table = compare_waves(
        estimates,
        settings,
        df=df,
        confidence=confidence,
        mdc=lambda base, follow: detectable_change(
            base, follow, confidence=confidence, power=power
        ),
    )
    standard = estimation.get("standard_population", "china2010")
    table["method"] = (
        f"stacked design of independent waves (strata and calibration cells per wave), Taylor "
        f"linearisation, {variance_declaration(estimation).describe()}, lonely PSU "
        f"{estimation.get('lonely_psu', 'fail')}, calibration "
        f"{calibration or 'none'}; {100 * confidence:g} % t interval, df {df}; ratios on the log "
        f"scale; std: {STANDARD_NAMES[standard]}; costs at baseline prices (CPI factor "
        f"{settings.cpi_factor:g}); MDC at power {power:g}"
    )
    return table[COMPARISON_COLUMNS]


def trend_table(
    stacked: pd.DataFrame,
    waves: Sequence[str],
    *,
    estimation: Mapping,
    age_groups: Sequence[int],
    calibration: str | None,
) -> pd.DataFrame:
    """More than two waves of one area: injury incidence (crude and age-standardised) per wave in
    time order, and each wave's ratio to the first with its log-scale CI (independent waves)."""
    confidence = float(estimation.get("confidence", 0.95))
    ci_method = estimation.get("ci_method", "logit")
    data = stacked[stacked["wave"].isin(waves)]
    design = stacked_design(
        data,
        lonely_psu=estimation.get("lonely_psu", "fail"),
        calibration=calibration,
        variance=variance_declaration(estimation),
    )
    crude = design.proportion("injured", by="wave", ci_method=ci_method, confidence=confidence)
    std = standardized_estimates(
        design,
        "injured",
        weights=standard_weights(estimation.get("standard_population", "china2010"), age_groups),
        by=["wave"],
        ci_method=ci_method,
        confidence=confidence,
    )
    std = std[std["by"] == "wave"].rename(columns={"level": "wave"})
    t = t_quantile(confidence, design.degrees_of_freedom)
    rows = []
    for indicator, table in (("injury_incidence", crude), ("injury_incidence_std", std)):
        by_wave = table.set_index("wave")
        first = by_wave.loc[waves[0]]
        for wave in waves:
            row = by_wave.loc[wave]
            ratio, _, lower, upper = _ratio_ci(
                row["estimate"], row["se"], first["estimate"], first["se"], t
            )
            if wave == waves[0]:
                ratio, lower, upper = 1.0, math.nan, math.nan
            rows.append(
                {
                    "wave": wave,
                    "indicator": indicator,
                    "estimate": row["estimate"],
                    "se": row["se"],
                    "ci_lower": row["ci_lower"],
                    "ci_upper": row["ci_upper"],
                    "ratio_to_first": ratio,
                    "ratio_ci_lower": lower,
                    "ratio_ci_upper": upper,
                    "n": int(row["n"]),
                }
            )
    return pd.DataFrame(rows)


def pooled_logistic(
    stacked: pd.DataFrame,
    settings: EvaluationSettings,
    *,
    estimation: Mapping,
    calibration: str | None,
) -> pd.DataFrame:
    """Survey-weighted logistic regression of being injured on the stacked waves (R ``svyglm``,
    quasibinomial): ``followup`` (0/1) adjusted for age group and sex; with a comparison area also
    ``intervention`` (0/1) and their interaction ``intervention_x_followup``, whose odds ratio is
    the programme's effect beyond the comparison area's change."""
    data = stacked[stacked["wave"].isin(settings.waves)].copy()
    data["followup"] = (
        data["wave"].isin([settings.followup, settings.comparison_followup]).astype(int)
    )
    terms = ["followup"]
    if settings.has_comparison:
        data["intervention"] = data["wave"].isin([settings.baseline, settings.followup]).astype(int)
        data["intervention_x_followup"] = data["intervention"] * data["followup"]
        terms += ["intervention", "intervention_x_followup"]
    # Age group and sex as 0/1 indicators, the first level the reference (as R's treatment
    # contrasts; svy's categorical terms give SEs that differ from R's svyglm in the 5th digit).
    for column in ("age_group", "sex"):
        levels = sorted(data[column].astype(str).unique())
        for level in levels[1:]:
            name = f"{column}_{level}"
            data[name] = (data[column].astype(str) == level).astype(float)
            terms.append(name)
    design = stacked_design(
        data,
        lonely_psu=estimation.get("lonely_psu", "fail"),
        calibration=calibration,
        variance=variance_declaration(estimation),
    )
    table = design.logistic("injured", terms=terms)
    # Intervals at estimation.confidence with the stacked design's df (svy's default is 95 %).
    t = t_quantile(float(estimation.get("confidence", 0.95)), design.degrees_of_freedom)
    table["ci_lower"] = table["estimate"] - t * table["se"]
    table["ci_upper"] = table["estimate"] + t * table["se"]
    table["odds_ratio_lower"] = np.exp(table["ci_lower"])
    table["odds_ratio_upper"] = np.exp(table["ci_upper"])
    table["method"] = (
        f"survey-weighted logistic regression (quasibinomial) on the stacked design, "
        f"{variance_declaration(estimation).describe()}, lonely PSU "
        f"{estimation.get('lonely_psu', 'fail')}, calibration {calibration or 'none'}; t interval, "
        f"df {design.degrees_of_freedom}"
    )
    return table
