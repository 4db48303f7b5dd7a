"""Derived variables of the clean survey tables (docs/methods.md §1, §2.4 "derived", §4.5).

Episodes get the recall-window flag, the three case definitions, the months between injury and
interview and the age at injury; persons get age groups, person-time, injury status under each
case definition, the proxy flag and the design variables of their household; households get their
response and eligibility status (§4.6).

Every function here is vectorised over pandas columns and tolerates missing values: the cleaning
engine calls :func:`derive_episodes` on the raw (typed) tables before its rules run, because some
rules (D1, C6, E1, ...) look at derived columns, and again on the clean tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from injury_survey import vectors

CASE_DEFINITIONS = ("case_cn_halfday", "case_1day", "case_medical")
"""The three operational case definitions of docs/methods.md §1, derived for every episode."""

CARE_DIAGNOSED = 2
"""``care_level`` from which an injury counts as diagnosed/treated by a medical facility.

The care ladder (§2.4, CCDRFS H9) is 0 none, 1 self/lay care, 2 outpatient/emergency,
3 inpatient, 4 died; "diagnosed by a medical facility" (经医疗机构诊断) and "treated by a doctor or
nurse" both mean ``care_level`` 2, 3 or 4.
"""

RESPONDED_CODES = (1, 2)
"""Household result codes of an interview that took place: 1 completed, 2 partly completed."""
ELIGIBLE_CODES = (1, 2, 3, 4, 5, 96)
"""Result codes of an eligible household (§4.6); 6 vacant, 7 demolished, 8 not found are not."""

MEAN_MONTH_DAYS = 365.25 / 12
"""Mean length of a calendar month (30.4375 days), the unit of ``months_before_interview``."""

PRESENCE_DAYS = 365
"""Length of the period ``months_present_12m`` describes: the 365 days before the interview.

Person-years are window days present / 365, so a 365-day rolling window and 12 months present
give exactly 1 person-year.
"""

JOINED_IN_WINDOW, LEFT_IN_WINDOW = 2, 3
"""``residence_status`` codes of a member who joined (birth, in-migration) or left/died in the
12 months before the interview (§2.3); 1 is a usual resident."""


# Midpoint of a partially known date, in days after the first day of its period: a month-precision
# date (carried as the 1st) is placed on the 15th, a year-precision date on 2 July.
_MIDPOINT_DAYS = {"day": 0, "month": 14, "year": 182}

_MISSING_PRECISION = "unknown"


def precision_of(dates: pd.Series, precision: pd.Series | None) -> pd.Series:
    """Precision of each date: the companion ``<col>_precision`` column, or day/unknown from NA.

    A missing date always has precision ``unknown``, whatever the companion column says.
    """
    if precision is None:
        out = pd.Series("day", index=dates.index, dtype="str")
    else:
        out = precision.astype("str").where(precision.notna(), _MISSING_PRECISION)
    return out.where(dates.notna(), _MISSING_PRECISION)


def period_bounds(dates: pd.Series, precision: pd.Series | None) -> tuple[pd.Series, pd.Series]:
    """First and last day of the period a (possibly partial) date stands for.

    Intake stores a partial date as the first day of its period (``2024-03`` → 2024-03-01 with
    precision ``month``), so the first day is the stored date and the last day is the end of that
    month or year. An unknown date has no bounds (NaT, NaT).
    """
    prec = precision_of(dates, precision)
    first = dates.where(prec != _MISSING_PRECISION)
    last = first.copy()
    is_month, is_year = prec == "month", prec == "year"
    last = last.mask(is_month, first + pd.offsets.MonthEnd(0))
    last = last.mask(is_year, first + pd.offsets.YearEnd(0))
    return first, last


def point_date(dates: pd.Series, precision: pd.Series | None) -> pd.Series:
    """One date per value for elapsed-time arithmetic: the midpoint of a partial date's period."""
    prec = precision_of(dates, precision)
    shift = prec.map(_MIDPOINT_DAYS).astype("Float64")
    return dates + pd.to_timedelta(shift.astype("float64"), unit="D")


