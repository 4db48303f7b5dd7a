"""The programme tables of the demo's other waves, with the programme's known effect (SYNTHETIC).

:mod:`injury_survey.simulate.programme` wrote the baseline's ``knowledge.csv`` and
``home_safety.csv``; this writes the same two tables for the pilot, the town's follow-up and the
comparison area's baseline and follow-up, each from its own seed and with a
:class:`~injury_survey.simulate.programme.ProgrammeShift` of the generating probabilities:

- the town's follow-up: awareness up 15 points in every age band and sex, the falls and fire-exit
  knowledge items up 15 and 8 points, smoke alarms up 20 points and extinguishers up 10 points
  (the programme's work); every other item unchanged;
- the comparison area: awareness 15 points lower than the town's at baseline (no programme of
  its own), then up 3 points, and smoke alarms up 4 points (a secular trend); nothing else moves.

The truth records, per wave, the shift and the **expected estimate** under the pipeline's scoring
with ``programme.dont_know: as_no`` (docs/input-tables-programme.md): awareness is P(aware) ×
(1 − don't know − refused) / (1 − refused), averaged over the wave's census residents aged 15+ by
age band and sex (the person weights are calibrated to that census); a knowledge item's share
right is P(right) × (1 − don't know − blank) / (1 − blank); the mean score is 100 × the mean of the
items' shares (blanks strike items at random, so every item weighs the same in expectation); a
home measure's share present is P(present) × (1 − don't know) among households it applies to.
The true changes (follow-up − baseline per area, and their difference) follow from those.

``python -m injury_survey.simulate.programme_waves --raw data/raw --seed 20261201
--truth tests/fixtures/demo_programme_truth.json`` writes the tables and adds ``waves`` and
``true_changes`` to the truth file (its baseline part is kept).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from injury_survey.simulate.programme import (
    AWARE_DONT_KNOW,
    AWARE_REFUSED,
    AWARENESS,
    HOME_DONT_KNOW,
    HOME_SAFETY,
    ITEM_NONRESPONSE,
    KNOWLEDGE,
    KNOWLEDGE_DONT_KNOW,
    MIN_AGE,
    NO_SHIFT,
    ProgrammeShift,
    _shifted,
    simulate_programme,
)

TOWN_FOLLOWUP = ProgrammeShift(
    aware=0.15,
    knowledge={"k_falls_elderly": 0.15, "k_fire_exit": 0.08},
    home_safety={"smoke_alarm": 0.20, "fire_extinguisher": 0.10},
)
COMPARISON_BASELINE = ProgrammeShift(aware=-0.15)
COMPARISON_FOLLOWUP = ProgrammeShift(aware=-0.12, home_safety={"smoke_alarm": 0.04})

# wave: (folder under data/raw, census file under data/raw, seed offset, shift)
WAVES = {
    "pilot": ("pilot", "census/population.csv", 1, NO_SHIFT),
    "followup": ("followup", "followup/census/population.csv", 10, TOWN_FOLLOWUP),
    "comparison_baseline": (
        "comparison/baseline",
        "comparison/baseline/census/population.csv",
        110,
        COMPARISON_BASELINE,
    ),
    "comparison_followup": (
        "comparison/followup",
        "comparison/followup/census/population.csv",
        120,
        COMPARISON_FOLLOWUP,
    ),
}
BASELINE = ("baseline", "census/population.csv", 0, NO_SHIFT)


def expected_rates(census: pd.DataFrame, shift: ProgrammeShift = NO_SHIFT) -> dict[str, float]:
    """Expected estimate of each item in a wave (see the module docstring), as proportions; the
    knowledge score in points (0–100)."""
    lower = census["age_group"].astype(str).str.extract(r"^(\d+)")[0].astype(int)
    adults = census[lower >= MIN_AGE].assign(lower=lower[lower >= MIN_AGE])
    band = pd.cut(adults["lower"], [MIN_AGE, 45, 65, 200], right=False)
    band = band.cat.rename_categories(["15-44", "45-64", "65+"]).astype(str)
    p = np.array(
        [
            float(_shifted(AWARENESS[(b, int(s))], shift.aware))
            for b, s in zip(band, adults["sex"], strict=True)
        ]
    )
    answered_aware = (1 - AWARE_DONT_KNOW - AWARE_REFUSED) / (1 - AWARE_REFUSED)
    out = {"aware": float(np.average(p, weights=adults["population"]) * answered_aware)}
    kept = (1 - KNOWLEDGE_DONT_KNOW - ITEM_NONRESPONSE) / (1 - ITEM_NONRESPONSE)
    for item, (_, p_right) in KNOWLEDGE.items():
        out[item] = float(_shifted(p_right, shift.knowledge.get(item, 0.0))) * kept
    out["knowledge_score"] = 100 * float(np.mean([out[item] for item in KNOWLEDGE]))
    for item, (p_present, _) in HOME_SAFETY.items():
        out[item] = float(_shifted(p_present, shift.home_safety.get(item, 0.0))) * (
            1 - HOME_DONT_KNOW
        )
    return {k: round(v, 6) for k, v in out.items()}


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype={"hh_id": str, "person_id": str})


def write_programme_waves(raw: str | Path, *, seed: int) -> dict:
    """Write the programme tables of :data:`WAVES` under ``raw`` and return their truth."""
    raw = Path(raw)
    waves = {}
    for wave, (folder, census_file, offset, shift) in WAVES.items():
        survey = raw / folder
        knowledge, home = simulate_programme(
            _read(survey, "households.csv"),
            _read(survey, "persons.csv"),
            _read(survey, "episodes.csv"),
            seed=seed + offset,
            shift=shift,
        )
        for table, name in ((knowledge, "knowledge.csv"), (home, "home_safety.csv")):
            table.to_csv(survey / name, index=False, encoding="utf-8", lineterminator="\n")
        waves[wave] = {
            "folder": folder,
            "seed": seed + offset,
            "shift": shift.as_dict(),
            "expected": expected_rates(pd.read_csv(raw / census_file), shift),
        }
    waves["baseline"] = {
        "folder": BASELINE[0],
        "seed": seed,
        "shift": NO_SHIFT.as_dict(),
        "expected": expected_rates(pd.read_csv(raw / BASELINE[1])),
    }
    return {"waves": waves, "true_changes": true_changes(waves)}


def true_changes(waves: dict) -> dict:
    """Follow-up − baseline per area and the difference in differences, per item."""

    def change(base: str, follow: str) -> dict[str, float]:
        b, f = waves[base]["expected"], waves[follow]["expected"]
        return {item: round(f[item] - b[item], 6) for item in b}

    town = change("baseline", "followup")
    comparison = change("comparison_baseline", "comparison_followup")
    return {
        "town": town,
        "comparison": comparison,
        "difference_in_differences": {k: round(town[k] - comparison[k], 6) for k in town},
        "meaning": "expected estimate at follow-up minus at baseline (proportions; the knowledge "
        "score in points), scoring with programme.dont_know as_no",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", required=True, help="the demo's data/raw folder")
    parser.add_argument("--seed", type=int, required=True, help="the baseline's programme seed")
    parser.add_argument("--truth", required=True, help="truth JSON to extend (baseline kept)")
    args = parser.parse_args(argv)
    record = write_programme_waves(args.raw, seed=args.seed)
    path = Path(args.truth)
    truth = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    truth.update(record)
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
