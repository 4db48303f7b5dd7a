"""Build the golden-test data of the programme module from the demo baseline (run once).

Writes ``programme_persons.csv`` and ``programme_households.csv`` beside this file: the
responding households of data/raw/baseline with their design (stratum, PSU) and the base weight
``1 / (pi_psu * pi_hh)`` from the sample list (fixed weights, so R needs no calibration), the raw
answer codes of knowledge.csv and home_safety.csv, and ``fell`` (any fall episode, cause 3).
``weight_final`` is a person weight that varies within households, as a calibrated weight does:
the base weight times a fixed factor by sex and age group (:data:`PERSON_FACTORS`, illustrative
numbers, not a calibration), from which R builds the household weight of
``weights.household_weight: person_mean``. ``reference_programme.R`` scores and estimates them
independently of our code.

Usage: python tests/reference/programme/make_programme_data.py
       python tests/reference/programme/make_programme_data.py --person-weights
       (only adds ``weight_final`` to the existing programme_persons.csv)
"""

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
RAW = HERE.parents[2] / "data" / "raw" / "baseline"
# (sex, lowest age of the group) -> factor on the base weight
PERSON_FACTORS = {
    (1, 0): 1.10,
    (1, 15): 0.95,
    (1, 65): 1.20,
    (2, 0): 1.05,
    (2, 15): 1.00,
    (2, 65): 1.15,
}


def add_person_weights(people: pd.DataFrame) -> pd.DataFrame:
    """``weight_final`` = ``weight`` x the factor of the person's sex and age group."""
    low = pd.cut(people["age_years"], [-1, 14, 64, 200], labels=[0, 15, 65]).astype(int)
    factor = [PERSON_FACTORS[(int(s), int(a))] for s, a in zip(people["sex"], low, strict=True)]
    return people.assign(weight_final=people["weight"] * pd.Series(factor, index=people.index))


def main() -> None:
    read = {"dtype": {"hh_id": str, "person_id": str, "stratum_id": str, "psu_id": str}}
    sample = pd.read_csv(RAW / "sample.csv", **read)
    households = pd.read_csv(RAW / "households.csv", **read)
    persons = pd.read_csv(RAW / "persons.csv", **read)
    episodes = pd.read_csv(RAW / "episodes.csv", **read)
    knowledge = pd.read_csv(RAW / "knowledge.csv", **read)
    home = pd.read_csv(RAW / "home_safety.csv", **read)

    design = sample[["hh_id", "stratum_id", "psu_id"]].assign(
        weight=1 / (sample["pi_psu"] * sample["pi_hh"])
    )
    responding = households.loc[households["result_code"].isin([1, 2]), ["hh_id"]]
    hh = responding.merge(design, on="hh_id").merge(home, on="hh_id", how="left")
    hh.to_csv(HERE / "programme_households.csv", index=False)

    fallers = episodes.loc[episodes["cause"] == 3, "person_id"]
    people = persons.loc[
        persons["hh_id"].isin(responding["hh_id"]), ["person_id", "hh_id", "sex", "age_years"]
    ]
    people = people.merge(design, on="hh_id")
    people["fell"] = people["person_id"].isin(fallers).astype(int)
    people = people.merge(home[["hh_id", "antislip_grabbars"]], on="hh_id", how="left")
    people = people.merge(knowledge, on="person_id", how="left", indicator="has_knowledge")
    people["has_knowledge"] = (people["has_knowledge"] == "both").astype(int)
    add_person_weights(people).to_csv(HERE / "programme_persons.csv", index=False)


if __name__ == "__main__":
    if "--person-weights" in sys.argv:
        path = HERE / "programme_persons.csv"
        ids = {"hh_id": str, "person_id": str, "stratum_id": str, "psu_id": str}
        existing = pd.read_csv(path, dtype=ids).drop(columns="weight_final", errors="ignore")
        add_person_weights(existing).to_csv(path, index=False)
    else:
        main()
