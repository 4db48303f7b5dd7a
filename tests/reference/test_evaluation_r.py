"""The evaluation's contrasts against R's survey package (expected values from R, not from us).

``evaluation/expected_evaluation.csv`` is ``evaluation/reference_evaluation.R`` (R 4.2.2, survey
4.1.1, versions in its "meta" rows) run on ``evaluation/evaluation_waves.csv`` (four waves made once
by ``evaluation/make_evaluation_data.py``): svyby + svycontrast on the stacked design for the
difference, log ratio, difference-in-differences and log ratio of ratios of independent waves, the
standardised difference, and svyglm with a wave term and with an area x wave interaction. Every
test runs under two variance declarations: PSUs as sampled with replacement (``fpc: none``, the
quantities without a prefix) and the declared design (``certainty_psus: own_strata``, ``fpc:
two_stage``, each wave's own frame; the ``declared/`` quantities), so the evaluation honours the
declaration of the waves' estimates.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey import evaluation
from injury_survey.survey_design import t_quantile

HERE = Path(__file__).parent / "evaluation"
TIGHT = 1e-8
GLM_TOL = 1e-6  # svyglm's iteratively reweighted fit (ours agrees to ~1e-8 in the coefficients)
SETTINGS = evaluation.EvaluationSettings(
    baseline="baseline",
    followup="followup",
    comparison_baseline="comparison_baseline",
    comparison_followup="comparison_followup",
)
BASE = {"confidence": 0.95, "ci_method": "logit", "standard_population": "china2010"}
# declaration -> (estimation settings, prefix of R's quantities)
DECLARATIONS = {
    "with_replacement": ({**BASE, "certainty_psus": "as_sampled", "fpc": "none"}, ""),
    "declared": ({**BASE, "certainty_psus": "own_strata", "fpc": "two_stage"}, "declared/"),
}


@pytest.fixture(scope="module", params=list(DECLARATIONS))
def declaration(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def estimation(declaration) -> dict:
    return DECLARATIONS[declaration][0]


@pytest.fixture(scope="module")
def expected(declaration) -> pd.DataFrame:
    table = pd.read_csv(HERE / "expected_evaluation.csv", skipinitialspace=True)
    table = table[~table["quantity"].str.startswith("meta/")].copy()
    prefix = DECLARATIONS[declaration][1]
    table = table[table["quantity"].str.startswith("declared/") == bool(prefix)]
    table["quantity"] = table["quantity"].str.removeprefix(prefix)
    for column in ("estimate", "se", "df"):
        table[column] = pd.to_numeric(table[column])
    return table.set_index("quantity")


@pytest.fixture(scope="module")
def stacked() -> pd.DataFrame:
    waves = pd.read_csv(
        HERE / "evaluation_waves.csv", dtype={"stratum_id": str, "psu_id": str, "hh_id": str}
    )
    persons = {
        wave: part.drop(columns="wave").assign(person_id=np.arange(len(part)).astype(str))
        for wave, part in waves.groupby("wave", sort=False)
    }
    no_episodes = pd.DataFrame(columns=["person_id", "is_case", "in_window", "cause"])
    return evaluation.stack_waves(persons, dict.fromkeys(persons, no_episodes))


@pytest.fixture(scope="module")
def comparisons(stacked, estimation) -> pd.DataFrame:
    return evaluation.evaluate(
        stacked, SETTINGS, estimation=estimation, age_groups=[0, 15, 45, 65], calibration=None
    )


def _row(comparisons, indicator, area, contrast):
    rows = comparisons[
        (comparisons["indicator"] == indicator)
        & (comparisons["by"] == "all")
        & (comparisons["area"] == area)
        & (comparisons["contrast"] == contrast)
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def test_wave_estimates_match_r(comparisons, expected):
    row = _row(comparisons, "injury_incidence", "intervention", "difference")
    assert row["baseline"] == pytest.approx(
        expected.loc["incidence/baseline", "estimate"], rel=TIGHT
    )
    assert row["followup"] == pytest.approx(
        expected.loc["incidence/followup", "estimate"], rel=TIGHT
    )


@pytest.mark.parametrize(
    ("area", "contrast", "quantity", "log"),
    [
        ("intervention", "difference", "difference", False),
        ("intervention", "ratio", "log_ratio", True),
        ("between", "difference_in_differences", "difference_in_differences", False),
        ("between", "ratio_of_ratios", "log_ratio_of_ratios", True),
    ],
)
def test_contrasts_match_r_svycontrast(comparisons, expected, area, contrast, quantity, log):
    row = _row(comparisons, "injury_incidence", area, contrast)
    reference = expected.loc[quantity]
    estimate = math.log(row["estimate"]) if log else row["estimate"]
    assert estimate == pytest.approx(reference["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(reference["se"], rel=TIGHT)
    assert row["df"] == reference["df"]
    # the interval is the t interval with the stacked design's df, on the log scale for ratios
    t = t_quantile(0.95, reference["df"])
    lower, upper = (reference["estimate"] + s * t * reference["se"] for s in (-1, 1))
    if log:
        lower, upper = math.exp(lower), math.exp(upper)
    assert row["ci_lower"] == pytest.approx(lower, rel=1e-8)
    assert row["ci_upper"] == pytest.approx(upper, rel=1e-8)


def test_standardised_difference_matches_r(comparisons, expected):
    row = _row(comparisons, "injury_incidence_std", "intervention", "difference")
    assert row["baseline"] == pytest.approx(
        expected.loc["incidence_std/baseline", "estimate"], rel=TIGHT
    )
    assert row["followup"] == pytest.approx(
        expected.loc["incidence_std/followup", "estimate"], rel=TIGHT
    )
    assert row["estimate"] == pytest.approx(expected.loc["std_difference", "estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(expected.loc["std_difference", "se"], rel=TIGHT)


def test_pooled_logistic_with_a_wave_term_matches_r_svyglm(stacked, estimation, expected):
    two = evaluation.EvaluationSettings(baseline="baseline", followup="followup")
    model = evaluation.pooled_logistic(stacked, two, estimation=estimation, calibration=None)
    row = model.set_index("term").loc["followup"]
    assert row["estimate"] == pytest.approx(
        expected.loc["glm_wave/followup", "estimate"], rel=GLM_TOL
    )
    assert row["se"] == pytest.approx(expected.loc["glm_wave/followup", "se"], rel=GLM_TOL)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("followup", "followup"),
        ("intervention", "intervention"),
        ("intervention_x_followup", "followup:intervention"),
    ],
)
def test_pooled_logistic_area_by_wave_matches_r_svyglm(stacked, estimation, expected, ours, theirs):
    model = evaluation.pooled_logistic(stacked, SETTINGS, estimation=estimation, calibration=None)
    row = model.set_index("term").loc[ours]
    reference = expected.loc[f"glm_area_wave/{theirs}"]
    assert row["estimate"] == pytest.approx(reference["estimate"], rel=GLM_TOL)
    assert row["se"] == pytest.approx(reference["se"], rel=GLM_TOL)


def test_trend_table_per_wave_and_ratio_to_the_first_match_r(stacked, estimation, expected):
    order = ["baseline", "followup", "comparison_baseline", "comparison_followup"]
    trend = evaluation.trend_table(
        stacked, order, estimation=estimation, age_groups=[0, 15, 45, 65], calibration=None
    )
    crude = trend[trend["indicator"] == "injury_incidence"].set_index("wave")
    for wave in order:
        assert crude.loc[wave, "estimate"] == pytest.approx(
            expected.loc[f"incidence/{wave}", "estimate"], rel=TIGHT
        )
        assert crude.loc[wave, "se"] == pytest.approx(
            expected.loc[f"incidence/{wave}", "se"], rel=TIGHT
        )
    log_ratio = expected.loc["log_ratio"]
    t = t_quantile(0.95, log_ratio["df"])
    assert math.log(crude.loc["followup", "ratio_to_first"]) == pytest.approx(
        log_ratio["estimate"], rel=TIGHT
    )
    assert crude.loc["followup", "ratio_ci_upper"] == pytest.approx(
        math.exp(log_ratio["estimate"] + t * log_ratio["se"]), rel=1e-8
    )
    std = trend[trend["indicator"] == "injury_incidence_std"].set_index("wave")
    assert std.loc["followup", "estimate"] == pytest.approx(
        expected.loc["incidence_std/followup", "estimate"], rel=TIGHT
    )


def test_the_method_names_the_declaration(comparisons, stacked, estimation, declaration):
    model = evaluation.pooled_logistic(stacked, SETTINGS, estimation=estimation, calibration=None)
    for method in (comparisons["method"].iloc[0], model["method"].iloc[0]):
        if declaration == "declared":
            assert "certainty PSUs as own strata" in method
            assert "two-stage fpc" in method
        else:
            assert "PSUs with replacement (no fpc)" in method


def test_the_declared_design_changes_the_standard_errors(stacked):
    """The declaration is not ignored: with large sampling fractions the SEs shrink."""
    kept = {
        name: evaluation.evaluate(
            stacked, SETTINGS, estimation=settings, age_groups=[0, 15, 45, 65], calibration=None
        )
        for name, (settings, _) in DECLARATIONS.items()
    }
    wr = _row(kept["with_replacement"], "injury_incidence", "intervention", "difference")
    declared = _row(kept["declared"], "injury_incidence", "intervention", "difference")
    assert declared["estimate"] == pytest.approx(wr["estimate"], rel=TIGHT)
    assert declared["se"] < 0.9 * wr["se"]
