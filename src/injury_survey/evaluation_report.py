"""How the evaluation is shown: table T21, the data of figure F9 and the sentences of the report's
evaluation section, in Chinese and English.

The wording never claims more than the interval supports: a change is stated ("fell by 24 %
(95 % CI 5 % to 39 %)") only when its CI excludes no change; otherwise the text says no change
was detectable and gives the smallest change the samples could have detected
(:func:`injury_survey.evaluation.detectable_change`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from injury_survey.evaluation_settings import EvaluationSettings
from injury_survey.report_tables.workbook import bilingual
from injury_survey.reproducible import reproducible_xlsx

INDICATOR_ORDER = ("injury_incidence", "injury_incidence_std", "target_group")
# Indicators in percent (T21, F9); the cost per episode has its own sentence.
PROPORTIONS = INDICATOR_ORDER
COST = "cost_medical_per_episode"
BY_ORDER = ("all", "sex", "age_group")
T21_TITLE_ZH = "基线与随访调查伤害发生率比较"
T21_TITLE_EN = "injury incidence at baseline and follow-up"


def item_label(row: Mapping, settings: EvaluationSettings, codebook, lang: str) -> str:
    """Label of a comparison row: the indicator, the domain level, or the target group."""
    if row["indicator"] == "target_group":
        group = next(g for g in settings.target_groups if g.name == row["by"])
        return group.label_zh if lang == "zh" else group.label_en
    name = codebook.text(row["indicator"], lang)
    if row["by"] == "all":
        return name
    if row["by"] == "sex":
        level = codebook.label("sex", int(float(row["level"])), lang)
    else:
        level = str(row["level"]).replace("-", "–")
    return f"{name}：{level}" if lang == "zh" else f"{name}: {level}"


def _ordered(comparisons: pd.DataFrame) -> pd.DataFrame:
    comparisons = comparisons[comparisons["indicator"].isin(PROPORTIONS)]
    order = comparisons.assign(
        _i=comparisons["indicator"].map({k: i for i, k in enumerate(INDICATOR_ORDER)}),
        _b=comparisons["by"].map({k: i for i, k in enumerate(BY_ORDER)}).fillna(len(BY_ORDER)),
    )
    keys = order[["_i", "_b", "indicator", "by", "level"]].drop_duplicates()
    return keys.sort_values(["_i", "_b"], kind="stable")[["indicator", "by", "level"]]


def _pct(value: float, decimals: int = 2) -> str:
    return "—" if value is None or math.isnan(value) else f"{100 * value:.{decimals}f}"


def interval_text(row: Mapping | None, *, scale: float, decimals: int) -> str:
    """``"12.3 (10.1, 14.5)"``: a comparison row's estimate and CI, scaled; "—" without one."""
    if row is None or math.isnan(row["estimate"]):
        return "—"
    return (
        f"{scale * row['estimate']:.{decimals}f} "
        f"({scale * row['ci_lower']:.{decimals}f}, {scale * row['ci_upper']:.{decimals}f})"
    )


def t21_table(
    comparisons: pd.DataFrame, settings: EvaluationSettings, codebook, *, lang: str
) -> pd.DataFrame:
    """T21: baseline vs follow-up of every indicator (incidence in %), the change in percentage
    points and the ratio with their CIs, the minimum detectable change, and with a comparison
    area its ratio and the ratio of ratios."""
    heads = {
        "item": ("指标", "Indicator"),
        "baseline": ("基线（%）", "Baseline (%)"),
        "followup": ("随访（%）", "Follow-up (%)"),
        "difference": ("变化（百分点，CI）", "Change (pp, CI)"),
        "ratio": ("随访/基线（CI）", "Follow-up/baseline (CI)"),
        "mdc": ("最小可检出下降（百分点）", "Minimum detectable fall (pp)"),
        "comparison_ratio": ("对照地区随访/基线（CI）", "Comparison area follow-up/baseline (CI)"),
        "ratio_of_ratios": ("比值之比（CI）", "Ratio of ratios (CI)"),
        "did": ("差值之差（百分点，CI）", "Difference in differences (pp, CI)"),
    }
    index = 0 if lang == "zh" else 1
    rows = []
    for _, key in _ordered(comparisons).iterrows():
        part = comparisons[
            (comparisons["indicator"] == key["indicator"])
            & (comparisons["by"] == key["by"])
            & (comparisons["level"] == key["level"])
        ].set_index(["area", "contrast"])
        if ("intervention", "difference") not in part.index:
            continue
        diff = part.loc[("intervention", "difference")]
        ratio = part.loc[("intervention", "ratio")]
        row = {
            "item": item_label(key, settings, codebook, lang),
            "baseline": _pct(diff["baseline"]),
            "followup": _pct(diff["followup"]),
            "difference": interval_text(diff, scale=100, decimals=2),
            "ratio": interval_text(ratio, scale=1, decimals=2),
            "mdc": _pct(diff["mdc"]),
        }
        if settings.has_comparison:
            for column, where in (
                ("comparison_ratio", ("comparison", "ratio")),
                ("ratio_of_ratios", ("between", "ratio_of_ratios")),
            ):
                row[column] = (
                    interval_text(part.loc[where], scale=1, decimals=2)
                    if where in part.index
                    else "—"
                )
            did = part.loc[("between", "difference_in_differences")]
            row["did"] = interval_text(did, scale=100, decimals=2)
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.rename(columns={k: v[index] for k, v in heads.items()})


