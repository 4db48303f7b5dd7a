"""The programme section's table, headline sentence and report block, in Chinese and English.

Both show the overall estimates of :func:`injury_survey.programme_indicators.estimate_programme`:
awareness, each source's share among the aware, each knowledge item's share right, the share
passing the knowledge test, the mean score, and each home-safety measure. Labels come from the
codebook's ``programme:`` block; flagged cells keep their flag, suppressed cells print "—".
"""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from injury_survey.codebook import Codebook
from injury_survey.programme_indicators import (
    AWARE,
    PASSED,
    SCORE,
    ProgrammeItems,
    programme_items,
)

SECTION_NAMES = {
    "awareness": ("安全社区知晓", "programme awareness"),
    "source": ("知晓者的信息来源", "source, among the aware"),
    "knowledge_item": ("安全知识题答对比例", "knowledge item answered right"),
    "knowledge_score": ("安全知识得分", "knowledge score"),
    "home_safety": ("家庭安全措施", "home-safety measure"),
}
ITEM_NAMES = {
    AWARE: ("知晓率", "awareness rate"),
    SCORE: ("平均得分（答对题目百分比）", "mean score (% of items right)"),
    PASSED: ("及格比例", "share passing"),
}
HEADERS = {
    "zh": ["部分", "指标", "估计值（95%CI）", "样本量", "说明"],
    "en": ["Section", "Indicator", "Estimate (95 % CI)", "n", "Note"],
}
FLAG_TEXT = {
    "unstable": ("估计不稳定", "unstable"),
    "suppressed": ("样本过少，不予发布", "suppressed (too few respondents)"),
}


def item_name(item: str, items: ProgrammeItems, lang: str) -> str:
    """An item's name in the tables and figures: the codebook's label, or the derived
    indicators' own names (awareness rate, mean score, share passing)."""
    if item in ITEM_NAMES:
        return ITEM_NAMES[item][0 if lang == "zh" else 1]
    return items.label(item, lang)


