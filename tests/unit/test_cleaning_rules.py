"""Every cleaning rule fires on a minimal bad row and stays silent on a good survey.

The good survey below is written by hand to satisfy every rule of docs/methods.md §4 (three
households, three persons, two episodes, one injury death, sample list, frame, second entry pass);
each case changes one or two values so that exactly one rule is broken, and states which rows
(spreadsheet row numbers: the first data row is row 2) the rule must flag.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import injury_survey
from injury_survey.cleaning.engine import clean_survey, evaluate_rules
from injury_survey.cleaning.rules import CODED_FIELDS, REQUIRED_FIELDS, RULES, RuleContext


class StandInCodebook:
    """The §2.7 code lists (NISS-based), as the real codebook will offer them; the programme
    rules read the item lists of the package codebook's ``programme:`` block (``path``)."""

    path = Path(injury_survey.__file__).parent / "data" / "codebook.yaml"

    CODES = {
        "result_code": [1, 2, 3, 4, 5, 6, 7, 8, 96],
        "dwelling_type": [1, 2, 3],
        "relation": list(range(1, 10)),
        "sex": [1, 2],
        "residence_status": [1, 2, 3],
        "education": list(range(1, 8)),
        "occupation": list(range(1, 13)),
        "marital": [1, 2, 3, 4],
        "hukou": [1, 2, 3, 4],
        "insurance": [1, 2, 3, 4, 5],
        "respondent_type": [1, 2],
        "injured_12m": [1, 2, 8],
        "cause": list(range(1, 15)),
        "intent": [1, 2, 3, 4],
        "place": list(range(1, 11)),
        "activity": list(range(1, 10)),
        "nature": list(range(1, 10)),
        "body_part": list(range(1, 9)),
        "care_level": [0, 1, 2, 3, 4],
        "outcome": [1, 2, 3, 4],
        "traffic_role": [1, 2, 3, 4],
        "traffic_vehicle": [1, 2, 3, 4, 5, 6, 7, 9],
        "traffic_counterpart": list(range(1, 10)),
        "safety_device": [1, 2, 3, 4],
        "fall_type": list(range(1, 10)),
        "fall_reason": list(range(1, 8)),
        "alcohol": [1, 2, 3],
        "severity_self": [1, 2, 3],
        "died_where": [1, 2, 3, 4],
    }
    OTHER = {"cause": 13, "place": 9, "nature": 8, "body_part": 7, "occupation": 12}
    DK_REFUSED = {"injured_12m": {8}, "cause": {14}, "place": {10}, "nature": {9}, "alcohol": {3}}

    def codes(self, variable):
        return self.CODES[variable]

    def other_code(self, variable):
        return self.OTHER.get(variable)

    def is_missing_code(self, variable, code):
        return code in self.DK_REFUSED.get(variable, set())


CODEBOOK = StandInCodebook()
RECALL = {"mode": "rolling", "days": 365}
CONTEXT = RuleContext(codebook=CODEBOOK, recall=RECALL, case_definition="case_cn_halfday")
NA = pd.NA


def _int(values):
    return pd.array(values, dtype="Int64")


def _float(values):
    return pd.array(values, dtype="Float64")


