"""The report's figures F1–F10 (domain-reference §6.6) and the plan's sample-size figure (§5.3).

Every function takes one tidy table (its columns are listed in the docstring; estimate columns
follow the estimates contract ``indicator, by, level, estimate, se, ci_lower, ci_upper, deff, df,
n, flag, method``), the language ``lang`` ("zh" or "en") and ``labels`` (the codebook, or any
object with ``text(key, lang)`` and ``label(variable, code, lang)``), and returns a
``matplotlib.figure.Figure`` drawn in the house style. Nothing is saved: pass the figure to
:func:`injury_survey.figures.style.save_figure` with its caption.

Proportions (incidence, composition) arrive as fractions 0–1, as the estimates table holds them,
and are drawn as per cent. An estimate whose ``flag`` says "unstable" is drawn with an open
symbol or a pale bar; one flagged "suppressed" is not drawn and shows "—" (domain-reference §6.2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Polygon
from matplotlib.ticker import FuncFormatter, MaxNLocator

from injury_survey.figures.style import (
    BAR_COLOUR,
    CI_STYLE,
    FLAG_SUPPRESSED,
    FLAG_UNSTABLE,
    FULL_WIDTH_CM,
    LIGHT_GREY,
    NOTE_FONT_PT,
    OKABE_ITO,
    REFERENCE_COLOUR,
    SEQUENTIAL_CMAP,
    SEX_COLOURS,
    SMALL_FONT_PT,
    SUPPRESSED_MARK,
    WAVE_COLOURS,
    Labels,
    age_label,
    check_language,
    figure_text,
    new_figure,
    styled,
    thousands,
    wrap_label,
)

PERCENT = 100.0

FLOW_STEPS = (
    "households_sampled",
    "households_eligible",
    "households_responded",
    "persons",
    "persons_injured",
    "case_episodes",
)
POPULATION_SOURCES = ("census", "sample_unweighted", "sample_weighted")
# Injury pyramid tiers from the base up (domain-reference §6.4 I10; care_level of the episodes
# table: 0 none and 1 self/lay care → not_treated, 2 → outpatient, 3 → inpatient, 4 → death).
PYRAMID_TIERS = ("not_treated", "outpatient", "inpatient", "death")
WAVES = ("baseline", "followup")
# Multiplier from the estimates table's unit to the unit drawn, and the axis text of that unit.
# Proportions are fractions in the estimates table; rates are already in their unit there (e.g.
# episode_rate_per_1000py is per 1 000 person-years), so only "percent" rescales.
UNIT_SCALE = {"percent": 100.0, "per_100": 1.0, "per_1000": 1.0, "per_1000_py": 1.0}


# --------------------------------------------------------------------------------------------
# Table checks and small helpers
# --------------------------------------------------------------------------------------------


def _require_columns(table: pd.DataFrame, columns: Iterable[str], figure: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{figure} needs a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{figure}: the table lacks column(s) {missing}; it has {list(table.columns)}. "
            "See the function's docstring for the table it draws."
        )
    if table.empty:
        raise ValueError(f"{figure}: the table has no rows, so there is nothing to draw.")


def _require_values(
    table: pd.DataFrame, column: str, allowed: Sequence[object], figure: str
) -> None:
    unknown = sorted({str(v) for v in table[column].dropna() if v not in allowed})
    if unknown:
        raise ValueError(
            f"{figure}: column {column!r} holds {unknown}, which this figure does not know; "
            f"allowed values are {list(allowed)}."
        )


def _numeric(table: pd.DataFrame, columns: Iterable[str], figure: str) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` as float (NA → NaN); a clear error for text values."""
    out = table.copy()
    for column in columns:
        if column not in out.columns:
            continue
        converted = pd.to_numeric(out[column], errors="coerce")
        bad = out[column].notna() & converted.isna()
        if bad.any():
            first = bad.idxmax()
            raise ValueError(
                f"{figure}: column {column!r} must be numeric; row {first} holds "
                f"{out.at[first, column]!r}."
            )
        out[column] = converted.astype("float64")
    return out