def forest_table(
    comparisons: pd.DataFrame, settings: EvaluationSettings, codebook, *, lang: str
) -> pd.DataFrame:
    """F9's rows: the follow-up/baseline ratio of each target group and of overall incidence
    (crude and standardised), per area, and the ratio of ratios; columns ``label``, ``series``
    (intervention, comparison, ratio_of_ratios), ``estimate``, ``ci_lower``, ``ci_upper``."""
    wanted = comparisons[
        (comparisons["by"].isin(["all"]) | (comparisons["indicator"] == "target_group"))
        & comparisons["contrast"].isin(["ratio", "ratio_of_ratios"])
    ]
    rows = []
    for _, key in _ordered(wanted).iterrows():
        part = wanted[
            (wanted["indicator"] == key["indicator"])
            & (wanted["by"] == key["by"])
            & (wanted["level"] == key["level"])
        ]
        label = item_label(key, settings, codebook, lang)
        label = label[:1].upper() + label[1:]  # a row label, as in the other figures
        for _, row in part.iterrows():
            series = "ratio_of_ratios" if row["contrast"] == "ratio_of_ratios" else row["area"]
            rows.append(
                {
                    "label": label,
                    "series": series,
                    "estimate": row["estimate"],
                    "ci_lower": row["ci_lower"],
                    "ci_upper": row["ci_upper"],
                }
            )
    return pd.DataFrame(rows, columns=["label", "series", "estimate", "ci_lower", "ci_upper"])


def change_sentence(ratio: Mapping, mdc: float, *, label: str, lang: str, confidence: float) -> str:
    """One sentence on a follow-up/baseline ratio row that claims no more than its CI."""
    level = f"{100 * confidence:g}"
    r, lo, hi = ratio["estimate"], ratio["ci_lower"], ratio["ci_upper"]
    if any(map(math.isnan, (r, lo, hi))):
        return (
            f"{label}：两轮中至少一轮无病例，无法计算变化。"
            if lang == "zh"
            else f"{label}: no case in at least one wave, so no change can be estimated."
        )
    if hi < 1:
        fall, low_fall, high_fall = (100 * (1 - x) for x in (r, hi, lo))
        if lang == "zh":
            return (
                f"{label}下降了{fall:.0f}%（{level}%置信区间：{low_fall:.0f}%～{high_fall:.0f}%）。"
            )
        return f"{label} fell by {fall:.0f} % ({level} % CI {low_fall:.0f} % to {high_fall:.0f} %)."
    if lo > 1:
        rise, low_rise, high_rise = (100 * (x - 1) for x in (r, lo, hi))
        if lang == "zh":
            return (
                f"{label}上升了{rise:.0f}%（{level}%置信区间：{low_rise:.0f}%～{high_rise:.0f}%）。"
            )
        return f"{label} rose by {rise:.0f} % ({level} % CI {low_rise:.0f} % to {high_rise:.0f} %)."
    baseline = ratio["baseline"]
    if lang == "zh":
        text = f"{label}未检测到变化（随访/基线比值{r:.2f}，{level}%置信区间：{lo:.2f}～{hi:.2f}）"
        if math.isnan(mdc):
            return text + "；以本次样本量，即使降至零也无法检出。"
        return (
            text + f"；以本次样本量，可检出的最小下降为{100 * mdc:.2f}个百分点"
            f"（基线的{100 * mdc / baseline:.0f}%）。"
        )
    text = f"{label}: no change detectable (follow-up/baseline {r:.2f}, {level} % CI {lo:.2f} to {hi:.2f})"
    if math.isnan(mdc):
        return text + "; with these samples not even a fall to zero would have been detectable."
    return (
        text + f"; the smallest fall these samples could detect was {100 * mdc:.2f} percentage "
        f"points ({100 * mdc / baseline:.0f} % of the baseline)."
    )


def relative_sentence(row: Mapping, *, label: str, lang: str, confidence: float) -> str:
    """One sentence on a ratio of ratios: the change beyond the comparison area's."""
    level = f"{100 * confidence:g}"
    r, lo, hi = row["estimate"], row["ci_lower"], row["ci_upper"]
    interval = (
        f"（比值之比{r:.2f}，{level}%置信区间：{lo:.2f}～{hi:.2f}）"
        if lang == "zh"
        else f" (ratio of ratios {r:.2f}, {level} % CI {lo:.2f} to {hi:.2f})"
    )
    if hi < 1:
        return (
            f"与对照地区相比，{label}的下降幅度更大{interval}。"
            if lang == "zh"
            else f"{label} fell more than in the comparison area{interval}."
        )
    if lo > 1:
        return (
            f"与对照地区相比，{label}相对上升{interval}。"
            if lang == "zh"
            else f"{label} rose relative to the comparison area{interval}."
        )
    return (
        f"与对照地区相比，{label}的变化未见可检出的差异{interval}。"
        if lang == "zh"
        else f"{label}: no difference from the comparison area's change detectable{interval}."
    )


