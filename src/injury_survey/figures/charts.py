"""The report's estimate figures F3–F9 (docs/methods.md §6.6): incidence, causes, place, pyramid,
time, body part and nature, baseline vs follow-up. F1, F2, F10 and the plan's figure are in
:mod:`injury_survey.figures.sample_charts`.

Every function takes one tidy table (its columns are listed in the docstring; estimate columns
follow the estimates contract ``indicator, by, level, estimate, se, ci_lower, ci_upper, deff, df,
n, flag, method``), the language ``lang`` ("zh" or "en") and ``labels`` (the codebook, or any
object with ``text(key, lang)`` and ``label(variable, code, lang)``), and returns a
``matplotlib.figure.Figure`` drawn in the house style. Nothing is saved: pass the figure to
:func:`injury_survey.figures.style.save_figure` with its caption.

Proportions (incidence, composition) arrive as fractions 0–1, as the estimates table holds them,
and are drawn as per cent. An estimate whose ``flag`` says "unstable" is drawn with an open
symbol or a pale bar; one flagged "suppressed" is not drawn and shows "—" (docs/methods.md §6.2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from injury_survey.figures.common import (
    PERCENT,
    add_footnote,
    add_title,
    age_order,
    as_code,
    as_numeric,
    bar_rows_height_cm,
    ci_half_widths,
    code_label,
    composition_order,
    flag_state,
    format_percent_axis,
    format_value,
    has_ci,
    level_labels,
    require_columns,
    require_values,
    sentence_case,
    sex_codes,
)
from injury_survey.figures.style import (
    BAR_COLOUR,
    CI_STYLE,
    FLAG_SUPPRESSED,
    FLAG_UNSTABLE,
    FULL_WIDTH_CM,
    LIGHT_GREY,
    NOTE_FONT_PT,
    REFERENCE_COLOUR,
    SEQUENTIAL_CMAP,
    SEX_COLOURS,
    SUPPRESSED_MARK,
    WAVE_COLOURS,
    Labels,
    age_label,
    check_language,
    figure_text,
    new_figure,
    styled,
    wrap_label,
)

# Injury pyramid tiers from the base up (docs/methods.md §6.4 I10; care_level of the episodes
# table: 0 none and 1 self/lay care → not_treated, 2 → outpatient, 3 → inpatient, 4 → death).
PYRAMID_TIERS = ("not_treated", "outpatient", "inpatient", "death")
WAVES = ("baseline", "followup")
# Multiplier from the estimates table's unit to the unit drawn, and the axis text of that unit.
# Proportions are fractions in the estimates table; rates are already in their unit there (e.g.
# episode_rate_per_1000py is per 1 000 person-years), so only "percent" rescales.
UNIT_SCALE = MappingProxyType(
    {"percent": 100.0, "per_100": 1.0, "per_1000": 1.0, "per_1000_py": 1.0}
)

# --------------------------------------------------------------------------------------------
# F3 incidence by age group and sex
# --------------------------------------------------------------------------------------------


@styled
def incidence_by_age_sex(
    table: pd.DataFrame, *, lang: str, labels: Labels, title: bool = True
) -> Figure:
    """F3: injury incidence (%) by age group and sex with confidence-interval whiskers.

    Parameters
    ----------
    table
        Estimates rows for the age group × sex domains: ``age_group``, ``sex`` (1, 2),
        ``estimate``, ``ci_lower``, ``ci_upper`` (fractions 0–1) and optionally ``flag``. One point
        with whiskers per row; "unstable" rows are drawn open, "suppressed" ones not at all.
    """
    figure = "incidence_by_age_sex (F3)"
    check_language(lang)
    require_columns(table, ["age_group", "sex", "estimate", "ci_lower", "ci_upper"], figure)
    data = as_numeric(sex_codes(table, figure), ["estimate", "ci_lower", "ci_upper"], figure)
    data["state"] = flag_state(data)
    ages = age_order(data["age_group"])
    fig = new_figure(FULL_WIDTH_CM, 8.0)
    ax = fig.add_subplot()
    offset = {1: -0.12, 2: 0.12}
    for row in data.itertuples(index=False):
        x = ages.index(row.age_group) + offset[row.sex]
        if row.state == FLAG_SUPPRESSED:
            ax.annotate(
                SUPPRESSED_MARK,
                xy=(x, 0),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                color=SEX_COLOURS[row.sex],
            )
            continue
        estimate = row.estimate * PERCENT
        colour = SEX_COLOURS[row.sex]
        ax.errorbar(
            x,
            estimate,
            yerr=ci_half_widths(
                np.array([estimate]),
                np.array([row.ci_lower * PERCENT]),
                np.array([row.ci_upper * PERCENT]),
            ),
            fmt="o",
            color=colour,
            markerfacecolor="white" if row.state == FLAG_UNSTABLE else colour,
            markeredgewidth=1.0,
            **CI_STYLE,
        )
    ax.set_xticks(range(len(ages)), [age_label(a) for a in ages])
    ax.set_xlim(-0.6, len(ages) - 0.4)
    ax.set_ylim(bottom=0)
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    format_percent_axis(ax.yaxis)
    ax.set_xlabel(figure_text("axis.age_group", lang))
    ax.set_ylabel(figure_text("axis.incidence_percent", lang))
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=SEX_COLOURS[sex],
            label=code_label(labels, "sex", sex, lang),
        )
        for sex in (1, 2)
    ]
    notes = []
    if (data["state"] == FLAG_UNSTABLE).any():
        notes.append(figure_text("note.unstable", lang))
    if (data["state"] == FLAG_SUPPRESSED).any():
        notes.append(figure_text("note.suppressed", lang))
    ax.legend(
        handles=handles,
        title=figure_text("legend.sex", lang),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    add_footnote(fig, notes)
    add_title(fig, figure_text("f3.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F4 leading causes
# --------------------------------------------------------------------------------------------


def _composition_rows(table: pd.DataFrame, by: str, figure: str) -> pd.DataFrame:
    """Rows of a composition for variable ``by``: estimates-table rows (``by``, ``level``)."""
    require_columns(table, ["level", "estimate"], figure)
    rows = table[table["by"] == by] if "by" in table.columns else table
    if rows.empty:
        raise ValueError(
            f"{figure}: no rows with by == {by!r}; the table has by = "
            f"{sorted(map(str, table['by'].dropna().unique()))}."
        )
    rows = as_numeric(rows, ["estimate", "ci_lower", "ci_upper"], figure)
    rows["state"] = flag_state(rows)
    return rows


def _bars_with_ci(
    ax: Axes,
    rows: pd.DataFrame,
    *,
    variable: str,
    lang: str,
    labels: Labels,
    value_labels: bool = True,
    colour: str = BAR_COLOUR,
    rank_residual: bool = False,
) -> None:
    """Horizontal bars of a composition (% per level), largest on top, CI whiskers, values."""
    rows = composition_order(rows, labels, variable, rank_residual=rank_residual)
    y = np.arange(len(rows))
    estimate = rows["estimate"].to_numpy() * PERCENT
    drawn = rows["state"].to_numpy() != FLAG_SUPPRESSED
    unstable = rows["state"].to_numpy() == FLAG_UNSTABLE
    widths = np.where(drawn, estimate, 0.0)
    ax.barh(
        y,
        widths,
        height=0.68,
        color=[LIGHT_GREY if u else colour for u in unstable],
    )
    top = widths.copy()
    if has_ci(rows):
        lower = rows["ci_lower"].to_numpy() * PERCENT
        upper = rows["ci_upper"].to_numpy() * PERCENT
        ax.errorbar(
            widths[drawn],
            y[drawn],
            xerr=ci_half_widths(widths[drawn], lower[drawn], upper[drawn]),
            fmt="none",
            ecolor="#222222",
            **CI_STYLE,
        )
        top = np.where(drawn & ~np.isnan(upper), np.fmax(upper, widths), widths)
    if value_labels:
        for yi, value, end, is_drawn in zip(y, widths, top, drawn, strict=True):
            ax.annotate(
                format_value(value) if is_drawn else SUPPRESSED_MARK,
                xy=(end, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=NOTE_FONT_PT,
            )
    ax.set_yticks(y, level_labels(labels, variable, rows["level"], lang))
    ax.set_ylim(len(rows) - 0.5, -0.5)  # largest on top
    ax.set_xlim(0, max(np.nanmax(top), 1e-9) * 1.18)
    ax.tick_params(axis="y", length=0)
    format_percent_axis(ax.xaxis)


def _composition_notes(
    rows: pd.DataFrame, lang: str, suppress_below: int | None = None
) -> list[str]:
    notes = []
    if (rows["state"] == FLAG_UNSTABLE).any():
        notes.append(figure_text("note.unstable_bar", lang))
    if (rows["state"] == FLAG_SUPPRESSED).any():
        notes.append(
            figure_text("note.suppressed_below", lang, k=suppress_below)
            if suppress_below
            else figure_text("note.suppressed", lang)
        )
    return notes


@styled
def leading_causes(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels,
    top: int | None = None,
    rank_residual: bool = False,
    title: bool = True,
) -> Figure:
    """F4: cause composition of injury episodes (构成比, %) as horizontal bars with CIs.

    Compositions are episode-level weighted shares (docs/methods.md §6.2, §6.4 I5).

    Parameters
    ----------
    table
        Estimates rows with ``level`` (cause code), ``estimate``, optional ``ci_lower``,
        ``ci_upper`` (fractions 0–1) and ``flag``; if a ``by`` column is present, only rows with
        by == "cause" are drawn.
    top
        Draw only the ``top`` largest causes (the leading causes, 顺位); ``None`` draws all.
        Bars run from the largest share down, with the codebook's "other" and "unknown" codes
        last: they enter a top-``top`` list only when fewer named causes exist.
    """
    figure = "leading_causes (F4)"
    check_language(lang)
    rows = _composition_rows(table, "cause", figure)
    if top is not None:
        rows = composition_order(rows, labels, "cause", rank_residual=rank_residual).head(top)
    tick_labels = level_labels(labels, "cause", rows["level"], lang)
    fig = new_figure(FULL_WIDTH_CM, max(5.0, bar_rows_height_cm(tick_labels) + 2.4))
    ax = fig.add_subplot()
    _bars_with_ci(ax, rows, variable="cause", lang=lang, labels=labels, rank_residual=rank_residual)
    ax.set_xlabel(figure_text("axis.percent_of_episodes", lang))
    add_footnote(fig, _composition_notes(rows, lang))
    add_title(fig, figure_text("f4.title", lang), title)
    return fig


@styled
def leading_causes_by_age(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels,
    top: int = 5,
    rank_residual: bool = False,
    title: bool = True,
) -> Figure:
    """F4 (small multiples): the ``top`` leading causes within each age group.

    Parameters
    ----------
    table
        ``age_group``, ``level`` (cause code), ``estimate`` (share of that age group's episodes,
        0–1), optional ``ci_lower``, ``ci_upper``, ``flag``; with a ``by`` column, only rows with
        by == "cause". One panel per age group (two columns), sharing the % axis.
    """
    figure = "leading_causes_by_age (F4)"
    check_language(lang)
    require_columns(table, ["age_group"], figure)
    rows = _composition_rows(table, "cause", figure)
    ages = age_order(rows["age_group"])
    n_cols = 2 if len(ages) > 1 else 1
    n_rows = math.ceil(len(ages) / n_cols)
    tick_labels = level_labels(labels, "cause", rows["level"].dropna().unique(), lang)
    panel_cm = bar_rows_height_cm(
        tick_labels, n_rows=min(top, rows.groupby("age_group").size().max())
    )
    fig = new_figure(FULL_WIDTH_CM, n_rows * (panel_cm + 1.4) + 1.6)
    axes = fig.subplots(n_rows, n_cols, sharex=True, squeeze=False).ravel()
    shown = []
    for ax, age in zip(axes, ages, strict=False):
        panel = composition_order(
            rows[rows["age_group"] == age], labels, "cause", rank_residual=rank_residual
        ).head(top)
        shown.append(panel)
        _bars_with_ci(
            ax, panel, variable="cause", lang=lang, labels=labels, rank_residual=rank_residual
        )
        ax.set_title(figure_text("age_years", lang, age=age_label(age)))
    drawn = pd.concat(shown)
    ends = drawn["estimate"]
    if "ci_upper" in drawn.columns:
        ends = drawn["ci_upper"].fillna(drawn["estimate"])
    limit = max(float(np.nanmax(ends.to_numpy(dtype=float))) * PERCENT, 1e-9)
    for i, ax in enumerate(axes):
        if i >= len(ages):
            ax.set_axis_off()
            continue
        ax.set_xlim(0, limit * 1.22)
        if i >= len(ages) - n_cols:
            ax.set_xlabel(figure_text("axis.percent_of_episodes", lang))
            ax.xaxis.set_tick_params(labelbottom=True)
    add_footnote(fig, _composition_notes(drawn, lang))
    add_title(fig, figure_text("f4.title_by_age", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F5 cause x place heat map
# --------------------------------------------------------------------------------------------


@styled
def cause_place_heatmap(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels,
    suppress_below: int | None = None,
    title: bool = True,
) -> Figure:
    """F5: weighted % of injury episodes in each cause × place cell, annotated.

    Parameters
    ----------
    table
        ``cause``, ``place`` (codes), ``estimate`` (fraction 0–1 of all episodes, so the cells sum
        to 1) and optionally ``flag``. A suppressed cell (flag "suppressed" or estimate missing)
        is shown as "—"; a cause × place pair without a row had no episodes and is shown as 0.
    suppress_below
        The config's ``report.suppress_below``, quoted in the footnote when cells are suppressed.
    """
    figure = "cause_place_heatmap (F5)"
    check_language(lang)
    require_columns(table, ["cause", "place", "estimate"], figure)
    data = as_numeric(table, ["estimate"], figure)
    data["state"] = flag_state(data)
    causes = sorted({as_code(c) for c in data["cause"].dropna()})
    places = sorted({as_code(p) for p in data["place"].dropna()})
    values = np.zeros((len(causes), len(places)))
    suppressed = np.zeros_like(values, dtype=bool)
    for row in data.itertuples(index=False):
        i, j = causes.index(as_code(row.cause)), places.index(as_code(row.place))
        if row.state == FLAG_SUPPRESSED:
            suppressed[i, j] = True
        else:
            values[i, j] = row.estimate * PERCENT
    shown = np.ma.masked_array(values, mask=suppressed)
    cause_names = level_labels(labels, "cause", causes, lang)
    place_names = [code_label(labels, "place", p, lang) for p in places]
    if lang == "zh":
        place_names = [wrap_label(n, lang, 4) for n in place_names]
        label_cm = 0.45 * max(n.count("\n") + 1 for n in place_names) + 1.6
    else:
        place_names = [wrap_label(n, lang, 24) for n in place_names]
        longest = max(len(line) for n in place_names for line in n.split("\n"))
        label_cm = 0.16 * longest + 1.8  # rotated labels: their length sets the height
    fig = new_figure(FULL_WIDTH_CM, bar_rows_height_cm(cause_names) + label_cm + 1.2)
    ax = fig.add_subplot()
    # cells carry their numbers, so colour only guides the eye and needs no colour bar
    norm = Normalize(vmin=0, vmax=max(float(values.max()), 1e-9))
    ax.imshow(shown, cmap=SEQUENTIAL_CMAP, norm=norm, aspect="auto")
    for i in range(len(causes)):
        for j in range(len(places)):
            if suppressed[i, j]:
                text, colour = SUPPRESSED_MARK, "#333333"
            else:
                text = format_value(values[i, j])
                colour = "white" if norm(values[i, j]) > 0.6 else "#222222"
            ax.text(j, i, text, ha="center", va="center", fontsize=NOTE_FONT_PT, color=colour)
    ax.set_yticks(range(len(causes)), cause_names)
    if lang == "zh":
        ax.set_xticks(range(len(places)), place_names)
    else:
        ax.set_xticks(
            range(len(places)), place_names, rotation=45, ha="right", rotation_mode="anchor"
        )
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(figure_text("axis.place", lang))
    ax.set_ylabel(figure_text("axis.cause", lang))
    if suppressed.any():
        add_footnote(
            fig,
            [
                figure_text("note.suppressed_below", lang, k=suppress_below)
                if suppress_below
                else figure_text("note.suppressed", lang)
            ],
        )
    add_title(fig, figure_text("f5.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F6 injury pyramid
# --------------------------------------------------------------------------------------------


def pyramid_width(rate_per_1000: float) -> float:
    """Drawn width of a pyramid tier: log10(1 + 10·rate), so a rare tip stays visible.

    A linear width would make deaths (≈ 0.5 per 1 000) a sliver beside the ≈ 100 per 1 000 not
    treated; on this scale 0.5 → 0.78, 15 → 2.18, 100 → 3.0, and 0 → 0.
    """
    return math.log10(1.0 + 10.0 * max(rate_per_1000, 0.0))


@styled
def injury_pyramid(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """F6: the injury pyramid — deaths : hospitalized : outpatient/ER : not treated, per 1 000.

    The classic pyramid (McGee 2004: about 1 death : 30 hospitalized : 300 emergency visits in
    high-income countries) compares severity tiers on one scale (docs/methods.md §6.4 I10).
    Widths are logarithmic (:func:`pyramid_width`), the numbers are labelled beside each tier,
    and the ratio to the tip is printed below.

    Parameters
    ----------
    table
        ``tier`` (death, inpatient, outpatient, not_treated; any subset) and ``estimate`` (rate
        per 1 000 persons), optionally ``ci_lower``, ``ci_upper`` in the same unit.
    """
    figure = "injury_pyramid (F6)"
    check_language(lang)
    require_columns(table, ["tier", "estimate"], figure)
    require_values(table, "tier", PYRAMID_TIERS, figure)
    data = as_numeric(table, ["estimate", "ci_lower", "ci_upper"], figure)
    if data["tier"].duplicated().any():
        raise ValueError(f"{figure}: each tier must appear once.")
    data = data.set_index("tier").reindex([t for t in PYRAMID_TIERS if t in set(table["tier"])])
    rates = data["estimate"].to_numpy()
    widths = [pyramid_width(r) if not np.isnan(r) else 0.0 for r in rates]
    fig = new_figure(FULL_WIDTH_CM, 1.5 * len(rates) + 2.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    colours = [
        _sequential_colour(0.25 + 0.65 * i / max(len(rates) - 1, 1)) for i in range(len(rates))
    ]
    for level, (width, colour) in enumerate(zip(widths, colours, strict=True)):
        top_width = widths[level + 1] if level + 1 < len(widths) else 0.0
        ax.add_patch(
            Polygon(
                [
                    (-width / 2, level),
                    (width / 2, level),
                    (top_width / 2, level + 1),
                    (-top_width / 2, level + 1),
                ],
                closed=True,
                facecolor=colour,
                edgecolor="white",
                linewidth=1.0,
            )
        )
    half = max(max(widths) / 2, 0.5)
    label_x = half + 0.15
    for level, (tier, rate) in enumerate(zip(data.index, rates, strict=True)):
        value = (
            SUPPRESSED_MARK
            if np.isnan(rate)
            else figure_text("f6.rate", lang, value=_rate_text(rate))
        )
        if has_ci(data) and not np.isnan(data.at[tier, "ci_lower"]):
            value += f" ({_rate_text(data.at[tier, 'ci_lower'])}–{_rate_text(data.at[tier, 'ci_upper'])})"
        ax.text(
            label_x,
            level + 0.5,
            f"{figure_text(f'tier.{tier}', lang)}\n{value}",
            ha="left",
            va="center",
            linespacing=1.4,
        )
        ax.plot([0.0, label_x - 0.05], [level + 0.5] * 2, color=LIGHT_GREY, linewidth=0.5, zorder=0)
    ax.set_xlim(-half - 0.1, half + 0.15 + 2.6)
    ax.set_ylim(-0.1, len(rates) + 0.05)
    notes = []
    ratio = _pyramid_ratio(list(reversed(rates)))
    if ratio:
        notes.append(figure_text("f6.ratio", lang, ratio=ratio))
    if "death" not in set(data.index):
        notes.append(figure_text("f6.no_deaths", lang))
    notes.append(figure_text("f6.width_note", lang))
    add_footnote(fig, notes)
    add_title(fig, figure_text("f6.title", lang), title)
    return fig


def _sequential_colour(position: float) -> tuple[float, float, float, float]:
    return colormaps[SEQUENTIAL_CMAP](position)


def _rate_text(rate: float) -> str:
    return f"{rate:.2f}" if rate < 1 else f"{rate:.1f}"


def _pyramid_ratio(rates_from_tip: Sequence[float]) -> str | None:
    """ "1 : 30 : 300": each tier's rate over the tip's (the first non-zero rate from the top)."""
    known = [r for r in rates_from_tip if not np.isnan(r)]
    if len(known) < 2 or known[0] <= 0:
        return None
    return " : ".join(["1"] + [f"{r / known[0]:,.0f}" for r in known[1:]])


# --------------------------------------------------------------------------------------------
# F7 month and hour; F8 body part and nature
# --------------------------------------------------------------------------------------------


@styled
def month_and_hour(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """F7: share of injury episodes by month (1–12) and by hour of day (0–23), two panels.

    Parameters
    ----------
    table
        Estimates rows with ``by`` ("month" or "hour"), ``level`` (1–12 or 0–23), ``estimate``
        (fraction of episodes with a known month/hour, 0–1), optional ``ci_lower``, ``ci_upper``.
        Levels without a row are drawn as 0.
    """
    figure = "month_and_hour (F7)"
    check_language(lang)
    require_columns(table, ["by", "level", "estimate"], figure)
    fig = new_figure(FULL_WIDTH_CM, 6.8)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [12, 20]})
    panels = (("month", range(1, 13), "f7.month"), ("hour", range(24), "f7.hour"))
    for ax, (by, levels, label_key) in zip(axes, panels, strict=True):
        rows = as_numeric(
            table[table["by"] == by], ["level", "estimate", "ci_lower", "ci_upper"], figure
        )
        require_values(rows, "level", list(levels), figure)
        rows = rows.set_index(rows["level"].astype(int)).reindex(list(levels))
        estimate = rows["estimate"].fillna(0.0).to_numpy() * PERCENT
        ax.bar(list(levels), estimate, width=0.75, color=BAR_COLOUR)
        if has_ci(rows):
            known = rows["ci_lower"].notna().to_numpy()
            ax.errorbar(
                np.array(list(levels))[known],
                estimate[known],
                yerr=ci_half_widths(
                    estimate[known],
                    rows["ci_lower"].to_numpy()[known] * PERCENT,
                    rows["ci_upper"].to_numpy()[known] * PERCENT,
                ),
                fmt="none",
                ecolor="#222222",
                **CI_STYLE,
            )
        ax.set_xlabel(figure_text(label_key, lang))
        ax.set_xticks(list(levels) if by == "month" else list(range(0, 24, 3)))
        ax.set_xlim(min(levels) - 0.6, max(levels) + 0.6)
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
        format_percent_axis(ax.yaxis)
    axes[0].set_ylabel(figure_text("axis.percent_of_episodes", lang))
    add_title(fig, figure_text("f7.title", lang), title)
    return fig


@styled
def body_part_and_nature(
    table: pd.DataFrame, *, lang: str, labels: Labels, title: bool = True
) -> Figure:
    """F8: composition of episodes by body part and by nature of injury, two bar panels.

    Parameters
    ----------
    table
        Estimates rows with ``by`` ("body_part" or "nature"), ``level`` (code), ``estimate``
        (fraction 0–1), optional ``ci_lower``, ``ci_upper``, ``flag``.
    """
    figure = "body_part_and_nature (F8)"
    check_language(lang)
    require_columns(table, ["by", "level", "estimate"], figure)
    panels = [(by, f"f8.{by}") for by in ("body_part", "nature")]
    n_rows = max((table["by"] == by).sum() for by, _ in panels)
    tick_labels = [
        label
        for by, _ in panels
        for label in level_labels(labels, by, table.loc[table["by"] == by, "level"], lang)
    ]
    fig = new_figure(FULL_WIDTH_CM, max(5.5, bar_rows_height_cm(tick_labels, n_rows) + 2.6))
    axes = fig.subplots(1, 2)
    notes: list[str] = []
    for ax, (by, title_key) in zip(axes, panels, strict=True):
        rows = _composition_rows(table, by, figure)
        _bars_with_ci(ax, rows, variable=by, lang=lang, labels=labels)
        ax.set_title(figure_text(title_key, lang))
        ax.set_xlabel(figure_text("axis.percent_of_episodes", lang))
        notes += [n for n in _composition_notes(rows, lang) if n not in notes]
    add_footnote(fig, notes)
    add_title(fig, figure_text("f8.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F9 forest plot baseline vs follow-up
# --------------------------------------------------------------------------------------------


@styled
def baseline_followup_forest(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels,
    unit: str = "percent",
    title: bool = True,
) -> Figure:
    """F9: estimates of two waves and their difference, one row per indicator or cause.

    The difference of independent design-based estimates and its CI (Δ = p̂₂ − p̂₁,
    SE = √(V₁ + V₂), docs/methods.md §6.7) come from the evaluation step, not from here. Per-cause
    changes are descriptive: the figure draws intervals, not significance stars.

    Parameters
    ----------
    table
        ``indicator``, ``wave`` (baseline, followup, difference), ``estimate``, ``ci_lower``,
        ``ci_upper``; optionally ``by`` and ``level`` (for a domain row such as a cause: the row is
        labelled with the codebook label of ``level``; for by = "all" or no ``by``, with
        ``labels.text(indicator, lang)``). Rows are drawn top to bottom in order of appearance.
    unit
        Unit of all rows: "percent" (estimates are fractions, drawn ×100), or "per_100",
        "per_1000", "per_1000_py" (rates, drawn as they are: estimates.csv holds them in their
        unit).
    """
    figure = "baseline_followup_forest (F9)"
    check_language(lang)
    if unit not in UNIT_SCALE:
        raise ValueError(f"{figure}: unit must be one of {list(UNIT_SCALE)}, got {unit!r}.")
    require_columns(table, ["indicator", "wave", "estimate", "ci_lower", "ci_upper"], figure)
    require_values(table, "wave", (*WAVES, "difference"), figure)
    data = as_numeric(table, ["estimate", "ci_lower", "ci_upper"], figure)
    scale = UNIT_SCALE[unit]
    for column in ("estimate", "ci_lower", "ci_upper"):
        data[column] = data[column] * scale
    key_columns = [c for c in ("indicator", "by", "level") if c in data.columns]
    # NA != NA, so missing by/level become None before the columns form a row's key
    data["item"] = list(
        zip(
            *(data[c].astype("object").where(data[c].notna(), None) for c in key_columns),
            strict=True,
        )
    )
    items = list(dict.fromkeys(data["item"]))
    item_labels = [
        wrap_label(_item_label(dict(zip(key_columns, it, strict=True)), labels, lang), lang)
        for it in items
    ]
    has_difference = (data["wave"] == "difference").any()
    fig = new_figure(FULL_WIDTH_CM, max(5.5, bar_rows_height_cm(item_labels, min_row_cm=1.1) + 2.6))
    axes = fig.subplots(
        1,
        2 if has_difference else 1,
        sharey=True,
        squeeze=False,
        gridspec_kw={"width_ratios": [3, 2]} if has_difference else None,
    ).ravel()
    offset = {"baseline": -0.14, "followup": 0.14}
    for wave in WAVES:
        rows = data[data["wave"] == wave]
        y = np.array([items.index(it) for it in rows["item"]]) + offset[wave]
        axes[0].errorbar(
            rows["estimate"],
            y,
            xerr=ci_half_widths(
                rows["estimate"].to_numpy(),
                rows["ci_lower"].to_numpy(),
                rows["ci_upper"].to_numpy(),
            ),
            fmt="o" if wave == "baseline" else "s",
            color=WAVE_COLOURS[wave],
            label=figure_text(f"wave.{wave}", lang),
            markersize=4.0,
            **CI_STYLE,
        )
    axes[0].set_yticks(range(len(items)), item_labels)
    axes[0].set_ylim(len(items) - 0.5, -0.5)
    axes[0].set_xlabel(figure_text(f"axis.{unit}", lang))
    axes[0].set_title(figure_text("f9.estimates", lang))
    axes[0].xaxis.grid(True)
    axes[0].set_axisbelow(True)
    axes[0].tick_params(axis="y", length=0)
    if has_difference:
        rows = data[data["wave"] == "difference"]
        y = np.array([items.index(it) for it in rows["item"]])
        axes[1].axvline(0, color=REFERENCE_COLOUR, linewidth=0.8, linestyle="--")
        axes[1].errorbar(
            rows["estimate"],
            y,
            xerr=ci_half_widths(
                rows["estimate"].to_numpy(),
                rows["ci_lower"].to_numpy(),
                rows["ci_upper"].to_numpy(),
            ),
            fmt="D",
            color=WAVE_COLOURS["difference"],
            markersize=3.5,
            **CI_STYLE,
        )
        axes[1].set_title(figure_text("f9.difference", lang))
        axes[1].set_xlabel(figure_text(f"axis.{unit}", lang))
        axes[1].tick_params(axis="y", length=0)
        axes[1].xaxis.grid(True)
        axes[1].set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=2)
    add_title(fig, figure_text("f9.title", lang), title)
    return fig


def _item_label(key: dict[str, object], labels: Labels, lang: str) -> str:
    by, level = key.get("by"), key.get("level")
    # estimates.csv marks a whole-population row with by = level = "all"
    if by not in (None, "all") and level not in (None, "all"):
        return code_label(labels, str(by), level, lang)
    return sentence_case(labels.text(str(key["indicator"]), lang), lang)
