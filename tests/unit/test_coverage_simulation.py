"""Coverage of the design-based 95 % CI for injury incidence, by simulation.

One synthetic finite population (4 strata, 100 PSUs each, 40-120 persons per PSU, injury with
about 5 % incidence and a PSU random effect on the logit scale, so clustering matters). Each
replicate draws a stratified two-stage sample: 6 PSUs per stratum by simple random sampling, then
20 persons per PSU, with weights (N_h/n_h)·(M_i/m). Incidence is estimated on the full design
(Taylor linearisation, with-replacement PSUs, logit CI with df = #PSU − #strata = 20). A valid
interval covers the true population proportion in about 95 % of samples; with 400 replicates the
Monte Carlo SE of the coverage is about 1.1 points, so the check is 93 %-97 % (this seed: 94.8 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from injury_survey.survey_design import SurveyDesign

N_REPLICATES = 400
SEED = 20261129


def make_population(rng: np.random.Generator) -> pd.DataFrame:
    frames = []
    for stratum_index in range(4):
        sizes = rng.integers(40, 121, size=100)
        effects = rng.normal(0.0, 0.6, size=100)
        base = -3.1 + 0.2 * stratum_index
        psu = np.repeat(np.arange(100), sizes)
        risk = 1 / (1 + np.exp(-(base + effects[psu])))
        frames.append(
            pd.DataFrame(
                {
                    "stratum_id": f"S{stratum_index}",
                    "psu_id": psu.astype(str),
                    "injured": (rng.random(psu.size) < risk).astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def draw_sample(population: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    parts = []
    for _, stratum in population.groupby("stratum_id"):
        psus = stratum["psu_id"].unique()
        chosen = rng.choice(psus, size=6, replace=False)
        for psu_id in chosen:
            members = stratum[stratum["psu_id"] == psu_id]
            picked = members.iloc[rng.choice(len(members), size=20, replace=False)].copy()
            picked["weight"] = (len(psus) / 6) * (len(members) / 20)
            parts.append(picked)
    return pd.concat(parts, ignore_index=True)


@pytest.mark.slow
def test_logit_ci_covers_the_population_incidence_about_95_percent():
    rng = np.random.default_rng(SEED)
    population = make_population(rng)
    truth = population["injured"].mean()
    assert 0.03 < truth < 0.08
    covered = 0
    for _ in range(N_REPLICATES):
        sample = draw_sample(population, rng)
        row = SurveyDesign(sample).proportion("injured").iloc[0]
        covered += row["ci_lower"] <= truth <= row["ci_upper"]
    coverage = covered / N_REPLICATES
    assert 0.93 <= coverage <= 0.97, f"coverage {coverage:.3f}"