def _dates(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


def _prov(df: pd.DataFrame, name: str) -> pd.DataFrame:
    df["source_file"] = f"{name}.csv"
    df["source_row"] = _int(range(2, len(df) + 2))
    return df


def good_survey() -> dict[str, pd.DataFrame]:
    """A survey that breaks no rule.

    H1 completed (P1 head, injured once: E1 a fall, outpatient, 1 day off; P2 spouse, proxy,
    not injured); H2 refused (no persons); H3 completed (P3 head, killed in a car crash: E2, with
    the matching injury-death row D1).
    """
    households = pd.DataFrame(
        {
            "hh_id": ["H1", "H2", "H3"],
            "psu_id": ["A", "A", "B"],
            "interviewer_id": ["I1", "I1", "I2"],
            "interview_date": _dates(["2024-06-15", None, "2024-06-20"]),
            "result_code": _int([1, 5, 1]),
            "hh_size_reported": _int([2, NA, 1]),
            "n_visits": _int([1, 2, 1]),
            "interview_minutes": _float([30, NA, 25]),
            "dwelling_type": _int([1, NA, 2]),
            "address_hash": ["a1", "a2", "a3"],
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": ["P1", "P2", "P3"],
            "hh_id": ["H1", "H1", "H3"],
            "line": _int([1, 2, 1]),
            "relation": _int([1, 2, 1]),
            "sex": _int([1, 2, 1]),
            "age_years": _int([40, 38, 70]),
            "birth_date": _dates(["1984-01-10", "1986-03-05", "1954-05-01"]),
            "birth_date_precision": ["day", "day", "day"],
            "residence_status": _int([1, 1, 1]),
            "months_present_12m": _int([12, 12, 12]),
            "education": _int([4, 5, 3]),
            "occupation": _int([8, 3, 5]),
            "marital": _int([2, 2, 4]),
            "hukou": _int([1, 1, 1]),
            "insurance": _int([2, 2, 2]),
            "respondent_type": _int([1, 2, 2]),
            "injured_12m": _int([1, 2, 1]),
            "n_episodes_12m": _int([1, 0, 1]),
        }
    )
    episodes = pd.DataFrame(
        {
            "episode_id": ["E1", "E2"],
            "person_id": ["P1", "P3"],
            "injury_date": _dates(["2024-03-01", "2024-02-10"]),
            "injury_date_precision": ["day", "day"],
            "injury_hour": _int([10, 18]),
            "injury_minute": _int([30, 5]),
            "cause": _int([3, 1]),
            "cause_other_text": pd.Series([None, None], dtype="str"),
            "intent": _int([1, 1]),
            "place": _int([1, 5]),
            "activity": _int([2, 7]),
            "nature_1": _int([2, 6]),
            "nature_2": _int([NA, NA]),
            "nature_other_text": pd.Series([None, None], dtype="str"),
            "body_part": _int([3, 1]),
            "traffic_role": _int([NA, 1]),
            "traffic_vehicle": _int([NA, 1]),
            "traffic_counterpart": _int([NA, 5]),
            "safety_device": _int([NA, 3]),
            "fall_type": _int([1, NA]),
            "fall_reason": _int([1, NA]),
            "alcohol": _int([2, 2]),
            "severity_self": _int([1, 3]),
            "care_level": _int([2, 4]),
            "hospital_days": _int([NA, NA]),
            "days_off": _float([1.0, 0.0]),
            "cost_medical": _float([200, 5000]),
            "outcome": _int([1, 4]),
        }
    )
    deaths = pd.DataFrame(
        {
            "death_id": ["D1"],
            "hh_id": ["H3"],
            "sex": _int([1]),
            "age_at_death": _int([69]),
            "death_date": _dates(["2024-02-12"]),
            "cause": _int([1]),
            "intent": _int([1]),
            "place": _int([5]),
            "died_where": _int([3]),
        }
    )
    # programme tables: P1 aware (heard from notices), P2 not aware; H1 has no member aged 65+
    # (anti-slip not applicable), H3 has one (P3, 70)
    knowledge = pd.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "aware_programme": _int([1, 2]),
            "src_notice": _int([1, NA]),
            "k_fire_call": _int([1, 3]),
        }
    )
    home_safety = pd.DataFrame(
        {"hh_id": ["H1", "H3"], "smoke_alarm": _int([1, 2]), "antislip_grabbars": _int([7, 1])}
    )
    tables = {
        "households": _prov(households, "households"),
        "persons": _prov(persons, "persons"),
        "episodes": _prov(episodes, "episodes"),
        "deaths": _prov(deaths, "deaths"),
        "knowledge": _prov(knowledge, "knowledge"),
        "home_safety": _prov(home_safety, "home_safety"),
        "sample": pd.DataFrame(
            {
                "hh_id": ["H1", "H2", "H3"],
                "stratum_id": ["S1", "S1", "S1"],
                "psu_id": ["A", "A", "B"],
                "pi_psu": [0.5, 0.5, 0.5],
                "pi_hh": [0.1, 0.1, 0.1],
            }
        ),
        "frame": pd.DataFrame({"stratum_id": ["S1", "S1"], "psu_id": ["A", "B"]}),
    }
    for name in ("households", "persons", "episodes"):
        tables[f"{name}_pass2"] = tables[name].copy()
    return tables