def evaluation_sentences(
    comparisons: pd.DataFrame,
    settings: EvaluationSettings,
    codebook,
    *,
    lang: str,
    confidence: float,
) -> list[str]:
    """The evaluation section's findings: overall incidence (crude, standardised) and every
    target group, then (with a comparison area) the change beyond the comparison area's, and the
    multiplicity note."""
    # injury_survey.evaluation loads the designs (svy, polars): only for its note, here.
    from injury_survey.evaluation import MULTIPLICITY_NOTE

    keys = _ordered(comparisons)
    keys = keys[(keys["by"] == "all") | (keys["indicator"] == "target_group")]
    out = []
    for _, key in keys.iterrows():
        part = comparisons[
            (comparisons["indicator"] == key["indicator"])
            & (comparisons["by"] == key["by"])
            & (comparisons["level"] == key["level"])
        ].set_index(["area", "contrast"])
        label = item_label(key, settings, codebook, lang)
        label = label[:1].upper() + label[1:]  # each finding starts a sentence
        ratio = part.loc[("intervention", "ratio")]
        out.append(
            change_sentence(ratio, ratio["mdc"], label=label, lang=lang, confidence=confidence)
        )
        if ("between", "ratio_of_ratios") in part.index:
            out.append(
                relative_sentence(
                    part.loc[("between", "ratio_of_ratios")],
                    label=label,
                    lang=lang,
                    confidence=confidence,
                )
            )
    cost = cost_sentence(comparisons, settings, lang=lang, confidence=confidence)
    if cost:
        out.append(cost)
    out.append(MULTIPLICITY_NOTE[lang])
    return out


def cost_sentence(
    comparisons: pd.DataFrame, settings: EvaluationSettings, *, lang: str, confidence: float
) -> str | None:
    """The direct medical cost per case episode at both waves, at baseline prices."""
    rows = comparisons[
        (comparisons["indicator"] == COST)
        & (comparisons["area"] == "intervention")
        & (comparisons["contrast"] == "ratio")
    ]
    if rows.empty:
        return None
    row = rows.iloc[0]
    level = f"{100 * confidence:g}"
    cpi = f"{settings.cpi_factor:g}"
    r, lo, hi = row["estimate"], row["ci_lower"], row["ci_upper"]
    if lang == "zh":
        text = (
            f"人次均直接医疗费用（按基线价格，随访费用除以CPI系数{cpi}）：基线{row['baseline']:.0f}元，"
            f"随访{row['followup']:.0f}元，随访/基线比值{r:.2f}（{level}%置信区间：{lo:.2f}～{hi:.2f}）"
        )
        return text + ("。" if lo <= 1 <= hi else "，变化有统计学意义。")
    text = (
        f"Direct medical cost per case episode at baseline prices (follow-up costs divided by the "
        f"CPI factor {cpi}): {row['baseline']:.0f} yuan at baseline, {row['followup']:.0f} at "
        f"follow-up, ratio {r:.2f} ({level} % CI {lo:.2f} to {hi:.2f})"
    )
    return text + ("." if lo <= 1 <= hi else "; the CI excludes no change.")


def write_t21_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> Path:
    """T21 in each language as ``T21_<lang>.csv`` and as the sheets of
    ``evaluation_tables.xlsx`` (no write times in the workbook: same results, same bytes)."""
    out_dir = Path(out_dir)
    path = out_dir / "evaluation_tables.xlsx"
    with pd.ExcelWriter(path) as workbook:
        for lang, table in tables.items():
            table.to_excel(workbook, sheet_name=f"T21_{lang}", index=False)
            table.to_csv(out_dir / f"T21_{lang}.csv", index=False)
    reproducible_xlsx(path)
    return path


def append_t21_sheet(workbook: str | Path, comparisons: pd.DataFrame, settings, codebook) -> Path:
    """Add T21 as a sheet of an existing report tables workbook (headers and labels bilingual)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    # injury_survey.evaluation loads the designs (svy, polars): only for its note, here.
    from injury_survey.evaluation import MULTIPLICITY_NOTE

    zh = t21_table(comparisons, settings, codebook, lang="zh")
    en = t21_table(comparisons, settings, codebook, lang="en")
    book = load_workbook(workbook)
    if "T21" in book.sheetnames:
        del book["T21"]
    sheet = book.create_sheet("T21")
    sheet.append([f"T21 {bilingual(T21_TITLE_ZH, T21_TITLE_EN)}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([bilingual(a, b) for a, b in zip(zh.columns, en.columns, strict=True)])
    for (_, row_zh), (_, row_en) in zip(zh.iterrows(), en.iterrows(), strict=True):
        sheet.append([bilingual(row_zh.iloc[0], row_en.iloc[0]), *map(str, row_en.iloc[1:])])
    sheet.append([])
    sheet.append([f"{MULTIPLICITY_NOTE['zh']} {MULTIPLICITY_NOTE['en']}"])
    book.save(workbook)
    reproducible_xlsx(workbook)
    return Path(workbook)