def recall_window(interview_date: pd.Series, recall: Mapping) -> tuple[pd.Series, pd.Series]:
    """First and last day of each household's recall window (docs/methods.md §1).

    ``rolling`` (default): ``[interview_date − days, interview_date]`` with ``days`` = 365 by
    default, both ends included. ``fixed``: the calendar window ``[fixed_start, fixed_end]`` for
    everybody, whatever the interview date.
    """
    mode = recall.get("mode", "rolling")
    if mode == "fixed":
        start = pd.Timestamp(recall["fixed_start"])
        end = pd.Timestamp(recall["fixed_end"])
        index = interview_date.index
        return (
            pd.Series(start, index=index).astype(interview_date.dtype),
            pd.Series(end, index=index).astype(interview_date.dtype),
        )
    if mode != "rolling":
        raise ValueError(f"recall.mode must be 'rolling' or 'fixed', got {mode!r}")
    days = int(recall.get("days", 365))
    return interview_date - pd.Timedelta(days=days), interview_date


def exposure_years(
    interview_date: pd.Series,
    residence_status: pd.Series,
    months_present: pd.Series,
    recall: Mapping,
) -> pd.Series:
    """Person-years at risk: the overlap of the recall window with the time the person was present.

    ``months_present_12m`` counts the months present in the 365 days before the interview
    (:data:`PRESENCE_DAYS`); ``residence_status`` says where in those days they lie:

    - 1 usual resident: present ``m/12`` of the time, spread evenly (also outside those 365 days);
    - 2 joined in the window (birth, in-migration): present for the last ``m`` months before the
      interview, absent before;
    - 3 left or died in the window: present until ``m`` months after the start of the 365 days
      (and before them), absent after.

    A month is 365/12 days. The recall window is ``[interview − days, interview)`` (rolling) or
    ``[fixed_start, fixed_end + 1 day)`` (fixed, both calendar days included), cut at the interview
    date: time after the interview is not observed. Exposure = days present in the window / 365,
    so with the default 365-day rolling window it equals ``months_present_12m / 12`` for every
    residence status. A missing status counts as a usual resident; a missing number of months or
    interview date gives NA.
    """
    interview = pd.to_datetime(interview_date)
    months = months_present.astype("Float64").astype("float64").to_numpy()
    status = pd.to_numeric(residence_status, errors="coerce").to_numpy(dtype="float64")
    window_start, window_end = _exposure_window(interview, recall)
    start = _days_before(interview, window_start)
    end = _days_before(interview, window_end)
    # Everything in days before the interview (0 = interview day, larger = earlier): the window is
    # the interval (end, start] of that axis, so its length is start - end.
    present_days = months * PRESENCE_DAYS / 12
    length = np.clip(start - end, 0.0, None)
    spread = length * months / 12
    joined_from = present_days  # present on (0, present_days]
    joined = np.clip(np.minimum(start, joined_from) - end, 0.0, None)
    left_until = PRESENCE_DAYS - present_days  # present on [left_until, inf)
    left = np.clip(start - np.maximum(end, left_until), 0.0, None)
    days = np.where(
        status == JOINED_IN_WINDOW, joined, np.where(status == LEFT_IN_WINDOW, left, spread)
    )
    out = pd.Series(days / PRESENCE_DAYS, index=interview_date.index, dtype="Float64")
    return out.mask(np.isnan(days), pd.NA)


def _exposure_window(interview: pd.Series, recall: Mapping) -> tuple[pd.Series, pd.Series]:
    """Recall window as a half-open interval ``[start, end)`` cut at the interview date."""
    start, end = recall_window(interview, recall)
    if recall.get("mode", "rolling") == "fixed":
        end = end + pd.Timedelta(days=1)
    return start, end.where(end <= interview, interview)


def _days_before(interview: pd.Series, when: pd.Series) -> np.ndarray:
    days = (interview - when).dt.total_seconds() / 86400
    return days.astype("float64").to_numpy()