def run(tables, rules=RULES):
    return clean_survey(
        tables,
        CODEBOOK,
        recall=RECALL,
        case_definition="case_cn_halfday",
        age_groups=[0, 15, 45, 65],
        rules=rules,
    )


def rule_with_key(key):
    rules = [r for r in RULES if r.key == key]
    assert len(rules) == 1, f"no single rule {key}"
    return rules[0]


def flagged_rows(tables, key) -> set[int]:
    """Spreadsheet rows the rule ``key`` flags in these tables (the rule must run)."""
    found = evaluate_rules(tables, CONTEXT, [rule_with_key(key)])
    assert found.summary[0]["status"] == "ran", f"{key}: {found.summary[0]['status']}"
    return set(found.issues["source_row"].astype(int))


@pytest.fixture(scope="module")
def good_run():
    return evaluate_rules(good_survey(), CONTEXT, RULES)


# --------------------------------------------------------------------------------------------
# Mutation helpers: each takes the tables and changes them in place.


def set_value(table: str, record: str, column: str, value) -> Callable:
    key = {
        "households": "hh_id",
        "persons": "person_id",
        "episodes": "episode_id",
        "knowledge": "person_id",
        "home_safety": "hh_id",
    }.get(table.removesuffix("_pass2"), "death_id")

    def mutate(t):
        df = t[table]
        rows = df.index[df[key] == record]
        if isinstance(value, str) and df[column].dtype.kind == "M":
            df.loc[rows, column] = pd.Timestamp(value)
        else:
            df.loc[rows, column] = value

    return mutate


def both(*mutations: Callable) -> Callable:
    def mutate(t):
        for m in mutations:
            m(t)

    return mutate


def duplicate_row(table: str, position: int, **changes) -> Callable:
    def mutate(t):
        df = t[table]
        extra = df.iloc[[position]].copy()
        for column, value in changes.items():
            extra[column] = value
        extra["source_row"] = _int([len(df) + 2])
        t[table] = pd.concat([df, extra], ignore_index=True)

    return mutate


def drop_row(table: str, position: int) -> Callable:
    def mutate(t):
        t[table] = t[table].drop(index=t[table].index[position]).reset_index(drop=True)

    return mutate


def add_household_with_same_roster(t):
    """H4 lists the same two people (sex, birth date) as H1: a duplicated interview."""
    hh = t["households"]
    new_hh = hh.iloc[[0]].copy()
    new_hh["hh_id"], new_hh["address_hash"], new_hh["source_row"] = "H4", "a4", _int([5])
    t["households"] = pd.concat([hh, new_hh], ignore_index=True)
    p = t["persons"]
    new_p = p.iloc[[0, 1]].copy()
    new_p["person_id"], new_p["hh_id"] = ["P41", "P42"], "H4"
    new_p["source_row"] = _int([5, 6])
    t["persons"] = pd.concat([p, new_p], ignore_index=True)