def _flag_state(table: pd.DataFrame) -> pd.Series:
    """Per row: "ok", "unstable" or "suppressed", read from the optional ``flag`` column."""
    if "flag" not in table.columns:
        return pd.Series("ok", index=table.index, dtype="object")
    flag = table["flag"].astype("object").where(table["flag"].notna(), "")
    flag = flag.map(lambda v: str(v).strip().lower())
    state = pd.Series("ok", index=table.index, dtype="object")
    state[flag != ""] = FLAG_UNSTABLE
    state[flag.str.contains(FLAG_SUPPRESSED, regex=False)] = FLAG_SUPPRESSED
    if "estimate" in table.columns:
        state[table["estimate"].isna()] = FLAG_SUPPRESSED
    return state


def _age_sort_key(age_group: object) -> float:
    """Lower bound of an age group label ("0-4" → 0, "65+" → 65) for ordering."""
    text = str(age_group).strip().replace("–", "-").rstrip("+")
    try:
        return float(text.split("-")[0])
    except ValueError:
        return math.inf


def _age_order(values: Iterable[object]) -> list[object]:
    return sorted(pd.unique(pd.Series(list(values)).dropna()), key=_age_sort_key)


def _code(value: object) -> int:
    """A code as the codebook keys it: 3, 3.0 and "3" (estimates.csv's ``level``) all give 3."""
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not number.is_integer():
        raise ValueError(
            f"{value!r} is not a code: coded fields hold integer codes (data contract); "
            "check the table's code columns."
        )
    return int(number)


def _sentence_case(text: str, lang: str) -> str:
    """The codebook writes English labels in lower case ("fall"); a tick label starts upper."""
    return text[:1].upper() + text[1:] if lang == "en" else text


def _code_label(labels: Labels, variable: str, code: object, lang: str) -> str:
    """The codebook label of ``code``, in sentence case for English ("fall" → "Fall")."""
    return _sentence_case(str(labels.label(variable, _code(code), lang)), lang)


def _residual_codes(labels: Labels, variable: str) -> set[int]:
    """Codes of "other" and "don't know" for ``variable``, if the labels object knows them.

    The codebook has ``other_code`` and ``missing_codes``; a plain labels object without them
    just gets no special ordering.
    """
    codes: set[int] = set()
    other_code = getattr(labels, "other_code", None)
    missing_codes = getattr(labels, "missing_codes", None)
    try:
        if callable(other_code) and other_code(variable) is not None:
            codes.add(int(other_code(variable)))
        if callable(missing_codes):
            codes |= {int(c) for c in missing_codes(variable)}
    except KeyError:
        return set()
    return codes


def _composition_order(rows: pd.DataFrame, labels: Labels, variable: str) -> pd.DataFrame:
    """Largest share first, with "other" and "unknown" last whatever their size.

    Ranking (顺位) is about named causes; a residual category at the top of a ranking would say
    nothing about what to prevent.
    """
    residual = _residual_codes(labels, variable)
    return (
        rows.assign(
            _residual=[_code(c) in residual for c in rows["level"]],
            _share=rows["estimate"].fillna(-1.0),
        )
        .sort_values(["_residual", "_share"], ascending=[True, False], kind="stable")
        .drop(columns=["_residual", "_share"])
    )


def _sex_codes(table: pd.DataFrame, figure: str) -> pd.DataFrame:
    """Copy with ``sex`` as int 1/2 (estimates.csv holds its levels as text)."""
    out = table.copy()
    try:
        out["sex"] = [_code(v) for v in out["sex"]]
    except ValueError as err:
        raise ValueError(f"{figure}: column 'sex': {err}") from None
    _require_values(out, "sex", (1, 2), figure)
    return out


def _percent_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))


