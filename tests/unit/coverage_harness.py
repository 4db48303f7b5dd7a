"""The synthetic population and the sample draw the coverage simulations share
(``test_coverage_simulation.py``, ``test_evaluation_coverage.py``).

One finite population of a town: 4 strata × 100 PSUs, 40–120 persons per PSU, injury with a PSU
random effect on the logit scale (so clustering matters); each draw takes 6 PSUs per stratum by
simple random sampling, then 20 persons per PSU, with weights (N_h/n_h)·(M_i/m).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PSUS_PER_STRATUM = 100
PSUS_DRAWN = 6
PERSONS_DRAWN = 20


def make_population(rng: np.random.Generator, intercept: float, shift: float = 0.0) -> pd.DataFrame:
    """Persons (stratum, PSU, injured) with log-odds ``intercept + 0.2·stratum + shift`` plus a
    N(0, 0.6²) PSU effect."""
    frames = []
    for stratum_index in range(4):
        sizes = rng.integers(40, 121, size=PSUS_PER_STRATUM)
        effects = rng.normal(0.0, 0.6, size=PSUS_PER_STRATUM)
        base = intercept + 0.2 * stratum_index + shift
        psu = np.repeat(np.arange(PSUS_PER_STRATUM), sizes)
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
    """A stratified two-stage sample with its weights and a ``person_id``."""
    parts = []
    for _, stratum in population.groupby("stratum_id"):
        psus = stratum["psu_id"].unique()
        for psu_id in rng.choice(psus, size=PSUS_DRAWN, replace=False):
            members = stratum[stratum["psu_id"] == psu_id]
            picked = members.iloc[rng.choice(len(members), size=PERSONS_DRAWN, replace=False)]
            picked = picked.copy()
            picked["weight"] = (len(psus) / PSUS_DRAWN) * (len(members) / PERSONS_DRAWN)
            parts.append(picked)
    sample = pd.concat(parts, ignore_index=True)
    return sample.assign(person_id=np.arange(len(sample)).astype(str))