# (rule id, table, column), mutation, rows the rule must flag (spreadsheet rows of that table)
CASES = [
    (("P0", "knowledge", "person_id"), duplicate_row("knowledge", 0), {2, 4}),
    (("K1", "knowledge", "person_id"), set_value("knowledge", "P2", "person_id", "P9"), {3}),
    (("P0", "home_safety", "hh_id"), duplicate_row("home_safety", 0), {2, 4}),
    (("K1", "home_safety", "hh_id"), set_value("home_safety", "H3", "hh_id", "H9"), {3}),
    (("P1", "knowledge", "person_id"), set_value("persons", "P2", "age_years", 12), {3}),
    (("P2", "home_safety", "hh_id"), set_value("home_safety", "H3", "hh_id", "H2"), {3}),
    (("P3", "knowledge", "(sources)"), set_value("knowledge", "P2", "src_notice", 1), {3}),
    (
        ("P4", "home_safety", "(measures)"),
        set_value("home_safety", "H1", "antislip_grabbars", 2),
        {2},
    ),
    (
        ("P5", "home_safety", "(measures)"),
        set_value("home_safety", "H3", "antislip_grabbars", 7),
        {3},
    ),
    (("K1", "households", "hh_id"), duplicate_row("households", 1), {3, 5}),
    (("K1", "persons", "person_id"), duplicate_row("persons", 1), {3, 5}),
    (("K1", "episodes", "episode_id"), duplicate_row("episodes", 0), {2, 4}),
    (("K1", "deaths", "death_id"), duplicate_row("deaths", 0), {2, 3}),
    (("K1", "persons", "hh_id"), set_value("persons", "P2", "hh_id", "H9"), {3}),
    (("K1", "episodes", "person_id"), set_value("episodes", "E1", "person_id", "P9"), {2}),
    (("K1", "deaths", "hh_id"), set_value("deaths", "D1", "hh_id", "H9"), {2}),
    (("K1", "households", "psu_id"), set_value("households", "H2", "psu_id", "B"), {3}),
    (("K1", "households", "psu_id"), drop_row("sample", 1), {3}),
    (
        ("K2", "households", "hh_size_reported"),
        set_value("households", "H1", "hh_size_reported", 3),
        {2},
    ),
    (("K3", "households", "relation"), set_value("persons", "P2", "relation", 1), {2}),
    (("K3", "households", "relation"), set_value("persons", "P1", "relation", 3), {2}),
    (("K4", "households", "roster"), set_value("households", "H2", "address_hash", "a1"), {2, 3}),
    (("K4", "households", "roster"), add_household_with_same_roster, {2, 5}),
    (
        ("K5", "episodes", "injury_date"),
        duplicate_row("episodes", 0, episode_id="E3", injury_date=pd.Timestamp("2024-03-04")),
        {4},
    ),
    (("K6", "persons", "n_episodes_12m"), set_value("persons", "P1", "n_episodes_12m", 2), {2}),
    (
        ("K7", "households", "(fields)"),
        set_value("households_pass2", "H1", "dwelling_type", 2),
        {2},
    ),
    (("K7", "persons", "(fields)"), set_value("persons_pass2", "P2", "age_years", 83), {3}),
    (("K7", "episodes", "(fields)"), set_value("episodes_pass2", "E1", "days_off", 10.0), {2}),
    (("R_AGE", "persons", "age_years"), set_value("persons", "P2", "age_years", 111), {3}),
    (
        ("R_MONTHS_PRESENT", "persons", "months_present_12m"),
        set_value("persons", "P2", "months_present_12m", 13),
        {3},
    ),
    (
        ("R_HH_SIZE", "households", "hh_size_reported"),
        set_value("households", "H1", "hh_size_reported", 21),
        {2},
    ),
    (
        ("R_HH_SIZE_HIGH", "households", "hh_size_reported"),
        set_value("households", "H1", "hh_size_reported", 11),
        {2},
    ),
    (
        ("R_N_EPISODES", "persons", "n_episodes_12m"),
        set_value("persons", "P1", "n_episodes_12m", 21),
        {2},
    ),
    (
        ("R_N_EPISODES_HIGH", "persons", "n_episodes_12m"),
        set_value("persons", "P1", "n_episodes_12m", 6),
        {2},
    ),
    (("R_DAYS_OFF", "episodes", "days_off"), set_value("episodes", "E1", "days_off", 366.0), {2}),
    (("R_DAYS_OFF", "episodes", "days_off"), set_value("episodes", "E1", "days_off", -1.0), {2}),
    (
        ("R_DAYS_OFF_HIGH", "episodes", "days_off"),
        set_value("episodes", "E1", "days_off", 181.0),
        {2},
    ),
    (
        ("R_DAYS_OFF_STEP", "episodes", "days_off"),
        set_value("episodes", "E1", "days_off", 0.3),
        {2},
    ),
    (
        ("R_HOSPITAL_DAYS", "episodes", "hospital_days"),
        set_value("episodes", "E1", "hospital_days", 366),
        {2},
    ),
    (
        ("R_INJURY_HOUR", "episodes", "injury_hour"),
        set_value("episodes", "E1", "injury_hour", 24),
        {2},
    ),
    (
        ("R_INJURY_MINUTE", "episodes", "injury_minute"),
        set_value("episodes", "E1", "injury_minute", 60),
        {2},
    ),
    (("R_N_VISITS", "households", "n_visits"), set_value("households", "H2", "n_visits", 4), {3}),
    (("R_COST", "episodes", "(costs)"), set_value("episodes", "E1", "cost_medical", -1.0), {2}),
    (
        ("R_COST_HIGH", "episodes", "(costs)"),
        set_value("episodes", "E2", "cost_medical", 200_001.0),
        {3},
    ),
    (("S1", "persons", "injured_12m"), set_value("persons", "P2", "n_episodes_12m", 1), {3}),
    (
        ("S1", "persons", "injured_12m"),
        duplicate_row("episodes", 0, episode_id="E9", person_id="P2"),
        {3},
    ),
    (("S2", "persons", "injured_12m"), drop_row("episodes", 0), {2}),
    (("S3", "persons", "n_episodes_12m"), set_value("persons", "P1", "n_episodes_12m", NA), {2}),
    (("S4", "episodes", "(traffic)"), set_value("episodes", "E2", "safety_device", NA), {3}),
    (("S5", "episodes", "(traffic)"), set_value("episodes", "E1", "traffic_role", 1), {2}),
    (("S6", "episodes", "(fall)"), set_value("episodes", "E1", "fall_reason", NA), {2}),
    (("S7", "episodes", "(fall)"), set_value("episodes", "E2", "fall_type", 1), {3}),
    (("S8", "episodes", "hospital_days"), set_value("episodes", "E1", "care_level", 3), {2}),
    (
        ("S8", "episodes", "hospital_days"),
        both(
            set_value("episodes", "E1", "care_level", 3),
            set_value("episodes", "E1", "hospital_days", 0),
        ),
        {2},
    ),
    (("S9", "episodes", "hospital_days"), set_value("episodes", "E1", "hospital_days", 2), {2}),
    (("S10", "episodes", "cause_other_text"), set_value("episodes", "E1", "cause", 13), {2}),
    (
        ("S10", "episodes", "cause_other_text"),
        both(
            set_value("episodes", "E1", "cause", 13),
            set_value("episodes", "E1", "cause_other_text", "  "),
        ),
        {2},
    ),
    (("S11", "episodes", "nature_other_text"), set_value("episodes", "E1", "nature_2", 8), {2}),
    (("S12", "persons", "education"), set_value("persons", "P2", "education", NA), {3}),
    (("S13", "persons", "marital"), set_value("persons", "P2", "marital", NA), {3}),
    (("S14", "persons", "hh_id"), set_value("persons", "P2", "hh_id", "H2"), {3}),
    (
        ("S15", "households", "interview_date"),
        set_value("households", "H1", "interview_date", pd.NaT),
        {2},
    ),
    (
        ("S16", "households", "hh_size_reported"),
        set_value("households", "H3", "hh_size_reported", NA),
        {4},
    ),
    (
        ("D1", "episodes", "injury_date"),
        set_value("episodes", "E1", "injury_date", "2024-06-16"),
        {2},
    ),
    (
        ("D1", "episodes", "injury_date"),  # month precision: July 2024 starts after 15 June
        both(
            set_value("episodes", "E1", "injury_date", "2024-07-01"),
            set_value("episodes", "E1", "injury_date_precision", "month"),
        ),
        {2},
    ),
    (
        ("D2", "episodes", "injury_date"),
        set_value("episodes", "E1", "injury_date", "2023-06-14"),
        {2},
    ),
    (
        ("D2_DATE_UNKNOWN", "episodes", "injury_date"),
        both(
            set_value("episodes", "E1", "injury_date", pd.NaT),
            set_value("episodes", "E1", "injury_date_precision", "unknown"),
        ),
        {2},
    ),
    (
        ("D3", "episodes", "injury_date"),
        set_value("episodes", "E1", "injury_date", "1984-01-09"),
        {2},
    ),
    (("D3", "episodes", "death_date"), set_value("deaths", "D1", "death_date", "2024-02-09"), {3}),
    (("D4", "persons", "age_years"), set_value("persons", "P1", "age_years", 42), {2}),
    (("A1", "persons", "(education/occupation)"), set_value("persons", "P2", "age_years", 5), {3}),
    (("A1", "persons", "(education/occupation)"), set_value("persons", "P2", "occupation", 1), {3}),
    (("A2", "persons", "occupation"), set_value("persons", "P2", "occupation", 2), {3}),
    (
        ("A3", "persons", "occupation"),  # a 15-year-old in commerce/service work
        both(
            set_value("persons", "P2", "age_years", 15), set_value("persons", "P2", "occupation", 8)
        ),
        {3},
    ),
    (
        ("A3", "episodes", "activity"),
        both(
            set_value("episodes", "E1", "activity", 1),
            set_value("persons", "P1", "age_years", 15),
            set_value("persons", "P1", "birth_date", "2009-01-10"),
        ),
        {2},
    ),
    (("A4", "persons", "(occupation/education)"), set_value("persons", "P2", "occupation", 5), {3}),
    (
        ("A4", "persons", "(occupation/education)"),  # college education at 17
        both(
            set_value("persons", "P2", "age_years", 17), set_value("persons", "P2", "education", 6)
        ),
        {3},
    ),
    (("A5", "persons", "(marital/relation)"), set_value("persons", "P2", "age_years", 19), {3}),
    (
        ("A5", "persons", "(marital/relation)"),  # a man married at 21
        both(set_value("persons", "P2", "sex", 1), set_value("persons", "P2", "age_years", 21)),
        {3},
    ),
    (
        ("A5", "persons", "(marital/relation)"),  # child older than the head
        both(
            set_value("persons", "P2", "relation", 3), set_value("persons", "P2", "age_years", 41)
        ),
        {3},
    ),
    (("C1", "episodes", "place"), set_value("episodes", "E2", "place", 1), {3}),
    (("C2", "episodes", "activity"), set_value("episodes", "E2", "activity", 2), {3}),
    (("C3", "episodes", "body_part"), set_value("episodes", "E1", "cause", 9), {2}),
    (("C4", "episodes", "(cause/nature)"), set_value("episodes", "E1", "cause", 7), {2}),
    (("C4", "episodes", "(cause/nature)"), set_value("episodes", "E1", "nature_2", 5), {2}),
    (("C5", "episodes", "intent"), set_value("episodes", "E1", "cause", 12), {2}),
    (
        ("C6", "episodes", "(intent/nature)"),
        both(
            set_value("episodes", "E1", "intent", 2),
            set_value("persons", "P1", "age_years", 9),
            set_value("persons", "P1", "birth_date", "2015-01-10"),
        ),
        {2},
    ),
    (("C6", "episodes", "(intent/nature)"), set_value("episodes", "E1", "cause", 11), {2}),
    (
        ("C7", "episodes", "care_level"),
        both(
            set_value("episodes", "E1", "nature_1", 1), set_value("episodes", "E1", "care_level", 1)
        ),
        {2},
    ),
    (
        ("C8", "episodes", "days_off"),
        both(
            set_value("episodes", "E1", "care_level", 3),
            set_value("episodes", "E1", "hospital_days", 5),
        ),
        {2},
    ),
    (("C9", "episodes", "(outcome/care_level)"), set_value("episodes", "E1", "care_level", 4), {2}),
    (("C9", "episodes", "(outcome/care_level)"), set_value("deaths", "D1", "sex", 2), {3}),
    (("C9", "deaths", "hh_id"), set_value("deaths", "D1", "age_at_death", 30), {2}),
    (
        ("C10", "episodes", "place"),  # a 12-year-old injured at school on 20 July
        both(
            set_value("episodes", "E1", "place", 3),
            set_value("episodes", "E1", "injury_date", "2023-07-20"),
            set_value("persons", "P1", "age_years", 12),
            set_value("persons", "P1", "birth_date", "2012-01-10"),
        ),
        {2},
    ),
    (
        ("E1", "episodes", "days_off"),  # lay care and no day off: no definition met
        both(
            set_value("episodes", "E1", "care_level", 1),
            set_value("episodes", "E1", "days_off", 0.0),
        ),
        {2},
    ),
]

