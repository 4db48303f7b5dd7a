"""How the programme part of the evaluation is shown: table T24, the rows of its forest plot
(figure F9b) and the sentences of the report, in Chinese and English.

As for the injury indicators (:mod:`injury_survey.evaluation_report`), a change is stated only
when its CI excludes no change; otherwise the text says none was detectable and gives the
smallest change the samples could have detected. Proportions print in per cent and their changes
in percentage points; the knowledge score is already in points (per cent of the items right).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from injury_survey.evaluation_report import interval_text
from injury_survey.evaluation_settings import EvaluationSettings
from injury_survey.programme_indicators import AWARE, PASSED, SCORE, ProgrammeItems
from injury_survey.programme_report import SECTION_NAMES, item_name
from injury_survey.report_tables.workbook import bilingual
from injury_survey.reproducible import reproducible_xlsx

T24_TITLE_ZH = "基线与随访调查安全社区知晓、安全知识与家庭安全措施比较"
T24_TITLE_EN = "programme awareness, safety knowledge and home safety at baseline and follow-up"
SECTION_ORDER = ("awareness", "knowledge_score", "knowledge_item", "home_safety")
HEADLINE = (AWARE, SCORE, PASSED)
MULTIPLICITY_NOTE = {
    "zh": "各项目的比较为描述性结果，未做多重比较校正。",
    "en": "Comparisons by item are descriptive and not corrected for multiplicity.",
}
# What a knowledge item's or a home measure's share counts, around its codebook label.
SHARE_OF = {
    "knowledge_item": ("{item}（答对比例）", "{item} (share answering right)"),
    "home_safety": ("{item}（家庭比例）", "{item} (share of households)"),
}


def finding_label(item: str, section: str, items: ProgrammeItems, lang: str) -> str:
    """The item as the subject of a sentence: the share it is, for knowledge and home items."""
    name = item_name(item, items, lang)
    if section in SHARE_OF:
        name = SHARE_OF[section][0 if lang == "zh" else 1].format(item=name)
    return name


def read_comparisons(path: str | Path) -> pd.DataFrame | None:
    """``programme_comparisons.csv``, or None when absent or empty (no programme tables)."""
    path = Path(path)
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"level": str})
    return None if table.empty or "indicator" not in table.columns else table


def ordered_items(comparisons: pd.DataFrame) -> list[str]:
    """Items in report order: awareness, score and pass share, knowledge items, home safety."""
    first = comparisons.drop_duplicates("indicator")
    rank = first["section"].map({s: i for i, s in enumerate(SECTION_ORDER)})
    return list(first.assign(_r=rank).sort_values("_r", kind="stable")["indicator"])


def _scale(statistic: str) -> float:
    return 1.0 if statistic == "mean" else 100.0


def _rows(comparisons: pd.DataFrame, item: str) -> pd.DataFrame:
    return comparisons[comparisons["indicator"] == item].set_index(["area", "contrast"])


def _get(part: pd.DataFrame, area: str, contrast: str):
    return part.loc[(area, contrast)] if (area, contrast) in part.index else None


def t24_table(
    comparisons: pd.DataFrame,
    settings: EvaluationSettings,
    items: ProgrammeItems,
    *,
    lang: str,
) -> pd.DataFrame:
    """T24: per programme item the baseline and follow-up estimate, the change with its CI
    (percentage points; points for the score), the follow-up/baseline ratio, the minimum
    detectable change and, with a comparison area, that area's change and the
    difference-in-differences."""
    heads = {
        "section": ("部分", "Section"),
        "item": ("指标", "Indicator"),
        "baseline": ("基线", "Baseline"),
        "followup": ("随访", "Follow-up"),
        "difference": ("变化（CI）", "Change (CI)"),
        "ratio": ("随访/基线（CI）", "Follow-up/baseline (CI)"),
        "mdc": ("最小可检出变化", "Minimum detectable change"),
        "comparison": ("对照地区变化（CI）", "Comparison area change (CI)"),
        "did": ("差值之差（CI）", "Difference in differences (CI)"),
    }
    index = 0 if lang == "zh" else 1
    rows = []
    for item in ordered_items(comparisons):
        part = _rows(comparisons, item)
        diff = _get(part, "intervention", "difference")
        if diff is None:
            continue
        scale = _scale(part["statistic"].iloc[0])
        row = {
            "section": SECTION_NAMES[part["section"].iloc[0]][index],
            "item": item_name(item, items, lang),
            "baseline": f"{scale * diff['baseline']:.1f}",
            "followup": f"{scale * diff['followup']:.1f}",
            "difference": interval_text(diff, scale=scale, decimals=1),
            "ratio": interval_text(_get(part, "intervention", "ratio"), scale=1.0, decimals=2),
            "mdc": "—" if math.isnan(diff["mdc"]) else f"{scale * diff['mdc']:.1f}",
        }
        if settings.has_comparison:
            row["comparison"] = interval_text(
                _get(part, "comparison", "difference"), scale=scale, decimals=1
            )
            row["did"] = interval_text(
                _get(part, "between", "difference_in_differences"), scale=scale, decimals=1
            )
        rows.append(row)
    table = pd.DataFrame(
        rows,
        columns=[k for k in heads if settings.has_comparison or k not in ("comparison", "did")],
    )
    return table.rename(columns={k: v[index] for k, v in heads.items()})


def t24_note(lang: str, confidence: float) -> str:
    level = f"{100 * confidence:g}"
    if lang == "zh":
        return (
            f"比例以%表示，其变化以百分点表示；平均得分为答对题目的百分比，其变化以分表示。括号内为"
            f"{level}%置信区间；比值在对数尺度上计算。最小可检出变化按两轮实际标准误计算。"
            + MULTIPLICITY_NOTE["zh"]
        )
    return (
        "Proportions in per cent and their changes in percentage points; the mean score is the "
        f"per cent of items right and its change is in points. {level} % CIs in brackets; "
        "ratios on the log scale. The minimum detectable change uses the two waves' achieved "
        "standard errors. " + MULTIPLICITY_NOTE["en"]
    )


def forest_rows(comparisons: pd.DataFrame, items: ProgrammeItems, *, lang: str) -> pd.DataFrame:
    """The forest plot's rows (as :func:`injury_survey.evaluation_report.forest_table`): the
    follow-up/baseline ratio per area and the ratio of ratios of every item."""
    rows = []
    for item in ordered_items(comparisons):
        part = comparisons[comparisons["indicator"] == item]
        label = item_name(item, items, lang)
        label = label[:1].upper() + label[1:]
        for _, row in part[part["contrast"].isin(["ratio", "ratio_of_ratios"])].iterrows():
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


def change_sentence(part: pd.DataFrame, label: str, *, lang: str, confidence: float) -> str:
    """The town's change of one item, claiming no more than its CI, and (with a comparison area)
    the change beyond the comparison area's."""
    level = f"{100 * confidence:g}"
    scale = _scale(part["statistic"].iloc[0])
    zh_unit, en_unit = ("分", "points") if scale == 1 else ("个百分点", "percentage points")
    diff = part.loc[("intervention", "difference")]
    b, f = scale * diff["baseline"], scale * diff["followup"]
    d, lo, hi = (scale * diff[c] for c in ("estimate", "ci_lower", "ci_upper"))
    pct = "" if scale == 1 else "%"
    pct_en = "" if scale == 1 else " %"
    if lo > 0 or hi < 0:
        verb_zh, verb_en = ("上升", "rose") if d > 0 else ("下降", "fell")
        text_zh = (
            f"{label}从基线的{b:.1f}{pct}{verb_zh}至随访的{f:.1f}{pct}（变化{d:+.1f}{zh_unit}，"
            f"{level}%置信区间：{lo:+.1f}～{hi:+.1f}）"
        )
        text_en = (
            f"{label} {verb_en} from {b:.1f}{pct_en} at baseline to {f:.1f}{pct_en} at follow-up "
            f"({d:+.1f} {en_unit}, {level} % CI {lo:+.1f} to {hi:+.1f})"
        )
    else:
        mdc = scale * diff["mdc"]
        text_zh = (
            f"{label}未检测到变化（基线{b:.1f}{pct}，随访{f:.1f}{pct}，变化{d:+.1f}{zh_unit}，"
            f"{level}%置信区间：{lo:+.1f}～{hi:+.1f}；可检出的最小变化为{mdc:.1f}{zh_unit}）"
        )
        text_en = (
            f"{label}: no change detectable ({b:.1f}{pct_en} at baseline, {f:.1f}{pct_en} at "
            f"follow-up, {d:+.1f} {en_unit}, {level} % CI {lo:+.1f} to {hi:+.1f}; the smallest "
            f"detectable change was {mdc:.1f} {en_unit})"
        )
    did = (
        part.loc[("between", "difference_in_differences")]
        if ("between", "difference_in_differences") in part.index
        else None
    )
    if did is not None:
        e, lo, hi = (scale * did[c] for c in ("estimate", "ci_lower", "ci_upper"))
        if lo > 0 or hi < 0:
            text_zh += f"；扣除对照地区同期变化后为{e:+.1f}{zh_unit}（{lo:+.1f}～{hi:+.1f}）"
            text_en += (
                f"; beyond the comparison area's change, {e:+.1f} {en_unit} "
                f"({lo:+.1f} to {hi:+.1f})"
            )
        else:
            text_zh += (
                f"；与对照地区同期变化相比未见可检出的差异（差值之差{e:+.1f}{zh_unit}，"
                f"{lo:+.1f}～{hi:+.1f}）"
            )
            text_en += (
                f"; no difference from the comparison area's change detectable "
                f"({e:+.1f} {en_unit}, {lo:+.1f} to {hi:+.1f})"
            )
    return text_zh + "。" if lang == "zh" else text_en + "."


