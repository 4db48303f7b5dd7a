"""Four independent "waves" for the evaluation golden test, made once from the reference persons.

Each wave is ``../data/survey_persons.csv`` with weights jittered (× U(0.8, 1.2) per PSU) and a
share of its injured persons set to not injured (more at 65+ in the follow-up of the intervention
area), so the waves differ. Run from the repository root:
``python tests/reference/evaluation/make_evaluation_data.py`` → ``evaluation_waves.csv``.
The expected values are R's (``reference_evaluation.R``), not ours.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
# wave: (seed, share of injured kept, share kept at 65+)
WAVES = {
    "baseline": (1, 1.0, 1.0),
    "followup": (2, 0.85, 0.6),
    "comparison_baseline": (3, 0.95, 0.95),
    "comparison_followup": (4, 0.9, 0.9),
}


def main() -> None:
    persons = pd.read_csv(HERE.parent / "data" / "survey_persons.csv", dtype={"psu_id": str})
    parts = []
    for wave, (seed, keep, keep_old) in WAVES.items():
        rng = np.random.default_rng(seed)
        part = persons.copy()
        psus = part["psu_id"].unique()
        jitter = dict(zip(psus, rng.uniform(0.8, 1.2, len(psus)), strict=True))
        part["weight"] = (part["weight_nr"] * part["psu_id"].map(jitter)).round(4)
        keep_share = np.where(part["age_group"] == "65+", keep_old, keep)
        part["injured"] = np.where(rng.random(len(part)) < keep_share, part["injured"], 0)
        part["wave"] = wave
        parts.append(
            part[["wave", "stratum_id", "psu_id", "weight", "sex", "age_group", "injured"]]
        )
    pd.concat(parts).to_csv(HERE / "evaluation_waves.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
