"""The report's evaluation section: findings worded from the intervals, table T21 and figure F9;
with programme tables in the waves, their findings, table T24 and figure F9b.

Read from ``results/evaluation/`` (written by notebook 11): ``comparisons.csv``,
``logistic.csv``, ``programme_comparisons.csv`` and ``figures/f09*_<lang>.png``. Without an ``evaluation`` block in the
config, or before the evaluation has run, there is no section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from injury_survey.evaluation_report import (
    T21_TITLE_EN,
    T21_TITLE_ZH,
    evaluation_sentences,
    t21_table,
)
from injury_survey.evaluation_settings import EvaluationSettings
from injury_survey.programme_evaluation_report import (
    T24_TITLE_EN,
    T24_TITLE_ZH,
    programme_sentences,
    read_comparisons,
    t24_note,
    t24_table,
)
from injury_survey.programme_indicators import programme_items
from injury_survey.report_document.inputs import FigureFile, find_figures

PROGRAMME_FIGURE = "f09b_programme"
HEADING = {"zh": "干预效果评估", "en": "Evaluation of the programmes"}
T21_TITLE = {"zh": T21_TITLE_ZH, "en": T21_TITLE_EN[:1].upper() + T21_TITLE_EN[1:]}


def _design_text(settings: EvaluationSettings, confidence: float) -> dict[str, str]:
    level = f"{100 * confidence:g}"
    zh = (
        f"{settings.area_zh}基线调查与随访调查为相互独立的样本，合并为一个分层设计（各轮的层和校准"
        f"单元分开）估计两轮之差与之比及其{level}%置信区间（比值在对数尺度上计算）"
    )
    en = (
        f"The baseline and follow-up surveys of {settings.area_en} are independent samples, "
        "analysed as one stacked design (each wave's strata and calibration cells kept apart) for "
        f"the difference and the ratio of the two waves with {level} % CIs (ratios on the log "
        "scale)"
    )
    if settings.has_comparison:
        zh += (
            f"；{settings.comparison_area_zh}作为对照地区在相同时间调查，"
            "以差值之差和比值之比扣除其同期变化"
        )
        en += (
            f"; {settings.comparison_area_en}, surveyed at the same times, is the comparison "
            "area whose change the difference-in-differences and the ratio of ratios take out"
        )
    zh += "。每项比较旁给出按实际样本量计算的最小可检出下降，未检出变化不等于没有变化。"
    en += (
        ". Beside every comparison is the smallest fall the samples achieved could detect: "
        "a change not detected is not shown to be absent."
    )
    return {"zh": zh, "en": en}


def _model_text(model: pd.DataFrame, confidence: float) -> dict[str, str] | None:
    """The pooled model's key odds ratio: the interaction with a comparison area, else the wave."""
    terms = model.set_index("term")
    term = "intervention_x_followup" if "intervention_x_followup" in terms.index else "followup"
    if term not in terms.index:
        return None
    row = terms.loc[term]
    level = f"{100 * confidence:g}"
    odds, low, high = row["odds_ratio"], row["odds_ratio_lower"], row["odds_ratio_upper"]
    if any(map(math.isnan, (odds, low, high))):
        return None
    if term == "intervention_x_followup":
        return {
            "zh": f"调整年龄组和性别的合并logistic回归中，干预地区随访相对于对照地区同期变化的比值比"
            f"为{odds:.2f}（{level}%置信区间：{low:.2f}～{high:.2f}）。",
            "en": f"In the pooled logistic regression adjusted for age group and sex, the odds "
            f"ratio of the intervention area's change relative to the comparison area's is "
            f"{odds:.2f} ({level} % CI {low:.2f} to {high:.2f}).",
        }
    return {
        "zh": f"调整年龄组和性别的合并logistic回归中，随访相对于基线的比值比为{odds:.2f}"
        f"（{level}%置信区间：{low:.2f}～{high:.2f}）。",
        "en": f"In the pooled logistic regression adjusted for age group and sex, the odds ratio "
        f"of follow-up against baseline is {odds:.2f} ({level} % CI {low:.2f} to {high:.2f}).",
    }


def _t21(comparisons, settings, codebook) -> dict[str, Any]:
    """T21 with bilingual header and label cells (numbers are the same in both languages)."""
    tables = {lang: t21_table(comparisons, settings, codebook, lang=lang) for lang in ("zh", "en")}
    zh, en = tables["zh"], tables["en"]
    header = [{"zh": a, "en": b} for a, b in zip(zh.columns, en.columns, strict=True)]
    rows = []
    for (_, row_zh), (_, row_en) in zip(zh.iterrows(), en.iterrows(), strict=True):
        label = {"zh": row_zh.iloc[0], "en": row_en.iloc[0]}
        rows.append({"label": label, "cells": [str(v) for v in row_en.iloc[1:]]})
    return {"title": T21_TITLE, "header": header, "rows": rows}


