"""The report's figures F1–F10 (docs/methods.md §6.6), drawn from the report tables.

Each figure function of :mod:`injury_survey.figures` takes a tidy table; this module picks the
right report table (or, for the participant flow and the month/hour pattern, derives the small
table from the clean data), draws the figure in every configured language and saves it with its
caption. The notebook only calls :func:`draw_report_figures` and shows what it returns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from injury_survey import figures
from injury_survey.report_tables import Table
from injury_survey.weighting_classes import DONT_KNOW, screened_persons


@dataclass(frozen=True)
class SavedFigure:
    """One figure in one language: its stem (e.g. ``f03_incidence_age_sex``) and files."""

    figure: str
    stem: str
    lang: str
    png: Path
    svg: Path
    caption: str


def participant_flow_table(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    episodes: pd.DataFrame,
    labels=None,
    screening_dont_know: str = "exclude",
) -> pd.DataFrame:
    """F1's steps from the clean tables: sampled → eligible → responded households → persons →
    (persons who answered the screening question) → injured persons → case episodes (unweighted
    counts, from the row accounting's clean side), with the reasons for exclusion beside the
    arrows (``note_zh``/``note_en``): the household result codes of the households not eligible
    and of the eligible ones not interviewed (code labels from ``labels``, the codebook), the
    persons left out of the incidence denominator for want of a screening answer (the
    ``screening_dont_know`` setting decides whether "don't know" is an answer; the step appears
    only when someone is left out, so the chart's counts meet the headline's denominator), and
    the episodes not counted as cases."""
    eligible = households["eligible"].fillna(False).astype(bool)
    responded = households["responded"].fillna(False).astype(bool)
    notes = {
        "households_eligible": _result_codes(households[~eligible], labels, "flow.excluded"),
        "households_responded": _result_codes(
            households[eligible & ~responded], labels, "flow.excluded"
        ),
        "case_episodes": _episodes_not_counted(episodes),
    }
    screened = screened_persons(persons, screening_dont_know)
    steps = [
        ("households_sampled", len(households)),
        ("households_eligible", int(eligible.sum())),
        ("households_responded", int(responded.sum())),
        ("persons", len(persons)),
    ]
    if not screened.all():
        steps.append(("persons_screened", int(screened.sum())))
        notes["persons_screened"] = _not_screened(persons[~screened])
    steps += [
        ("persons_injured", int(persons["injured"].sum())),
        ("case_episodes", int(episodes["is_case"].sum())),
    ]
    return pd.DataFrame(
        {
            "step": [step for step, _ in steps],
            "count": [n for _, n in steps],
            **{
                f"note_{lang}": [notes.get(step, {}).get(lang, "") for step, _ in steps]
                for lang in ("zh", "en")
            },
        }
    )


def _result_codes(households: pd.DataFrame, labels, key: str) -> dict[str, str]:
    """ "Excluded: vacant 107, demolished 10 …" by household result code, largest first."""
    if households.empty or "result_code" not in households.columns:
        return {}
    counts = households["result_code"].value_counts().sort_values(ascending=False, kind="stable")
    notes = {}
    for lang in ("zh", "en"):
        items = []
        for code, n in counts.items():
            # a completed code among the not interviewed: the household's persons were unusable
            if labels is None or int(code) in (1, 2):
                label = figures.figure_text("flow.no_usable_data", lang)
            else:
                label = labels.label("result_code", int(code), lang)
            items.append(figures.figure_text("flow.item", lang, label=label, n=f"{n:,d}"))
        separator = "，" if lang == "zh" else ", "
        notes[lang] = figures.figure_text(key, lang, items=separator.join(items))
    return notes


def _not_screened(persons: pd.DataFrame) -> dict[str, str]:
    """Persons without a screening answer: "don't know" (when it is not an answer) or blank."""
    answer = pd.to_numeric(persons["injured_12m"], errors="coerce")
    reasons = [
        ("flow.screening_dont_know", int(answer.eq(DONT_KNOW).sum())),
        ("flow.screening_missing", int((~answer.eq(DONT_KNOW)).sum())),
    ]
    return _reason_notes("flow.not_in_denominator", reasons)


def _episodes_not_counted(episodes: pd.DataFrame) -> dict[str, str]:
    """Episodes reported but not counted as cases: outside the recall window, or inside it and
    failing the case definition."""
    not_case = ~episodes["is_case"].fillna(False).astype(bool)
    if not not_case.any():
        return {}
    in_window = (
        episodes["in_window"].fillna(False).astype(bool)
        if "in_window" in episodes.columns
        else pd.Series(True, index=episodes.index)
    )
    reasons = [
        ("flow.not_case", int((not_case & in_window).sum())),
        ("flow.outside_window", int((not_case & ~in_window).sum())),
    ]
    return _reason_notes("flow.not_counted", reasons)


def _reason_notes(sentence: str, reasons: list[tuple[str, int]]) -> dict[str, str]:
    """The flow chart's note on a step, in each language: ``sentence`` listing each reason (a
    figure-text key) with its count, reasons with no rows left out."""
    notes = {}
    for lang in ("zh", "en"):
        items = [
            figures.figure_text("flow.item", lang, label=figures.figure_text(key, lang), n=n)
            for key, n in reasons
            if n
        ]
        separator = "，" if lang == "zh" else ", "
        notes[lang] = figures.figure_text(sentence, lang, items=separator.join(items))
    return notes


def month_hour_table(episodes: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """F7's table: weighted share of case episodes by month of injury and by hour of day.

    Shares are among case episodes whose month (date known at least to the month) or hour is
    known; each episode carries its person's final weight. Point estimates only (no CI).
    """
    cases = episodes[episodes["is_case"].astype(bool)].merge(
        weights[["person_id", "weight"]], on="person_id", how="inner"
    )
    known_month = cases["injury_date_precision"].isin(["day", "month"])
    months = pd.to_datetime(cases.loc[known_month, "injury_date"]).dt.month
    rows = []
    for by, values, weight in (
        ("month", months, cases.loc[known_month, "weight"]),
        (
            "hour",
            cases["injury_hour"].dropna().astype(int),
            cases.loc[cases["injury_hour"].notna(), "weight"],
        ),
    ):
        shares = weight.groupby(values.to_numpy()).sum() / weight.sum()
        rows += [
            {"by": by, "level": int(level), "estimate": float(share)}
            for level, share in shares.items()
        ]
    return pd.DataFrame(rows, columns=["by", "level", "estimate"])


def followup_comparison_table(estimates_by_wave: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """F9's table: overall incidence (crude, standardised) of the first and last wave and their
    difference Δ = p̂₂ − p̂₁ with SE = √(V₁ + V₂) and a normal 95 % CI (docs/methods.md §6.7)."""
    waves = list(estimates_by_wave.values())
    baseline, followup = waves[0], waves[-1]
    rows = []
    for indicator in ("injury_incidence", "injury_incidence_std"):
        pick = {
            wave: table[(table["indicator"] == indicator) & (table["by"] == "all")].iloc[0]
            for wave, table in (("baseline", baseline), ("followup", followup))
        }
        for wave, row in pick.items():
            rows.append(
                {
                    "indicator": indicator,
                    "wave": wave,
                    "estimate": row["estimate"],
                    "ci_lower": row["ci_lower"],
                    "ci_upper": row["ci_upper"],
                }
            )
        difference = pick["followup"]["estimate"] - pick["baseline"]["estimate"]
        se = math.hypot(pick["followup"]["se"], pick["baseline"]["se"])
        rows.append(
            {
                "indicator": indicator,
                "wave": "difference",
                "estimate": difference,
                "ci_lower": difference - 1.959964 * se,
                "ci_upper": difference + 1.959964 * se,
            }
        )
    return pd.DataFrame(rows)


def draw_report_figures(
    tables: Mapping[str, Table],
    *,
    clean: Mapping[str, pd.DataFrame],
    weights: pd.DataFrame,
    config: Mapping,
    codebook,
    out_dir: str | Path,
    estimates_by_wave: Mapping[str, pd.DataFrame] | None = None,
) -> list[SavedFigure]:
    """Draw and save every report figure in every language of ``report.language``.

    ``tables`` are the wave's report tables (:func:`injury_survey.report_tables.read_tables`);
    a figure whose table is missing is skipped. F9 is drawn when ``estimates_by_wave`` holds two
    or more waves.
    """
    estimation = config["estimation"]
    source = config["survey"]["name_zh"], config["survey"]["name_en"]
    data = {table_id: table.data for table_id, table in tables.items()}
    weighted = {
        "ci_method": estimation["ci_method"],
        "confidence": estimation["confidence"],
        "case_definition": config["case_definition"],
    }
    plan: list[tuple[str, str, Callable[..., Figure], pd.DataFrame | None, dict, dict]] = [
        (
            "f1",
            "f01_participant_flow",
            figures.participant_flow,
            participant_flow_table(
                clean["households"],
                clean["persons"],
                clean["episodes"],
                labels=codebook,
                screening_dont_know=config["screening_dont_know"],
            ),
            {},
            {"weighted": False, "confidence": None, "ci_method": None},
        ),
        (
            "f2",
            "f02_population_pyramid",
            figures.population_pyramid,
            data.get("T2"),
            {},
            {"weighted": True, "confidence": None, "ci_method": None},
        ),
        (
            "f3",
            "f03_incidence_age_sex",
            figures.incidence_by_age_sex,
            data.get("T4"),
            {},
            {
                **weighted,
                "unstable_min_n": estimation["unstable_min_n"],
                "unstable_max_rse": estimation["unstable_max_rse"],
            },
        ),
        (
            "f4",
            "f04_leading_causes",
            figures.leading_causes,
            _observed(_rows(data.get("T6"), "share")),
            {"rank_residual": config["report"].get("rank_residual_causes", False)},
            weighted,
        ),
        (
            "f4.caption_by_age",
            "f04b_leading_causes_by_age",
            figures.leading_causes_by_age,
            _rows(data.get("T7"), "share_within_age"),
            {"top": 5, "rank_residual": config["report"].get("rank_residual_causes", False)},
            weighted,
        ),
        (
            "f5",
            "f05_cause_place",
            figures.cause_place_heatmap,
            _observed_cross(_rows(data.get("T9"), "share"), "cause", "place"),
            {"suppress_below": config["report"]["suppress_below"]},
            weighted,
        ),
        (
            "f6" if "deaths" in clean else "f6.caption_no_deaths",
            "f06_injury_pyramid",
            figures.injury_pyramid,
            _pyramid_tiers(data.get("pyramid"), deaths_recorded="deaths" in clean),
            {},
            # every reported injury, not only cases; tiers are rates with log-scale CIs
            {**weighted, "ci_method": "log", "case_definition": None},
        ),
        (
            "f7",
            "f07_month_hour",
            figures.month_and_hour,
            month_hour_table(clean["episodes"], weights),
            {},
            {**weighted, "ci_method": None},
        ),
        (
            "f8",
            "f08_body_part_nature",
            figures.body_part_and_nature,
            _stack(data.get("T11"), data.get("T12")),
            {},
            weighted,
        ),
        (
            "f10",
            "f10_recall_decay",
            figures.recall_decay,
            data.get("recall_decay"),
            {},
            {**weighted, "ci_method": None, "confidence": None},
        ),
    ]
    if estimates_by_wave is not None and len(estimates_by_wave) >= 2:
        plan.append(
            (
                "f9",
                "f09_baseline_followup",
                figures.baseline_followup_forest,
                followup_comparison_table(estimates_by_wave),
                {"unit": "percent"},
                weighted,
            )
        )
    saved = []
    for key, stem, draw, table, options, method in plan:
        if table is None or table.empty:
            continue
        for lang in figures.figure_languages(config["report"]["language"]):
            fig = draw(table, lang=lang, labels=codebook, **options)
            caption = figures.figure_caption(
                key,
                lang,
                source=source[0] if lang == "zh" else source[1],
                method=figures.method_note(lang, labels=codebook, **method),
                top=options.get("top", 5),
            )
            png, svg, _ = figures.save_figure(fig, out_dir, stem, lang=lang, caption=caption)
            saved.append(SavedFigure(key.split(".")[0], stem, lang, png, svg, caption))
    return saved


def _rows(table: pd.DataFrame | None, indicator: str) -> pd.DataFrame | None:
    return None if table is None else table[table["indicator"] == indicator]


def _stack(*parts: pd.DataFrame | None) -> pd.DataFrame | None:
    present = [_observed(_rows(p, "share")) for p in parts if p is not None]
    return pd.concat(present, ignore_index=True) if present else None


# Figures leave out categories nobody reported (the tables keep them, as zeros).
def _observed(table: pd.DataFrame | None) -> pd.DataFrame | None:
    return None if table is None else table[table["n_cases"].fillna(0) > 0]


def _observed_cross(table: pd.DataFrame | None, rows: str, columns: str) -> pd.DataFrame | None:
    if table is None:
        return None
    seen = table["n_cases"].fillna(0) > 0
    keep_rows = set(table.loc[seen, rows])
    keep_columns = set(table.loc[seen, columns])
    return table[table[rows].isin(keep_rows) & table[columns].isin(keep_columns)]


def _pyramid_tiers(table: pd.DataFrame | None, *, deaths_recorded: bool) -> pd.DataFrame | None:
    """Without a deaths module the survey cannot speak for deaths: leave the tier out."""
    if table is None or deaths_recorded:
        return table
    return table[table["tier"] != "death"]
