"""Generate the small synthetic surveys that the R reference scripts run on.

Run ONCE (the outputs are committed beside this script); the live tests call the functions with
another seed. The numbers are made up but shaped like a district household injury survey: all
members of each sampled household interviewed, injury with a PSU random effect (so the design
effect is well above 1), episodes 1-3 per injured person, partial person-time for some members,
weights that vary between PSUs and (after non-response) within them. Two surveys:

- :func:`make_reference_data` (``survey_persons.csv``, ``survey_population.csv``; R script
  ``reference_survey.R``): 4 strata (街道) of 5-7 PSUs (居委会), ~10 households per PSU, ~6 %
  incidence. Females aged 0-14 in stratum S4 get a very low risk so that one age group x sex
  domain has few cases.
- :func:`make_fpc_reference_data` (``fpc_persons.csv``, ``fpc_population.csv``; R script
  ``reference_fpc.R``): the demo's design. 4 strata of 6-10 frame PSUs; in each, one or two large
  PSUs are taken with certainty (π_psu = 1) and about two thirds of the others by PPS; 6-12 of
  the M_i listed households of each sampled PSU by equal probability; a household random effect
  too. Stratum S3 has a single non-certainty PSU sampled (a lonely PSU under every declaration
  except when its stratum is fully sampled). Extra columns: ``certainty`` (0/1),
  ``psus_in_frame`` (N_h, all frame PSUs of the stratum), ``households_listed`` (M_i),
  ``pi_psu``, ``pi_hh``. :func:`make_fpc_episodes` (``fpc_episodes.csv``; R script
  ``reference_episodes.R``) gives each of its episodes a cause, drawn with its own seed so that
  the persons do not depend on it.

Usage: python tests/reference/make_reference_data.py [survey|fpc] [seed] [out_dir]
(no arguments: both surveys with their default seeds, into data/)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

AGE_GROUPS = ["0-14", "15-44", "45-64", "65+"]
AGE_BOUNDS = [(0, 14), (15, 44), (45, 64), (65, 95)]
DEFAULT_SEED = 20261210
FPC_DEFAULT_SEED = 20261201
# stratum: (frame PSUs, certainty PSUs, non-certainty PSUs sampled)
LAYOUT = {"S1": (8, 2, 4), "S2": (10, 1, 6), "S3": (6, 1, 1), "S4": (7, 2, 4)}
# Causes of the fpc survey's episodes (codebook codes) and their probabilities.
EPISODE_CAUSES = (1, 3, 4, 6)
EPISODE_CAUSE_SHARES = (0.25, 0.4, 0.2, 0.15)


def _household_members(
    rng: np.random.Generator,
    hh_id: str,
    design: dict,
    logit_of: Callable[[int, int], float],
    effects: Sequence[float],
    weight: float,
) -> list[dict]:
    """All members of one household: age, sex, injury (logit ``logit_of(sex, age) + effects``),
    episodes and months present; ``design`` holds the columns between ``hh_id`` and ``sex``."""
    members = []
    for line in range(1, int(rng.integers(1, 6)) + 1):
        age_index = int(rng.choice(4, p=[0.15, 0.42, 0.28, 0.15]))
        sex = int(rng.integers(1, 3))
        age_years = int(rng.integers(*AGE_BOUNDS[age_index], endpoint=True))
        logit = logit_of(sex, age_index)
        for effect in effects:
            logit = logit + effect
        injured = int(rng.random() < 1 / (1 + np.exp(-logit)))
        n_episodes = int(rng.choice([1, 2, 3], p=[0.75, 0.18, 0.07])) if injured else 0
        months = 12 if rng.random() < 0.9 else int(rng.integers(1, 12))
        members.append(
            {
                "person_id": f"{hh_id}-{line:02d}",
                "hh_id": hh_id,
                **design,
                "sex": sex,
                "age_years": age_years,
                "age_group": AGE_GROUPS[age_index],
                "injured": injured,
                "n_episodes": n_episodes,
                "person_years": months / 12,
                "weight_nr": round(weight, 4),
            }
        )
    return members


def _population(persons: pd.DataFrame, rng: np.random.Generator, spread: float) -> pd.DataFrame:
    """Population totals by stratum x sex x age group: the weighted sample totals perturbed by up
    to ±``spread``, so that calibration moves the weights by a visible amount."""
    cells = persons.groupby(["stratum_id", "sex", "age_group"], as_index=False)["weight_nr"].sum()
    cells["population"] = np.round(
        cells["weight_nr"] * rng.uniform(1 - spread, 1 + spread, len(cells))
    )
    population = cells.drop(columns="weight_nr")
    population["population"] = population["population"].astype(int)
    return population


def make_reference_data(seed: int = DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The with-replacement survey: persons (design columns) and a calibration population."""
    rng = np.random.default_rng(seed)
    psus_per_stratum = {"S1": 6, "S2": 7, "S3": 5, "S4": 6}
    rows = []
    for stratum_index, (stratum_id, n_psu) in enumerate(psus_per_stratum.items()):
        for psu_index in range(n_psu):
            psu_id = f"P{psu_index + 1:02d}"  # PSU codes repeat across strata: nest=TRUE
            psu_effect = rng.normal(0.0, 0.55)
            psu_weight = rng.uniform(60, 240) * (1 + 0.3 * stratum_index)
            n_households = int(rng.integers(8, 13))

            def logit_of(sex: int, age_index: int, stratum_id: str = stratum_id) -> float:
                if stratum_id == "S4" and sex == 2 and age_index == 0:
                    return -5.5
                return -2.9 + [0.1, 0.0, 0.1, 0.5][age_index] + 0.25 * (sex == 1)

            for hh_index in range(n_households):
                hh_id = f"{stratum_id}-{psu_id}-{hh_index + 1:03d}"
                hh_weight = psu_weight * rng.uniform(0.85, 1.25)  # non-response adjustment
                design = {"stratum_id": stratum_id, "psu_id": psu_id}
                rows += _household_members(rng, hh_id, design, logit_of, [psu_effect], hh_weight)
    persons = pd.DataFrame(rows)
    return persons, _population(persons, rng, 0.25)