def _programme(folder: Path, settings, codebook, confidence: float) -> dict[str, Any] | None:
    """The programme indicators' part: findings and T24 (section and indicator cells
    bilingual), from ``programme_comparisons.csv``; None without programme tables."""
    comparisons = read_comparisons(folder / "programme_comparisons.csv")
    if comparisons is None:
        return None
    items = programme_items(codebook)
    tables = {lang: t24_table(comparisons, settings, items, lang=lang) for lang in ("zh", "en")}
    zh, en = tables["zh"], tables["en"]
    findings = {
        lang: programme_sentences(comparisons, items, lang=lang, confidence=confidence)
        for lang in ("zh", "en")
    }
    return {
        "heading": {
            "zh": "安全社区知晓、安全知识与家庭安全措施",
            "en": "Awareness, safety knowledge and home safety",
        },
        "findings": [
            {"zh": a, "en": b} for a, b in zip(findings["zh"], findings["en"], strict=True)
        ],
        "title": {"zh": T24_TITLE_ZH, "en": T24_TITLE_EN[:1].upper() + T24_TITLE_EN[1:]},
        "header": [{"zh": a, "en": b} for a, b in zip(zh.columns, en.columns, strict=True)],
        "rows": [
            {
                "labels": [{"zh": row_zh.iloc[i], "en": row_en.iloc[i]} for i in (0, 1)],
                "cells": [str(v) for v in row_en.iloc[2:]],
            }
            for (_, row_zh), (_, row_en) in zip(zh.iterrows(), en.iterrows(), strict=True)
        ],
        "note": {lang: t24_note(lang, confidence) for lang in ("zh", "en")},
    }


def _trend(trend: pd.DataFrame) -> dict[str, Any]:
    """Incidence per wave (crude, standardised, in %) and the ratio of crude incidence to the
    first wave."""

    def cell(row, scale, decimals, columns=("estimate", "ci_lower", "ci_upper")):
        value, low, high = (row[c] for c in columns)
        if math.isnan(low):
            return f"{scale * value:.{decimals}f}"
        return f"{scale * value:.{decimals}f} ({scale * low:.{decimals}f}, {scale * high:.{decimals}f})"

    crude = trend[trend["indicator"] == "injury_incidence"].set_index("wave")
    std = trend[trend["indicator"] == "injury_incidence_std"].set_index("wave")
    rows = [
        {
            "label": {"zh": wave, "en": wave},
            "cells": [
                cell(crude.loc[wave], 100, 2),
                cell(std.loc[wave], 100, 2),
                cell(crude.loc[wave], 1, 2, ("ratio_to_first", "ratio_ci_lower", "ratio_ci_upper")),
            ],
        }
        for wave in crude.index
    ]
    header = [
        {"zh": "调查轮次", "en": "Wave"},
        {"zh": "伤害发生率（%，CI）", "en": "Injury incidence (%, CI)"},
        {"zh": "标化伤害发生率（%，CI）", "en": "Age-standardised incidence (%, CI)"},
        {"zh": "与第一轮之比（CI）", "en": "Ratio to the first wave (CI)"},
    ]
    return {
        "title": {"zh": "多轮调查伤害发生率趋势", "en": "Trend of injury incidence over the waves"},
        "header": header,
        "rows": rows,
    }


def evaluation_section(
    results_dir: str | Path,
    config: Mapping[str, Any],
    codebook,
    languages: Sequence[str],
) -> dict[str, Any] | None:
    """The section's content, or None when there is no evaluation to show.

    ``figures`` are :class:`FigureFile` objects for the document to number and embed.
    """
    settings = EvaluationSettings.from_config(config)
    folder = Path(results_dir) / "evaluation"
    if settings is None or not (folder / "comparisons.csv").is_file():
        return None
    comparisons = pd.read_csv(folder / "comparisons.csv", dtype={"level": str})
    confidence = float(config.get("estimation", {}).get("confidence", 0.95))
    findings = {
        lang: evaluation_sentences(
            comparisons, settings, codebook, lang=lang, confidence=confidence
        )
        for lang in ("zh", "en")
    }
    model = None
    if (folder / "logistic.csv").is_file():
        model = _model_text(pd.read_csv(folder / "logistic.csv"), confidence)
    figures: list[FigureFile] = find_figures(folder / "figures", languages)
    programme = _programme(folder, settings, codebook, confidence)
    if programme is not None:
        programme["figures"] = [f for f in figures if f.stem == PROGRAMME_FIGURE]
    figures = [f for f in figures if f.stem != PROGRAMME_FIGURE]
    trend = None
    if (folder / "trend.csv").is_file():
        trend = _trend(pd.read_csv(folder / "trend.csv"))
    return {
        "heading": HEADING,
        "design": _design_text(settings, confidence),
        "findings": [
            {"zh": zh, "en": en} for zh, en in zip(findings["zh"], findings["en"], strict=True)
        ],
        "model": model,
        "t21": _t21(comparisons, settings, codebook),
        "figures": figures,
        "trend": trend,
        "programme": programme,
    }
