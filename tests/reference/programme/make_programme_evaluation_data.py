"""Build the golden-test data of the programme evaluation from the demo's four waves (run once).

Writes ``evaluation_persons.csv`` (town baseline and follow-up: persons of responding households
with their design and raw awareness answer) and ``evaluation_households.csv`` (all four waves:
responding households with their design and raw smoke-alarm answer) beside this file. Weights are
the base weights ``1 / (pi_psu * pi_hh)`` of each wave's sample list (fixed weights, so R needs
no calibration). Each row also carries its wave's own frame for the declared variance:
``certainty`` (π_psu = 1), ``psus_in_frame`` (N_h, the stratum's PSUs in the wave's frame) and
``households_listed`` (M_i, the PSU's households in that frame).
``reference_programme_evaluation.R`` scores and compares them independently of our code.

Usage: python tests/reference/programme/make_programme_evaluation_data.py
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent
RAW = HERE.parents[2] / "data" / "raw"
FRAMES = {
    "baseline": "frame",
    "followup": "followup/frame",
    "comparison_baseline": "comparison/baseline/frame",
    "comparison_followup": "comparison/followup/frame",
}
FOLDERS = {
    "baseline": "baseline",
    "followup": "followup",
    "comparison_baseline": "comparison/baseline",
    "comparison_followup": "comparison/followup",
}
READ = {"dtype": {"hh_id": str, "person_id": str, "stratum_id": str, "psu_id": str}}


def wave_tables(wave: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = RAW / FOLDERS[wave]
    sample = pd.read_csv(folder / "sample.csv", **READ)
    households = pd.read_csv(folder / "households.csv", **READ)
    frame = pd.read_csv(RAW / FRAMES[wave] / "psus.csv", **READ)
    design = sample[["hh_id", "stratum_id", "psu_id"]].assign(
        weight=1 / (sample["pi_psu"] * sample["pi_hh"]),
        certainty=(sample["pi_psu"] >= 1 - 1e-12).astype(int),
        psus_in_frame=sample["stratum_id"].map(frame.groupby("stratum_id")["psu_id"].nunique()),
        households_listed=sample["psu_id"].map(frame.set_index("psu_id")["households"]),
    )
    responding = households.loc[households["result_code"].isin([1, 2]), ["hh_id"]]
    home = pd.read_csv(folder / "home_safety.csv", **READ)[["hh_id", "smoke_alarm"]]
    hh = responding.merge(design, on="hh_id").merge(home, on="hh_id", how="left")
    persons = pd.read_csv(folder / "persons.csv", **READ)
    people = persons.loc[
        persons["hh_id"].isin(responding["hh_id"]), ["person_id", "hh_id", "sex", "age_years"]
    ].merge(design, on="hh_id")
    knowledge = pd.read_csv(folder / "knowledge.csv", **READ)[["person_id", "aware_programme"]]
    people = people.merge(knowledge, on="person_id", how="left", indicator="has_knowledge")
    people["has_knowledge"] = (people["has_knowledge"] == "both").astype(int)
    return people.assign(wave=wave), hh.assign(wave=wave)


def main() -> None:
    tables = {wave: wave_tables(wave) for wave in FOLDERS}
    persons = pd.concat([tables[w][0] for w in ("baseline", "followup")], ignore_index=True)
    persons.to_csv(HERE / "evaluation_persons.csv", index=False)
    households = pd.concat([tables[w][1] for w in FOLDERS], ignore_index=True)
    households.to_csv(HERE / "evaluation_households.csv", index=False)


if __name__ == "__main__":
    main()
