"""Build the golden-test data of the programme module from the demo baseline (run once).

Writes ``programme_persons.csv`` and ``programme_households.csv`` beside this file: the
responding households of data/raw/baseline with their design (stratum, PSU) and the base weight
``1 / (pi_psu * pi_hh)`` from the sample list (fixed weights, so R needs no calibration), the raw
answer codes of knowledge.csv and home_safety.csv, and ``fell`` (any fall episode, cause 3).
``reference_programme.R`` scores and estimates them independently of our code.

Usage: python tests/reference/programme/make_programme_data.py
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
RAW = HERE.parents[2] / "data" / "raw" / "baseline"


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
    people.to_csv(HERE / "programme_persons.csv", index=False)


if __name__ == "__main__":
    main()
