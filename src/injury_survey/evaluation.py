"""Evaluation of the intervention programmes: did injury incidence change between the baseline
and the follow-up survey, and by more than in a comparison area? (docs/methods.md, evaluation.)

The waves are independent samples. They are analysed as **one stacked design**: each wave's
strata are kept apart (stratum ``"<wave>|<stratum_id>"``) and each wave's calibration cells too,
so the variance of a between-wave contrast is the sum of the waves' variances, exactly as R's
``svycontrast`` gives it on the same stacked design (design df = PSUs − strata of the stack).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from injury_survey.sample_size import minimum_detectable_change
from injury_survey.standardize import standard_weights, standardized_estimates
from injury_survey.survey_design import CalibrationSpec, SurveyDesign, t_quantile
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
]

MULTIPLICITY_NOTE = {
    "zh": "各原因、各目标人群的比较为描述性结果，未做多重比较校正。",
    "en": "Comparisons by cause and target group are descriptive and not corrected for "
    "multiplicity.",
}


class EvaluationError(ValueError):
    """The evaluation cannot be run as configured (a wave missing, waves not comparable)."""


@dataclass(frozen=True)
class TargetGroup:
    """Residents aged ``age_low``–``age_high`` and injuries of ``causes`` (cause codes)."""

    name: str
    label_zh: str
    label_en: str
    age_low: int
    age_high: int
    causes: tuple[int, ...]


@dataclass(frozen=True)
class EvaluationSettings:
    """The config's ``evaluation:`` block."""

    baseline: str
    followup: str
    comparison_baseline: str | None = None
    comparison_followup: str | None = None
    area_zh: str = "干预地区"
    area_en: str = "intervention area"
    comparison_area_zh: str = "对照地区"
    comparison_area_en: str = "comparison area"
    target_groups: tuple[TargetGroup, ...] = field(default_factory=tuple)
    cpi_factor: float = 1.0

    @property
    def has_comparison(self) -> bool:
        return self.comparison_baseline is not None

    @property
    def price_deflators(self) -> dict[str, float]:
        """Divide each wave's costs by this to express them at baseline prices."""
        return {
            wave: (self.cpi_factor if wave in (self.followup, self.comparison_followup) else 1.0)
            for wave in self.waves
        }

    @property
    def waves(self) -> list[str]:
        out = [self.baseline, self.followup]
        if self.has_comparison:
            out += [self.comparison_baseline, self.comparison_followup]
        return out

    @classmethod
    def from_config(cls, config: Mapping) -> EvaluationSettings | None:
        """None when the config has no ``evaluation`` block (nothing to compare)."""
        block = config.get("evaluation") or {}
        if not block.get("baseline"):
            return None
        waves = config["survey"]["waves"]
        named = {k: block.get(k) for k in ("baseline", "followup") if block.get(k)}
        comparison = block.get("comparison") or {}
        named.update({f"comparison_{k}": comparison.get(k) for k in ("baseline", "followup")})
        for key, wave in named.items():
            if wave is not None and wave not in waves:
                raise EvaluationError(
                    f"evaluation.{key.replace('comparison_', 'comparison.')} = {wave!r} is not one of "
                    f"survey.waves {waves}. 评估设置中的调查轮次不在 survey.waves 中：请改正。"
                )
        if "followup" not in named:
            raise EvaluationError(
                "evaluation.baseline is set but evaluation.followup is not: name the follow-up "
                "wave. 已设置基线轮次，但未设置随访轮次（evaluation.followup）。"
            )
        if (named["comparison_baseline"] is None) != (named["comparison_followup"] is None):
            raise EvaluationError(
                "evaluation.comparison needs both baseline and followup waves. "
                "对照地区需要同时给出基线和随访两轮。"
            )
        groups = tuple(
            TargetGroup(
                name=g["name"],
                label_zh=g["label_zh"],
                label_en=g["label_en"],
                age_low=int(g["ages"][0]),
                age_high=int(g["ages"][1]),
                causes=tuple(int(c) for c in g["causes"]),
            )
            for g in block.get("target_groups", [])
        )
        return cls(
            baseline=named["baseline"],
            followup=named["followup"],
            comparison_baseline=named["comparison_baseline"],
            comparison_followup=named["comparison_followup"],
            area_zh=block.get("area_zh") or config["survey"].get("area_zh") or cls.area_zh,
            area_en=block.get("area_en") or config["survey"].get("area_en") or cls.area_en,
            comparison_area_zh=comparison.get("area_zh", cls.comparison_area_zh),
            comparison_area_en=comparison.get("area_en", cls.comparison_area_en),
            target_groups=groups,
            cpi_factor=float(block.get("cpi_factor", 1.0)),
        )


