"""What every cleaning check shares: the code numbers of the rules, the rule context, helpers.

The §2.7 code numbers the rules refer to, the field lists of the questionnaire modules, the
:class:`RuleContext` a check receives, :class:`SkipRule`, and small vectorised helpers (membership,
look-up of a parent row's value, counts of child rows) that the checks of
:mod:`injury_survey.cleaning.checks` and :mod:`injury_survey.cleaning.coherence_checks` use.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.vectors import count_by, isin, lookup

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
    "knowledge": "person_id",
    "home_safety": "hh_id",
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
    programme_min_age: int = 15


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
    return count_by(keys, child[fk])


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
