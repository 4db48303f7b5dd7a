"""Coverage of the design-based 95 % CI for injury incidence, and the accuracy of its SE, by
simulation in two regimes.

**Small sampling fraction** (the textbook case). One synthetic finite population: 4 strata,
100 PSUs each, 40-120 persons per PSU, injury with about 5 % incidence and a PSU random effect on
the logit scale, so clustering matters. Each replicate draws 6 PSUs per stratum by simple random
sampling, then 20 persons per PSU, weights (N_h/n_h)·(M_i/m), and estimates incidence with
with-replacement PSUs (f = 6 %, so the with-replacement SE is about 3 % too large).

**The demo's regime**: 4 strata of 12 PSUs, the 2 largest (300-400 households) taken with
certainty, 7 of the other 10 by simple random sampling (f = 0.7), then 10 of the M_i listed
households of each PSU, all members interviewed (households of 1-5 persons, a PSU and a household
random effect). Incidence is estimated with the default declaration: certainty PSUs as strata of
households, two-stage fpc (docs/methods.md, "Variance estimation"). The first stage is equal-
probability here, where the fpc is exact; the demo's PPS makes it the usual approximation.

In each regime the test asserts:

- coverage of the logit CI (df = first-stage units − strata) between 93 % and 97 %: with 400
  replicates the Monte Carlo SE of a coverage of 95 % is 1.1 points, so this is about ±1.8 MC SEs;
- the ratio of the mean estimated SE to the true SE (the SD of the estimates over the replicates)
  within 0.88-1.12: the SD from 400 replicates has a relative MC SE of about 1/√(2·400) = 3.5 %,
  and the Taylor SE of a ratio is itself biased by a few per cent in samples of this size, so
  ±12 % is about three MC SEs; a variance declaration that ignores the design by 20 % or more
  (as the with-replacement one does in the demo's regime, checked here) fails it.

Measured with these seeds: small fraction coverage 94.8 %, SE ratio 0.94; demo regime coverage
94.8 %, SE ratio 1.02, with-replacement SE ratio 1.56 (run with ``-s`` to see the numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from coverage_harness import draw_sample, make_population

from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import VarianceDeclaration

N_REPLICATES = 400
SEED = 20261129
SE_RATIO_LIMITS = (0.88, 1.12)


def make_demo_like_population(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons (stratum, PSU, household, injured) and one row per PSU (listed households)."""
    persons, psus = [], []
    for stratum_index in range(4):
        listed = np.concatenate([rng.integers(300, 401, 2), rng.integers(60, 151, 10)])
        for psu_index, households in enumerate(listed):
            psu_id = f"S{stratum_index}-P{psu_index:02d}"
            psus.append(
                {
                    "stratum_id": f"S{stratum_index}",
                    "psu_id": psu_id,
                    "households_listed": int(households),
                    "certainty": int(psu_index < 2),
                }
            )
            size = rng.integers(1, 6, households)
            household = np.repeat(np.arange(households), size)
            logit = -2.8 + 0.2 * stratum_index + rng.normal(0.0, 0.9)
            logit = logit + rng.normal(0.0, 0.5, households)[household]
            persons.append(
                pd.DataFrame(
                    {
                        "stratum_id": f"S{stratum_index}",
                        "psu_id": psu_id,
                        "hh_id": [f"{psu_id}-{h}" for h in household],
                        "injured": (rng.random(household.size) < 1 / (1 + np.exp(-logit))),
                    }
                )
            )
    people = pd.concat(persons, ignore_index=True)
    people["injured"] = people["injured"].astype(int)
    return people, pd.DataFrame(psus)


def draw_demo_like_sample(
    people: pd.DataFrame, psus: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Certainty PSUs plus 7 of the other 10 per stratum (SRS), then 10 households per PSU."""
    chosen = []
    for _, stratum in psus.groupby("stratum_id"):
        others = stratum[stratum["certainty"] == 0]
        taken = others.iloc[rng.choice(len(others), size=7, replace=False)]
        both = pd.concat([stratum[stratum["certainty"] == 1], taken])
        both["psus_in_frame"] = len(stratum)
        both["pi_psu"] = np.where(both["certainty"] == 1, 1.0, 7 / len(others))
        chosen.append(both)
    sampled_psus = pd.concat(chosen, ignore_index=True)
    households = []
    for psu in sampled_psus.itertuples():
        picks = rng.choice(psu.households_listed, size=10, replace=False)
        households += [f"{psu.psu_id}-{h}" for h in picks]
    sample = people[people["hh_id"].isin(households)].merge(
        sampled_psus.drop(columns="stratum_id"), on="psu_id"
    )
    sample["weight"] = sample["households_listed"] / 10 / sample["pi_psu"]
    return sample


def summarise(estimates: list[float], ses: list[float], covered: int) -> tuple[float, float]:
    return covered / len(estimates), float(np.mean(ses) / np.std(estimates, ddof=1))


@pytest.mark.slow
def test_small_sampling_fraction_coverage_and_se_ratio():
    rng = np.random.default_rng(SEED)
    population = make_population(rng, intercept=-3.1)
    truth = population["injured"].mean()
    assert 0.03 < truth < 0.08
    estimates, ses, covered = [], [], 0
    for _ in range(N_REPLICATES):
        row = SurveyDesign(draw_sample(population, rng)).proportion("injured").iloc[0]
        estimates.append(row["estimate"])
        ses.append(row["se"])
        covered += row["ci_lower"] <= truth <= row["ci_upper"]
    coverage, se_ratio = summarise(estimates, ses, covered)
    print(f"small fraction: coverage {coverage:.3f}, SE ratio {se_ratio:.3f}")
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.3f}"
    assert SE_RATIO_LIMITS[0] <= se_ratio <= SE_RATIO_LIMITS[1], f"SE ratio {se_ratio:.3f}"


@pytest.mark.slow
def test_demo_regime_certainty_and_high_fraction_coverage_and_se_ratio():
    rng = np.random.default_rng(SEED + 1)
    people, psus = make_demo_like_population(rng)
    truth = people["injured"].mean()
    assert 0.04 < truth < 0.15
    declared = VarianceDeclaration(certainty_psus="own_strata", fpc="two_stage")
    with_replacement = VarianceDeclaration(certainty_psus="as_sampled", fpc="none")
    estimates, ses, naive_ses, covered = [], [], [], 0
    for replicate in range(N_REPLICATES):
        sample = draw_demo_like_sample(people, psus, rng)
        row = SurveyDesign(sample, variance=declared).proportion("injured").iloc[0]
        estimates.append(row["estimate"])
        ses.append(row["se"])
        covered += row["ci_lower"] <= truth <= row["ci_upper"]
        if replicate < 100:  # enough to show how far off the with-replacement SE is
            naive = SurveyDesign(sample, variance=with_replacement).proportion("injured")
            naive_ses.append(naive["se"].iloc[0])
    coverage, se_ratio = summarise(estimates, ses, covered)
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.3f}"
    assert SE_RATIO_LIMITS[0] <= se_ratio <= SE_RATIO_LIMITS[1], f"SE ratio {se_ratio:.3f}"
    naive_ratio = float(np.mean(naive_ses) / np.std(estimates, ddof=1))
    print(
        f"demo regime: coverage {coverage:.3f}, SE ratio {se_ratio:.3f}, with-replacement {naive_ratio:.3f}"
    )
    assert naive_ratio > 1.2, f"with-replacement SE ratio {naive_ratio:.3f}"
