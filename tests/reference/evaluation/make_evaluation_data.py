"""Four independent "waves" for the evaluation golden test, made once from the reference persons.

Each wave is ``../data/survey_persons.csv`` with weights jittered (× U(0.8, 1.2) per PSU) and a
share of its injured persons set to not injured (more at 65+ in the follow-up of the intervention
area), so the waves differ. Each wave also gets a frame of its own for the declared variance
(``estimation.certainty_psus`` / ``estimation.fpc``): the first PSU of S1 and of S3 taken with
certainty, ``psus_in_frame`` (N_h, certainty PSUs included) and ``households_listed`` (M_i) that
differ by wave, with large sampling fractions so the fpc matters. Run from the repository root:
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


# wave: (PSUs in the frame beyond those sampled, households listed per household sampled)
FRAMES = {
    "baseline": (4, 3),
    "followup": (6, 4),
    "comparison_baseline": (3, 5),
    "comparison_followup": (5, 2),
}
CERTAIN_STRATA = ("S1", "S3")


def frame_columns(part: pd.DataFrame, wave: str) -> pd.DataFrame:
    """``certainty``, ``psus_in_frame`` and ``households_listed`` of one wave's own frame."""
    extra_psus, listed_per_taken = FRAMES[wave]
    first_psu = part.groupby("stratum_id")["psu_id"].transform("min")
    certain = part["stratum_id"].isin(CERTAIN_STRATA) & (part["psu_id"] == first_psu)
    sampled = part.groupby("stratum_id")["psu_id"].transform("nunique")
    taken = part.groupby(["stratum_id", "psu_id"])["hh_id"].transform("nunique")
    return pd.DataFrame(
        {
            "certainty": certain.astype(int),
            "psus_in_frame": sampled + extra_psus,
            "households_listed": np.where(certain, 20, listed_per_taken) * taken + 1,
        },
        index=part.index,
    )


def main() -> None:
    persons = pd.read_csv(
        HERE.parent / "data" / "survey_persons.csv", dtype={"psu_id": str, "hh_id": str}
    )
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
        part = part.join(frame_columns(part, wave))
        parts.append(
            part[
                [
                    "wave",
                    "stratum_id",
                    "psu_id",
                    "weight",
                    "sex",
                    "age_group",
                    "injured",
                    "hh_id",
                    "certainty",
                    "psus_in_frame",
                    "households_listed",
                ]
            ]
        )
    pd.concat(parts).to_csv(HERE / "evaluation_waves.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