def in_recall_window(
    injury_date: pd.Series,
    precision: pd.Series | None,
    window_start: pd.Series,
    window_end: pd.Series,
) -> pd.Series:
    """Rule D2: is the injury inside the recall window? (docs/methods.md §4.4)

    A day-precision date must lie in ``[start, end]``. A partial date counts as in the window when
    its period *overlaps* the window (a month-precision injury in the month of the window start is
    in), because the respondent placed it in the last 12 months when answering the screening
    question. An unknown date is treated as in the window for the same reason (rule D2 flags it).
    The result is NA only when the window itself is unknown (no interview date).
    """
    first, last = period_bounds(injury_date, precision)
    overlaps = (last >= window_start) & (first <= window_end)
    unknown = first.isna()
    out = overlaps.astype("boolean").mask(unknown, True)
    return out.mask(window_start.isna() | window_end.isna(), pd.NA).astype("boolean")


def case_flags(care_level: pd.Series, days_off: pd.Series) -> pd.DataFrame:
    """The three case definitions of docs/methods.md §1, one boolean column each.

    - ``case_cn_halfday``: diagnosed by a medical facility (``care_level`` ≥ 2: outpatient/ER,
      inpatient or died) **or** ≥ 0.5 day off work/school/usual activity;
    - ``case_1day``: treated by a doctor/nurse (``care_level`` ≥ 2) **or** ≥ 1 day off;
    - ``case_medical``: ``care_level`` ≥ 2.

    They are nested: medical ⊆ 1day ⊆ halfday. A missing value counts as "not met".
    """
    diagnosed = care_level.ge(CARE_DIAGNOSED).fillna(False).astype(bool)
    days = days_off.astype("Float64")
    return pd.DataFrame(
        {
            "case_cn_halfday": diagnosed | days.ge(0.5).fillna(False).astype(bool),
            "case_1day": diagnosed | days.ge(1).fillna(False).astype(bool),
            "case_medical": diagnosed,
        },
        index=care_level.index,
    ).astype("boolean")


def months_before_interview(
    injury_date: pd.Series, precision: pd.Series | None, interview_date: pd.Series
) -> pd.Series:
    """Whole months between injury and interview, for the recall-decay diagnostic (figure F10).

    Elapsed days divided by the mean month length 365.25/12 = 30.4375 and rounded down, so a
    365-day rolling window gives 0–11 (day 365 back is 11.99 → 11). A month-precision date is
    placed on the 15th, a year-precision date mid-year; an unknown date, a missing interview date
    or an injury after the interview gives NA. Out-of-window episodes can exceed 11.
    """
    elapsed = (interview_date - point_date(injury_date, precision)).dt.days
    months = np.floor(elapsed.astype("Float64") / MEAN_MONTH_DAYS)
    months = months.where(elapsed >= 0)
    return months.astype("Int64")


def age_at_injury(
    injury_date: pd.Series,
    precision: pd.Series | None,
    interview_date: pd.Series,
    age_years: pd.Series,
    birth_date: pd.Series | None = None,
    birth_precision: pd.Series | None = None,
) -> pd.Series:
    """Completed years of age on the day of the injury.

    With a day-precision birth date and a known injury date: completed years between the two.
    Otherwise from the age at interview: the person's exact age at interview is taken as
    ``age_years + 0.5`` (middle of the completed year), the elapsed time is subtracted and the
    result rounded down (so an injury 9 months before interview at age 30 gives 29, 3 months
    before gives 30). With an unknown injury date the age at interview is used.
    """
    point = point_date(injury_date, precision)
    elapsed_years = (interview_date - point).dt.days.astype("Float64") / 365.25
    elapsed_years = elapsed_years.fillna(0.0).clip(lower=0.0)
    from_age = np.floor(age_years.astype("Float64") + 0.5 - elapsed_years).clip(lower=0)
    out = from_age.astype("Int64")
    if birth_date is not None:
        b_prec = precision_of(birth_date, birth_precision)
        exact = (b_prec == "day") & (precision_of(injury_date, precision) == "day")
        years = injury_date.dt.year - birth_date.dt.year
        before_birthday = (injury_date.dt.month < birth_date.dt.month) | (
            (injury_date.dt.month == birth_date.dt.month) & (injury_date.dt.day < birth_date.dt.day)
        )
        from_dob = (years - before_birthday.astype("Int64")).astype("Int64")
        out = out.mask(exact & from_dob.notna(), from_dob)
    return out.astype("Int64")