ROW_OF = {
    "households": {"H1": 2, "H2": 3, "H3": 4},
    "persons": {"P1": 2, "P2": 3, "P3": 4},
    "episodes": {"E1": 2, "E2": 3},
}
# One case per required field (emptied) and per coded field (a code not in its list), on the
# first data row (spreadsheet row 2) of the table.
FIELD_CASES = [("R_REQUIRED", t, c, NA) for t, cols in REQUIRED_FIELDS.items() for c in cols] + [
    ("R_CODE", t, c, 99) for t, cols in CODED_FIELDS.items() for c in cols
]


def _case_id(case) -> str:
    (rule_id, table, column), _, _ = case
    return f"{rule_id}-{table}-{column}"


def _silent_on_good(good_run, key):
    issues = good_run.issues
    hits = issues[(issues["rule_id"] == key[0]) & (issues["table"] == key[1])]
    status = [
        s["status"] for s in good_run.summary if (s["rule_id"], s["table"], s["column"]) == key
    ]
    return hits.empty and status == ["ran"]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_rule_fires_on_bad_row_and_not_on_good_survey(case, good_run):
    key, mutate, expected_rows = case
    assert _silent_on_good(good_run, key)
    tables = good_survey()
    mutate(tables)
    assert flagged_rows(tables, key) == expected_rows


