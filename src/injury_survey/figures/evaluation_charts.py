"""F9, the evaluation's forest plot: follow-up/baseline ratios by target group, per area, and the
ratio of ratios (docs/methods.md, evaluation).

Ratios are drawn on a log axis, so a halving and a doubling are the same distance from 1 (no
change). The intervals are those of the evaluation step at ``estimation.confidence``; per-cause
changes are descriptive, so the figure draws intervals and no significance marks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from injury_survey.figures.common import (
    add_title,
    bar_rows_height_cm,
    ci_half_widths,
    require_columns,
)
from injury_survey.figures.style import (
    CI_STYLE,
    FULL_WIDTH_CM,
    OKABE_ITO,
    REFERENCE_COLOUR,
    check_language,
    figure_text,
    new_figure,
    styled,
    wrap_label,
)

SERIES_STYLE = {
    "intervention": {"fmt": "o", "color": OKABE_ITO["blue"], "offset": -0.14},
    "comparison": {"fmt": "s", "color": "#666666", "offset": 0.14},
    "ratio_of_ratios": {"fmt": "D", "color": OKABE_ITO["black"], "offset": 0.0},
}
RATIO_TICKS = tuple(round(m * 10.0**k, 3) for k in range(-3, 3) for m in (1, 2, 5))
"""Where a ratio axis is ticked: 0.001, 0.002, 0.005 … 100, 200, 500."""


@styled
def evaluation_forest(
    table: pd.DataFrame,
    *,
    lang: str,
    area_names: dict[str, str],
    confidence: float,
    title: bool = True,
) -> Figure:
    """F9: one row per indicator or target group; left panel the follow-up/baseline ratio of each
    area, right panel (with a comparison area) the ratio of ratios.

    ``table`` has ``label``, ``series`` (intervention, comparison, ratio_of_ratios),
    ``estimate``, ``ci_lower``, ``ci_upper`` (:func:`injury_survey.evaluation_report.forest_table`);
    ``area_names`` names the intervention and comparison areas in ``lang``.
    """
    check_language(lang)
    require_columns(table, ["label", "series", "estimate", "ci_lower", "ci_upper"], "F9")
    data = table[np.isfinite(table["estimate"].astype(float))]
    items = list(dict.fromkeys(data["label"]))
    labels = [wrap_label(item, lang) for item in items]
    has_between = (data["series"] == "ratio_of_ratios").any()
    fig = new_figure(FULL_WIDTH_CM, max(6.0, bar_rows_height_cm(labels, min_row_cm=1.0) + 3.0))
    axes = fig.subplots(
        1,
        2 if has_between else 1,
        sharey=True,
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]} if has_between else None,
    ).ravel()
    level = f"{100 * confidence:g}"
    panels = [(axes[0], ["intervention", "comparison"], figure_text("f9.ratio", lang, level=level))]
    if has_between:
        panels.append(
            (axes[1], ["ratio_of_ratios"], figure_text("f9.ratio_of_ratios", lang, level=level))
        )
    for ax, series_list, heading in panels:
        for series in series_list:
            rows = data[data["series"] == series]
            if rows.empty:
                continue
            style = SERIES_STYLE[series]
            y = np.array([items.index(label) for label in rows["label"]]) + style["offset"]
            name = (
                area_names[series]
                if series in area_names
                else figure_text("f9.ratio_of_ratios_legend", lang)
            )
            ax.errorbar(
                rows["estimate"],
                y,
                xerr=ci_half_widths(
                    rows["estimate"].to_numpy(float),
                    rows["ci_lower"].to_numpy(float),
                    rows["ci_upper"].to_numpy(float),
                ),
                fmt=style["fmt"],
                color=style["color"],
                label=name,
                markersize=4.0,
                **CI_STYLE,
            )
        ax.axvline(1.0, color=REFERENCE_COLOUR, linewidth=0.8, linestyle="--")
        ax.set_xscale("log")
        # ticks at 1, 2 and 5 × 10^k: a ratio axis with only 0.1, 1 and 10 cannot be read
        low, high = ax.get_xlim()
        ax.set_xticks([v for v in RATIO_TICKS if low <= v <= high])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
        ax.set_title(heading)
        ax.set_xlabel(figure_text("f9.axis", lang))
        ax.xaxis.grid(True)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
    axes[0].set_yticks(range(len(items)), labels)
    axes[0].set_ylim(len(items) - 0.5, -0.5)
    fig.legend(loc="outside lower center", ncols=3)
    add_title(fig, figure_text("f9.evaluation_title", lang), title)
    return fig