def _ci_half_widths(estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Error-bar extents ``[[below], [above]]``; a missing bound gives no whisker on that side."""
    below = np.where(np.isnan(lower), 0.0, estimate - lower)
    above = np.where(np.isnan(upper), 0.0, upper - estimate)
    return np.vstack([np.clip(below, 0, None), np.clip(above, 0, None)])


def _has_ci(table: pd.DataFrame) -> bool:
    return {"ci_lower", "ci_upper"} <= set(table.columns)


def _footnote(fig: Figure, lines: Sequence[str]) -> None:
    """Notes under the figure, left-aligned; constrained layout keeps room for them."""
    if lines:
        fig.supxlabel(
            "\n".join(lines),
            x=0.01,
            ha="left",
            fontsize=NOTE_FONT_PT,
            color="#333333",
            linespacing=1.5,
        )


def _title(fig: Figure, text: str, show: bool) -> None:
    if show:
        fig.suptitle(text, x=0.01, ha="left")


def _level_labels(labels: Labels, variable: str, codes: Iterable[object], lang: str) -> list[str]:
    """Wrapped codebook labels of ``codes`` (one tick label per bar)."""
    return [wrap_label(_code_label(labels, variable, code, lang), lang) for code in codes]


def _bar_rows_height_cm(
    tick_labels: Sequence[str], n_rows: int | None = None, min_row_cm: float = 0.0
) -> float:
    """Height of a horizontal-bar panel: enough per bar for its tallest (wrapped) label."""
    lines = max((label.count("\n") + 1 for label in tick_labels), default=1)
    row_cm = max(0.30 + 0.32 * lines, min_row_cm)
    return (n_rows if n_rows is not None else len(tick_labels)) * row_cm


def _value_text(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}"


# --------------------------------------------------------------------------------------------
# F1 participant flow
# --------------------------------------------------------------------------------------------


@styled
def participant_flow(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """F1: CONSORT-like flow from households sampled to injury episodes (domain-reference §6.6).

    Parameters
    ----------
    table
        One row per step, in order: ``step`` (one of households_sampled, households_eligible,
        households_responded, persons, persons_injured, case_episodes; any subset, in this
        order), ``count`` (integer) and optionally ``note`` or ``note_zh``/``note_en`` (text beside
        the arrow *into* that step, e.g. the exclusions: "Vacant 12, refused 8"; for the first
        step, beside its box).
    lang, labels
        Language "zh"/"en"; labels are not needed (step names are figure texts).
    """
    figure = "participant_flow (F1)"
    check_language(lang)
    _require_columns(table, ["step", "count"], figure)
    _require_values(table, "step", FLOW_STEPS, figure)
    order = [FLOW_STEPS.index(s) for s in table["step"]]
    if order != sorted(order) or len(set(order)) != len(order):
        raise ValueError(f"{figure}: steps must appear once each, in the order {list(FLOW_STEPS)}.")
    steps = _numeric(table, ["count"], figure).reset_index(drop=True)
    note_column = next((c for c in (f"note_{lang}", "note") if c in steps.columns), None)

    n_steps = len(steps)
    fig = new_figure(FULL_WIDTH_CM, 1.55 * n_steps + 1.2)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n_steps - 0.4)
    centre_x, box_w, box_h = 0.30, 0.44, 0.66
    note_x = 0.58
    for i, row in steps.iterrows():
        y = n_steps - 1 - i
        ax.add_patch(
            FancyBboxPatch(
                (centre_x - box_w / 2, y - box_h / 2),
                box_w,
                box_h,
                boxstyle="round,pad=0,rounding_size=0.02",
                facecolor="white",
                edgecolor="#333333",
                linewidth=0.8,
            )
        )
        count = thousands(row["count"]) if pd.notna(row["count"]) else SUPPRESSED_MARK
        ax.text(
            centre_x,
            y,
            figure_text(f"flow.{row['step']}", lang) + "\n" + figure_text("count_n", lang, n=count),
            ha="center",
            va="center",
            linespacing=1.3,
        )
        if i > 0:
            ax.annotate(
                "",
                xy=(centre_x, y + box_h / 2),
                xytext=(centre_x, y + 1 - box_h / 2),
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "linewidth": 0.8},
            )
        note = row[note_column] if note_column else None
        if note is not None and pd.notna(note) and str(note).strip():
            note_y = y + 0.5 if i > 0 else y
            arrow_from = centre_x if i > 0 else centre_x + box_w / 2
            ax.annotate(
                "",
                xy=(note_x, note_y),
                xytext=(arrow_from, note_y),
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "linewidth": 0.6},
            )
            ax.text(
                note_x + 0.01,
                note_y,
                _wrap_note(note, lang),
                ha="left",
                va="center",
                fontsize=SMALL_FONT_PT,
                bbox={
                    "boxstyle": "round,pad=0.4",
                    "facecolor": "#F4F4F4",
                    "edgecolor": LIGHT_GREY,
                    "linewidth": 0.6,
                },
            )
    _title(fig, figure_text("f1.title", lang), title)
    return fig


def _wrap_note(note: object, lang: str) -> str:
    width = 22 if lang == "zh" else 46
    return "\n".join(wrap_label(part, lang, width) for part in str(note).split("\n"))


# --------------------------------------------------------------------------------------------
# F2 population pyramid: census vs sample
# --------------------------------------------------------------------------------------------


@styled
def population_pyramid(
    table: pd.DataFrame, *, lang: str, labels: Labels, title: bool = True
) -> Figure:
    """F2: age–sex structure of the census, the unweighted and the weighted sample.

    A sample whose unweighted shares sit far from the census bars is what the calibration step
    corrects (domain-reference §6.1 step 3); the weighted shares should then lie on the bars.

    Parameters
    ----------
    table
        ``age_group`` ("0-4" … "85+"), ``sex`` (1 male, 2 female), ``source`` (census,
        sample_unweighted, sample_weighted) and ``share``: the fraction (0–1) of that source's
        whole population in the age group × sex cell (each source sums to 1). Census rows are
        drawn as bars, the sample as points (open: unweighted, filled: weighted).
    """
    figure = "population_pyramid (F2)"
    check_language(lang)
    _require_columns(table, ["age_group", "sex", "source", "share"], figure)
    _require_values(table, "source", POPULATION_SOURCES, figure)
    data = _numeric(_sex_codes(table, figure), ["share"], figure)
    ages = _age_order(data["age_group"])
    y_of = {age: i for i, age in enumerate(ages)}
    fig = new_figure(FULL_WIDTH_CM, max(7.0, 0.42 * len(ages) + 3.0))
    ax = fig.add_subplot()
    side = {1: -1.0, 2: 1.0}  # males to the left
    for sex in (1, 2):
        colour = SEX_COLOURS[sex]
        census = data[(data["source"] == "census") & (data["sex"] == sex)]
        ax.barh(
            [y_of[a] for a in census["age_group"]],
            side[sex] * census["share"] * PERCENT,
            height=0.8,
            color=colour,
            alpha=0.35,
        )
        for source, marker, face in (
            ("sample_unweighted", "o", "white"),
            ("sample_weighted", "D", "#222222"),
        ):
            rows = data[(data["source"] == source) & (data["sex"] == sex)]
            if rows.empty:
                continue
            ax.plot(
                side[sex] * rows["share"] * PERCENT,
                [y_of[a] for a in rows["age_group"]],
                linestyle="none",
                marker=marker,
                markersize=3.8,
                markerfacecolor=face,
                markeredgecolor="#222222",
                markeredgewidth=0.7,
            )
    ax.axvline(0, color="#333333", linewidth=0.6)
    ax.set_yticks(range(len(ages)), [age_label(a) for a in ages])
    ax.set_ylim(-0.6, len(ages) - 0.4)
    limit = np.nanmax(data["share"].to_numpy()) * PERCENT * 1.12
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{abs(v):g}"))
    ax.set_xlabel(figure_text("axis.population_share", lang))
    ax.set_ylabel(figure_text("axis.age_group", lang))
    for sex, x, ha in ((1, 0.02, "left"), (2, 0.98, "right")):
        ax.text(
            x,
            1.0,
            _code_label(labels, "sex", sex, lang),
            transform=ax.transAxes,
            ha=ha,
            va="bottom",
            color=SEX_COLOURS[sex],
        )
    handles = [
        Patch(facecolor="#777777", alpha=0.45, label=figure_text("source.census", lang)),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markerfacecolor="white",
            markeredgecolor="#222222",
            label=figure_text("source.sample_unweighted", lang),
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="D",
            markersize=3.8,
            markerfacecolor="#222222",
            markeredgecolor="#222222",
            label=figure_text("source.sample_weighted", lang),
        ),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    _title(fig, figure_text("f2.title", lang), title)
    return fig


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
    _require_columns(table, ["age_group", "sex", "estimate", "ci_lower", "ci_upper"], figure)
    data = _numeric(_sex_codes(table, figure), ["estimate", "ci_lower", "ci_upper"], figure)
    data["state"] = _flag_state(data)
    ages = _age_order(data["age_group"])
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
            yerr=_ci_half_widths(
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
    _percent_axis(ax.yaxis)
    ax.set_xlabel(figure_text("axis.age_group", lang))
    ax.set_ylabel(figure_text("axis.incidence_percent", lang))
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            color=SEX_COLOURS[sex],
            label=_code_label(labels, "sex", sex, lang),
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
    _footnote(fig, notes)
    _title(fig, figure_text("f3.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F4 leading causes
# --------------------------------------------------------------------------------------------


def _composition_rows(table: pd.DataFrame, by: str, figure: str) -> pd.DataFrame:
    """Rows of a composition for variable ``by``: estimates-table rows (``by``, ``level``)."""
    _require_columns(table, ["level", "estimate"], figure)
    rows = table[table["by"] == by] if "by" in table.columns else table
    if rows.empty:
        raise ValueError(
            f"{figure}: no rows with by == {by!r}; the table has by = "
            f"{sorted(map(str, table['by'].dropna().unique()))}."
        )
    rows = _numeric(rows, ["estimate", "ci_lower", "ci_upper"], figure)
    rows["state"] = _flag_state(rows)
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
) -> None:
    """Horizontal bars of a composition (% per level), largest on top, CI whiskers, values."""
    rows = _composition_order(rows, labels, variable)
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
        hatch=None,
    )
    top = widths.copy()
    if _has_ci(rows):
        lower = rows["ci_lower"].to_numpy() * PERCENT
        upper = rows["ci_upper"].to_numpy() * PERCENT
        ax.errorbar(
            widths[drawn],
            y[drawn],
            xerr=_ci_half_widths(widths[drawn], lower[drawn], upper[drawn]),
            fmt="none",
            ecolor="#222222",
            **CI_STYLE,
        )
        top = np.where(drawn & ~np.isnan(upper), np.fmax(upper, widths), widths)
    if value_labels:
        for yi, value, end, is_drawn in zip(y, widths, top, drawn, strict=True):
            ax.annotate(
                _value_text(value) if is_drawn else SUPPRESSED_MARK,
                xy=(end, yi),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=NOTE_FONT_PT,
            )
    ax.set_yticks(y, _level_labels(labels, variable, rows["level"], lang))
    ax.set_ylim(len(rows) - 0.5, -0.5)  # largest on top
    ax.set_xlim(0, max(np.nanmax(top), 1e-9) * 1.18)
    ax.tick_params(axis="y", length=0)
    _percent_axis(ax.xaxis)


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
    title: bool = True,
) -> Figure:
    """F4: cause composition of injury episodes (构成比, %) as horizontal bars with CIs.

    Compositions are episode-level weighted shares (domain-reference §6.2, §6.4 I5).

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
        rows = _composition_order(rows, labels, "cause").head(top)
    tick_labels = _level_labels(labels, "cause", rows["level"], lang)
    fig = new_figure(FULL_WIDTH_CM, max(5.0, _bar_rows_height_cm(tick_labels) + 2.4))
    ax = fig.add_subplot()
    _bars_with_ci(ax, rows, variable="cause", lang=lang, labels=labels)
    ax.set_xlabel(figure_text("axis.percent_of_episodes", lang))
    _footnote(fig, _composition_notes(rows, lang))
    _title(fig, figure_text("f4.title", lang), title)
    return fig


@styled
def leading_causes_by_age(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels,
    top: int = 5,
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
    _require_columns(table, ["age_group"], figure)
    rows = _composition_rows(table, "cause", figure)
    ages = _age_order(rows["age_group"])
    n_cols = 2 if len(ages) > 1 else 1
    n_rows = math.ceil(len(ages) / n_cols)
    tick_labels = _level_labels(labels, "cause", rows["level"].dropna().unique(), lang)
    panel_cm = _bar_rows_height_cm(
        tick_labels, n_rows=min(top, rows.groupby("age_group").size().max())
    )
    fig = new_figure(FULL_WIDTH_CM, n_rows * (panel_cm + 1.4) + 1.6)
    axes = fig.subplots(n_rows, n_cols, sharex=True, squeeze=False).ravel()
    shown = []
    for ax, age in zip(axes, ages, strict=False):
        panel = _composition_order(rows[rows["age_group"] == age], labels, "cause").head(top)
        shown.append(panel)
        _bars_with_ci(ax, panel, variable="cause", lang=lang, labels=labels)
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
    _footnote(fig, _composition_notes(drawn, lang))
    _title(fig, figure_text("f4.title_by_age", lang), title)
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
    _require_columns(table, ["cause", "place", "estimate"], figure)
    data = _numeric(table, ["estimate"], figure)
    data["state"] = _flag_state(data)
    causes = sorted({_code(c) for c in data["cause"].dropna()})
    places = sorted({_code(p) for p in data["place"].dropna()})
    values = np.zeros((len(causes), len(places)))
    suppressed = np.zeros_like(values, dtype=bool)
    for row in data.itertuples(index=False):
        i, j = causes.index(_code(row.cause)), places.index(_code(row.place))
        if row.state == FLAG_SUPPRESSED:
            suppressed[i, j] = True
        else:
            values[i, j] = row.estimate * PERCENT
    shown = np.ma.masked_array(values, mask=suppressed)
    cause_names = _level_labels(labels, "cause", causes, lang)
    place_names = [_code_label(labels, "place", p, lang) for p in places]
    if lang == "zh":
        place_names = [wrap_label(n, lang, 4) for n in place_names]
        label_cm = 0.45 * max(n.count("\n") + 1 for n in place_names) + 1.6
    else:
        place_names = [wrap_label(n, lang, 24) for n in place_names]
        longest = max(len(line) for n in place_names for line in n.split("\n"))
        label_cm = 0.16 * longest + 1.8  # rotated labels: their length sets the height
    fig = new_figure(FULL_WIDTH_CM, _bar_rows_height_cm(cause_names) + label_cm + 1.2)
    ax = fig.add_subplot()
    # cells carry their numbers, so colour only guides the eye and needs no colour bar
    norm = Normalize(vmin=0, vmax=max(float(values.max()), 1e-9))
    ax.imshow(shown, cmap=SEQUENTIAL_CMAP, norm=norm, aspect="auto")
    for i in range(len(causes)):
        for j in range(len(places)):
            if suppressed[i, j]:
                text, colour = SUPPRESSED_MARK, "#333333"
            else:
                text = _value_text(values[i, j])
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
        _footnote(
            fig,
            [
                figure_text("note.suppressed_below", lang, k=suppress_below)
                if suppress_below
                else figure_text("note.suppressed", lang)
            ],
        )
    _title(fig, figure_text("f5.title", lang), title)
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
    high-income countries) compares severity tiers on one scale (domain-reference §6.4 I10).
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
    _require_columns(table, ["tier", "estimate"], figure)
    _require_values(table, "tier", PYRAMID_TIERS, figure)
    data = _numeric(table, ["estimate", "ci_lower", "ci_upper"], figure)
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
        if _has_ci(data) and not np.isnan(data.at[tier, "ci_lower"]):
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
    notes.append(figure_text("f6.width_note", lang))
    _footnote(fig, notes)
    _title(fig, figure_text("f6.title", lang), title)
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
    _require_columns(table, ["by", "level", "estimate"], figure)
    fig = new_figure(FULL_WIDTH_CM, 6.8)
    axes = fig.subplots(1, 2, gridspec_kw={"width_ratios": [12, 20]})
    panels = (("month", range(1, 13), "f7.month"), ("hour", range(24), "f7.hour"))
    for ax, (by, levels, label_key) in zip(axes, panels, strict=True):
        rows = _numeric(
            table[table["by"] == by], ["level", "estimate", "ci_lower", "ci_upper"], figure
        )
        _require_values(rows, "level", list(levels), figure)
        rows = rows.set_index(rows["level"].astype(int)).reindex(list(levels))
        estimate = rows["estimate"].fillna(0.0).to_numpy() * PERCENT
        ax.bar(list(levels), estimate, width=0.75, color=BAR_COLOUR)
        if _has_ci(rows):
            known = rows["ci_lower"].notna().to_numpy()
            ax.errorbar(
                np.array(list(levels))[known],
                estimate[known],
                yerr=_ci_half_widths(
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
        _percent_axis(ax.yaxis)
    axes[0].set_ylabel(figure_text("axis.percent_of_episodes", lang))
    _title(fig, figure_text("f7.title", lang), title)
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
    _require_columns(table, ["by", "level", "estimate"], figure)
    panels = [(by, f"f8.{by}") for by in ("body_part", "nature")]
    n_rows = max((table["by"] == by).sum() for by, _ in panels)
    tick_labels = [
        label
        for by, _ in panels
        for label in _level_labels(labels, by, table.loc[table["by"] == by, "level"], lang)
    ]
    fig = new_figure(FULL_WIDTH_CM, max(5.5, _bar_rows_height_cm(tick_labels, n_rows) + 2.6))
    axes = fig.subplots(1, 2)
    notes: list[str] = []
    for ax, (by, title_key) in zip(axes, panels, strict=True):
        rows = _composition_rows(table, by, figure)
        _bars_with_ci(ax, rows, variable=by, lang=lang, labels=labels)
        ax.set_title(figure_text(title_key, lang))
        ax.set_xlabel(figure_text("axis.percent_of_episodes", lang))
        notes += [n for n in _composition_notes(rows, lang) if n not in notes]
    _footnote(fig, notes)
    _title(fig, figure_text("f8.title", lang), title)
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
    SE = √(V₁ + V₂), domain-reference §6.7) come from the evaluation step, not from here. Per-cause
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
    _require_columns(table, ["indicator", "wave", "estimate", "ci_lower", "ci_upper"], figure)
    _require_values(table, "wave", (*WAVES, "difference"), figure)
    data = _numeric(table, ["estimate", "ci_lower", "ci_upper"], figure)
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
    fig = new_figure(
        FULL_WIDTH_CM, max(5.5, _bar_rows_height_cm(item_labels, min_row_cm=1.1) + 2.6)
    )
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
            xerr=_ci_half_widths(
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
            xerr=_ci_half_widths(
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
    _title(fig, figure_text("f9.title", lang), title)
    return fig


def _item_label(key: dict[str, object], labels: Labels, lang: str) -> str:
    by, level = key.get("by"), key.get("level")
    # estimates.csv marks a whole-population row with by = level = "all"
    if by not in (None, "all") and level not in (None, "all"):
        return _code_label(labels, str(by), level, lang)
    return _sentence_case(labels.text(str(key["indicator"]), lang), lang)


# --------------------------------------------------------------------------------------------
# F10 recall decay
# --------------------------------------------------------------------------------------------


def recent_mean(episodes_by_month: pd.Series) -> float:
    """Mean episodes per month over months 0–2 before interview: the least recall-affected level.

    Minor injuries are forgotten with time, so with no recall loss episodes by months before
    interview would be flat; a fall below this reference line in earlier months estimates the
    under-reporting (domain-reference §6.6 F10).
    """
    recent = episodes_by_month.reindex([0, 1, 2]).fillna(0.0)
    return float(recent.mean())


@styled
def recall_decay(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """F10: injury episodes by completed months between injury and interview, 0–11.

    Parameters
    ----------
    table
        ``months_before`` (0–11; 0 = the month before the interview date) and ``episodes``
        (weighted or unweighted count). A dashed line marks the mean of months 0–2
        (:func:`recent_mean`).
    """
    figure = "recall_decay (F10)"
    check_language(lang)
    _require_columns(table, ["months_before", "episodes"], figure)
    data = _numeric(table, ["months_before", "episodes"], figure)
    _require_values(data, "months_before", list(range(12)), figure)
    counts = (
        data.groupby(data["months_before"].astype(int))["episodes"]
        .sum()
        .reindex(range(12), fill_value=0.0)
    )
    reference = recent_mean(counts)
    fig = new_figure(FULL_WIDTH_CM, 7.0)
    ax = fig.add_subplot()
    ax.bar(counts.index, counts.to_numpy(), width=0.75, color=BAR_COLOUR)
    ax.axhline(
        reference,
        color=OKABE_ITO["vermillion"],
        linestyle="--",
        linewidth=1.0,
        label=figure_text("f10.reference", lang),
    )
    ax.set_xticks(range(12))
    ax.set_xlim(-0.6, 11.6)
    ax.set_xlabel(figure_text("f10.months_before", lang))
    ax.set_ylabel(figure_text("f10.episodes", lang))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.grid(True)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _title(fig, figure_text("f10.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# Plan: sample-size sensitivity
# --------------------------------------------------------------------------------------------


@styled
def sample_size_sensitivity(
    table: pd.DataFrame,
    *,
    lang: str,
    labels: Labels | None = None,
    chosen: tuple[float, float] | None = None,
    precision_type: str = "relative",
    title: bool = True,
) -> Figure:
    """Plan figure: households needed against the incidence prior, one line per precision.

    The sample size falls steeply with the prior p (relative precision: n₀ = z²(1−p)/(ε²p),
    domain-reference §5.3), which is why the prior deserves the plan's attention.

    Parameters
    ----------
    table
        ``incidence_prior`` (fraction), ``precision`` (ε for relative, d for absolute, fraction)
        and ``households`` (households needed), one row per grid point.
    chosen
        ``(incidence_prior, precision)`` of the plan's chosen setting, highlighted and labelled.
    precision_type
        "relative" or "absolute", as config ``plan.precision_type``.
    """
    figure = "sample_size_sensitivity (plan)"
    check_language(lang)
    if precision_type not in ("relative", "absolute"):
        raise ValueError(
            f"{figure}: precision_type must be relative or absolute, got {precision_type!r}."
        )
    _require_columns(table, ["incidence_prior", "precision", "households"], figure)
    data = _numeric(table, ["incidence_prior", "precision", "households"], figure)
    fig = new_figure(FULL_WIDTH_CM, 8.0)
    ax = fig.add_subplot()
    markers = ("o", "s", "^", "D", "v", "P")
    for i, (precision, rows) in enumerate(data.sort_values("incidence_prior").groupby("precision")):
        symbol = "ε" if precision_type == "relative" else "d"
        ax.plot(
            rows["incidence_prior"] * PERCENT,
            rows["households"],
            marker=markers[i % len(markers)],
            markersize=3.5,
            label=f"{symbol} = {precision * PERCENT:g}%",
        )
    if chosen is not None:
        prior, precision = chosen
        hit = data[
            np.isclose(data["incidence_prior"], prior) & np.isclose(data["precision"], precision)
        ]
        if hit.empty:
            raise ValueError(
                f"{figure}: the chosen plan (incidence_prior={prior}, precision={precision}) is not "
                "a point of the table's grid; add it to plan.incidence_grid/precision_grid."
            )
        households = float(hit["households"].iloc[0])
        ax.plot(
            prior * PERCENT,
            households,
            marker="o",
            markersize=10,
            markerfacecolor="none",
            markeredgecolor=OKABE_ITO["black"],
            markeredgewidth=1.2,
            linestyle="none",
        )
        ax.annotate(
            figure_text("plan.chosen", lang, households=thousands(households)),
            xy=(prior * PERCENT, households),
            xytext=(14, 14),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "color": "#333333", "linewidth": 0.6},
            fontsize=SMALL_FONT_PT,
        )
    ax.set_xlabel(figure_text("plan.incidence", lang))
    ax.set_ylabel(figure_text("plan.households", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: thousands(v)))
    _percent_axis(ax.xaxis)
    ax.set_ylim(bottom=0)
    ax.grid(True)
    ax.set_axisbelow(True)
    ax.legend(
        title=figure_text(f"plan.{precision_type}", lang),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    _title(fig, figure_text("plan.title", lang), title)
    return fig