def make_fpc_reference_data(seed: int = FPC_DEFAULT_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The certainty / large-fraction survey: persons (design columns) and a population."""
    rng = np.random.default_rng(seed)

    def logit_of(sex: int, age_index: int) -> float:
        return -2.6 + [0.1, 0.0, 0.1, 0.5][age_index] + 0.25 * (sex == 1)

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
            design = {
                "stratum_id": stratum_id,
                "psu_id": psu_id,
                "certainty": int(certain),
                "psus_in_frame": n_frame,
                "households_listed": listed,
                "pi_psu": round(pi_psu, 12),
                "pi_hh": round(pi_hh, 12),
            }
            for hh_index in range(take):
                hh_id = f"{stratum_id}-{psu_id}-{hh_index + 1:03d}"
                hh_effect = rng.normal(0.0, 0.4)
                weight = 1 / (pi_psu * pi_hh) * rng.uniform(0.9, 1.2)  # non-response adjustment
                effects = [psu_effect, hh_effect]
                rows += _household_members(rng, hh_id, design, logit_of, effects, weight)
    persons = pd.DataFrame(rows)
    return persons, _population(persons, rng, 0.2)


def make_fpc_episodes(persons: pd.DataFrame, seed: int = FPC_DEFAULT_SEED) -> pd.DataFrame:
    """One row per episode of the fpc survey's persons (``n_episodes`` each), with a cause."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for person in persons[persons["n_episodes"] > 0].itertuples():
        for k in range(int(person.n_episodes)):
            cause = int(rng.choice(EPISODE_CAUSES, p=EPISODE_CAUSE_SHARES))
            rows.append(
                {
                    "episode_id": f"{person.person_id}-E{k + 1}",
                    "person_id": person.person_id,
                    "cause": cause,
                }
            )
    return pd.DataFrame(rows)


def poststratification_cell(table: pd.DataFrame) -> pd.Series:
    """The cell the R scripts post-stratify on, stratum|sex|age group, for persons or for the
    population table."""
    return table["stratum_id"] + "|" + table["sex"].astype(str) + "|" + table["age_group"]


def write_survey(kind: str, seed: int | None, out_dir: Path) -> None:
    """Write one survey's files (``kind`` "survey" or "fpc") into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if kind == "survey":
        persons, population = make_reference_data(DEFAULT_SEED if seed is None else seed)
    else:
        seed = FPC_DEFAULT_SEED if seed is None else seed
        persons, population = make_fpc_reference_data(seed)
        make_fpc_episodes(persons, seed).to_csv(out_dir / "fpc_episodes.csv", index=False)
    persons.to_csv(out_dir / f"{kind}_persons.csv", index=False)
    population.to_csv(out_dir / f"{kind}_population.csv", index=False)


def main() -> None:
    kinds = [sys.argv[1]] if len(sys.argv) > 1 else ["survey", "fpc"]
    if not set(kinds) <= {"survey", "fpc"}:
        raise SystemExit("usage: make_reference_data.py [survey|fpc] [seed] [out_dir]")
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else None
    out_dir = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).parent / "data"
    for kind in kinds:
        write_survey(kind, seed, out_dir)


if __name__ == "__main__":
    main()