@pytest.mark.parametrize(
    "rule_id, table, column, bad", FIELD_CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in FIELD_CASES]
)
def test_field_rule_fires_on_bad_value_and_not_on_good_survey(
    rule_id, table, column, bad, good_run
):
    rule = rule_with_key((rule_id, table, column))
    assert _silent_on_good(good_run, rule.key)
    work = dict(good_run.work)
    work[table] = work[table].copy()
    work[table].loc[0, column] = bad  # row 0 = spreadsheet row 2
    flags = rule.check(work, CONTEXT)
    assert list(flags.fillna(False).astype(bool)) == [True] + [False] * (len(work[table]) - 1)


def test_good_survey_breaks_no_rule_and_every_rule_runs():
    result = run(good_survey())
    assert result.issues.empty, result.messages("error") + result.messages("warn")
    assert (result.summary["status"] == "ran").all(), result.summary.query("status != 'ran'")


def test_every_rule_has_a_case_and_rule_keys_are_unique():
    keys = [r.key for r in RULES]
    assert len(keys) == len(set(keys))
    covered = {c[0] for c in CASES} | {c[:3] for c in FIELD_CASES}
    assert set(keys) - covered == set()


def test_every_rule_has_both_messages_and_a_valid_severity():
    for rule in RULES:
        assert rule.severity in ("error", "warn")
        assert rule.message_en and rule.message_zh
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.message_zh), rule.key


