"""The check functions of the cleaning rules: keys, ranges and skip logic (rules K, R, S).

Each ``check_*`` function (or factory such as :func:`range_check`) takes the tables and a
:class:`RuleContext` and returns a boolean Series over its table's rows (True = the row breaks the
rule) or a boolean DataFrame with one column per field it looks at. The rule table that gives each
check its ID, severity and messages is :mod:`injury_survey.cleaning.rules`. The checks of dates,
ages and injury coherence (D, A, C, E) are in :mod:`injury_survey.cleaning.coherence_checks`, the
code sets and helpers they share in :mod:`injury_survey.cleaning.check_base`; this module
re-exports both, so the rule table reaches every check here.
"""

from __future__ import annotations

import pandas as pd

from injury_survey.cleaning.check_base import (
    CARE_INPATIENT,
    CAUSE_FALL,
    CAUSE_OTHER,
    CAUSE_TRAFFIC,
    CODEBOOK_VARIABLE,
    CODED_FIELDS,
    COST_CEILING,
    COST_FIELDS,
    FALL_FIELDS,
    ID_COLUMNS,
    NATURE_OTHER,
    RELATION_HEAD,
    REQUIRED_FIELDS,
    TRAFFIC_FIELDS,
    Check,
    RuleContext,
    SkipRule,
    Tables,
    _blank,
    _codes,
    _col,
    _count_by,
    _group,
    _isin,
    _known,
    _lookup,
    _outside,
    _result_of_household,
    _true,
    other_code,
)
from injury_survey.cleaning.coherence_checks import (
    check_age_vs_birth_date,
    check_breathing_body_part,
    check_burn_cause_nature,
    check_death_before_injury,
    check_death_consistency,
    check_death_without_episode,
    check_fails_all_case_definitions,
    check_fracture_without_care,
    check_injury_after_interview,
    check_injury_before_birth,
    check_injury_date_unknown,
    check_inpatient_days_off,
    check_marriage_and_relations,
    check_out_of_window,
    check_retired_or_graduate_young,
    check_school_in_holidays,
    check_self_harm_child_animal_nature,
    check_sexual_assault_intent,
    check_student_age,
    check_traffic_activity,
    check_traffic_place,
    check_working_child,
    check_working_child_episode,
    check_young_child_education_occupation,
)
from injury_survey.cleaning.derive import RESPONDED_CODES

# The rule table (rules.py) and the QC tables (qc.py) reach every check and code set here.
__all__ = [
    "CARE_INPATIENT",
    "CAUSE_FALL",
    "CAUSE_OTHER",
    "CAUSE_TRAFFIC",
    "CODEBOOK_VARIABLE",
    "CODED_FIELDS",
    "Check",
    "FALL_FIELDS",
    "ID_COLUMNS",
    "REQUIRED_FIELDS",
    "RuleContext",
    "SkipRule",
    "TRAFFIC_FIELDS",
    "_module_fields",
    "_present_fields",
    "check_age_vs_birth_date",
    "check_breathing_body_part",
    "check_burn_cause_nature",
    "check_cause_other_text",
    "check_cost_high",
    "check_cost_negative",
    "check_days_off_step",
    "check_death_before_injury",
    "check_death_consistency",
    "check_death_without_episode",
    "check_duplicate_episodes",
    "check_duplicate_households",
    "check_education_missing",
    "check_episode_count",
    "check_fails_all_case_definitions",
    "check_fall_fields_missing",
    "check_fall_fields_not_skipped",
    "check_fracture_without_care",
    "check_hospital_days_not_inpatient",
    "check_household_design_link",
    "check_household_size",
    "check_household_size_missing",
    "check_injured_count_missing",
    "check_injured_without_episodes",
    "check_injury_after_interview",
    "check_injury_before_birth",
    "check_injury_date_unknown",
    "check_inpatient_days_off",
    "check_inpatient_without_days",
    "check_interview_date_missing",
    "check_marital_missing",
    "check_marriage_and_relations",
    "check_nature_other_text",
    "check_not_injured_with_episodes",
    "check_one_head",
    "check_out_of_window",
    "check_person_of_nonresponding_household",
    "check_retired_or_graduate_young",
    "check_school_in_holidays",
    "check_self_harm_child_animal_nature",
    "check_sexual_assault_intent",
    "check_student_age",
    "check_traffic_activity",
    "check_traffic_fields_missing",
    "check_traffic_fields_not_skipped",
    "check_traffic_place",
    "check_working_child",
    "check_working_child_episode",
    "check_young_child_education_occupation",
    "double_entry",
    "duplicated_id",
    "in_codebook",
    "orphan",
    "other_code",
    "range_check",
    "required",
]


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
