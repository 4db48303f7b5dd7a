"""The check functions of the cleaning rules, and the code sets and settings they use.

Each ``check_*`` function (or factory such as :func:`range_check`) takes the tables and a
:class:`RuleContext` and returns a boolean Series over its table's rows (True = the row breaks the
rule) or a boolean DataFrame with one column per field it looks at. The rule table that gives each
check its ID, severity and messages is :mod:`injury_survey.cleaning.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.cleaning.derive import CASE_DEFINITIONS, RESPONDED_CODES, period_bounds
from injury_survey.cleaning.vectors import isin, lookup

Tables = Mapping[str, pd.DataFrame]

# §2.7 code numbers the rules refer to (NISS national list; activity: NJU national list). Where the
# codebook defines a group (cause traffic/fall/systemic, activity traffic, occupation employed,
# education tertiary, care_level inpatient) the codebook's numbers are used instead.
CAUSE_TRAFFIC = (1, 2)
CAUSE_FALL = 3
CAUSE_BURN = 7
CAUSE_BREATHING = (8, 9, 10)  # suffocation, drowning, poisoning
CAUSE_ANIMAL = 11
CAUSE_SEXUAL_ASSAULT = 12
CAUSE_OTHER = 13
NATURE_FRACTURE = 1
NATURE_OPEN_WOUND_OR_BRUISE = (3, 4)
NATURE_BURN = 5
NATURE_OTHER = 8
BODY_WHOLE = 6
PLACE_SCHOOL = 3
PLACE_STREET = 5
ACTIVITY_PAID_WORK = 1
ACTIVITY_TRAFFIC = (7, 8)  # driving/riding a vehicle, walking
INTENT_SELF_HARM = 2
INTENT_ASSAULT = 3
CARE_INPATIENT = 3
CARE_DIED = 4
OUTCOME_DIED = 4
OCCUPATION_PRESCHOOL = 1
OCCUPATION_STUDENT = 2
OCCUPATION_RETIRED = 5
OCCUPATION_EMPLOYED = tuple(range(6, 12))
EDUCATION_NONE_CHILD = 1
EDUCATION_TERTIARY = (6, 7)  # 大专, 大学及以上
RELATION_HEAD, RELATION_SPOUSE, RELATION_CHILD = 1, 2, 3
MARITAL_NEVER = 1
SCHOOL_HOLIDAY_MONTHS = (2, 7, 8)  # winter (Spring Festival) and summer holidays, approximate

TRAFFIC_FIELDS = ("traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device")
FALL_FIELDS = ("fall_type", "fall_reason")
COST_FIELDS = ("cost_medical", "cost_oop", "cost_other", "income_lost")
COST_CEILING = 200_000  # 元, §4.2

ID_COLUMNS = {
    "households": "hh_id",
    "persons": "person_id",
    "episodes": "episode_id",
    "deaths": "death_id",
}

REQUIRED_FIELDS = {
    "households": ("hh_id", "psu_id", "interviewer_id", "result_code"),
    "persons": (
        "person_id",
        "hh_id",
        "line",
        "relation",
        "sex",
        "age_years",
        "residence_status",
        "months_present_12m",
        "occupation",
        "respondent_type",
        "injured_12m",
    ),
    "episodes": (
        "episode_id",
        "person_id",
        "cause",
        "intent",
        "place",
        "activity",
        "nature_1",
        "body_part",
        "care_level",
        "days_off",
        "outcome",
    ),
}
"""Fields that must hold a value in every row (data contract "R"; ``injury_date`` may be unknown)."""

CODED_FIELDS = {
    "households": ("result_code", "dwelling_type"),
    "persons": (
        "relation",
        "sex",
        "residence_status",
        "education",
        "occupation",
        "marital",
        "hukou",
        "insurance",
        "respondent_type",
        "injured_12m",
    ),
    "episodes": (
        "cause",
        "intent",
        "place",
        "activity",
        "nature_1",
        "nature_2",
        "body_part",
        "care_level",
        "outcome",
        *TRAFFIC_FIELDS,
        *FALL_FIELDS,
        "alcohol",
        "severity_self",
    ),
    "deaths": ("sex", "cause", "intent", "place", "died_where"),
}
"""Coded fields checked against the codebook (rule R_CODE), where the column exists."""

CODEBOOK_VARIABLE = {"nature_1": "nature", "nature_2": "nature"}
"""Column → codebook variable, where they differ."""


class SkipRule(Exception):
    """Raised by a check that cannot run on these data; the message says why."""


@dataclass(frozen=True)
class RuleContext:
    """Settings the checks need, taken from the configuration.

    ``codebook`` offers ``codes(variable) -> list[int]`` (and, optionally, ``other_code`` and
    ``is_missing_code``); ``recall`` is the config ``recall`` block; ``case_definition`` the primary
    case definition.
    """

    codebook: Any
    recall: Mapping = field(default_factory=lambda: {"mode": "rolling", "days": 365})
    case_definition: str = "case_cn_halfday"


Check = Callable[[Tables, RuleContext], "pd.Series | pd.DataFrame"]
"""A check: tables and context in, a boolean Series (or DataFrame of fields) out."""


# --------------------------------------------------------------------------------------------
# Small vectorised helpers


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")


_isin = isin


def _known(series: pd.Series) -> pd.Series:
    return series.notna().astype(bool)


def _true(mask: pd.Series) -> pd.Series:
    return mask.fillna(False).astype(bool)


def _blank(series: pd.Series) -> pd.Series:
    """Missing or only whitespace (free-text fields)."""
    text = series.astype("str").str.strip()
    return series.isna() | text.eq("").fillna(True)


def _outside(series: pd.Series, low: float | None, high: float | None) -> pd.Series:
    values = series.astype("Float64")
    out = pd.Series(False, index=series.index)
    if low is not None:
        out |= _true(values < low)
    if high is not None:
        out |= _true(values > high)
    return out


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str, column: str) -> pd.Series:
    if column not in table.columns or key not in table.columns:
        return pd.Series(pd.NA, index=keys.index, dtype="object")
    return lookup(keys, table, key, column)


def _count_by(keys: pd.Series, child: pd.DataFrame, fk: str) -> pd.Series:
    """Number of rows of ``child`` whose ``fk`` equals each key."""
    return keys.map(child[fk].value_counts()).fillna(0).astype(int)


def _person_of_episode(tables: Tables, column: str) -> pd.Series:
    return _lookup(tables["episodes"]["person_id"], tables["persons"], "person_id", column)


def _result_of_household(tables: Tables, keys: pd.Series) -> pd.Series:
    return _lookup(keys, tables["households"], "hh_id", "result_code")


def _interview_date_of_person(tables: Tables) -> pd.Series:
    return pd.to_datetime(
        _lookup(tables["persons"]["hh_id"], tables["households"], "hh_id", "interview_date")
    )


def _codes(context: RuleContext, variable: str) -> list[int]:
    try:
        codes = context.codebook.codes(variable)
    except (KeyError, LookupError, ValueError) as exc:
        raise SkipRule(f"the codebook has no code list for '{variable}'") from exc
    if codes is None or len(codes) == 0:
        raise SkipRule(f"the codebook has no code list for '{variable}'")
    return [int(c) for c in codes]


def _group(context: RuleContext, variable: str, name: str, default) -> list[int]:
    """A named code set from the codebook (``codebook.group``), else the §2.7 default.

    Keeping these sets in the codebook lets a questionnaire edition with other code numbers
    (§0.1, §10) use the same rules.
    """
    getter = getattr(context.codebook, "group", None)
    if getter is not None:
        try:
            return [int(c) for c in getter(variable, name)]
        except (KeyError, LookupError, ValueError):
            pass
    return [default] if np.isscalar(default) else list(default)


def other_code(codebook: Any, variable: str) -> int | None:
    """The codebook's "other" code of a variable, or ``None`` (also used by the QC tables)."""
    getter = getattr(codebook, "other_code", None)
    if getter is None:
        return None
    try:
        code = getter(variable)
    except (KeyError, LookupError, ValueError):
        return None
    return None if code is None else int(code)