def language_index(lang: str) -> int:
    """0 for Chinese, 1 for English: the position of a language in the (zh, en) name pairs."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return 0 if lang == "zh" else 1


def overall(estimates: pd.DataFrame) -> pd.DataFrame:
    """The overall rows (``by == "all"``) in report order."""
    rows = estimates[estimates["by"] == "all"].copy()
    order = {section: i for i, section in enumerate(SECTION_NAMES)}
    rows["_order"] = rows["section"].map(order)
    return rows.sort_values("_order", kind="stable").drop(columns="_order")


def programme_table(estimates: pd.DataFrame, items: ProgrammeItems, lang: str) -> pd.DataFrame:
    """One row per overall estimate: section, indicator, ``12.3 (10.1–14.8)``, n, flag note.

    Proportions print as percentages, the mean score as a percentage of items right.
    """
    i = language_index(lang)
    rows = []
    for _, row in overall(estimates).iterrows():
        flag = row.get("flag")
        flags = [] if pd.isna(flag) else [f for f in str(flag).split(";") if f]
        if bool(row.get("suppressed")):
            value = "—"
        else:
            scale = 1.0 if row["statistic"] == "mean" else 100.0
            value = (
                f"{row['estimate'] * scale:.1f} "
                f"({row['ci_lower'] * scale:.1f}–{row['ci_upper'] * scale:.1f})"
            )
        note = (
            "；".join(FLAG_TEXT[f][i] for f in flags)
            if lang == "zh"
            else "; ".join(FLAG_TEXT[f][i] for f in flags)
        )
        rows.append(
            [
                SECTION_NAMES[row["section"]][i],
                item_name(row["item"], items, lang),
                value,
                int(row["n"]),
                note,
            ]
        )
    return pd.DataFrame(rows, columns=HEADERS[lang])


def programme_paragraph(estimates: pd.DataFrame, lang: str) -> str:
    """The headline numbers in one sentence: awareness rate and share passing the test."""
    rows = overall(estimates).set_index("item")
    parts = []
    if AWARE in rows.index:
        r = rows.loc[AWARE]
        parts.append(
            f"居民安全社区知晓率为{r['estimate'] * 100:.1f}%"
            f"（95%CI：{r['ci_lower'] * 100:.1f}%–{r['ci_upper'] * 100:.1f}%）"
            if lang == "zh"
            else f"{r['estimate'] * 100:.1f} % of residents knew of the Safe Community programme "
            f"(95 % CI {r['ci_lower'] * 100:.1f}–{r['ci_upper'] * 100:.1f} %)"
        )
    if PASSED in rows.index:
        r = rows.loc[PASSED]
        parts.append(
            f"安全知识及格比例为{r['estimate'] * 100:.1f}%"
            if lang == "zh"
            else f"{r['estimate'] * 100:.1f} % passed the safety-knowledge test"
        )
    if not parts:
        return ""
    return ("，".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")


def report_block(wave_dir: Path, codebook: Codebook) -> dict | None:
    """The programme part of the report for one wave, from ``<wave_dir>/programme/``: the
    headline sentence, the table (zh and en cells) and the figure images; ``None`` when the wave
    has no programme estimates."""
    path = wave_dir / "programme" / "estimates.csv"
    if not path.is_file():
        return None
    estimates = pd.read_csv(path, dtype={"level": str})
    if "item" not in estimates.columns:  # the "no programme tables" note
        return None
    items = programme_items(codebook)
    tables = {lang: programme_table(estimates, items, lang) for lang in ("zh", "en")}
    header = [{"zh": z, "en": e} for z, e in zip(HEADERS["zh"], HEADERS["en"], strict=True)]
    rows = [
        [{"zh": str(z), "en": str(e)} for z, e in zip(zh_row, en_row, strict=True)]
        for zh_row, en_row in zip(
            tables["zh"].itertuples(index=False), tables["en"].itertuples(index=False), strict=True
        )
    ]
    images = []
    for lang in ("zh", "en"):
        png = wave_dir / "programme" / f"programme_indicators_{lang}.png"
        if png.is_file():
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            caption = png.with_suffix(".txt")
            alt = caption.read_text(encoding="utf-8").strip() if caption.is_file() else ""
            images.append({"src": f"data:image/png;base64,{data}", "alt": alt, "lang": lang})
    return {
        "paragraph": {lang: programme_paragraph(estimates, lang) for lang in ("zh", "en")},
        "header": header,
        "rows": rows,
        "images": images,
    }


# ---------------------------------------------------------------------------------- workbook

WORKBOOK_TABLE_ID = "T23"
WORKBOOK_TITLE = (
    "安全社区知晓、安全知识与家庭安全措施",
    "Programme awareness, safety knowledge and home safety",
)
RESPONDENT_PREFIX = ("应答者", "respondent's ")
UNKNOWN_LEVEL = ("不详", "unknown")


def _by_label(words, by: str, lang: str) -> str:
    i = language_index(lang)
    if by == "all":
        return words.text("headings", "all", lang)
    if by.startswith("respondent_"):
        return RESPONDENT_PREFIX[i] + words.variable_label(by.removeprefix("respondent_"), lang)
    return words.variable_label(by, lang)


def _level_label(words, by: str, level: str, lang: str) -> str:
    if by == "all":
        return words.text("headings", "all", lang)
    if level == "unknown":
        return UNKNOWN_LEVEL[language_index(lang)]
    variable = by.removeprefix("respondent_")
    if variable == "age_group":
        return str(level)
    code = int(float(level)) if str(level).replace(".", "", 1).isdigit() else level
    return words.label(variable, code, lang)


def workbook_table(estimates: pd.DataFrame, items: ProgrammeItems, codebook, notes: str = ""):
    """The programme's report table (sheet T23 of ``report_tables.xlsx``): every estimate of
    ``programme/estimates.csv`` (overall and by group), labelled in both languages, as a
    :class:`~injury_survey.report_tables.core.Table` the workbook lays out like the others:
    "12.3 (10.1–14.8)" per cent (the mean score in % of items right), "*" unstable, "—"
    suppressed, the unweighted number answering the item as n. ``notes`` (e.g. the settings
    line) close the table notes."""
    from injury_survey.report_tables.core import Table, Words

    words = Words(codebook)
    data = estimates.copy()
    data["level"] = data["level"].astype(str)
    # estimates come item by item, each overall first and then by group: keep that order
    order = {section: i for i, section in enumerate(SECTION_NAMES)}
    data = data.assign(_order=data["section"].map(order)).sort_values("_order", kind="stable")
    data["unit"] = data["statistic"].map({"proportion": "proportion", "mean": "mean"})
    for lang in ("zh", "en"):
        i = language_index(lang)
        data[f"section_{lang}"] = [SECTION_NAMES[s][i] for s in data["section"]]
        data[f"item_{lang}"] = [item_name(t, items, lang) for t in data["item"]]
        data[f"by_{lang}"] = [_by_label(words, b, lang) for b in data["by"]]
        data[f"level_{lang}"] = [
            _level_label(words, b, v, lang) for b, v in zip(data["by"], data["level"], strict=True)
        ]
    keep = [
        *(f"{k}{s}" for k in ("section", "item", "by", "level") for s in ("", "_zh", "_en")),
        "unit",
        *(c for c in ("estimate", "se", "ci_lower", "ci_upper", "deff", "df", "n") if c in data),
        "flag",
        "suppressed",
    ]
    notes_zh = (
        "比例为回答该题者中的加权百分比（95%CI，基于设计）；知识得分为答对题目的平均百分比。"
        "个人题目用个人权重，家庭题目用户权重。n为回答该题的未加权人数或户数。"
        "—：回答“是/答对”的未加权人数或户数过少，不予发布。*：估计不稳定，谨慎解释。"
    )
    notes_en = (
        "Proportions are weighted per cent of those answering the item (95 % CI, design-based); "
        "the knowledge score is the mean per cent of items right. Person items on the person "
        "weight, household items on the household weight. n is the unweighted number of "
        "persons or households answering the item. —: suppressed: too few unweighted "
        "respondents answering yes or right. *: unstable estimate; interpret with caution."
    )
    if notes:
        notes_zh, notes_en = f"{notes_zh}{notes}", f"{notes_en} {notes}"
    return Table(
        id=WORKBOOK_TABLE_ID,
        title_zh=WORKBOOK_TITLE[0],
        title_en=WORKBOOK_TITLE[1],
        data=data[keep].reset_index(drop=True),
        notes_zh=notes_zh,
        notes_en=notes_en,
        row_keys=("section", "item", "by", "level"),
        column_keys=(),
    )


def wave_workbook_table(wave_dir: Path, codebook, config):
    """The T23 sheet of one wave from ``<wave_dir>/programme/estimates.csv``, or ``None`` when
    the wave has no programme estimates (the sheet is then left out)."""
    from injury_survey.programme_indicators import ProgrammeSettings

    path = Path(wave_dir) / "programme" / "estimates.csv"
    if not path.is_file():
        return None
    estimates = pd.read_csv(path, dtype={"level": str})
    if "item" not in estimates.columns or estimates.empty:  # the "no programme tables" note
        return None
    settings = ProgrammeSettings.from_config(config).describe()
    return workbook_table(estimates, programme_items(codebook), codebook, notes=settings)


def with_programme_table(tables: dict, wave_dir: Path, codebook, config) -> dict:
    """The wave's report tables with T23 in its place (after T22) when the wave has programme
    estimates, unchanged otherwise."""
    from injury_survey.report_tables import report_order

    programme = wave_workbook_table(wave_dir, codebook, config)
    if programme is None:
        return dict(tables)
    merged = {**tables, programme.id: programme}
    return dict(sorted(merged.items(), key=lambda item: report_order(item[0])))
