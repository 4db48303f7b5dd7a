"""The headline indicators I1-I4 (docs/methods.md §6.4) as the tidy ``estimates.csv`` table.

Every indicator is a design-based ratio estimator ``R̂ = Σw·y / Σw·x`` with Taylor-linearised
variance (docs/methods.md §6.2), computed on the full design for the whole population and for
each domain of ``estimation.domains``:

- ``injury_incidence`` (I1): y = injured (0/1), x = 1, a proportion; CI logit or Korn–Graubard
  ("beta") as R ``svyciprop``;
- ``episode_rate_per_1000py`` (I2): y = case episodes, x = person-years, × 1000; CI on the log
  scale;
- ``episodes_per_injured`` (I4): y = case episodes, x = injured; its ``n`` counts injured persons;
- ``injury_incidence_std`` and ``episode_rate_per_1000py_std`` (I3): direct age standardisation
  to the configured standard population (:mod:`injury_survey.standardize`), overall and by sex.

A row is flagged ``unstable`` when its unweighted n is below ``unstable_min_n`` or its relative
standard error exceeds ``unstable_max_rse`` (docs/methods.md §6.2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from injury_survey.adjustments import Adjustment
from injury_survey.standardize import (
    DEFAULT_TOP_AGE,
    STANDARD_NAMES,
    assign_age_group,
    standard_weights,
    standardization_bounds,
    standardized_estimates,
)
from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import VarianceDeclaration
from injury_survey.weighting import calibration_spec

ESTIMATE_COLUMNS = [
    "indicator",
    "by",
    "level",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
    "df",
    "n",
    "flag",
    "method",
]

_LONELY_TEXT = {
    "fail": "lonely PSU fail",
    "center": "lonely PSU center (R adjust)",
    "scale": "lonely PSU scale (R average)",
    "skip": "lonely PSU skip (R remove)",
    "collapse": "lonely PSU strata collapsed",
}
_CALIBRATION_TEXT = {
    "poststratify": "post-stratified weights",
    "rake": "raked weights",
    None: "non-response-adjusted weights, not calibrated",
}


def variance_declaration(settings: dict) -> VarianceDeclaration:
    """``estimation.certainty_psus`` and ``estimation.fpc`` as a declaration. Settings without
    them (callers that predate them) get the with-replacement design over the PSUs as sampled,
    which the method text then names."""
    return VarianceDeclaration(
        certainty_psus=settings.get("certainty_psus", "as_sampled"),
        fpc=settings.get("fpc", "none"),
    )


def design_from_weights(
    persons_weighted: pd.DataFrame,
    *,
    lonely_psu: str = "center",
    calibration: str | None = None,
    variance: VarianceDeclaration | None = None,
) -> SurveyDesign:
    """The analysis design over ``weights.parquet``: strata, PSUs, final weight, the
    calibration record when ``calibration`` (``weights.calibration``) is poststratify or rake,
    and the variance declaration (certainty PSUs, fpc; :func:`variance_declaration`)."""
    spec = calibration_spec(calibration) if calibration and calibration != "none" else None
    return SurveyDesign(
        persons_weighted,
        strata="stratum_id",
        psu="psu_id",
        weight="weight",
        lonely_psu=lonely_psu,
        calibration=spec,
        variance=variance,
    )


def estimate_indicators(
    persons_weighted: pd.DataFrame,
    *,
    settings: dict,
    age_groups: Sequence[int],
    standard_population: str | None = None,
    calibration: str | None = None,
    recall: Mapping | None = None,
    screening_dont_know: str | None = None,
    design: SurveyDesign | None = None,
    per_injured: bool = True,
) -> pd.DataFrame:
    """Rows of ``estimates.csv`` (columns :data:`ESTIMATE_COLUMNS`) for I1, I2, I3 and I4.

    ``persons_weighted`` is ``weights.parquet`` (one row per person with ``stratum_id, psu_id,
    weight, injured, n_episodes, person_years, age_group`` and the domain columns). ``settings``
    is the config's ``estimation:`` section; ``standard_population`` overrides its
    ``standard_population``; ``calibration`` is ``weights.calibration`` (so standard errors
    credit the calibration; None treats the weights as fixed). ``recall`` (the config block) and
    ``screening_dont_know``, when given, are named in the ``method`` column: the window the
    person-years cover and how "don't know" to the screening question was handled.

    ``design``, when given, is the design of ``persons_weighted`` (the same rows, in order, and
    the same declaration as the settings and ``calibration`` make), so that it is not built
    again; ``per_injured=False`` leaves out episodes per injured person (I4).
    """
    confidence = float(settings.get("confidence", 0.95))
    ci_method = settings.get("ci_method", "logit")
    lonely_psu = settings.get("lonely_psu", "center")
    standard = standard_population or settings.get("standard_population", "china2010")
    domains = list(settings.get("domains", []))
    calibration = None if calibration == "none" else calibration
    # Standardisation groups: the standard's 5-year groups (docs/methods.md §6.3).
    if "age_years" not in persons_weighted.columns:
        raise ValueError(
            "weights.parquet has no age_years column: age standardisation needs completed ages "
            "(5-year groups). / 权重文件缺少age_years列，无法按5岁组标化。"
        )
    top_age = int(settings.get("standardization_top_age", DEFAULT_TOP_AGE))
    std_bounds = standardization_bounds(standard, top_age)
    persons_weighted = persons_weighted.assign(
        _age_group_std=assign_age_group(persons_weighted["age_years"], std_bounds)
    )
    variance = variance_declaration(settings)
    missing = [d for d in domains if d not in persons_weighted.columns]
    if missing:
        raise ValueError(
            f"estimation.domains names {missing}, which weights.parquet does not have; remove "
            "them from config or pass those person columns through the weighting step."
        )
    std_by = [d for d in ("sex",) if d in persons_weighted.columns]
    # The design gets only the columns it declares and estimates on: svy holds its own copy of
    # every column it is given (weights.parquet has some 45).
    spec = calibration_spec(calibration) if calibration else None
    needed = [
        "stratum_id",
        "psu_id",
        "weight",
        variance.household,
        variance.certainty,
        variance.psus_in_frame,
        variance.households_listed,
        *((spec.weight_before, *spec.cells) if spec is not None else ()),
        "injured",
        "n_episodes",
        "person_years",
        "_age_group_std",
        *domains,
        *std_by,
    ]
    if design is not None:
        design = design.with_columns(
            {"_age_group_std": persons_weighted["_age_group_std"].to_numpy()}
        )
    else:
        design = design_from_weights(
            persons_weighted[[c for c in dict.fromkeys(needed) if c in persons_weighted.columns]],
            lonely_psu=lonely_psu,
            calibration=calibration,
            variance=variance,
        )
    lonely_text = _LONELY_TEXT[lonely_psu]
    if design.lonely_strata:
        lonely_text += " applied to stratum " + ", ".join(design.lonely_strata)
    base_method = (
        f"Taylor linearisation, {variance.describe()}; {lonely_text}; "
        f"{_CALIBRATION_TEXT[calibration]}"
    )
    level = f"{confidence * 100:g} %"
    ci_text = f"{level} CI " + ("logit" if ci_method == "logit" else "Korn-Graubard (R beta)")
    log_ci_text = f"{level} CI log scale"
    persons_text = _DONT_KNOW_TEXT.get(screening_dont_know, "")
    exposure_text = f"; {recall_text(recall)}" if recall is not None else ""
    pieces = []
    for by in [None, *domains]:
        incidence = design.proportion("injured", by=by, ci_method=ci_method, confidence=confidence)
        pieces.append(
            _rows(
                incidence,
                "injury_incidence",
                by,
                f"{base_method}; ratio injured/persons{persons_text}; {ci_text}",
            )
        )
        rate = design.ratio(
            "n_episodes", "person_years", by=by, scale=1000.0, confidence=confidence
        )
        pieces.append(
            _rows(
                rate,
                "episode_rate_per_1000py",
                by,
                f"{base_method}; ratio episodes/person-years x 1000{exposure_text}; {log_ci_text}",
            )
        )
        if not per_injured:
            continue
        episodes_per_injured = design.ratio("n_episodes", "injured", by=by, confidence=confidence)
        episodes_per_injured = _count_injured(episodes_per_injured, persons_weighted, by)
        pieces.append(
            _rows(
                episodes_per_injured,
                "episodes_per_injured",
                by,
                f"{base_method}; ratio episodes/injured persons; {log_ci_text}",
            )
        )
    weights = standard_weights(standard, std_bounds)
    std_text = (
        f"direct age standardisation on 5-year groups to {top_age}+, "
        f"std: {STANDARD_NAMES[standard]}"
    )
    incidence_std = standardized_estimates(
        design,
        "injured",
        weights=weights,
        age_group="_age_group_std",
        by=std_by,
        ci_method=ci_method,
        confidence=confidence,
    )
    pieces.append(
        _standardized_rows(
            incidence_std, "injury_incidence_std", f"{base_method}; {std_text}; {ci_text}"
        )
    )
    rate_std = standardized_estimates(
        design,
        "n_episodes",
        "person_years",
        weights=weights,
        age_group="_age_group_std",
        by=std_by,
        scale=1000.0,
        ci_method="log",
        confidence=confidence,
    )
    pieces.append(
        _standardized_rows(
            rate_std, "episode_rate_per_1000py_std", f"{base_method}; {std_text}; {log_ci_text}"
        )
    )
    table = pd.concat(pieces, ignore_index=True)
    table["flag"] = [
        stability_flag(n, est, se, settings)
        for n, est, se in zip(table["n"], table["estimate"], table["se"], strict=True)
    ]
    return table[ESTIMATE_COLUMNS]


_DONT_KNOW_TEXT = {
    "exclude": ' ("don\'t know" to screening excluded as item non-response)',
    "not_injured": ' ("don\'t know" to screening counted as not injured)',
}


def recall_text(recall: Mapping) -> str:
    """The recall window in words, for the method column of rates per person-year."""
    if recall.get("mode", "rolling") == "fixed":
        window = f"fixed window {recall['fixed_start']} to {recall['fixed_end']}"
    else:
        window = f"the {int(recall.get('days', 365))} days before interview"
    return f"person-years = time present within {window}"


def design_summary(design: SurveyDesign, persons_weighted: pd.DataFrame) -> str:
    """Markdown lines for notebook 05: the sample, then the variance design declared over it."""
    psus = persons_weighted[["stratum_id", "psu_id"]].drop_duplicates()
    certain = persons_weighted.loc[persons_weighted["certainty"] == 1, ["psu_id"]]
    return (
        f"{len(persons_weighted):,} persons in {len(psus)} PSUs ({certain['psu_id'].nunique()} "
        f"taken with certainty) and {psus['stratum_id'].nunique()} strata.\n\n"
        f"**Variance design · 方差估计设计**: {design.describe_variance()}. The variance runs over "
        f"{design.n_psus} first-stage units in {design.n_strata} variance strata; design degrees "
        f"of freedom {design.degrees_of_freedom} (units − strata)."
    )


def lonely_psu_adjustments(design: SurveyDesign, *, wave: str, stage: str) -> list[Adjustment]:
    """One adjustment (kind ``lonely_psu``) per variance stratum with a single first-stage
    unit, naming the rule ``estimation.lonely_psu`` applied to it."""
    rule = design.lonely_psu
    zh_rule = {
        "center": "以总体均值为中心计算其方差贡献（R adjust）",
        "scale": "不计其方差贡献，按比例放大总方差（R average）",
        "skip": "不计其方差贡献（R remove）",
        "collapse": "与PSU最少的层合并",
        "fail": "停止运行",
    }[rule]
    return [
        Adjustment(
            wave=wave,
            stage=stage,
            kind="lonely_psu",
            where=f"stratum {stratum}",
            setting=f"estimation.lonely_psu: {rule}",
            detail_en=(
                f"Stratum {stratum} has a single PSU in the variance design, so its within-stratum "
                f"variance cannot be estimated; rule {_LONELY_TEXT[rule]} applied."
            ),
            detail_zh=f"层{stratum}在方差设计中只有一个初级抽样单位，无法估计层内方差；已{zh_rule}。",
        )
        for stratum in design.lonely_strata
    ]


def stability_flag(n: int, estimate: float, se: float, settings: dict) -> str:
    """``"unstable"`` when n < ``unstable_min_n`` or RSE = se/estimate > ``unstable_max_rse``
    (an estimate of 0 has no finite RSE and is flagged); otherwise ``""``."""
    min_n = int(settings.get("unstable_min_n", 30))
    max_rse = float(settings.get("unstable_max_rse", 0.30))
    if n < min_n:
        return "unstable"
    if not estimate or math.isnan(estimate) or math.isnan(se):
        return "unstable"
    return "unstable" if se / abs(estimate) > max_rse else ""


def _rows(table: pd.DataFrame, indicator: str, by: str | None, method: str) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "indicator", indicator)
    out.insert(1, "by", by or "all")
    out.insert(2, "level", "all" if by is None else out[by].astype(str))
    if by is not None:
        out = out.drop(columns=[by])
    out["method"] = method
    return out


def _standardized_rows(table: pd.DataFrame, indicator: str, method: str) -> pd.DataFrame:
    out = table.copy()
    out.insert(0, "indicator", indicator)
    out["deff"] = float("nan")
    out["method"] = [
        f"{method}; {_MERGED_TEXT}{merged}" if merged else method for merged in out.pop("collapsed")
    ]
    return out


# How a standardised row's method states the merges of empty 5-year groups ("85+→80-84; …").
_MERGED_TEXT = "empty age groups merged: "
_STANDARDIZED_NAMES = {
    "injury_incidence_std": ("age-standardised injury incidence", "标化伤害发生率"),
    "episode_rate_per_1000py_std": (
        "age-standardised injury episodes per 1000 person-years",
        "标化伤害人次发生率（每千人年）",
    ),
}


def standardization_adjustments(
    estimates: pd.DataFrame, settings: Mapping, *, wave: str, stage: str
) -> list[Adjustment]:
    """One adjustment (kind ``standardization_groups_merged``) per 5-year group that had nobody
    in the sample (or in a domain) and lent its standard weight to its younger neighbour, from
    the standardised rows of :func:`estimate_indicators` (their ``method`` states the merges)."""
    standard = settings.get("standard_population", "china2010")
    top_age = int(settings.get("standardization_top_age", DEFAULT_TOP_AGE))
    setting = (
        f"estimation.standard_population: {standard}; estimation.standardization_top_age: {top_age}"
    )
    merges: dict[tuple[str, str, str], list[str]] = {}
    rows = estimates[estimates["indicator"].isin(list(_STANDARDIZED_NAMES))]
    for row in rows.itertuples(index=False):
        _, found, merged = str(row.method).partition(_MERGED_TEXT)
        if not found:
            continue
        for merge in merged.split("; "):
            merges.setdefault((str(row.by), str(row.level), merge), []).append(row.indicator)
    items = []
    for (by, level, merge), indicators in merges.items():
        empty, _, target = merge.partition("→")
        where_en = "all persons" if by == "all" else f"{by} = {level}"
        where_zh = "全人群" if by == "all" else f"{by}={level}"
        names_en = " and ".join(_STANDARDIZED_NAMES[i][0] for i in indicators)
        names_zh = "、".join(_STANDARDIZED_NAMES[i][1] for i in indicators)
        items.append(
            Adjustment(
                wave=wave,
                stage=stage,
                kind="standardization_groups_merged",
                where=f"age group {empty}, {where_en}",
                setting=setting,
                detail_en=(
                    f"No sample persons in the 5-year age group {empty} ({where_en}): its "
                    f"standard-population weight was added to the group {target} for the "
                    f"{names_en}."
                ),
                detail_zh=(
                    f"5岁年龄组{empty}（{where_zh}）无调查对象：计算{names_zh}时，"
                    f"其标准人口权重并入{target}组。"
                ),
            )
        )
    return items


def _count_injured(table: pd.DataFrame, persons: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """For episodes per injured person, n is the number of injured persons in the domain."""
    injured = persons[persons["injured"] == 1]
    if by is None:
        table["n"] = len(injured)
        return table
    counts = injured.groupby(by).size()
    counts.index = counts.index.astype(str)
    table["n"] = table[by].astype(str).map(counts).fillna(0).astype(int).to_numpy()
    return table


# ---------------------------------------------------------------------- display tables

_PERCENT_INDICATORS = {"injury_incidence", "injury_incidence_std"}


def _formatted(row: pd.Series) -> str:
    """'4.4 (3.7–5.2)': incidence in %, rates in their own unit, one or two decimals."""
    scale, decimals = (100, 1) if row["indicator"] in _PERCENT_INDICATORS else (1, 2)
    if row["indicator"].startswith("episode_rate"):
        decimals = 1
    if pd.isna(row["estimate"]):
        return "—"
    estimate = f"{row['estimate'] * scale:.{decimals}f}"
    if pd.isna(row["ci_lower"]):
        return estimate
    return f"{estimate} ({row['ci_lower'] * scale:.{decimals}f}–{row['ci_upper'] * scale:.{decimals}f})"


def headline_table(estimates: pd.DataFrame, codebook, *, lang: str) -> pd.DataFrame:
    """Overall and by-sex values of every indicator, crude and standardised, as display text.

    Incidence is shown in %, rates per 1 000 person-years; each cell is "estimate (95 % CI)".
    """
    rows = estimates[estimates["by"].isin(["all", "sex"])].copy()
    rows["group"] = [
        codebook.text("total", lang) if by == "all" else codebook.label("sex", int(level), lang)
        for by, level in zip(rows["by"], rows["level"], strict=True)
    ]
    rows["indicator_label"] = [_indicator_label(i, codebook, lang) for i in rows["indicator"]]
    rows["value"] = rows.apply(_formatted, axis=1)
    table = rows.pivot(index="indicator_label", columns="group", values="value")
    order = [_indicator_label(i, codebook, lang) for i in dict.fromkeys(rows["indicator"])]
    table = table.loc[order, list(dict.fromkeys(rows["group"]))]
    return table.rename_axis(None, axis=1).rename_axis(None, axis=0)


def _indicator_label(indicator: str, codebook, lang: str) -> str:
    unit = " (%)" if indicator in _PERCENT_INDICATORS else ""
    return codebook.text(indicator, lang) + unit


def domain_table(estimates: pd.DataFrame, by: str, codebook) -> pd.DataFrame:
    """Incidence and episode rate by the levels of one grouping, with deff, n and flags, labelled
    in Chinese and English from the codebook."""
    rows = estimates[(estimates["by"] == by) & ~estimates["indicator"].str.endswith("_std")].copy()
    rows["value"] = rows.apply(_formatted, axis=1)
    coded = codebook.has_labels(by)
    rows["group"] = [
        f"{codebook.label(by, level, 'zh')} {codebook.label(by, level, 'en')}"
        if coded
        else str(level)
        for level in rows["level"]
    ]
    wide = rows.pivot(index="group", columns="indicator", values="value")
    incidence = rows[rows["indicator"] == "injury_incidence"].set_index("group")
    wide["deff"] = incidence["deff"].round(2)
    wide["n"] = incidence["n"]
    wide["flag"] = incidence["flag"]
    order = list(dict.fromkeys(rows["group"]))
    columns = [c for c in ESTIMATE_INDICATOR_ORDER if c in wide.columns] + ["deff", "n", "flag"]
    headers = {
        i: f"{_indicator_label(i, codebook, 'zh')} {_indicator_label(i, codebook, 'en')}"
        for i in ESTIMATE_INDICATOR_ORDER
    }
    table = wide.loc[order, columns].rename(columns=headers)
    return table.rename_axis(None, axis=1).rename_axis(None, axis=0)


ESTIMATE_INDICATOR_ORDER = ["injury_incidence", "episode_rate_per_1000py", "episodes_per_injured"]
