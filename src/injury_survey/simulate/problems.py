"""Deliberately planted data problems, so the cleaning step has something real to report.

Each planter edits one record of the field tables so that exactly one rule of docs/methods.md §4
fails, and returns a description (rule id, severity, table, record, column, value before and
after) that goes into the truth file. A planter that finds no suitable record plants nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _pick(rng: np.random.Generator, index: pd.Index):
    return None if len(index) == 0 else index[int(rng.integers(len(index)))]


def _household_of(table: pd.DataFrame) -> pd.Series:
    """hh_id of each row of households, persons ({hh_id}-{line:02d}) or episodes ({person_id}-E{k})."""
    if "hh_id" in table.columns:
        return table["hh_id"]
    return table["person_id"].str.slice(0, -3)


def _household_of_record(table: str, record_id: str) -> str:
    if table == "households":
        return record_id
    person_id = record_id.split("-E")[0] if table == "episodes" else record_id
    return person_id[:-3]


def _free(table: pd.DataFrame, touched: set) -> pd.Series:
    """Rows whose household no planted problem has touched yet."""
    return ~_household_of(table).isin(touched)


def _record(rule_id, severity, table, record_id, column, before, after, what) -> dict:
    def plain(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return value.item() if hasattr(value, "item") else value

    return {
        "rule_id": rule_id,
        "severity": severity,
        "table": table,
        "record_id": str(record_id),
        "column": column,
        "original": plain(before),
        "planted": plain(after),
        "description": what,
    }


def _interview_dates(tables) -> pd.Series:
    """Interview date of each episode's household, indexed like the episodes table."""
    households = tables["households"].set_index("hh_id")
    person_hh = tables["persons"].set_index("person_id")["hh_id"]
    hh = tables["episodes"]["person_id"].map(person_hh)
    return pd.to_datetime(hh.map(households["interview_date"]))


def _k6(rng, tables, touched):
    persons, episodes = tables["persons"], tables["episodes"]
    one = episodes.groupby("person_id").size()
    candidates = persons.index[
        persons["person_id"].isin(one.index[one == 1]) & _free(persons, touched)
    ]
    i = _pick(rng, candidates)
    if i is None:
        return None
    persons.loc[i, "n_episodes_12m"] = 2
    return _record("K6", "error", "persons", persons.at[i, "person_id"], "n_episodes_12m", 1, 2,
                   "n_episodes_12m says 2 but the person has one episode form")  # fmt: skip


def _k2(rng, tables, touched):
    households = tables["households"]
    candidates = households.index[
        (households["result_code"] == 1)
        & (households["hh_size_reported"] >= 2)
        & _free(households, touched)
    ]
    i = _pick(rng, candidates)
    if i is None:
        return None
    before = int(households.at[i, "hh_size_reported"])
    households.loc[i, "hh_size_reported"] = before + 1
    return _record("K2", "error", "households", households.at[i, "hh_id"], "hh_size_reported", before,
                   before + 1, "household size one more than the persons listed")  # fmt: skip


def _d1(rng, tables, touched):
    episodes = tables["episodes"]
    full_date = episodes["injury_date"].str.len() == 10
    i = _pick(
        rng, episodes.index[full_date & (episodes["care_level"] >= 2) & _free(episodes, touched)]
    )
    if i is None:
        return None
    interview = _interview_dates(tables).at[i]
    before = episodes.at[i, "injury_date"]
    after = (interview + pd.Timedelta(days=int(rng.integers(2, 6)))).strftime("%Y-%m-%d")
    episodes.loc[i, "injury_date"] = after
    return _record("D1", "error", "episodes", episodes.at[i, "episode_id"], "injury_date", before, after,
                   "injury date after the household's interview date (typing error)")  # fmt: skip


def _a4(rng, tables, touched):
    persons = tables["persons"]
    i = _pick(
        rng,
        persons.index[
            persons["age_years"].between(7, 14)
            & (persons["occupation"] == 2)
            & _free(persons, touched)
        ],
    )
    if i is None:
        return None
    persons.loc[i, "occupation"] = 5
    return _record("A4", "warn", "persons", persons.at[i, "person_id"], "occupation", 2, 5,
                   "school-age child coded as retired (离退休)")  # fmt: skip


def _a1(rng, tables, touched):
    persons = tables["persons"]
    i = _pick(rng, persons.index[persons["age_years"].between(3, 5) & _free(persons, touched)])
    if i is None:
        return None
    before = persons.at[i, "education"]
    persons.loc[i, "education"] = 3
    return _record("A1", "warn", "persons", persons.at[i, "person_id"], "education", before, 3,
                   "pre-school child coded with primary education")  # fmt: skip


