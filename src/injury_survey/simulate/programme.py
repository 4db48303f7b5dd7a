"""The programme module's two tables for a fielded survey, with known truth (SYNTHETIC).

Given the interviewed households, persons and episodes of a survey (the docs/input-tables.md tables), this
draws for every resident aged 15 or more whether they know the Safe Community programme, where they
heard of it and their answers to the knowledge items, and for every responding household its
home-safety measures (docs/input-tables-programme.md). The probabilities are the truth: awareness
by age band and sex, each source's share among the aware, each item's chance of a right answer,
each measure's prevalence in its population. One link to the injury data is built in on purpose:
households where a person aged 65+ fell in the recall period have anti-slip mats or grab bars
less often (:data:`ANTISLIP_IF_ELDERLY_FALL` against :data:`ANTISLIP_OTHERWISE`), so the falls ×
anti-slip table has a known association. The injury tables are only read, never changed.

Run ``python -m injury_survey.simulate.programme --survey data/raw/baseline --seed 20261201
--truth tests/fixtures/demo_programme_truth.json`` to write ``knowledge.csv`` and
``home_safety.csv`` beside the survey's tables. The other waves of the demo (pilot, follow-up,
comparison area) get theirs from :mod:`injury_survey.simulate.programme_waves`, each with a
:class:`ProgrammeShift` of these probabilities (the programme's effect, known).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

MIN_AGE = 15
RESPONDING = (1, 2)
FALL_CAUSE = 3

# P(aware) by age band and sex (1 male, 2 female).
AWARENESS = {
    ("15-44", 1): 0.50,
    ("15-44", 2): 0.58,
    ("45-64", 1): 0.62,
    ("45-64", 2): 0.70,
    ("65+", 1): 0.45,
    ("65+", 2): 0.52,
}
AWARE_DONT_KNOW = 0.03
AWARE_REFUSED = 0.01
SOURCES = {
    "src_notice": 0.55,
    "src_website": 0.30,
    "src_newsletter": 0.20,
    "src_events": 0.35,
    "src_school": 0.10,
    "src_neighbours": 0.40,
}
# item: (right answer, P(right answer))
KNOWLEDGE = {
    "k_fire_exit": (2, 0.72),
    "k_fire_call": (1, 0.90),
    "k_traffic_crossing": (3, 0.80),
    "k_traffic_helmet": (1, 0.65),
    "k_falls_elderly": (4, 0.48),
    "k_child_drowning": (2, 0.60),
    "k_poison_storage": (3, 0.55),
}
KNOWLEDGE_DONT_KNOW = 0.06
ITEM_NONRESPONSE = 0.02
# measure: (P(present) in its population, share of households outside the population)
HOME_SAFETY = {
    "smoke_alarm": (0.35, 0.0),
    "fire_extinguisher": (0.45, 0.0),
    "gas_alarm": (0.30, 0.20),
    "storage_safe": (0.70, 0.0),
    "ebike_helmet": (0.45, 0.50),
}
ANTISLIP_OTHERWISE = 0.40
ANTISLIP_IF_ELDERLY_FALL = 0.20
HOT_WATER_SAFE = 0.60
CHILD_RESTRAINT = 0.25
SHARE_WITH_CAR = 0.30
HOME_DONT_KNOW = 0.03


@dataclass(frozen=True)
class ProgrammeShift:
    """Additive change of the generating probabilities in one wave (e.g. the programme's effect
    at follow-up): ``aware`` on P(aware) in every age band and sex, ``knowledge`` on an item's
    P(right answer), ``home_safety`` on a measure's P(present). Clipped to [0, 1]; the draws are
    the same as without a shift (only the thresholds move)."""

    aware: float = 0.0
    knowledge: Mapping[str, float] = field(default_factory=dict)
    home_safety: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "aware": self.aware,
            "knowledge": dict(self.knowledge),
            "home_safety": dict(self.home_safety),
        }


NO_SHIFT = ProgrammeShift()


def _shifted(p: float | np.ndarray, delta: float) -> float | np.ndarray:
    return np.clip(np.asarray(p, dtype=float) + delta, 0.0, 1.0)


def age_band(age: pd.Series) -> pd.Series:
    return pd.cut(age, [MIN_AGE, 45, 65, 200], right=False, labels=["15-44", "45-64", "65+"])


def simulate_programme(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    episodes: pd.DataFrame,
    *,
    seed: int,
    shift: ProgrammeShift = NO_SHIFT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(knowledge, home_safety)`` for the responding households of one survey, with the
    generating probabilities moved by ``shift``."""
    rng = np.random.default_rng(seed)
    responding = households.loc[households["result_code"].isin(RESPONDING), "hh_id"]
    people = persons[persons["hh_id"].isin(responding)].copy()
    adults = people[people["age_years"] >= MIN_AGE].reset_index(drop=True)
    knowledge = _knowledge(adults, rng, shift)
    home = _home_safety(responding, people, episodes, rng, shift)
    return knowledge, home


