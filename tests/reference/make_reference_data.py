"""Generate the small synthetic survey data set that the R reference scripts run on.

Run ONCE (the output is committed beside this script); the live tests call
:func:`make_reference_data` with another seed. The numbers are made up but shaped like a district
household injury survey: 4 strata (街道), 5-7 PSUs (居委会) each, all members of ~10 households per
PSU, injury with ~6 % incidence and a PSU random effect (so the design effect is well above 1),
episodes 1-3 per injured person, partial person-time for some members, weights that vary between
PSUs and (after non-response) within them. Females aged 0-14 in stratum S4 get a very low risk so
that one age group x sex domain has few cases.

Usage: python tests/reference/make_reference_data.py [seed] [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

AGE_GROUPS = ["0-14", "15-44", "45-64", "65+"]
AGE_BOUNDS = [(0, 14), (15, 44), (45, 64), (65, 95)]
DEFAULT_SEED = 20261210


def make_reference_data(seed: int = DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons (one row each, with design columns) and a population table for calibration."""
    rng = np.random.default_rng(seed)
    psus_per_stratum = {"S1": 6, "S2": 7, "S3": 5, "S4": 6}
    rows = []
    for stratum_index, (stratum_id, n_psu) in enumerate(psus_per_stratum.items()):
        for psu_index in range(n_psu):
            psu_id = f"P{psu_index + 1:02d}"  # PSU codes repeat across strata: nest=TRUE
            psu_effect = rng.normal(0.0, 0.55)
            psu_weight = rng.uniform(60, 240) * (1 + 0.3 * stratum_index)
            n_households = int(rng.integers(8, 13))
            for hh_index in range(n_households):
                hh_id = f"{stratum_id}-{psu_id}-{hh_index + 1:03d}"
                hh_weight = psu_weight * rng.uniform(0.85, 1.25)  # non-response adjustment
                for line in range(1, int(rng.integers(1, 6)) + 1):
                    age_index = int(rng.choice(4, p=[0.15, 0.42, 0.28, 0.15]))
                    sex = int(rng.integers(1, 3))
                    age_years = int(rng.integers(*AGE_BOUNDS[age_index], endpoint=True))
                    base_logit = -2.9 + [0.1, 0.0, 0.1, 0.5][age_index] + 0.25 * (sex == 1)
                    if stratum_id == "S4" and sex == 2 and age_index == 0:
                        base_logit = -5.5
                    p_injured = 1 / (1 + np.exp(-(base_logit + psu_effect)))
                    injured = int(rng.random() < p_injured)
                    n_episodes = int(rng.choice([1, 2, 3], p=[0.75, 0.18, 0.07])) if injured else 0
                    months = 12 if rng.random() < 0.9 else int(rng.integers(1, 12))
                    rows.append(
                        {
                            "person_id": f"{hh_id}-{line:02d}",
                            "hh_id": hh_id,
                            "stratum_id": stratum_id,
                            "psu_id": psu_id,
                            "sex": sex,
                            "age_years": age_years,
                            "age_group": AGE_GROUPS[age_index],
                            "injured": injured,
                            "n_episodes": n_episodes,
                            "person_years": months / 12,
                            "weight_nr": round(hh_weight, 4),
                        }
                    )
    persons = pd.DataFrame(rows)
    # Population totals by stratum x sex x age group: the weighted sample totals perturbed by up to
    # +-25 %, so calibration moves the weights by a visible amount.
    cells = persons.groupby(["stratum_id", "sex", "age_group"], as_index=False)["weight_nr"].sum()
    cells["population"] = np.round(cells["weight_nr"] * rng.uniform(0.75, 1.25, len(cells)))
    population = cells.drop(columns="weight_nr")
    population["population"] = population["population"].astype(int)
    return persons, population


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEED
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "data"
    out_dir.mkdir(parents=True, exist_ok=True)
    persons, population = make_reference_data(seed)
    persons.to_csv(out_dir / "survey_persons.csv", index=False)
    population.to_csv(out_dir / "survey_population.csv", index=False)


if __name__ == "__main__":
    main()
