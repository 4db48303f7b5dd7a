"""The cleaning rule table: every check of domain-reference §4.1–§4.4 as data.

A :class:`Rule` names the table it checks, the column it points at, its severity, a plain message
in English and Chinese saying what to check, and a ``check(tables, context)`` function that returns
a boolean Series over that table's rows (True = the row breaks the rule). A check may instead
return a boolean DataFrame with one column per field it looks at (rules that compare several fields,
such as the double-entry check K7); each True cell becomes one issue naming that field.

Severity follows the spec: ``error`` sets the row aside (the engine rejects it, with its household,
see :mod:`injury_survey.cleaning.engine`), ``warn`` keeps the row and lists it in the QC report.
A check that cannot run on the data at hand (no birth dates, no second entry pass, no code list in
the codebook) raises :class:`SkipRule`; the engine records "skipped" and the reason in its summary.

Adding a rule is one entry in :func:`build_rules` plus one check function. Rule IDs follow the
spec: K1–K7 keys and duplicates (§4.1); ``R_*`` range and code checks (§4.2); S1–S16 skip logic
(§4.3); D1–D4 dates, A1–A5 age coherence, C1–C10 injury coherence, E1 case definition (§4.4).
Code numbers are the NISS-based lists of §2.7 (cause 1 motor-vehicle traffic, 2 non-motor traffic,
3 fall, …; verify against the card edition of your questionnaire, §10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.cleaning.derive import CASE_DEFINITIONS, RESPONDED_CODES, period_bounds

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


@dataclass(frozen=True)
class Rule:
    """One cleaning rule. ``requires`` lists ``"table"`` or ``"table.column"`` it cannot run without."""

    id: str
    table: str
    severity: str
    column: str
    message_en: str
    message_zh: str
    check: Check
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.id, self.table, self.column)


# --------------------------------------------------------------------------------------------
# Small vectorised helpers


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")


def _isin(series: pd.Series, values) -> pd.Series:
    """Membership with missing values counted as "not in" (never NA)."""
    values = [values] if np.isscalar(values) else list(values)
    return series.isin(values).fillna(False).astype(bool)


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
    source = table.loc[table[key].notna(), [key, column]].drop_duplicates(key, keep="first")
    by_key = source.set_index(key)[column]
    # reindex keeps the column's dtype (dates stay dates), also for an empty table.
    return by_key.reindex(keys.to_numpy()).set_axis(keys.index)


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


def _duplicated_id(table: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        ids = tables[table][ID_COLUMNS[table]]
        return ids.notna() & ids.duplicated(keep=False)

    return check


def _orphan(table: str, fk: str, parent: str, parent_key: str) -> Check:
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
        # The sorted member list is the household's roster signature.
        listed = roster[roster["hh_id"].isin(complete)].sort_values(["hh_id", "member"])
        signature = listed.groupby("hh_id")["member"].agg(";".join)
        repeated = signature[signature.duplicated(keep=False)].index
        out["roster"] = _isin(hh["hh_id"], repeated)
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


def _double_entry(table: str) -> Check:
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


def _range(table: str, column: str, low: float | None, high: float | None) -> Check:
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


def _required(table: str, column: str) -> Check:
    def check(tables: Tables, context: RuleContext) -> pd.Series:
        values = tables[table][column]
        missing = values.isna()
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            missing |= _blank(values)
        return missing

    return check


def _in_codebook(table: str, column: str) -> Check:
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


# --------------------------------------------------------------------------------------------
# The registry


def build_rules() -> tuple[Rule, ...]:
    """Every rule of domain-reference §4.1–§4.4, in the order of the spec."""
    E, W = "error", "warn"
    rules: list[Rule] = []

    def add(id, table, severity, column, en, zh, check, requires=()):
        rules.append(Rule(id, table, severity, column, en, zh, check, tuple(requires)))

    # K1: keys unique, foreign keys resolve.
    for table, noun_en, noun_zh in (
        ("households", "household", "户"),
        ("persons", "person", "成员"),
        ("episodes", "injury episode", "伤害事件"),
        ("deaths", "death record", "死亡记录"),
    ):
        key = ID_COLUMNS[table]
        add(
            "K1",
            table,
            E,
            key,
            f"The {noun_en} ID {key} appears on more than one row: give each {noun_en} its own ID "
            "or delete the duplicate row.",
            f"{noun_zh}编号 {key} 重复出现在多行：请为每条{noun_zh}记录编唯一编号，或删除重复行。",
            _duplicated_id(table),
            requires=[table],
        )
    add(
        "K1",
        "persons",
        E,
        "hh_id",
        "This person's hh_id matches no household in households.csv: check the household ID.",
        "该成员的户编号 hh_id 在户表中找不到：请核对户编号。",
        _orphan("persons", "hh_id", "households", "hh_id"),
    )
    add(
        "K1",
        "episodes",
        E,
        "person_id",
        "This episode's person_id matches no person in persons.csv: check the person ID.",
        "该伤害事件的成员编号 person_id 在成员表中找不到：请核对成员编号。",
        _orphan("episodes", "person_id", "persons", "person_id"),
    )
    add(
        "K1",
        "deaths",
        E,
        "hh_id",
        "This death record's hh_id matches no household in households.csv: check the household ID.",
        "该死亡记录的户编号 hh_id 在户表中找不到：请核对户编号。",
        _orphan("deaths", "hh_id", "households", "hh_id"),
        requires=["deaths"],
    )
    add(
        "K1",
        "households",
        E,
        "psu_id",
        "This household is not in the frozen sample list (sample.csv), is listed there under "
        "another PSU, or its psu_id is not in the sampling frame (psus.csv): check hh_id and "
        "psu_id against the sample list issued to the field team.",
        "该户不在已冻结的样本名单 (sample.csv) 中、名单中所属村/居委会不同，或其 psu_id 不在抽样框"
        " (psus.csv) 中：请对照发给调查队的样本名单核对 hh_id 和 psu_id。",
        check_household_design_link,
    )
    add(
        "K2",
        "households",
        E,
        "hh_size_reported",
        "The reported household size differs from the number of person rows for this household: "
        "add the missing members or correct hh_size_reported.",
        "登记的常住人口数与成员表中该户的人数不一致：请补录遗漏成员或更正 hh_size_reported。",
        check_household_size,
    )
    add(
        "K3",
        "households",
        E,
        "relation",
        "This household does not have exactly one head (relation = 1) among its members: "
        "check the relation codes of the roster.",
        "该户成员中户主 (relation = 1) 不是恰好一人：请核对成员与户主关系代码。",
        check_one_head,
        requires=["persons.relation"],
    )
    add(
        "K4",
        "households",
        W,
        "roster",
        "Possible duplicate household: same address, or same members (sex and birth date) as "
        "another household. Check whether the dwelling was interviewed twice.",
        "可能重复调查的户：地址或成员构成（性别和出生日期）与另一户相同。请核实是否重复入户。",
        check_duplicate_households,
    )
    add(
        "K5",
        "episodes",
        W,
        "injury_date",
        "Possible duplicate episode: same person, cause and nature within 3 days of an earlier "
        "row (often one event reported twice, e.g. ER visit then follow-up). Keep one if so.",
        "可能重复的伤害事件：同一人、同一原因和性质、日期与前一条相差不超过3天"
        "（常为同一事件报告两次，如急诊后复诊）。如是请只保留一条。",
        check_duplicate_episodes,
        requires=["episodes.injury_date", "episodes.nature_1"],
    )
    add(
        "K6",
        "persons",
        E,
        "n_episodes_12m",
        "The number of injuries reported (n_episodes_12m) differs from the number of episode "
        "forms for this person: add the missing forms or correct the number.",
        "报告的伤害次数 (n_episodes_12m) 与该成员的伤害个案表份数不一致：请补录个案表或更正次数。",
        check_episode_count,
        requires=["persons.n_episodes_12m"],
    )
    for table in ("households", "persons", "episodes"):
        add(
            "K7",
            table,
            W,
            "(fields)",
            "The two data-entry passes differ in this field: check the paper questionnaire.",
            "两次录入的该字段不一致：请核对纸质问卷。",
            _double_entry(table),
            requires=[f"{table}_pass2"],
        )

    # R: ranges (§4.2).
    for rule_id, table, column, low, high, severity, en, zh in (
        ("R_AGE", "persons", "age_years", 0, 110, E, "Age must be 0–110 years", "年龄应在0–110岁"),
        (
            "R_MONTHS_PRESENT",
            "persons",
            "months_present_12m",
            0,
            12,
            E,
            "Months present in the last 12 months must be 0–12",
            "近12个月居住月数应在0–12",
        ),
        (
            "R_HH_SIZE",
            "households",
            "hh_size_reported",
            1,
            20,
            E,
            "Household size must be 1–20",
            "常住人口数应在1–20",
        ),
        (
            "R_HH_SIZE_HIGH",
            "households",
            "hh_size_reported",
            None,
            10,
            W,
            "Household size above 10 is unusual",
            "常住人口数超过10人较少见",
        ),
        (
            "R_N_EPISODES",
            "persons",
            "n_episodes_12m",
            0,
            20,
            E,
            "Number of injuries in 12 months must be 0–20",
            "近12个月伤害次数应在0–20",
        ),
        (
            "R_N_EPISODES_HIGH",
            "persons",
            "n_episodes_12m",
            None,
            5,
            W,
            "More than 5 injuries in 12 months is unusual",
            "近12个月伤害超过5次较少见",
        ),
        (
            "R_DAYS_OFF",
            "episodes",
            "days_off",
            0,
            365,
            E,
            "Days off must be 0–365",
            "休工/休学/休息天数应在0–365",
        ),
        (
            "R_DAYS_OFF_HIGH",
            "episodes",
            "days_off",
            None,
            180,
            W,
            "More than 180 days off is unusual",
            "休息天数超过180天较少见",
        ),
        (
            "R_HOSPITAL_DAYS",
            "episodes",
            "hospital_days",
            0,
            365,
            E,
            "Days in hospital must be 0–365",
            "住院天数应在0–365",
        ),
        (
            "R_INJURY_HOUR",
            "episodes",
            "injury_hour",
            0,
            23,
            E,
            "Hour of injury must be 0–23",
            "伤害发生时间（时）应在0–23",
        ),
        (
            "R_INJURY_MINUTE",
            "episodes",
            "injury_minute",
            0,
            59,
            E,
            "Minute of injury must be 0–59",
            "伤害发生时间（分）应在0–59",
        ),
        (
            "R_N_VISITS",
            "households",
            "n_visits",
            1,
            3,
            W,
            "Number of visits is expected to be 1–3",
            "入户次数一般为1–3次",
        ),
    ):
        add(
            rule_id,
            table,
            severity,
            column,
            f"{en}: check the questionnaire and correct the value.",
            f"{zh}：请核对问卷并更正。",
            _range(table, column, low, high),
            requires=[f"{table}.{column}"],
        )
    add(
        "R_DAYS_OFF_STEP",
        "episodes",
        W,
        "days_off",
        "Days off are recorded in steps of half a day (0, 0.5, 1, 1.5, …): check the value.",
        "休息天数应以半天为单位记录（0、0.5、1、1.5…）：请核对。",
        check_days_off_step,
        requires=["episodes.days_off"],
    )
    add(
        "R_COST",
        "episodes",
        E,
        "(costs)",
        "Costs cannot be negative: correct the amount.",
        "费用不能为负数：请更正金额。",
        check_cost_negative,
    )
    add(
        "R_COST_HIGH",
        "episodes",
        W,
        "(costs)",
        "Very high cost (over 200 000 yuan, or over 3 times the 99th percentile): check the "
        "amount and its unit.",
        "费用异常高（超过20万元，或超过第99百分位数的3倍）：请核对金额及单位。",
        check_cost_high,
    )
    for table, columns in REQUIRED_FIELDS.items():
        for column in columns:
            add(
                "R_REQUIRED",
                table,
                E,
                column,
                f"{column} is required and is empty: fill it in from the questionnaire.",
                f"{column} 为必填项但为空：请根据问卷补录。",
                _required(table, column),
                requires=[f"{table}.{column}"],
            )
    for table, columns in CODED_FIELDS.items():
        for column in columns:
            add(
                "R_CODE",
                table,
                E,
                column,
                f"{column} holds a code that is not in the codebook: check the code list "
                "printed on the questionnaire.",
                f"{column} 的代码不在编码表中：请对照问卷上的代码表核对。",
                _in_codebook(table, column),
                requires=[table, f"{table}.{column}"],
            )

    # S: skip logic (§4.3).
    add(
        "S1",
        "persons",
        E,
        "injured_12m",
        "Answered 'not injured' (injured_12m = 2) but has injuries counted or episode forms: "
        "check the screening answer.",
        '筛查回答"未受伤" (injured_12m = 2) 却有伤害次数或个案表：请核对筛查问题。',
        check_not_injured_with_episodes,
    )
    add(
        "S2",
        "persons",
        E,
        "injured_12m",
        "Answered 'injured' (injured_12m = 1) but has no episode form: add the form(s).",
        '筛查回答"受伤" (injured_12m = 1) 但没有伤害个案表：请补录个案表。',
        check_injured_without_episodes,
    )
    add(
        "S3",
        "persons",
        E,
        "n_episodes_12m",
        "Answered 'injured' but the number of injuries (n_episodes_12m) is empty: fill it in.",
        '筛查回答"受伤"但伤害次数 (n_episodes_12m) 为空：请补录。',
        check_injured_count_missing,
        requires=["persons.n_episodes_12m"],
    )
    add(
        "S4",
        "episodes",
        E,
        "(traffic)",
        "Traffic injury (cause 1 or 2) with a traffic question left empty: fill in road-user "
        "role, vehicle, counterpart and safety device.",
        "道路交通伤（原因1或2）的交通相关问题有空项：请补录伤者身份、交通工具、对方及安全装置。",
        check_traffic_fields_missing,
    )
    add(
        "S5",
        "episodes",
        E,
        "(traffic)",
        "Traffic questions answered although the cause is not traffic: check the cause or "
        "clear the traffic answers.",
        "伤害原因不是交通伤，却填写了交通相关问题：请核对原因或清空交通项。",
        check_traffic_fields_not_skipped,
    )
    add(
        "S6",
        "episodes",
        E,
        "(fall)",
        "Fall (cause 3) with a fall question left empty: fill in fall type and reason.",
        "跌倒/坠落（原因3）的跌倒相关问题有空项：请补录跌倒类型和原因。",
        check_fall_fields_missing,
    )
    add(
        "S7",
        "episodes",
        E,
        "(fall)",
        "Fall questions answered although the cause is not a fall: check the cause or clear "
        "the fall answers.",
        "伤害原因不是跌倒，却填写了跌倒相关问题：请核对原因或清空跌倒项。",
        check_fall_fields_not_skipped,
    )
    add(
        "S8",
        "episodes",
        E,
        "hospital_days",
        "Inpatient care (care_level = 3) needs at least 1 day in hospital: fill in hospital_days.",
        "住院 (care_level = 3) 的住院天数应至少为1天：请补录 hospital_days。",
        check_inpatient_without_days,
    )
    add(
        "S9",
        "episodes",
        E,
        "hospital_days",
        "Days in hospital recorded although the person was not admitted (care_level < 3): "
        "check the care level or clear hospital_days.",
        "未住院 (care_level < 3) 却填写了住院天数：请核对就医情况或清空 hospital_days。",
        check_hospital_days_not_inpatient,
        requires=["episodes.hospital_days"],
    )
    add(
        "S10",
        "episodes",
        E,
        "cause_other_text",
        "Cause is 'other' (13) but the description is empty: write what happened.",
        '伤害原因为"其他"(13)但未填写具体说明：请填写。',
        check_cause_other_text,
    )
    add(
        "S11",
        "episodes",
        E,
        "nature_other_text",
        "Nature of injury is 'other' but the description is empty: write the injury.",
        '伤害性质为"其他"但未填写具体说明：请填写。',
        check_nature_other_text,
        requires=["episodes.nature_other_text"],
    )
    add(
        "S12",
        "persons",
        E,
        "education",
        "Education is required from age 6: fill it in.",
        "6岁及以上须填写文化程度：请补录。",
        check_education_missing,
        requires=["persons.education"],
    )
    add(
        "S13",
        "persons",
        E,
        "marital",
        "Marital status is required from age 15: fill it in.",
        "15岁及以上须填写婚姻状况：请补录。",
        check_marital_missing,
        requires=["persons.marital"],
    )
    add(
        "S14",
        "persons",
        E,
        "hh_id",
        "Person listed for a household that was not interviewed (result_code not 1 or 2): "
        "check the household's result code.",
        "该成员所在户未完成调查（结果代码不是1或2），却有成员记录：请核对该户的调查结果代码。",
        check_person_of_nonresponding_household,
    )
    add(
        "S15",
        "households",
        E,
        "interview_date",
        "Interview date is required for a completed or partly completed household: fill it in.",
        "完成或部分完成的户须填写调查日期：请补录。",
        check_interview_date_missing,
    )
    add(
        "S16",
        "households",
        E,
        "hh_size_reported",
        "Household size is required for a completed or partly completed household: fill it in.",
        "完成或部分完成的户须填写常住人口数：请补录。",
        check_household_size_missing,
        requires=["households.hh_size_reported"],
    )

    # D: dates.
    add(
        "D1",
        "episodes",
        E,
        "injury_date",
        "Injury date is after the interview date: check both dates.",
        "伤害发生日期晚于调查日期：请核对两个日期。",
        check_injury_after_interview,
        requires=["episodes.injury_date"],
    )
    add(
        "D2",
        "episodes",
        W,
        "injury_date",
        "Injury before the recall window: kept for the recall diagnostics but not counted in "
        "the rates. Check the date if the respondent reported it as within 12 months.",
        "伤害发生在回顾期之前：保留用于回忆偏倚分析，但不计入发生率。如受访者称在12个月内，请核对日期。",
        check_out_of_window,
        requires=["episodes.in_window"],
    )
    add(
        "D2_DATE_UNKNOWN",
        "episodes",
        W,
        "injury_date",
        "Injury date unknown: counted as inside the recall window because the screening "
        "question covered the last 12 months. Ask for at least the month if possible.",
        "伤害日期不详：因筛查问题限定近12个月，按回顾期内计。如可能请补问至少月份。",
        check_injury_date_unknown,
        requires=["episodes.injury_date"],
    )
    add(
        "D3",
        "episodes",
        E,
        "injury_date",
        "Injury date is before the person's birth date: check both dates.",
        "伤害发生日期早于出生日期：请核对两个日期。",
        check_injury_before_birth,
        requires=["episodes.injury_date", "persons.birth_date"],
    )
    add(
        "D3",
        "episodes",
        E,
        "death_date",
        "The matching death record's date is before the injury date: check both dates.",
        "对应死亡记录的死亡日期早于伤害日期：请核对两个日期。",
        check_death_before_injury,
        requires=["deaths", "episodes.injury_date"],
    )
    add(
        "D4",
        "persons",
        W,
        "age_years",
        "Age differs by more than 1 year from the age computed from the birth date: check both.",
        "年龄与按出生日期计算的年龄相差超过1岁：请核对。",
        check_age_vs_birth_date,
        requires=["persons.birth_date"],
    )

    # A: age vs socio-demographics (warn).
    add(
        "A1",
        "persons",
        W,
        "(education/occupation)",
        "Under age 6 the codes should be 'pre-school child' (education 1, occupation 1), and "
        "occupation 'pre-school child' is unlikely above age 7: check age and codes.",
        '6岁以下应为"未上学儿童"（文化程度1、职业1），7岁以上不应为"学龄前儿童"：请核对年龄和代码。',
        check_young_child_education_occupation,
    )
    add(
        "A2",
        "persons",
        W,
        "occupation",
        "Student (occupation 2) younger than 5 or older than 30: check age and occupation.",
        "在校学生（职业2）年龄小于5岁或大于30岁：请核对年龄和职业。",
        check_student_age,
    )
    add(
        "A3",
        "persons",
        W,
        "occupation",
        "Employed occupation (codes 6–11) under age 16 (minimum working age): check.",
        "16岁以下（最低就业年龄）却为在业职业（代码6–11）：请核对。",
        check_working_child,
    )
    add(
        "A3",
        "episodes",
        W,
        "activity",
        "Injured during paid work (activity 1) under age 16: check age and activity.",
        "16岁以下在有偿工作（活动1）时受伤：请核对年龄和活动。",
        check_working_child_episode,
        requires=["episodes.age_at_injury"],
    )
    add(
        "A4",
        "persons",
        W,
        "(occupation/education)",
        "Retired (occupation 5) under age 45, or college education (6+) under age 18: check.",
        "45岁以下为离退休（职业5），或18岁以下为大专及以上文化：请核对。",
        check_retired_or_graduate_young,
    )
    add(
        "A5",
        "persons",
        W,
        "(marital/relation)",
        "Married below the legal age (women 20, men 22), a child of the head older than the "
        "head, or a spouse under 18: check ages, marital status and relation codes.",
        "低于法定婚龄（女20岁、男22岁）已婚，子女年龄大于户主，或配偶不满18岁：请核对年龄、婚姻状况和关系代码。",
        check_marriage_and_relations,
    )

    # C: injury coherence (warn).
    add(
        "C1",
        "episodes",
        W,
        "place",
        "Traffic injury (cause 1 or 2) but the place is not street/highway (5): check the place.",
        "交通伤（原因1或2）但发生地点不是公路/街道（5）：请核对地点。",
        check_traffic_place,
    )
    add(
        "C2",
        "episodes",
        W,
        "activity",
        "Traffic injury but the activity is neither driving/riding (7) nor walking (8): check.",
        "交通伤但活动既不是驾乘交通工具（7）也不是步行（8）：请核对。",
        check_traffic_activity,
    )
    add(
        "C3",
        "episodes",
        W,
        "body_part",
        "Suffocation, drowning or poisoning (cause 8, 9, 10) but the body part is not "
        "'whole body' (6): check.",
        '窒息、溺水或中毒（原因8、9、10）但受伤部位不是"全身广泛受伤"（6）：请核对。',
        check_breathing_body_part,
    )
    add(
        "C4",
        "episodes",
        W,
        "(cause/nature)",
        "Burn cause (7) without burn nature (5), or burn nature without burn cause: check.",
        "原因为烧烫伤（7）但性质不是烧烫伤（5），或性质为烧烫伤而原因不是：请核对。",
        check_burn_cause_nature,
    )
    add(
        "C5",
        "episodes",
        W,
        "intent",
        "Sexual assault (cause 12) but the intent is not assault (3): check.",
        "性侵犯（原因12）但意图不是故意/攻击（3）：请核对。",
        check_sexual_assault_intent,
    )
    add(
        "C6",
        "episodes",
        W,
        "(intent/nature)",
        "Self-harm (intent 2) under age 10, or animal injury (cause 11) that is neither a bite/"
        "open wound (3) nor a bruise/abrasion (4): check.",
        "10岁以下自残/自杀（意图2），或动物伤（原因11）的性质不是咬伤/开放伤（3）或挫伤/擦伤（4）：请核对。",
        check_self_harm_child_animal_nature,
        requires=["episodes.age_at_injury"],
    )
    add(
        "C7",
        "episodes",
        W,
        "care_level",
        "Fracture never seen by a doctor (care_level below 2): check the nature and the care.",
        "骨折却未就医（care_level 小于2）：请核对伤害性质和就医情况。",
        check_fracture_without_care,
    )
    add(
        "C8",
        "episodes",
        W,
        "days_off",
        "Admitted to hospital but fewer days off than days in hospital: check both numbers.",
        "住院但休息天数少于住院天数：请核对两个天数。",
        check_inpatient_days_off,
        requires=["episodes.hospital_days"],
    )
    add(
        "C9",
        "episodes",
        W,
        "(outcome/care_level)",
        "Died (care_level 4) without outcome 'died' (4), or outcome 'died' with no matching "
        "row in the deaths module: check outcome, care level and the deaths table.",
        "就医情况为死亡（4）但结局不是死亡（4），或结局为死亡但死亡登记中没有对应记录：请核对。",
        check_death_consistency,
    )
    add(
        "C9",
        "deaths",
        W,
        "hh_id",
        "Injury death with no matching episode (outcome 'died') of a household member of the "
        "same sex and age: check the deaths module and the episode forms.",
        "伤害死亡记录在该户没有对应（同性别、年龄相符、结局为死亡）的伤害个案：请核对。",
        check_death_without_episode,
        requires=["deaths"],
    )
    add(
        "C10",
        "episodes",
        W,
        "place",
        "For information: injured at school (place 3) during school holidays at age 6–18. "
        "Check the place if the school was closed.",
        "提示：6–18岁在学校（地点3）受伤，但日期在寒暑假期间。如学校放假请核对地点。",
        check_school_in_holidays,
        requires=["episodes.age_at_injury"],
    )

    # E: case definition.
    add(
        "E1",
        "episodes",
        W,
        "days_off",
        "Episode meets none of the case definitions (no medical care and less than half a day "
        "off): kept but not counted as an injury. Many such forms mean the screening question "
        "was misunderstood.",
        "该事件不符合任何伤害判定标准（未就医且休息不足半天）：保留但不计为伤害。此类个案多提示筛查问题被误解。",
        check_fails_all_case_definitions,
        requires=["episodes.case_cn_halfday"],
    )
    return tuple(rules)


RULES = build_rules()
"""The default rule registry (an immutable tuple)."""