def programme_sentences(
    comparisons: pd.DataFrame, items: ProgrammeItems, *, lang: str, confidence: float
) -> list[str]:
    """Awareness, the mean score and the pass share, then every other item whose change the CI
    supports, then the items without a detectable change named in one sentence."""
    out, quiet = [], []
    for item in ordered_items(comparisons):
        part = _rows(comparisons, item)
        if ("intervention", "difference") not in part.index:
            continue
        diff = part.loc[("intervention", "difference")]
        if item in HEADLINE or diff["ci_lower"] > 0 or diff["ci_upper"] < 0:
            label = finding_label(item, part["section"].iloc[0], items, lang)
            label = label[:1].upper() + label[1:]
            out.append(change_sentence(part, label, lang=lang, confidence=confidence))
        else:
            quiet.append(item_name(item, items, lang))
    if quiet:
        out.append(
            f"干预地区其余项目未检测到变化：{'、'.join(quiet)}（见表）。"
            if lang == "zh"
            else "In the intervention area no change was detectable in the other items: "
            f"{', '.join(quiet)} (see the table)."
        )
    return out


def followup_paragraph(
    comparisons: pd.DataFrame, items: ProgrammeItems, *, lang: str, confidence: float
) -> str:
    """The change in one or two sentences for the programme paragraph: awareness and the share
    passing the knowledge test."""
    sentences = []
    for item in (AWARE, PASSED):
        part = _rows(comparisons, item)
        if ("intervention", "difference") in part.index:
            label = item_name(item, items, lang)
            if sentences:
                label = label[:1].upper() + label[1:]
            sentences.append(change_sentence(part, label, lang=lang, confidence=confidence))
    if not sentences:
        return ""
    if lang == "zh":
        return "与基线相比，" + "".join(sentences)
    return "Compared with the baseline, " + " ".join(sentences)


def append_t24_sheet(
    workbook: str | Path, comparisons: pd.DataFrame, settings, items: ProgrammeItems, confidence
) -> Path:
    """Add T24 as a sheet of an existing tables workbook (headers and labels bilingual)."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    zh = t24_table(comparisons, settings, items, lang="zh")
    en = t24_table(comparisons, settings, items, lang="en")
    book = load_workbook(workbook)
    if "T24" in book.sheetnames:
        del book["T24"]
    sheet = book.create_sheet("T24")
    sheet.append([f"T24 {bilingual(T24_TITLE_ZH, T24_TITLE_EN)}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append([bilingual(a, b) for a, b in zip(zh.columns, en.columns, strict=True)])
    for (_, row_zh), (_, row_en) in zip(zh.iterrows(), en.iterrows(), strict=True):
        labels = [bilingual(row_zh.iloc[i], row_en.iloc[i]) for i in (0, 1)]
        sheet.append([*labels, *map(str, row_en.iloc[2:])])
    sheet.append([])
    sheet.append([f"{t24_note('zh', confidence)} {t24_note('en', confidence)}"])
    book.save(workbook)
    reproducible_xlsx(workbook)
    return Path(workbook)