def _c7(rng, tables, touched):
    episodes = tables["episodes"]
    candidates = episodes.index[
        episodes["cause"].isin([3, 4])
        & (episodes["care_level"] == 1)
        & (episodes["nature_1"] != 1)
        & _free(episodes, touched)
    ]
    i = _pick(rng, candidates)
    if i is None:
        return None
    before = episodes.at[i, "nature_1"]
    episodes.loc[i, "nature_1"] = 1
    return _record("C7", "warn", "episodes", episodes.at[i, "episode_id"], "nature_1", before, 1,
                   "fracture that was never seen by a clinician (care level 1)")  # fmt: skip


def _c1(rng, tables, touched):
    episodes = tables["episodes"]
    i = _pick(
        rng,
        episodes.index[
            episodes["cause"].isin([1, 2]) & (episodes["place"] == 5) & _free(episodes, touched)
        ],
    )
    if i is None:
        return None
    episodes.loc[i, "place"] = 1
    return _record("C1", "warn", "episodes", episodes.at[i, "episode_id"], "place", 5, 1,
                   "traffic crash recorded as happening at home")  # fmt: skip


def _c8(rng, tables, touched):
    episodes = tables["episodes"]
    i = _pick(
        rng,
        episodes.index[
            (episodes["care_level"] == 3)
            & (episodes["hospital_days"] >= 2)
            & _free(episodes, touched)
        ],
    )
    if i is None:
        return None
    before = float(episodes.at[i, "days_off"])
    after = float(episodes.at[i, "hospital_days"] - 1)
    episodes.loc[i, "days_off"] = after
    return _record("C8", "warn", "episodes", episodes.at[i, "episode_id"], "days_off", before, after,
                   "inpatient with fewer days off than days in hospital")  # fmt: skip


def _k5(rng, tables, touched):
    episodes, persons = tables["episodes"], tables["persons"]
    full_date = episodes["injury_date"].str.len() == 10
    i = _pick(
        rng,
        episodes.index[
            full_date
            & (episodes["care_level"] == 2)
            & (episodes["cause"] != 13)
            & _free(episodes, touched)
        ],
    )
    if i is None:
        return None
    person_id = episodes.at[i, "person_id"]
    k = int((episodes["person_id"] == person_id).sum()) + 1
    duplicate = episodes.loc[[i]].copy()
    duplicate["episode_id"] = f"{person_id}-E{k}"
    duplicate["days_off"] = 0.0
    duplicate["cost_medical"] = float(round(float(duplicate["cost_medical"].iloc[0] or 0) / 3, -1))
    duplicate["narrative"] = "复诊换药"
    tables["episodes"] = pd.concat([episodes, duplicate], ignore_index=True)
    j = persons.index[persons["person_id"] == person_id][0]
    persons.loc[j, "n_episodes_12m"] = k
    return _record("K5", "warn", "episodes", f"{person_id}-E{k}", "episode_id", None, f"{person_id}-E{k}",
                   "the same injury reported twice (clinic visit, then the follow-up visit)")  # fmt: skip


PLANTERS = {
    "K6": _k6,
    "K2": _k2,
    "D1": _d1,
    "A4": _a4,
    "A1": _a1,
    "C7": _c7,
    "C1": _c1,
    "C8": _c8,
    "K5": _k5,
}
BASELINE_PROBLEMS = ("K6", "K2", "D1", "A4", "C7", "C1", "C8", "K5")
PILOT_PROBLEMS = ("A1", "K2", "C7", "K6")


def plant_problems(
    tables: dict[str, pd.DataFrame], rule_ids, seed: int, *, limit: int | None = None
) -> list[dict]:
    """Plant one problem per rule id (in order, at most ``limit``) into ``tables``, in place.

    Each problem touches a record no other planted problem touched. Returns the list of planted
    problems (``rule_id``, ``severity``, ``table``, ``record_id``, ``column``, ``original``,
    ``planted``, ``description``).
    """
    rng = np.random.default_rng([int(seed), 17])
    planted: list[dict] = []
    touched: set[str] = set()
    for rule_id in rule_ids:
        if limit is not None and len(planted) >= limit:
            break
        if rule_id not in PLANTERS:
            raise ValueError(f"No planter for rule {rule_id!r}; known: {sorted(PLANTERS)}")
        problem = PLANTERS[rule_id](rng, tables, touched)
        if problem is not None:
            touched.add(_household_of_record(problem["table"], problem["record_id"]))
            planted.append(problem)
    return planted