def _knowledge(
    adults: pd.DataFrame, rng: np.random.Generator, shift: ProgrammeShift
) -> pd.DataFrame:
    n = len(adults)
    keys = zip(age_band(adults["age_years"]).astype(str), adults["sex"].astype(int), strict=True)
    p_aware = _shifted(np.array([AWARENESS[key] for key in keys]), shift.aware)
    aware = np.where(rng.random(n) < p_aware, 1, 2)
    u = rng.random(n)
    aware = np.where(u < AWARE_DONT_KNOW, 8, aware)
    aware = np.where((u >= AWARE_DONT_KNOW) & (u < AWARE_DONT_KNOW + AWARE_REFUSED), 9, aware)
    out = pd.DataFrame({"person_id": adults["person_id"], "aware_programme": aware})
    for column, share in SOURCES.items():
        heard = np.where(rng.random(n) < share, 1, 2).astype(float)
        out[column] = pd.array(np.where(aware == 1, heard, np.nan), dtype="Int64")
    for column, (right, p_right) in KNOWLEDGE.items():
        wrong_options = [code for code in (1, 2, 3, 4) if code != right]
        p_right = _shifted(p_right, shift.knowledge.get(column, 0.0))
        answers = np.where(rng.random(n) < p_right, right, rng.choice(wrong_options, n))
        u = rng.random(n)
        answers = np.where(u < KNOWLEDGE_DONT_KNOW, 8, answers).astype(float)
        blank = (u >= KNOWLEDGE_DONT_KNOW) & (u < KNOWLEDGE_DONT_KNOW + ITEM_NONRESPONSE)
        out[column] = pd.array(np.where(blank, np.nan, answers), dtype="Int64")
    return out


def _home_safety(
    responding: pd.Series,
    people: pd.DataFrame,
    episodes: pd.DataFrame,
    rng: np.random.Generator,
    shift: ProgrammeShift,
) -> pd.DataFrame:
    hh = pd.DataFrame({"hh_id": responding.reset_index(drop=True)})
    n = len(hh)
    elderly = hh["hh_id"].isin(people.loc[people["age_years"] >= 65, "hh_id"]).to_numpy()
    children = hh["hh_id"].isin(people.loc[people["age_years"] < 15, "hh_id"]).to_numpy()
    elderly_fallers = people.loc[
        (people["age_years"] >= 65)
        & people["person_id"].isin(episodes.loc[episodes["cause"] == FALL_CAUSE, "person_id"]),
        "hh_id",
    ]
    elderly_fall = hh["hh_id"].isin(elderly_fallers).to_numpy()

    def measure(p_present, applies: np.ndarray) -> np.ndarray:
        value = np.where(rng.random(n) < p_present, 1, 2)
        value = np.where(rng.random(n) < HOME_DONT_KNOW, 8, value)
        return np.where(applies, value, 7)

    everyone = np.ones(n, dtype=bool)
    for column, (p_present, outside) in HOME_SAFETY.items():
        applies = everyone if outside == 0 else rng.random(n) >= outside
        hh[column] = measure(_shifted(p_present, shift.home_safety.get(column, 0.0)), applies)
    p_antislip = np.where(elderly_fall, ANTISLIP_IF_ELDERLY_FALL, ANTISLIP_OTHERWISE)
    moved = shift.home_safety
    hh["antislip_grabbars"] = measure(
        _shifted(p_antislip, moved.get("antislip_grabbars", 0.0)), elderly
    )
    hh["hot_water_safe"] = measure(
        _shifted(HOT_WATER_SAFE, moved.get("hot_water_safe", 0.0)), children
    )
    hh["child_restraint"] = measure(
        _shifted(CHILD_RESTRAINT, moved.get("child_restraint", 0.0)),
        children & (rng.random(n) < SHARE_WITH_CAR),
    )
    return hh


def truth() -> dict:
    """The generating probabilities, for tests that compare estimates with the truth."""
    return {
        "synthetic": True,
        "generator": "injury_survey.simulate.programme",
        "min_age": MIN_AGE,
        "awareness_by_age_band_sex": {f"{a}|{s}": p for (a, s), p in AWARENESS.items()},
        "aware_dont_know": AWARE_DONT_KNOW,
        "aware_refused": AWARE_REFUSED,
        "source_share_among_aware": SOURCES,
        "knowledge_right_answer": {k: v[0] for k, v in KNOWLEDGE.items()},
        "knowledge_p_right": {k: v[1] for k, v in KNOWLEDGE.items()},
        "knowledge_dont_know": KNOWLEDGE_DONT_KNOW,
        "item_nonresponse": ITEM_NONRESPONSE,
        "home_safety_present": {k: v[0] for k, v in HOME_SAFETY.items()},
        "home_dont_know": HOME_DONT_KNOW,
        "antislip_if_elderly_fall": ANTISLIP_IF_ELDERLY_FALL,
        "antislip_otherwise": ANTISLIP_OTHERWISE,
        "hot_water_safe": HOT_WATER_SAFE,
        "child_restraint": CHILD_RESTRAINT,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survey", required=True, help="folder with households/persons/episodes")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--truth", help="write the generating probabilities to this JSON file")
    args = parser.parse_args(argv)
    folder = Path(args.survey)
    read = {"dtype": {"hh_id": str, "person_id": str}}
    households = pd.read_csv(folder / "households.csv", **read)
    persons = pd.read_csv(folder / "persons.csv", **read)
    episodes = pd.read_csv(folder / "episodes.csv", **read)
    knowledge, home = simulate_programme(households, persons, episodes, seed=args.seed)
    knowledge.to_csv(folder / "knowledge.csv", index=False)
    home.to_csv(folder / "home_safety.csv", index=False)
    if args.truth:
        record = truth() | {"seed": args.seed, "survey": str(folder)}
        Path(args.truth).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