# --------------------------------------------------------------------------------------------
# K: keys, structure, duplicates (§4.1)


def duplicated_id(table: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        ids = tables[table][ID_COLUMNS[table]]
        return ids.notna() & ids.duplicated(keep=False)

    return check


def orphan(table: str, fk: str, parent: str, parent_key: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        keys = tables[table][fk]
        return keys.notna() & ~_isin(keys, tables[parent][parent_key].dropna())

    return check


def check_household_design_link(tables: Tables, context: RuleContext) -> pd.Series:
    """Household → PSU: in the frozen sample list under the same PSU, and the PSU in the frame."""
    hh = tables["households"]
    sample, frame = tables.get("sample"), tables.get("frame")
    if sample is None and frame is None:
        raise SkipRule("neither a sample list nor a PSU frame was given (pilot)")
    broken = pd.Series(False, index=hh.index)
    if sample is not None:
        listed = _isin(hh["hh_id"], sample["hh_id"].dropna())
        sample_psu = _lookup(hh["hh_id"], sample, "hh_id", "psu_id")
        other_psu = _true(sample_psu.notna() & hh["psu_id"].notna() & (sample_psu != hh["psu_id"]))
        broken |= _known(hh["hh_id"]) & (~listed | other_psu)
    if frame is not None:
        broken |= _known(hh["psu_id"]) & ~_isin(hh["psu_id"], frame["psu_id"].dropna())
    return broken


def check_household_size(tables: Tables, context: RuleContext) -> pd.Series:
    hh = tables["households"]
    n_persons = _count_by(hh["hh_id"], tables["persons"], "hh_id")
    completed = _isin(hh["result_code"], RESPONDED_CODES)
    size = hh["hh_size_reported"].astype("Float64")
    return completed & _true(size.notna() & (size != n_persons))


def check_one_head(tables: Tables, context: RuleContext) -> pd.Series:
    hh, persons = tables["households"], tables["persons"]
    n_persons = _count_by(hh["hh_id"], persons, "hh_id")
    heads = persons.loc[_isin(persons["relation"], RELATION_HEAD)]
    n_heads = _count_by(hh["hh_id"], heads, "hh_id")
    return (n_persons > 0) & (n_heads != 1)


def check_duplicate_households(tables: Tables, context: RuleContext) -> pd.DataFrame:
    hh, persons = tables["households"], tables["persons"]
    out = {}
    if "address_hash" in hh.columns and hh["address_hash"].notna().any():
        address = hh["address_hash"]
        out["address_hash"] = _known(address) & address.duplicated(keep=False)
    if "birth_date" in persons.columns and persons["birth_date"].notna().any():
        known = persons["sex"].notna() & persons["birth_date"].notna()
        member = (persons["sex"].astype("str") + "|" + persons["birth_date"].astype("str")).where(
            known
        )
        roster = pd.DataFrame({"hh_id": persons["hh_id"], "member": member}).dropna(
            subset=["hh_id"]
        )
        by_hh = roster.groupby("hh_id")["member"]
        size = by_hh.size()
        complete = size.index[(by_hh.count() == size) & (size >= 2)]
        # The sorted list of members is the household's roster signature: one row per household,
        # member codes in order, compared whole (no Python string per household).
        listed = roster[_isin(roster["hh_id"], pd.Series(complete, dtype=roster["hh_id"].dtype))]
        members = pd.DataFrame(
            {"hh_id": listed["hh_id"], "member": pd.factorize(listed["member"])[0]}
        ).sort_values(["hh_id", "member"])
        members["position"] = members.groupby("hh_id", sort=False).cumcount()
        signature = members.pivot(index="hh_id", columns="position", values="member")
        repeated = signature.index[signature.fillna(-1).duplicated(keep=False)]
        out["roster"] = _isin(hh["hh_id"], pd.Series(repeated, dtype=hh["hh_id"].dtype))
    if not out:
        raise SkipRule("no address_hash in households and no birth_date in persons")
    return pd.DataFrame(out, index=hh.index)


def check_duplicate_episodes(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    keys = ["person_id", "cause", "nature_1"]
    rows = ep[[*keys, "injury_date"]].dropna().reset_index(names="row")
    pairs = rows.merge(rows, on=keys, suffixes=("", "_earlier"))
    pairs = pairs[pairs["row"] > pairs["row_earlier"]]
    close = (pairs["injury_date"] - pairs["injury_date_earlier"]).abs() <= pd.Timedelta(days=3)
    return pd.Series(ep.index.isin(pairs.loc[close, "row"]), index=ep.index)


def check_episode_count(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    n_rows = _count_by(persons["person_id"], tables["episodes"], "person_id")
    reported = persons["n_episodes_12m"].astype("Float64")
    return _true(reported.notna() & (reported != n_rows))


def double_entry(table: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.DataFrame:
        first = tables[table]
        second = tables[f"{table}_pass2"]
        key = ID_COLUMNS[table]
        second = second.drop_duplicates(key, keep="first").set_index(key)
        fields = [c for c in first.columns if c in second.columns and c not in (key, *_PROVENANCE)]
        out = {}
        for name in fields:
            a = first[name]
            b = second[name].reindex(first[key].to_numpy()).set_axis(first.index)
            a_text, b_text = a.astype("str"), b.astype("str")
            differs = (a.isna() != b.isna()) | (a.notna() & b.notna() & (a_text != b_text))
            out[name] = _true(differs) & _isin(first[key], second.index)
        return pd.DataFrame(out, index=first.index)

    return check


_PROVENANCE = ("source_file", "source_row")


# --------------------------------------------------------------------------------------------
# R: ranges, required values, codes (§4.2)


def range_check(table: str, column: str, low: float | None, high: float | None) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        return _outside(tables[table][column], low, high)

    return check


def check_days_off_step(tables: Tables, context: RuleContext) -> pd.Series:
    days = tables["episodes"]["days_off"].astype("Float64")
    return _true((days * 2) != (days * 2).round())


def _present_fields(table: pd.DataFrame, fields) -> list[str]:
    return [f for f in fields if f in table.columns]


def check_cost_negative(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    fields = _present_fields(ep, COST_FIELDS)
    if not fields:
        raise SkipRule("no cost columns in episodes")
    return pd.DataFrame({f: _outside(ep[f], 0, None) for f in fields}, index=ep.index)


def check_cost_high(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    fields = _present_fields(ep, COST_FIELDS)
    if not fields:
        raise SkipRule("no cost columns in episodes")
    out = {}
    for f in fields:
        values = ep[f].astype("Float64")
        positive = values[values > 0].dropna()
        limit = COST_CEILING
        if len(positive) >= 100:  # a 99th percentile needs at least ~100 values to mean anything
            limit = min(limit, 3 * float(positive.quantile(0.99)))
        out[f] = _true(values > limit)
    return pd.DataFrame(out, index=ep.index)


def required(table: str, column: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        values = tables[table][column]
        missing = values.isna()
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            missing |= _blank(values)
        return missing

    return check


def in_codebook(table: str, column: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        codes = _codes(context, CODEBOOK_VARIABLE.get(column, column))
        values = tables[table][column]
        return _known(values) & ~_isin(values, codes)

    return check


# --------------------------------------------------------------------------------------------
# S: skip logic (§4.3)


def check_not_injured_with_episodes(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    n_rows = _count_by(persons["person_id"], tables["episodes"], "person_id")
    reported = _col(persons, "n_episodes_12m").astype("Float64")
    says_no = _isin(persons["injured_12m"], 2)
    return says_no & (_true(reported > 0) | (n_rows > 0))


def check_injured_without_episodes(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    n_rows = _count_by(persons["person_id"], tables["episodes"], "person_id")
    return _isin(persons["injured_12m"], 1) & (n_rows == 0)


def check_injured_count_missing(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    return _isin(persons["injured_12m"], 1) & persons["n_episodes_12m"].isna()


def _module_fields(ep: pd.DataFrame, fields, module: str) -> list[str]:
    """Columns of an optional questionnaire module that hold at least one answer.

    Intake adds a conditional column the file lacks as all-missing; a module with no answer in
    the whole table was most likely not on the questionnaire, so its skip checks do not run.
    """
    present = _present_fields(ep, fields)
    if not any(ep[f].notna().any() for f in present):
        raise SkipRule(
            f"no answer in the {module} columns of episodes ({', '.join(fields)}): "
            f"questionnaire without the {module} module?"
        )
    return present


def check_traffic_fields_missing(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    traffic = _isin(ep["cause"], _group(context, "cause", "traffic", CAUSE_TRAFFIC))
    fields = _module_fields(ep, TRAFFIC_FIELDS, "traffic")
    return pd.DataFrame({f: traffic & ep[f].isna() for f in fields}, index=ep.index)


def check_traffic_fields_not_skipped(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    other = _known(ep["cause"]) & ~_isin(
        ep["cause"], _group(context, "cause", "traffic", CAUSE_TRAFFIC)
    )
    fields = _module_fields(ep, TRAFFIC_FIELDS, "traffic")
    return pd.DataFrame({f: other & _known(ep[f]) for f in fields}, index=ep.index)


def check_fall_fields_missing(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    fall = _isin(ep["cause"], _group(context, "cause", "fall", CAUSE_FALL))
    fields = _module_fields(ep, FALL_FIELDS, "fall")
    return pd.DataFrame({f: fall & ep[f].isna() for f in fields}, index=ep.index)


def check_fall_fields_not_skipped(tables: Tables, context: RuleContext) -> pd.DataFrame:
    ep = tables["episodes"]
    other = _known(ep["cause"]) & ~_isin(ep["cause"], _group(context, "cause", "fall", CAUSE_FALL))
    fields = _module_fields(ep, FALL_FIELDS, "fall")
    return pd.DataFrame({f: other & _known(ep[f]) for f in fields}, index=ep.index)


def check_inpatient_without_days(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    days = _col(ep, "hospital_days").astype("Float64")
    inpatient = _group(context, "care_level", "inpatient", CARE_INPATIENT)
    return _isin(ep["care_level"], inpatient) & ~_true(days >= 1)


def check_hospital_days_not_inpatient(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    days = ep["hospital_days"].astype("Float64")
    return _true(ep["care_level"].astype("Float64") < CARE_INPATIENT) & _true(days > 0)


def check_cause_other_text(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    code = other_code(context.codebook, "cause") or CAUSE_OTHER
    return _isin(ep["cause"], code) & _blank(_col(ep, "cause_other_text"))


def check_nature_other_text(tables: Tables, context: RuleContext) -> pd.Series:
    ep = tables["episodes"]
    code = other_code(context.codebook, "nature") or NATURE_OTHER
    other = _isin(ep["nature_1"], code) | _isin(_col(ep, "nature_2"), code)
    return other & _blank(ep["nature_other_text"])


def check_education_missing(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    return _true(persons["age_years"] >= 6) & persons["education"].isna()


def check_marital_missing(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    return _true(persons["age_years"] >= 15) & persons["marital"].isna()


def check_person_of_nonresponding_household(tables: Tables, context: RuleContext) -> pd.Series:
    persons = tables["persons"]
    result = _result_of_household(tables, persons["hh_id"])
    return _known(result) & ~_isin(result, RESPONDED_CODES)


def check_interview_date_missing(tables: Tables, context: RuleContext) -> pd.Series:
    hh = tables["households"]
    return _isin(hh["result_code"], RESPONDED_CODES) & _col(hh, "interview_date").isna()


def check_household_size_missing(tables: Tables, context: RuleContext) -> pd.Series:
    hh = tables["households"]
    return _isin(hh["result_code"], RESPONDED_CODES) & hh["hh_size_reported"].isna()


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