def test_k4_and_k7_skip_when_their_columns_are_absent():
    tables = good_survey()
    tables["households"] = tables["households"].drop(columns="address_hash")
    tables["persons"] = tables["persons"].drop(columns=["birth_date", "birth_date_precision"])
    for name in ("households", "persons", "episodes"):
        del tables[f"{name}_pass2"]
    summary = run(tables).summary.set_index(["rule_id", "table"])
    assert summary.loc[("K4", "households"), "status"].startswith(
        "skipped: no address_hash in households"
    )
    for name in ("households", "persons", "episodes"):
        assert summary.loc[("K7", name), "status"] == f"skipped: no {name}_pass2 table"


def test_codes_unknown_to_the_codebook_skip_the_code_check():
    class Partial(StandInCodebook):
        def codes(self, variable):
            if variable == "alcohol":
                raise KeyError(variable)
            return super().codes(variable)

    tables = good_survey()
    tables["episodes"].loc[0, "alcohol"] = 99
    result = clean_survey(
        tables, Partial(), recall=RECALL, case_definition="case_cn_halfday", age_groups=[0, 15]
    )
    row = result.summary[
        (result.summary["rule_id"] == "R_CODE") & (result.summary["column"] == "alcohol")
    ]
    assert row["status"].item() == "skipped: the codebook has no code list for 'alcohol'"


