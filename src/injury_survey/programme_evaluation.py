"""Evaluation of the programme's own indicators: did awareness, safety knowledge and home safety
change between baseline and follow-up, and by more than in a comparison area? (docs/methods.md,
evaluation; the tables in docs/input-tables-programme.md.)

The same machinery as the injury indicators (:mod:`injury_survey.evaluation`): each wave's
programme tables are scored as in stage 12 (:func:`~injury_survey.programme_indicators.score_knowledge`,
:func:`~injury_survey.programme_indicators.score_home_safety`, ``programme.dont_know`` and
``programme.knowledge_pass_mark`` honoured), the waves are stacked with their strata and
calibration cells kept apart, and every item is a domain estimate (``where=answered_<item>``) per
wave on that one design. Person items (awareness, each knowledge item's share right, the mean
score, the share passing) use the final person weight and credit its calibration; household items
(home-safety measures) use the household weight of
:func:`~injury_survey.programme_indicators.household_weights`, which has no calibration of its
own (:data:`HOUSEHOLD_CALIBRATION`). The contrasts are those of
:func:`injury_survey.evaluation.compare_waves`: difference and log-scale ratio per area, with a
comparison area the difference-in-differences and the ratio of ratios.

The minimum detectable change here is the design-based one of the samples achieved,
``(z_{1−α/2} + z_power) · √(se_B² + se_F²)``: the smallest true change (a rise or a fall, in the
item's own unit) that a two-sided test at ``1 − confidence`` would have detected with the stated
power, given the standard errors the two waves actually had (their design effects included).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from injury_survey.codebook import Codebook
from injury_survey.estimation import variance_declaration
from injury_survey.evaluation import (
    COMPARISON_COLUMNS,
    EvaluationSettings,
    compare_waves,
    stack_waves,
    stacked_design,
)
from injury_survey.intake import PROGRAMME_TABLES
from injury_survey.programme_indicators import (
    AWARE,
    PASSED,
    SCORE,
    ProgrammeSettings,
    analysis_frame,
    household_weights,
    programme_items,
    score_home_safety,
    score_knowledge,
)
from injury_survey.programme_wave import wave_programme_tables
from injury_survey.survey_design import SurveyDesign
from injury_survey.vectors import isin

# Household items are estimated on household_weights' weight as it stands (no calibration
# record); switch here if the household weight gains one.
HOUSEHOLD_CALIBRATION: str | None = None
PROGRAMME_COLUMNS = ["section", "statistic", *COMPARISON_COLUMNS]
_NO_EPISODES = pd.DataFrame(columns=["person_id", "is_case", "in_window", "cause"])


def wave_frames(
    config: Mapping,
    wave: str,
    persons_weighted: pd.DataFrame,
    codebook: Codebook,
    *,
    clean_tables: Mapping[str, pd.DataFrame] | None = None,
    survey_dir: str | Path = ".",
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """``(persons, households)`` of one wave: the weighted rows with the scored items joined
    (:func:`~injury_survey.programme_indicators.analysis_frame`), or None for an absent table.

    ``clean_tables``: the wave's clean programme tables (the pipeline passes them), read as the
    wave's own estimates read them (:func:`~injury_survey.programme_wave.wave_programme_tables`).
    """
    paths = dict(config["tables"]["waves"][wave])
    if not any(paths.get(name) for name in PROGRAMME_TABLES):
        return None, None
    settings = ProgrammeSettings.from_config(config)
    items = programme_items(codebook)
    tables, _, _, _ = wave_programme_tables(
        paths, persons_weighted, codebook, clean_tables=clean_tables, survey_dir=survey_dir
    )
    persons = households = None
    if "knowledge" in tables:
        scored, _ = score_knowledge(
            tables["knowledge"], persons_weighted, items, codebook, settings
        )
        persons = analysis_frame(persons_weighted, scored, "person_id")
    if "home_safety" in tables:
        home = tables["home_safety"]
        known = isin(home["hh_id"].astype(str), persons_weighted["hh_id"].astype(str))
        scored = score_home_safety(home.loc[known], items, codebook, settings)
        households = analysis_frame(household_weights(persons_weighted), scored, "hh_id")
    return persons, households


def _sections(codebook: Codebook) -> dict[str, list[str]]:
    items = programme_items(codebook)
    return {
        "awareness": [AWARE],
        "knowledge_score": [SCORE, PASSED],
        "knowledge_item": list(items.knowledge),
        "home_safety": list(items.home_safety),
    }


def _per_wave(design: SurveyDesign, sections, *, ci_method: str, confidence: float) -> dict:
    """(item, "all", "all") -> {wave: estimate row} for every item the stacked frame has."""
    out: dict[tuple[str, str, str], dict[str, pd.Series]] = {}
    data = design.data
    for names in sections.values():
        for item in names:
            flag = f"answered_{item}"
            if flag not in data or not (data[flag] == 1).any():
                continue
            where = (flag, 1)
            if item == SCORE:
                table = design.mean(item, by="wave", where=where, confidence=confidence)
            else:
                table = design.proportion(
                    item, by="wave", where=where, ci_method=ci_method, confidence=confidence
                )
            for _, row in table.iterrows():
                out.setdefault((item, "all", "all"), {})[row["wave"]] = row
    return out


def design_based_mdc(baseline: pd.Series, followup: pd.Series, *, confidence, power) -> float:
    """Smallest detectable change from the SEs achieved (module docstring)."""
    from scipy.stats import norm  # imported here: scipy.stats costs ~0.5 s

    z = norm.ppf(1 - (1 - confidence) / 2) + norm.ppf(power)
    return float(z * math.hypot(baseline["se"], followup["se"]))


def evaluate_programme(
    frames: Mapping[str, tuple[pd.DataFrame | None, pd.DataFrame | None]],
    settings: EvaluationSettings,
    codebook: Codebook,
    *,
    estimation: Mapping,
    calibration: str | None,
    programme: ProgrammeSettings,
    power: float = 0.8,
) -> pd.DataFrame:
    """Every programme comparison as one tidy table (:data:`PROGRAMME_COLUMNS`).

    ``frames`` maps each wave of the evaluation to :func:`wave_frames`' pair. ``indicator`` is
    the item (``aware``, ``knowledge_score``, ``knowledge_passed``, a knowledge item, a
    home-safety measure), ``section`` its part, ``statistic`` proportion or mean (the score, in
    points 0–100). Waves without a table leave its items out; no table at all gives an empty
    table.
    """
    confidence = float(estimation.get("confidence", 0.95))
    ci_method = estimation.get("ci_method", "logit")
    lonely = estimation.get("lonely_psu", "fail")
    variance = variance_declaration(estimation)
    sections = _sections(codebook)
    parts = []
    for unit, position in (("persons", 0), ("households", 1)):
        present = {w: pair[position] for w, pair in frames.items() if pair[position] is not None}
        present = {w: f for w, f in present.items() if w in settings.waves}
        if len(present) < 2:
            continue
        stacked = stack_waves(present, dict.fromkeys(present, _NO_EPISODES))
        if unit == "persons":
            design = stacked_design(
                stacked, lonely_psu=lonely, calibration=calibration, variance=variance
            )
            wanted = {k: v for k, v in sections.items() if k != "home_safety"}
        else:
            design = stacked_design(
                stacked, lonely_psu=lonely, calibration=HOUSEHOLD_CALIBRATION, variance=variance
            )
            wanted = {"home_safety": sections["home_safety"]}
        estimates = _per_wave(design, wanted, ci_method=ci_method, confidence=confidence)
        if not estimates:
            continue
        table = compare_waves(
            estimates,
            settings,
            df=design.degrees_of_freedom,
            confidence=confidence,
            mdc=lambda b, f: design_based_mdc(b, f, confidence=confidence, power=power),
        )
        section_of = {item: s for s, names in wanted.items() for item in names}
        table["section"] = table["indicator"].map(section_of)
        table["statistic"] = (table["indicator"] == SCORE).map({True: "mean", False: "proportion"})
        weight = (
            f"final person weight, calibration {calibration or 'none'}"
            if unit == "persons"
            else f"household weight, calibration {HOUSEHOLD_CALIBRATION or 'none'}"
        )
        table["method"] = (
            f"stacked design of independent waves (strata per wave), {weight}, Taylor "
            f"linearisation, {variance.describe()}, lonely PSU {lonely}; {100 * confidence:g} % t interval, df "
            f"{design.degrees_of_freedom}; ratios on the log scale; design-based MDC at power "
            f"{power:g}; {programme.describe()}"
        )
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=PROGRAMME_COLUMNS)
    return pd.concat(parts, ignore_index=True)[PROGRAMME_COLUMNS]