def age_group_5y(age: pd.Series) -> pd.Series:
    """Census 5-year age groups ``0-4``, ``5-9``, …, ``80-84``, ``85+`` (ordered categorical)."""
    lower = list(range(0, 90, 5))
    labels = [f"{lo}-{lo + 4}" for lo in lower[:-1]] + ["85+"]
    return _cut(age, lower, labels)


def report_age_labels(bounds: Sequence[int]) -> list[str]:
    """Labels of the report age groups from their lower bounds: [0, 15, 45, 65] → 0-14 … 65+."""
    bounds = list(bounds)
    return [f"{lo}-{hi - 1}" for lo, hi in zip(bounds, bounds[1:], strict=False)] + [
        f"{bounds[-1]}+"
    ]


def report_age_group(age: pd.Series, bounds: Sequence[int]) -> pd.Series:
    """Report age group of each age (config ``age_groups``; the last group is open-ended)."""
    return _cut(age, list(bounds), report_age_labels(bounds))


def _cut(age: pd.Series, lower: list[int], labels: list[str]) -> pd.Series:
    values = age.astype("Float64").astype("float64")
    cut = pd.cut(values, [*lower, np.inf], right=False, labels=labels)
    return pd.Series(cut, index=age.index, name=age.name)


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str, column: str) -> pd.Series:
    """``table[column]`` for each key (first row if a key is duplicated; NA if absent/missing)."""
    if column not in table.columns or key not in table.columns:
        return pd.Series(pd.NA, index=keys.index)
    return vectors.lookup(keys, table, key, column)


