"""Cleaning checks of dates, of age against socio-demographics, of injury coherence and of the
case definition (docs/methods.md §4.4: rules D, A, C, E); keys, ranges and skip logic are in
:mod:`injury_survey.cleaning.checks`.
"""

import pandas as pd

from injury_survey.cleaning.check_base import (
    ACTIVITY_PAID_WORK,
    ACTIVITY_TRAFFIC,
    BODY_WHOLE,
    CARE_DIED,
    CARE_INPATIENT,
    CAUSE_ANIMAL,
    CAUSE_BREATHING,
    CAUSE_BURN,
    CAUSE_SEXUAL_ASSAULT,
    CAUSE_TRAFFIC,
    EDUCATION_NONE_CHILD,
    EDUCATION_TERTIARY,
    INTENT_ASSAULT,
    INTENT_SELF_HARM,
    MARITAL_NEVER,
    NATURE_BURN,
    NATURE_FRACTURE,
    NATURE_OPEN_WOUND_OR_BRUISE,
    OCCUPATION_EMPLOYED,
    OCCUPATION_PRESCHOOL,
    OCCUPATION_RETIRED,
    OCCUPATION_STUDENT,
    OUTCOME_DIED,
    PLACE_SCHOOL,
    PLACE_STREET,
    RELATION_CHILD,
    RELATION_HEAD,
    RELATION_SPOUSE,
    SCHOOL_HOLIDAY_MONTHS,
    RuleContext,
    Tables,
    _col,
    _group,
    _interview_date_of_person,
    _isin,
    _known,
    _lookup,
    _person_of_episode,
    _true,
)
from injury_survey.cleaning.derive import CASE_DEFINITIONS, period_bounds

# --------------------------------------------------------------------------------------------
# D: dates (§4.4)


