"""The programme section's figure (notebook 12): every overall share with its CI, by section.

It draws the estimates :mod:`injury_survey.programme_report` tabulates; kept apart from that
module so that the report, which only embeds the saved images, does not load matplotlib.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from injury_survey.figures.common import add_footnote, ci_half_widths
from injury_survey.figures.style import new_figure, styled, wrap_label
from injury_survey.programme_indicators import ProgrammeItems
from injury_survey.programme_report import item_name, language_index, overall

FIGURE_SECTIONS = {
    "awareness": ("知晓", "awareness"),
    "source": ("信息来源", "source"),
    "knowledge_item": ("知识题答对", "knowledge item right"),
    "knowledge_score": ("知识测试", "knowledge test"),
    "home_safety": ("家庭", "home"),
}


@styled
def programme_figure(
    estimates: pd.DataFrame, items: ProgrammeItems, lang: str, *, settings_text: str = ""
) -> Figure:
    """Horizontal bars: every overall share (%) with its 95 % CI, grouped by section.

    The mean score is left out (it is not a share); suppressed cells are not drawn.
    """
    i = language_index(lang)
    rows = overall(estimates)
    rows = rows[(rows["statistic"] == "proportion") & ~rows["suppressed"].astype(bool)]
    labels = [
        wrap_label(
            f"{FIGURE_SECTIONS[s][i]}{'：' if lang == 'zh' else ': '}{item_name(t, items, lang)}",
            lang,
            width=22 if lang == "zh" else 42,
        )
        for s, t in zip(rows["section"], rows["item"], strict=True)
    ]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = new_figure(height_cm=2.5 + 0.55 * lines + 0.15 * len(rows))
    axis = fig.add_subplot()
    position = np.arange(len(rows))[::-1]
    estimate = rows["estimate"].to_numpy(float) * 100
    errors = ci_half_widths(
        estimate, rows["ci_lower"].to_numpy(float) * 100, rows["ci_upper"].to_numpy(float) * 100
    )
    unstable = rows["flag"].fillna("").astype(str).str.contains("unstable").to_numpy()
    colours = np.where(unstable, "#bbbbbb", "#3b6ea5")
    axis.barh(position, estimate, color=colours, xerr=errors, capsize=2)
    axis.set_yticks(position, labels)
    axis.set_xlim(0, 100)
    axis.set_xlabel("百分比（%）" if lang == "zh" else "Per cent")
    notes = [
        "误差线：95%置信区间（基于设计）。灰色：估计不稳定。"
        if lang == "zh"
        else "Whiskers: 95 % CI (design-based). Grey: unstable estimate."
    ]
    if settings_text:
        notes.append(settings_text)
    add_footnote(fig, notes)
    return fig