def derive_households(
    households: pd.DataFrame,
    sample: pd.DataFrame | None = None,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Households with ``responded``, ``eligible`` and ``stratum_id`` (§4.6, §2.2).

    ``responded``: result code 1 or 2 and the interview not set aside by cleaning (a household
    whose member rows failed a blocking rule counts as an eligible non-respondent, see
    :func:`injury_survey.cleaning.engine.clean_survey`). ``eligible``: result codes 1–5 and 96;
    codes 6–8 (vacant, demolished, not found) are ineligible. ``stratum_id`` comes from the
    households table itself, else the frozen sample list, else the PSU frame.
    """
    out = households.copy()
    result = out["result_code"]
    set_aside = (
        out["interview_set_aside"].fillna(False).astype(bool)
        if "interview_set_aside" in out.columns
        else pd.Series(False, index=out.index)
    )
    out["responded"] = (result.isin(RESPONDED_CODES).fillna(False) & ~set_aside).astype("boolean")
    out["eligible"] = result.isin(ELIGIBLE_CODES).fillna(False).astype("boolean")
    if "stratum_id" not in out.columns:
        out["stratum_id"] = pd.Series(pd.NA, index=out.index, dtype="str")
    if sample is not None and "stratum_id" in sample.columns:
        out["stratum_id"] = out["stratum_id"].fillna(
            _lookup(out["hh_id"], sample, "hh_id", "stratum_id")
        )
    if frame is not None and "stratum_id" in frame.columns:
        out["stratum_id"] = out["stratum_id"].fillna(
            _lookup(out["psu_id"], frame, "psu_id", "stratum_id")
        )
    out["stratum_id"] = out["stratum_id"].astype("str").where(out["stratum_id"].notna())
    return out


def derive_episodes(
    episodes: pd.DataFrame,
    persons: pd.DataFrame,
    households: pd.DataFrame,
    *,
    recall: Mapping,
    case_definition: str,
) -> pd.DataFrame:
    """Episodes with their household's design variables and the §2.4 derived columns.

    Adds ``hh_id``, ``psu_id``, ``stratum_id`` (if known), ``interview_date``, ``window_start``,
    ``window_end``, ``in_window`` (rule D2), ``case_cn_halfday``, ``case_1day``,
    ``case_medical``, ``is_case`` (the primary definition *and* in the window),
    ``months_before_interview`` and ``age_at_injury``.
    """
    _check_case_definition(case_definition)
    out = episodes.copy()
    out["hh_id"] = _lookup(out["person_id"], persons, "person_id", "hh_id")
    for column in ("psu_id", "stratum_id", "interview_date"):
        if column in households.columns:
            out[column] = _lookup(out["hh_id"], households, "hh_id", column)
    interview = out.get("interview_date")
    if interview is None:
        interview = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    interview = pd.to_datetime(interview)
    out["interview_date"] = interview

    injury = _dates(out, "injury_date")
    precision = out.get("injury_date_precision")
    start, end = recall_window(interview, recall)
    out["window_start"], out["window_end"] = start, end
    out["in_window"] = in_recall_window(injury, precision, start, end)
    flags = case_flags(_column(out, "care_level"), _column(out, "days_off"))
    for name in CASE_DEFINITIONS:
        out[name] = flags[name]
    out["is_case"] = (flags[case_definition] & out["in_window"].fillna(False)).astype("boolean")
    out["months_before_interview"] = months_before_interview(injury, precision, interview)

    age = _lookup(out["person_id"], persons, "person_id", "age_years").astype("Int64")
    birth = None
    birth_precision = None
    if "birth_date" in persons.columns:
        birth = pd.to_datetime(_lookup(out["person_id"], persons, "person_id", "birth_date"))
        if "birth_date_precision" in persons.columns:
            birth_precision = _lookup(
                out["person_id"], persons, "person_id", "birth_date_precision"
            )
    out["age_at_injury"] = age_at_injury(injury, precision, interview, age, birth, birth_precision)
    return out


def derive_persons(
    persons: pd.DataFrame,
    households: pd.DataFrame,
    episodes: pd.DataFrame,
    *,
    case_definition: str,
    age_groups: Sequence[int],
    recall: Mapping | None = None,
) -> pd.DataFrame:
    """Persons with the §4.5 derived columns, counting the episodes given (pass clean ones).

    Adds ``stratum_id``, ``psu_id``, ``interviewer_id``, ``interview_date`` (from the household),
    ``age_group_5y``, ``age_group`` (report groups from ``age_groups`` lower bounds),
    ``person_years`` (time present within the ``recall`` window, :func:`exposure_years`; the
    default is the 365-day rolling window), ``proxy`` (``respondent_type`` = 2),
    ``injured`` / ``n_episodes`` (0/1 and count of case episodes in the recall window under the
    primary definition) and ``injured_<definition>`` / ``n_episodes_<definition>`` (e.g.
    ``injured_case_1day``) for each of the three definitions (sensitivity analyses). ``episodes`` must carry the derived flags of
    :func:`derive_episodes`.
    """
    _check_case_definition(case_definition)
    out = persons.copy()
    for column in ("stratum_id", "psu_id", "interviewer_id", "interview_date"):
        if column in households.columns:
            out[column] = _lookup(out["hh_id"], households, "hh_id", column)
    out["age_group_5y"] = age_group_5y(out["age_years"])
    out["age_group"] = report_age_group(out["age_years"], age_groups)
    out["person_years"] = exposure_years(
        _dates(out, "interview_date"),
        _column(out, "residence_status"),
        _column(out, "months_present_12m"),
        recall or {},
    )
    out["proxy"] = _column(out, "respondent_type").eq(2).astype("boolean")

    in_window = episodes["in_window"].fillna(False).astype(bool)
    for name in CASE_DEFINITIONS:
        counted = episodes.loc[in_window & episodes[name].fillna(False).astype(bool), "person_id"]
        n = vectors.count_by(out["person_id"], counted).astype("Int64")
        out[f"n_episodes_{name}"] = n
        out[f"injured_{name}"] = (n > 0).astype("Int64")
    out["n_episodes"] = out[f"n_episodes_{case_definition}"]
    out["injured"] = out[f"injured_{case_definition}"]
    return out


def _check_case_definition(case_definition: str) -> None:
    if case_definition not in CASE_DEFINITIONS:
        raise ValueError(
            f"case_definition must be one of {CASE_DEFINITIONS}, got {case_definition!r}: "
            "set case_definition in config.yaml to one of them."
        )


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(pd.NA, index=df.index, dtype="Float64")


def _dates(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return pd.to_datetime(df[name])
    return pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")
