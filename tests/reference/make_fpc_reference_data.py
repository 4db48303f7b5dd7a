"""Generate the synthetic survey with certainty PSUs and large sampling fractions for the
finite-population-correction golden tests (``reference_fpc.R`` runs R's survey on it).

Run ONCE (the output is committed beside this script); the live test calls
:func:`make_fpc_reference_data` with another seed. Shaped like the demo's design: 4 strata of
6-10 frame PSUs; in each, one or two large PSUs are taken with certainty (π_psu = 1) and about
two thirds of the others by PPS; 6-12 of the M_i listed households of each sampled PSU by equal
probability, all members interviewed. Stratum S3 has a single non-certainty PSU sampled (a lonely
PSU under every declaration except when its stratum is fully sampled).

Columns added to those of ``make_reference_data``: ``certainty`` (0/1), ``psus_in_frame`` (N_h,
all frame PSUs of the stratum), ``households_listed`` (M_i), ``pi_psu``, ``pi_hh``.

Usage: python tests/reference/make_fpc_reference_data.py [seed] [out_dir]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

AGE_GROUPS = ["0-14", "15-44", "45-64", "65+"]
AGE_BOUNDS = [(0, 14), (15, 44), (45, 64), (65, 95)]
DEFAULT_SEED = 20261201
# stratum: (frame PSUs, certainty PSUs, non-certainty PSUs sampled)
LAYOUT = {"S1": (8, 2, 4), "S2": (10, 1, 6), "S3": (6, 1, 1), "S4": (7, 2, 4)}


def make_fpc_reference_data(seed: int = DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Persons (one row each, with design columns) and a population table for calibration."""
    rng = np.random.default_rng(seed)
    rows = []
    for stratum_id, (n_frame, n_certain, n_taken) in LAYOUT.items():
        sizes = rng.integers(60, 200, n_frame).astype(float)
        sizes[:n_certain] = rng.integers(400, 700, n_certain)  # the big ones: certainty
        rest = sizes[n_certain:]
        pi_rest = n_taken * rest / rest.sum()
        taken = rng.choice(np.arange(n_certain, n_frame), n_taken, replace=False)
        for psu_index in [*range(n_certain), *sorted(taken)]:
            certain = psu_index < n_certain
            pi_psu = 1.0 if certain else float(min(pi_rest[psu_index - n_certain], 0.95))
            listed = int(sizes[psu_index])
            take = int(rng.integers(6, 13))
            pi_hh = take / listed
            psu_id = f"P{psu_index + 1:02d}"
            psu_effect = rng.normal(0.0, 0.55)
            for hh_index in range(take):
                hh_id = f"{stratum_id}-{psu_id}-{hh_index + 1:03d}"
                hh_effect = rng.normal(0.0, 0.4)
                weight = 1 / (pi_psu * pi_hh) * rng.uniform(0.9, 1.2)  # non-response adjustment
                for line in range(1, int(rng.integers(1, 6)) + 1):
                    age_index = int(rng.choice(4, p=[0.15, 0.42, 0.28, 0.15]))
                    sex = int(rng.integers(1, 3))
                    age_years = int(rng.integers(*AGE_BOUNDS[age_index], endpoint=True))
                    logit = -2.6 + [0.1, 0.0, 0.1, 0.5][age_index] + 0.25 * (sex == 1)
                    p_injured = 1 / (1 + np.exp(-(logit + psu_effect + hh_effect)))
                    injured = int(rng.random() < p_injured)
                    n_episodes = int(rng.choice([1, 2, 3], p=[0.75, 0.18, 0.07])) if injured else 0
                    months = 12 if rng.random() < 0.9 else int(rng.integers(1, 12))
                    rows.append(
                        {
                            "person_id": f"{hh_id}-{line:02d}",
                            "hh_id": hh_id,
                            "stratum_id": stratum_id,
                            "psu_id": psu_id,
                            "certainty": int(certain),
                            "psus_in_frame": n_frame,
                            "households_listed": listed,
                            "pi_psu": round(pi_psu, 12),
                            "pi_hh": round(pi_hh, 12),
                            "sex": sex,
                            "age_years": age_years,
                            "age_group": AGE_GROUPS[age_index],
                            "injured": injured,
                            "n_episodes": n_episodes,
                            "person_years": months / 12,
                            "weight_nr": round(weight, 4),
                        }
                    )
    persons = pd.DataFrame(rows)
    cells = persons.groupby(["stratum_id", "sex", "age_group"], as_index=False)["weight_nr"].sum()
    cells["population"] = np.round(cells["weight_nr"] * rng.uniform(0.8, 1.2, len(cells)))
    population = cells.drop(columns="weight_nr")
    population["population"] = population["population"].astype(int)
    return persons, population


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SEED
    out_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "data"
    out_dir.mkdir(parents=True, exist_ok=True)
    persons, population = make_fpc_reference_data(seed)
    persons.to_csv(out_dir / "fpc_persons.csv", index=False)
    population.to_csv(out_dir / "fpc_population.csv", index=False)


if __name__ == "__main__":
    main()
