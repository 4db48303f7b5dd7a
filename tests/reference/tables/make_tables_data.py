"""Write the small seeded survey the report-table golden values are computed on (run once).

    python tests/reference/tables/make_tables_data.py

Writes ``tables_persons.csv`` (one row per person: design columns, covariates, ``injured``) and
``tables_episodes.csv`` (one row per case episode with its person's design columns, cause, place,
care level) beside this script. ``reference_tables.R`` reads them and writes the expected values.
SYNTHETIC data: 3 strata (communities) × 10 PSUs × 20 persons; injury risk depends on sex, age
and occupation so that the regression has something to find.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEED = 20261129


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows = []
    for s in range(1, 4):
        for p in range(1, 11):
            psu_weight = rng.uniform(20, 60)
            psu_effect = rng.normal(0, 0.4)
            for i in range(20):
                sex = int(rng.integers(1, 3))
                age_group = rng.choice(["0-14", "15-44", "45-64", "65+"], p=[0.2, 0.4, 0.25, 0.15])
                occupation = int(rng.choice([2, 5, 6, 8]))
                education = int(rng.choice([3, 4, 5, 7]))
                logit = (
                    -2.6
                    + 0.4 * (sex == 1)
                    + {"0-14": 0.0, "15-44": 0.2, "45-64": 0.3, "65+": 0.8}[age_group]
                    + 0.5 * (occupation == 8)
                    + psu_effect
                )
                injured = int(rng.random() < 1 / (1 + np.exp(-logit)))
                rows.append(
                    {
                        "person_id": f"S{s}-P{p}-{i:02d}",
                        "stratum_id": f"S{s}",
                        "psu_id": f"S{s}-P{p}",
                        "weight": round(psu_weight * rng.uniform(0.8, 1.25), 4),
                        "sex": sex,
                        "age_group": age_group,
                        "occupation": occupation,
                        "education": education,
                        "injured": injured,
                        "person_years": 1.0,
                    }
                )
    persons = pd.DataFrame(rows)
    episodes = []
    for person in persons[persons["injured"] == 1].itertuples():
        for k in range(1 + int(rng.random() < 0.25)):
            episodes.append(
                {
                    "episode_id": f"{person.person_id}-E{k + 1}",
                    "person_id": person.person_id,
                    "stratum_id": person.stratum_id,
                    "psu_id": person.psu_id,
                    "weight": person.weight,
                    "cause": int(rng.choice([1, 3, 4, 6], p=[0.2, 0.45, 0.2, 0.15])),
                    "place": int(rng.choice([1, 3, 5], p=[0.45, 0.2, 0.35])),
                    "care_level": int(rng.choice([1, 2, 3], p=[0.4, 0.45, 0.15])),
                }
            )
    persons.to_csv(HERE / "tables_persons.csv", index=False)
    pd.DataFrame(episodes).to_csv(HERE / "tables_episodes.csv", index=False)


if __name__ == "__main__":
    main()