def check_injury_after_interview(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    first, _ = period_bounds(pd.to_datetime(ep["injury_date"]), _col(ep, "injury_date_precision"))
    return _true(first > pd.to_datetime(ep["interview_date"]))


def check_out_of_window(tables: Tables, context: RuleContext) -> pd.Series:
    return _true(~tables["episodes"]["in_window"])


def check_injury_date_unknown(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    first, _ = period_bounds(pd.to_datetime(ep["injury_date"]), _col(ep, "injury_date_precision"))
    return first.isna()


def check_injury_before_birth(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    _, injury_last = period_bounds(
        pd.to_datetime(ep["injury_date"]), _col(ep, "injury_date_precision")
    )
    birth = pd.to_datetime(_person_of_episode(tables, "birth_date"))
    birth_precision = (
        _person_of_episode(tables, "birth_date_precision")
        if "birth_date_precision" in tables["persons"].columns
        else None
    )
    birth_first, _ = period_bounds(birth, birth_precision)
    return _true(injury_last < birth_first)


def _matched_deaths(tables: Tables) -> pd.DataFrame:
    """Pairs (episode row, death row) of a died episode and a deaths-module row that fit it.

    The deaths module has no person id: a death matches an episode with outcome "died" in the same
    household, of the same sex, with ``age_at_death`` within one year of ``age_at_injury``.
    """
    ep, deaths = tables["episodes"], tables["deaths"]
    died = pd.DataFrame(
        {
            "hh_id": ep["hh_id"],
            "sex": _person_of_episode(tables, "sex"),
            "age": ep["age_at_injury"].astype("Float64"),
            "injury_date": pd.to_datetime(ep["injury_date"]),
        }
    )[_isin(ep["outcome"], OUTCOME_DIED)].reset_index(names="episode_row")
    died["sex"] = died["sex"].astype("Int64")
    dead = pd.DataFrame(
        {
            "hh_id": deaths["hh_id"],
            "sex": deaths["sex"].astype("Int64"),
            "age_at_death": deaths["age_at_death"].astype("Float64"),
            "death_date": pd.to_datetime(_col(deaths, "death_date")),
        }
    ).reset_index(names="death_row")
    pairs = died.merge(dead, on=["hh_id", "sex"])
    return pairs[_true((pairs["age_at_death"] - pairs["age"]).abs() <= 1)]


def check_death_before_injury(tables: Tables, context: RuleContext) -> pd.Series:
    pairs = _matched_deaths(tables)
    early = pairs.loc[_true(pairs["death_date"] < pairs["injury_date"]), "episode_row"]
    return pd.Series(tables["episodes"].index.isin(early), index=tables["episodes"].index)


def _completed_years(start: pd.Series, end: pd.Series) -> pd.Series:
    years = end.dt.year - start.dt.year
    before = (end.dt.month < start.dt.month) | (
        (end.dt.month == start.dt.month) & (end.dt.day < start.dt.day)
    )
    return (years - before.astype("Int64")).astype("Int64")


def check_age_vs_birth_date(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    age_from_dob = _completed_years(
        pd.to_datetime(persons["birth_date"]), _interview_date_of_person(tables)
    )
    return _true((age_from_dob - persons["age_years"].astype("Int64")).abs() > 1)


# --------------------------------------------------------------------------------------------
# A: age vs socio-demographics (§4.4, warn)


def check_young_child_education_occupation(tables: Tables, context: RuleContext) -> pd.DataFrame:
    p = tables["persons"]
    age = p["age_years"]
    under6 = _true(age < 6)
    education = _col(p, "education")
    occupation = p["occupation"]
    return pd.DataFrame(
        {
            "education": under6 & _known(education) & ~_isin(education, EDUCATION_NONE_CHILD),
            "occupation": (under6 & _known(occupation) & ~_isin(occupation, OCCUPATION_PRESCHOOL))
            | (_isin(occupation, OCCUPATION_PRESCHOOL) & _true(age > 7)),
        },
        index=p.index,
    )


def check_student_age(tables: Tables, context: RuleContext) -> pd.Series:
    p = tables["persons"]
    return _isin(p["occupation"], OCCUPATION_STUDENT) & _true(
        (p["age_years"] < 5) | (p["age_years"] > 30)
    )


def check_working_child(tables: Tables, context: RuleContext) -> pd.Series:
    p = tables["persons"]
    employed = _group(context, "occupation", "employed", OCCUPATION_EMPLOYED)
    return _isin(p["occupation"], employed) & _true(p["age_years"] < 16)


def check_working_child_episode(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    return _isin(ep["activity"], ACTIVITY_PAID_WORK) & _true(ep["age_at_injury"] < 16)


def check_retired_or_graduate_young(tables: Tables, context: RuleContext) -> pd.DataFrame:
    p = tables["persons"]
    age = p["age_years"]
    tertiary = _group(context, "education", "tertiary", EDUCATION_TERTIARY)
    return pd.DataFrame(
        {
            "occupation": _isin(p["occupation"], OCCUPATION_RETIRED) & _true(age < 45),
            "education": _isin(_col(p, "education"), tertiary) & _true(age < 18),
        },
        index=p.index,
    )


def check_marriage_and_relations(tables: Tables, context: RuleContext) -> pd.DataFrame:
    p = tables["persons"]
    age = p["age_years"]
    marital = _col(p, "marital")
    married = _known(marital) & ~_isin(marital, MARITAL_NEVER)
    # Legal marriage ages in China: 20 for women, 22 for men.
    underage = (_isin(p["sex"], 2) & _true(age < 20)) | (_isin(p["sex"], 1) & _true(age < 22))
    heads = p.loc[_isin(p["relation"], RELATION_HEAD)]
    head_age = _lookup(p["hh_id"], heads, "hh_id", "age_years").astype("Float64")
    child_older = _isin(p["relation"], RELATION_CHILD) & _true(age.astype("Float64") > head_age)
    young_spouse = _isin(p["relation"], RELATION_SPOUSE) & _true(age < 18)
    return pd.DataFrame(
        {"marital": married & underage, "relation": child_older | young_spouse}, index=p.index
    )


# --------------------------------------------------------------------------------------------
# C: injury coherence (§4.4, warn)


def check_traffic_place(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    return (
        _isin(ep["cause"], _group(context, "cause", "traffic", CAUSE_TRAFFIC))
        & _known(ep["place"])
        & ~_isin(ep["place"], PLACE_STREET)
    )


def check_traffic_activity(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    activity = ep["activity"]
    traffic = _isin(ep["cause"], _group(context, "cause", "traffic", CAUSE_TRAFFIC))
    expected = _group(context, "activity", "traffic", ACTIVITY_TRAFFIC)
    return traffic & _known(activity) & ~_isin(activity, expected)


def check_breathing_body_part(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    part = ep["body_part"]
    breathing = _group(context, "cause", "systemic", CAUSE_BREATHING)
    return _isin(ep["cause"], breathing) & _known(part) & ~_isin(part, BODY_WHOLE)


def _any_nature(ep: pd.DataFrame, codes) -> pd.Series:
    return _isin(ep["nature_1"], codes) | _isin(_col(ep, "nature_2"), codes)


def check_burn_cause_nature(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    burn_cause = _isin(ep["cause"], CAUSE_BURN)
    burn_nature = _any_nature(ep, NATURE_BURN)
    return pd.DataFrame(
        {
            "nature_1": burn_cause & _known(ep["nature_1"]) & ~burn_nature,
            "cause": burn_nature & _known(ep["cause"]) & ~burn_cause,
        },
        index=ep.index,
    )


def check_sexual_assault_intent(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    intent = ep["intent"]
    return (
        _isin(ep["cause"], CAUSE_SEXUAL_ASSAULT) & _known(intent) & ~_isin(intent, INTENT_ASSAULT)
    )


def check_self_harm_child_animal_nature(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    nature = ep["nature_1"]
    return pd.DataFrame(
        {
            "intent": _isin(ep["intent"], INTENT_SELF_HARM) & _true(ep["age_at_injury"] < 10),
            "nature_1": _isin(ep["cause"], CAUSE_ANIMAL)
            & _known(nature)
            & ~_any_nature(ep, NATURE_OPEN_WOUND_OR_BRUISE),
        },
        index=ep.index,
    )


def check_fracture_without_care(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    return _any_nature(ep, NATURE_FRACTURE) & _true(ep["care_level"].astype("Float64") < 2)


def check_inpatient_days_off(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    days_off = ep["days_off"].astype("Float64")
    hospital = ep["hospital_days"].astype("Float64")
    inpatient = _group(context, "care_level", "inpatient", CARE_INPATIENT)
    return _isin(ep["care_level"], inpatient) & _true(days_off < hospital)


def check_death_consistency(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    out = {
        "care_level": _isin(ep["care_level"], CARE_DIED)
        & _known(ep["outcome"])
        & ~_isin(ep["outcome"], OUTCOME_DIED)
    }
    if tables.get("deaths") is not None:
        matched = _matched_deaths(tables)["episode_row"]
        out["outcome"] = _isin(ep["outcome"], OUTCOME_DIED) & ~pd.Series(
            ep.index.isin(matched), index=ep.index
        )
    return pd.DataFrame(out, index=ep.index)


def check_death_without_episode(tables: Tables, context: RuleContext) -> pd.Series:
    deaths = tables["deaths"]
    matched = _matched_deaths(tables)["death_row"]
    return pd.Series(~deaths.index.isin(matched), index=deaths.index)


def check_school_in_holidays(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    precision = _col(ep, "injury_date_precision")
    month_known = _isin(precision, ("day", "month")) | (
        precision.isna() & _known(ep["injury_date"])
    )
    month = pd.to_datetime(ep["injury_date"]).dt.month
    age = ep["age_at_injury"].astype("Float64")
    return (
        _isin(ep["place"], PLACE_SCHOOL)
        & _true((age >= 6) & (age <= 18))
        & month_known
        & _isin(month, SCHOOL_HOLIDAY_MONTHS)
    )


# --------------------------------------------------------------------------------------------
# E: case definition (§4.4)


def check_fails_all_case_definitions(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    meets_any = pd.Series(False, index=ep.index)
    for name in CASE_DEFINITIONS:
        meets_any |= _true(ep[name])
    return ~meets_any
