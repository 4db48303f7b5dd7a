"""Figures of the survey's conduct and plan: F1 participant flow, F2 sample vs census, F10 recall
decay (docs/methods.md §6.6) and the plan's sample-size sensitivity (§5.3).

Same conventions as :mod:`injury_survey.figures.charts`: one tidy table in, a Figure out, texts
from :data:`~injury_survey.figures.style.FIGURE_TEXTS` and the codebook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from injury_survey.figures.common import (
    PERCENT,
    add_title,
    age_order,
    as_numeric,
    code_label,
    format_percent_axis,
    require_columns,
    require_values,
    sex_codes,
)
from injury_survey.figures.style import (
    BAR_COLOUR,
    FULL_WIDTH_CM,
    LIGHT_GREY,
    OKABE_ITO,
    SEX_COLOURS,
    SMALL_FONT_PT,
    SUPPRESSED_MARK,
    Labels,
    age_label,
    check_language,
    figure_text,
    new_figure,
    styled,
    thousands,
    wrap_label,
)

FLOW_STEPS = (
    "households_sampled",
    "households_eligible",
    "households_responded",
    "persons",
    "persons_screened",
    "persons_injured",
    "case_episodes",
)
POPULATION_SOURCES = ("census", "sample_unweighted", "sample_weighted")

# --------------------------------------------------------------------------------------------
# F1 participant flow
# --------------------------------------------------------------------------------------------


@styled
def participant_flow(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """F1: CONSORT-like flow from households sampled to injury episodes (docs/methods.md §6.6).

    Parameters
    ----------
    table
        One row per step, in order: ``step`` (one of households_sampled, households_eligible,
        households_responded, persons, persons_screened, persons_injured, case_episodes; any subset, in this
        order), ``count`` (integer) and optionally ``note`` or ``note_zh``/``note_en`` (text beside
        the arrow *into* that step, e.g. the exclusions: "Vacant 12, refused 8"; for the first
        step, beside its box).
    lang, labels
        Language "zh"/"en"; labels are not needed (step names are figure texts).
    """
    figure = "participant_flow (F1)"
    check_language(lang)
    require_columns(table, ["step", "count"], figure)
    require_values(table, "step", FLOW_STEPS, figure)
    order = [FLOW_STEPS.index(s) for s in table["step"]]
    if order != sorted(order) or len(set(order)) != len(order):
        raise ValueError(f"{figure}: steps must appear once each, in the order {list(FLOW_STEPS)}.")
    steps = as_numeric(table, ["count"], figure).reset_index(drop=True)
    note_column = next((c for c in (f"note_{lang}", "note") if c in steps.columns), None)

    n_steps = len(steps)
    fig = new_figure(FULL_WIDTH_CM, 1.55 * n_steps + 1.2)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n_steps - 0.4)
    has_notes = (
        note_column is not None and steps[note_column].fillna("").astype(str).str.strip().any()
    )
    # Boxes on the left with the exclusions to their right; centred when there is no note.
    centre_x, box_w, box_h = (0.25, 0.40, 0.66) if has_notes else (0.5, 0.44, 0.66)
    note_x = 0.50
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
    add_title(fig, figure_text("f1.title", lang), title)
    return fig


def _wrap_note(note: object, lang: str) -> str:
    width = 26 if lang == "zh" else 50
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
    corrects (docs/methods.md §6.1 step 3); the weighted shares should then lie on the bars.

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
    require_columns(table, ["age_group", "sex", "source", "share"], figure)
    require_values(table, "source", POPULATION_SOURCES, figure)
    data = as_numeric(sex_codes(table, figure), ["share"], figure)
    ages = age_order(data["age_group"])
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
            code_label(labels, "sex", sex, lang),
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
    add_title(fig, figure_text("f2.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# F10 recall decay
# --------------------------------------------------------------------------------------------


def recent_mean(episodes_by_month: pd.Series) -> float:
    """Mean episodes per month over months 0–2 before interview: the least recall-affected level.

    Minor injuries are forgotten with time, so with no recall loss episodes by months before
    interview would be flat; a fall below this reference line in earlier months estimates the
    under-reporting (docs/methods.md §6.6 F10).
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
    require_columns(table, ["months_before", "episodes"], figure)
    data = as_numeric(table, ["months_before", "episodes"], figure)
    require_values(data, "months_before", list(range(12)), figure)
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
    add_title(fig, figure_text("f10.title", lang), title)
    return fig


# --------------------------------------------------------------------------------------------
# Weights: distribution by weighting step
# --------------------------------------------------------------------------------------------

WEIGHT_STEPS = ("weight_base", "weight_nr", "weight_pnr", "weight")


@styled
def weight_distribution(
    table: pd.DataFrame, *, lang: str, labels: Labels | None = None, title: bool = True
) -> Figure:
    """Weights notebook: distribution of the person weights after each weighting step.

    One histogram panel per step (base weight, after the household and the person-level
    non-response adjustments, final), on a
    shared axis; the spread is what Kish's weighting effect 1 + CV² summarises (§6.1 step 4).

    Parameters
    ----------
    table
        One row per person with any of the columns of :data:`WEIGHT_STEPS`.
    """
    figure = "weight_distribution (weights)"
    check_language(lang)
    steps = [step for step in WEIGHT_STEPS if step in table.columns]
    if not steps:
        raise ValueError(f"{figure}: the table needs one of the columns {list(WEIGHT_STEPS)}.")
    data = as_numeric(table, steps, figure)
    values = pd.concat([data[step].dropna() for step in steps])
    bins = np.linspace(float(values.min()), float(values.max()), 31)
    fig = new_figure(FULL_WIDTH_CM, 3.2 * len(steps) + 1.6)
    axes = fig.subplots(len(steps), 1, sharex=True, squeeze=False)[:, 0]
    for ax, step in zip(axes, steps, strict=True):
        weights = data[step].dropna()
        ax.hist(weights, bins=bins, color=BAR_COLOUR)
        cv2 = float((weights.std(ddof=0) / weights.mean()) ** 2)
        ax.set_title(
            figure_text(
                "weights.panel",
                lang,
                step=figure_text(f"weights.{step}", lang),
                kish=f"{1 + cv2:.3f}",
            ),
            loc="left",
        )
        ax.set_ylabel(figure_text("weights.persons", lang))
        ax.yaxis.grid(True)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel(figure_text("weights.axis", lang))
    add_title(fig, figure_text("weights.title", lang), title)
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
    docs/methods.md §5.3), which is why the prior deserves the plan's attention.

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
    require_columns(table, ["incidence_prior", "precision", "households"], figure)
    data = as_numeric(table, ["incidence_prior", "precision", "households"], figure)
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
            xytext=(0.45, 0.72),  # the empty upper right: the curves fall with the prior
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "-", "color": "#333333", "linewidth": 0.6},
            fontsize=SMALL_FONT_PT,
        )
    ax.set_xlabel(figure_text("plan.incidence", lang))
    ax.set_ylabel(figure_text("plan.households", lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: thousands(v)))
    format_percent_axis(ax.xaxis)
    ax.set_ylim(bottom=0)
    ax.grid(True)
    ax.set_axisbelow(True)
    ax.legend(
        title=figure_text(f"plan.{precision_type}", lang),
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    add_title(fig, figure_text("plan.title", lang), title)
    return fig