# ---------------------------------------------------------------------- comparability


def check_comparability(
    persons_by_wave: Mapping[str, pd.DataFrame],
    episodes_by_wave: Mapping[str, pd.DataFrame],
    *,
    case_definition: str,
    cause_codes: Sequence[int],
) -> pd.DataFrame:
    """Check that the waves measured the same thing; raise :class:`EvaluationError` if not.

    Settings that are global in the config (case definition, recall, age groups, code lists,
    standard population) are equal by construction; what each wave's *results* carry is checked
    here: the case definition its ``injured`` flag follows, its report age groups, the length of
    its recall windows, and that its causes are codes of the one code list. Returns one row per
    check and wave (``check``, ``wave``, ``value``) for the notebook to show.
    """
    rows = []
    for wave, persons in persons_by_wave.items():
        episodes = episodes_by_wave[wave]
        flag = f"injured_{case_definition}"
        follows = flag in persons and bool((persons[flag] == persons["injured"]).all())
        windows = (
            pd.to_datetime(episodes["window_end"]) - pd.to_datetime(episodes["window_start"])
        ).dt.days
        causes = set(pd.to_numeric(episodes["cause"], errors="coerce").dropna().astype(int))
        rows += [
            {
                "check": "case_definition",
                "wave": wave,
                "value": case_definition if follows else "?",
            },
            {
                "check": "age_groups",
                "wave": wave,
                "value": ", ".join(sorted(persons["age_group"].astype(str).unique())),
            },
            {
                "check": "recall_days",
                "wave": wave,
                "value": ", ".join(str(d) for d in sorted(windows.dropna().unique())) or "—",
            },
            {
                "check": "cause_codes_outside_code_list",
                "wave": wave,
                "value": ", ".join(str(c) for c in sorted(causes - set(cause_codes))) or "none",
            },
        ]
    table = pd.DataFrame(rows)
    for check, part in table.groupby("check", sort=False):
        values = dict(zip(part["wave"], part["value"], strict=True))
        first_wave, first = next(iter(values.items()))
        for wave, value in values.items():
            bad = value == "?" or value != first
            if check == "cause_codes_outside_code_list":
                bad = value != "none"
            if bad:
                raise EvaluationError(
                    f"Waves are not comparable on {check}: {first_wave} has {first!r}, {wave} has "
                    f"{value!r}. Rerun the waves with the same settings (config case_definition, "
                    "recall, age_groups, codebook) or map the codes first. "
                    f"各轮调查不可比（{check}）：{first_wave} 为 {first!r}，{wave} 为 {value!r}；"
                    "请用相同设置重新分析各轮，或先做编码对照。"
                )
    return table


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
        part["stratum_id"] = wave + "|" + part["stratum_id"].astype(str)
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
    stacked: pd.DataFrame, *, lonely_psu: str = "fail", calibration: str | None = None
) -> SurveyDesign:
    """The design over :func:`stack_waves`' table, crediting each wave's own calibration."""
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
        stacked, lonely_psu=estimation.get("lonely_psu", "fail"), calibration=calibration
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

    areas = [("intervention", settings.baseline, settings.followup)]
    if settings.has_comparison:
        areas.append(("comparison", settings.comparison_baseline, settings.comparison_followup))
    rows = []
    for (indicator, by, level), per_wave in estimates.items():
        key = {"indicator": indicator, "by": by, "level": level}
        for area, base, follow in areas:
            if base not in per_wave or follow not in per_wave:
                continue
            mdc = detectable_change(
                per_wave[base], per_wave[follow], confidence=confidence, power=power
            )
            for row in wave_contrasts(
                per_wave[follow], per_wave[base], df=df, confidence=confidence
            ):
                rows.append({"area": area, **key, **row, "mdc": mdc})
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
    table = pd.DataFrame(rows)
    table["mdc_relative"] = table["mdc"] / table["baseline"]
    no_change = np.where(table["contrast"].str.contains("ratio"), 1.0, 0.0)
    table["significant"] = (table["ci_lower"] > no_change) | (table["ci_upper"] < no_change)
    return table[COMPARISON_COLUMNS]


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
        data, lonely_psu=estimation.get("lonely_psu", "fail"), calibration=calibration
    )
    table = design.logistic("injured", terms=terms)
    # Intervals at estimation.confidence with the stacked design's df (svy's default is 95 %).
    t = t_quantile(float(estimation.get("confidence", 0.95)), design.degrees_of_freedom)
    table["ci_lower"] = table["estimate"] - t * table["se"]
    table["ci_upper"] = table["estimate"] + t * table["se"]
    table["odds_ratio_lower"] = np.exp(table["ci_lower"])
    table["odds_ratio_upper"] = np.exp(table["ci_upper"])
    return table