def test_k7_lists_each_differing_field():
    tables = good_survey()
    set_value("persons_pass2", "P2", "age_years", 83)(tables)
    set_value("persons_pass2", "P2", "sex", 1)(tables)
    result = run(tables, [r for r in RULES if r.key == ("K7", "persons", "(fields)")])
    assert sorted(result.issues["column"]) == ["age_years", "sex"]
    assert set(result.issues["value"]) == {"38", "2"}  # the first pass's values


def test_module_without_any_answer_is_skipped_not_rejected():
    # Intake adds the traffic columns as all-missing when the questionnaire had no traffic module:
    # the traffic skip checks must then not reject every traffic injury.
    tables = good_survey()
    for column in ("traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device"):
        tables["episodes"][column] = pd.array([NA, NA], dtype="Int64")
    found = evaluate_rules(tables, CONTEXT, [rule_with_key(("S4", "episodes", "(traffic)"))])
    assert found.summary[0]["status"].startswith("skipped: no answer in the traffic columns")
    assert found.issues.empty


def test_good_survey_is_clean_under_the_package_codebook():
    from injury_survey.codebook import load_codebook

    result = clean_survey(
        good_survey(),
        load_codebook(),
        recall=RECALL,
        case_definition="case_cn_halfday",
        age_groups=[0, 15, 45, 65],
    )
    assert result.issues.empty, result.messages("error") + result.messages("warn")


def test_code_groups_come_from_the_codebook_when_it_has_them():
    class OtherEdition(StandInCodebook):
        def group(self, variable, name):
            if (variable, name) == ("cause", "traffic"):
                return [3]  # an edition in which code 3 is a traffic crash
            raise KeyError(name)

    context = RuleContext(codebook=OtherEdition(), recall=RECALL)
    found = evaluate_rules(good_survey(), context, [rule_with_key(("C1", "episodes", "place"))])
    # E1 (cause 3, at home) is now a traffic injury away from the street: flagged.
    assert set(found.issues["source_row"].astype(int)) == {2}
