"""Quality-control tables for the QC report and the pilot (docs/methods.md §4.6, §4.7, §5.2).

- :func:`response_rates`: AAPOR-style household response rates by result code;
- :func:`item_nonresponse`: per question, how often it was asked, left empty, or answered
  "don't know"/"refused";
- :func:`other_share`: per code list, the share of answers coded "other";
- :func:`skip_violations_by_household`: per skip rule, how many households broke it;
- :func:`questionnaire_revisions`: the §5.2 rules that turn those tables into suggested changes
  to the questionnaire (decided by humans);
- :func:`interviewer_table`: per interviewer, workload, incidence, proxy share and duration (a low
  incidence far below the others suggests under-probing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.cleaning.checks import (
    CARE_INPATIENT,
    CAUSE_FALL,
    CAUSE_OTHER,
    CAUSE_TRAFFIC,
    CODEBOOK_VARIABLE,
    CODED_FIELDS,
    FALL_FIELDS,
    TRAFFIC_FIELDS,
    other_code,
)
from injury_survey.cleaning.derive import CARE_DIAGNOSED, ELIGIBLE_CODES, RESPONDED_CODES

RESULT_CODES = (1, 2, 3, 4, 5, 6, 7, 8, 96)
"""Household result codes (§2.2, adapted from DHS): 1 completed … 8 not found, 96 other."""
INELIGIBLE_CODES = (6, 7, 8)
REFUSED_CODE = 5

Applies = Callable[[Mapping[str, pd.DataFrame], pd.DataFrame], pd.Series]


def _everyone(tables, df):
    return pd.Series(True, index=df.index)


def _responding(tables, df):
    return df["result_code"].isin(RESPONDED_CODES).fillna(False).astype(bool)


def _age_at_least(age: int) -> Applies:
    return lambda tables, df: (df["age_years"] >= age).fillna(False).astype(bool)


def _code_in(column: str, codes) -> Applies:
    codes = [codes] if np.isscalar(codes) else list(codes)
    return lambda tables, df: df[column].isin(codes).fillna(False).astype(bool)


def _care_at_least(level: int) -> Applies:
    return lambda tables, df: (df["care_level"] >= level).fillna(False).astype(bool)


QUESTIONS: tuple[tuple[str, str, Applies], ...] = (
    ("households", "result_code", _everyone),
    ("households", "n_visits", _everyone),
    ("households", "interview_date", _responding),
    ("households", "hh_size_reported", _responding),
    ("households", "dwelling_type", _responding),
    ("households", "income_per_capita_month", _responding),
    ("households", "hh_injury_death_12m", _responding),
    ("persons", "relation", _everyone),
    ("persons", "sex", _everyone),
    ("persons", "age_years", _everyone),
    ("persons", "birth_date", _everyone),
    ("persons", "residence_status", _everyone),
    ("persons", "months_present_12m", _everyone),
    ("persons", "hukou", _everyone),
    ("persons", "education", _age_at_least(6)),
    ("persons", "occupation", _everyone),
    ("persons", "marital", _age_at_least(15)),
    ("persons", "insurance", _everyone),
    ("persons", "respondent_type", _everyone),
    ("persons", "injured_12m", _everyone),
    ("persons", "n_episodes_12m", _code_in("injured_12m", 1)),
    ("episodes", "injury_date", _everyone),
    ("episodes", "injury_hour", _everyone),
    ("episodes", "cause", _everyone),
    ("episodes", "cause_other_text", _code_in("cause", CAUSE_OTHER)),
    ("episodes", "intent", _everyone),
    ("episodes", "place", _everyone),
    ("episodes", "activity", _everyone),
    ("episodes", "nature_1", _everyone),
    ("episodes", "body_part", _everyone),
    *(("episodes", f, _code_in("cause", CAUSE_TRAFFIC)) for f in TRAFFIC_FIELDS),
    *(("episodes", f, _code_in("cause", CAUSE_FALL)) for f in FALL_FIELDS),
    ("episodes", "alcohol", _everyone),
    ("episodes", "care_level", _everyone),
    ("episodes", "hospital_days", _code_in("care_level", CARE_INPATIENT)),
    ("episodes", "days_off", _everyone),
    ("episodes", "days_restricted", _everyone),
    ("episodes", "cost_medical", _care_at_least(CARE_DIAGNOSED)),
    ("episodes", "outcome", _everyone),
)
"""(table, question, rows it is asked of) — §2.2–§2.4, skip logic of §4.3."""


def response_rates(households: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Household response rates, overall or by group (e.g. ``by="psu_id"``), domain-ref §4.6.

    Counts every result code; eligible = codes 1–5 and 96, ineligible = 6–8 (vacant,
    demolished, not found); a missing or unknown code is counted apart (``n_unknown``) and left
    out of both. Rates follow AAPOR's definitions with all eligibility known:

    - ``rr1`` = completed (1) / eligible;
    - ``rr2`` = (completed + partly completed (1, 2)) / eligible;
    - ``refusal_rate`` = refused (5) / eligible.
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    df = households.copy()
    code = df["result_code"]
    for c in RESULT_CODES:
        df[f"n_code_{c}"] = code.eq(c).fillna(False).astype(int)
    df["n_selected"] = 1
    df["n_eligible"] = code.isin(ELIGIBLE_CODES).fillna(False).astype(int)
    df["n_ineligible"] = code.isin(INELIGIBLE_CODES).fillna(False).astype(int)
    df["n_unknown"] = df["n_selected"] - df["n_eligible"] - df["n_ineligible"]
    counts = ["n_selected", "n_eligible", "n_ineligible", "n_unknown"] + [
        f"n_code_{c}" for c in RESULT_CODES
    ]
    if keys:
        out = df.groupby(keys, dropna=False)[counts].sum().reset_index()
    else:
        out = df[counts].sum().to_frame().T.astype(int)
    eligible = out["n_eligible"].where(out["n_eligible"] > 0)
    out["rr1"] = out["n_code_1"] / eligible
    out["rr2"] = (out["n_code_1"] + out["n_code_2"]) / eligible
    out["refusal_rate"] = out[f"n_code_{REFUSED_CODE}"] / eligible
    return out


def _missing_code_mask(codebook: Any, variable: str, values: pd.Series) -> pd.Series | None:
    check = getattr(codebook, "is_missing_code", None)
    if check is None:
        return None
    known = values.dropna().unique()
    missing_codes = []
    for value in known:
        try:
            if check(variable, int(value)):
                missing_codes.append(value)
        except (KeyError, LookupError, ValueError, TypeError):
            continue
    return values.isin(missing_codes).fillna(False).astype(bool)


def item_nonresponse(tables: Mapping[str, pd.DataFrame], codebook: Any) -> pd.DataFrame:
    """Item non-response per question (docs/methods.md §4.6, §5.2).

    A question counts as *asked* of a row when the skip logic of §4.3 sends the respondent to it
    (education from age 6, hospital days for inpatients, traffic questions for traffic injuries,
    …). Of the rows asked: ``n_missing`` are empty, ``n_dk_refused`` hold a code the codebook calls
    "don't know" or "refused" (``codebook.is_missing_code``; NA if the codebook cannot say).
    Pass the *raw* typed tables, so that answers missing from rejected rows count too.
    """
    rows = []
    for table, column, applies in QUESTIONS:
        df = tables.get(table)
        if df is None or column not in df.columns:
            continue
        try:
            asked = applies(tables, df)
        except KeyError:  # the column deciding the skip is absent
            continue
        values = df.loc[asked, column]
        n_asked = int(asked.sum())
        n_missing = int(values.isna().sum())
        dk = _missing_code_mask(codebook, CODEBOOK_VARIABLE.get(column, column), values)
        n_dk = pd.NA if dk is None or column not in _coded(table) else int(dk.sum())
        rows.append(
            {
                "table": table,
                "question": column,
                "n_asked": n_asked,
                "n_missing": n_missing,
                "n_dk_refused": n_dk,
            }
        )
    out = pd.DataFrame(rows, columns=["table", "question", "n_asked", "n_missing", "n_dk_refused"])
    out["n_dk_refused"] = out["n_dk_refused"].astype("Int64")
    asked = out["n_asked"].where(out["n_asked"] > 0).astype("Float64")
    out["missing_rate"] = out["n_missing"] / asked
    out["dk_refused_rate"] = out["n_dk_refused"] / asked
    return out


def _coded(table: str) -> tuple[str, ...]:
    return CODED_FIELDS.get(table, ())


def other_share(tables: Mapping[str, pd.DataFrame], codebook: Any) -> pd.DataFrame:
    """Share of answers coded "other" per code list (§5.2: above 15 % → extend the list).

    Only code lists for which the codebook names an "other" code (``codebook.other_code``) are
    listed; the denominator is the non-missing answers.
    """
    rows = []
    for table, columns in CODED_FIELDS.items():
        df = tables.get(table)
        if df is None:
            continue
        for column in columns:
            if column not in df.columns:
                continue
            code = other_code(codebook, CODEBOOK_VARIABLE.get(column, column))
            if code is None:
                continue
            answered = df[column].dropna()
            n_other = int((answered == code).sum())
            rows.append(
                {
                    "table": table,
                    "question": column,
                    "other_code": code,
                    "n_answered": len(answered),
                    "n_other": n_other,
                    "other_share": n_other / len(answered) if len(answered) else np.nan,
                }
            )
    columns = ["table", "question", "other_code", "n_answered", "n_other", "other_share"]
    return pd.DataFrame(rows, columns=columns)


def skip_violations_by_household(issues: pd.DataFrame) -> pd.DataFrame:
    """For each skip rule (S1, S2, …) broken at least once: households and rows concerned.

    Uses the ``hh_id`` column that :func:`~injury_survey.cleaning.engine.clean_survey` adds to its
    issues table.
    """
    skip = issues[issues["rule_id"].astype(str).str.fullmatch(r"S\d+")]
    if skip.empty:
        return pd.DataFrame(columns=["rule_id", "table", "message_en", "n_households", "n_rows"])
    grouped = skip.groupby(["rule_id", "table"], sort=False)
    out = grouped.agg(
        message_en=("message_en", "first"),
        n_households=("hh_id", "nunique"),
    ).reset_index()
    n_rows = grouped[["source_file", "source_row"]].apply(lambda g: len(g.drop_duplicates()))
    out["n_rows"] = n_rows.to_numpy()
    order = out["rule_id"].str[1:].astype(int)
    return (
        out.assign(_o=order).sort_values(["_o", "table"]).drop(columns="_o").reset_index(drop=True)
    )


def questionnaire_revisions(
    *,
    item_nonresponse: pd.DataFrame,
    skip_violations: pd.DataFrame,
    other_share: pd.DataFrame,
    issues: pd.DataFrame,
    dk_threshold: float = 0.10,
    skip_min_households: int = 2,
    other_threshold: float = 0.15,
) -> pd.DataFrame:
    """Questionnaire-revision findings from the pilot (docs/methods.md §5.2).

    The four rules: an item with more than 10 % "don't know"/refused; a skip rule broken in 2 or
    more households; a code list with more than 15 % "other"; any episode meeting none of the case
    definitions (E1, a sign the screening question was misunderstood). Each finding carries a
    suggestion; humans decide.
    """
    rows = []
    dk = item_nonresponse[item_nonresponse["dk_refused_rate"].fillna(0) > dk_threshold]
    for _, r in dk.iterrows():
        rows.append(
            {
                "item": f"{r['table']}.{r['question']}",
                "finding": f"{r['n_dk_refused']} of {r['n_asked']} answers don't know/refused "
                f"({r['dk_refused_rate']:.0%})",
                "rule": f"don't know/refused > {dk_threshold:.0%}",
                "suggestion_en": "Reword the question, add prompts or show cards, and train "
                "interviewers to probe before accepting 'don't know'.",
                "suggestion_zh": '修改问题措辞，增加提示或示卡，并培训调查员在接受"不知道"前追问。',
            }
        )
    broken = skip_violations[skip_violations["n_households"] >= skip_min_households]
    for _, r in broken.iterrows():
        rows.append(
            {
                "item": f"{r['rule_id']} ({r['table']})",
                "finding": f"skip rule broken in {r['n_households']} households: {r['message_en']}",
                "rule": f"skip rule broken in ≥ {skip_min_households} households",
                "suggestion_en": "Make the skip instruction visible on the questionnaire (arrow, "
                "'go to' note) and cover it in interviewer training.",
                "suggestion_zh": '在问卷上醒目标注跳转说明（箭头、"跳至"提示），并在调查员培训中讲解。',
            }
        )
    many_other = other_share[other_share["other_share"].fillna(0) > other_threshold]
    for _, r in many_other.iterrows():
        rows.append(
            {
                "item": f"{r['table']}.{r['question']}",
                "finding": f"{r['n_other']} of {r['n_answered']} answers coded 'other' "
                f"({r['other_share']:.0%})",
                "rule": f"'other' > {other_threshold:.0%}",
                "suggestion_en": "Extend the code list with the frequent 'other' answers (read "
                "the free-text descriptions).",
                "suggestion_zh": '根据"其他"的文字说明，把常见回答增列为代码表中的新类别。',
            }
        )
    e1 = issues[issues["rule_id"] == "E1"]
    if len(e1):
        rows.append(
            {
                "item": "persons.injured_12m (screening question)",
                "finding": f"{len(e1)} episode forms meet none of the case definitions",
                "rule": "any episode failing all case definitions (E1)",
                "suggestion_en": "Reword the screening question and its probes: state the "
                "threshold (medical care or at least half a day off) and read the list of "
                "mechanisms aloud (traffic, falls, struck, bites, drowning, burns, poisoning, "
                "violence, self-harm).",
                "suggestion_zh": "修改筛查问题及追问：说明判定标准（就医或休息半天及以上），并逐项读出伤害类型"
                "（交通、跌倒、钝器、咬伤、溺水、烧烫伤、中毒、暴力、自伤）。",
            }
        )
    columns = ["item", "finding", "rule", "suggestion_en", "suggestion_zh"]
    return pd.DataFrame(rows, columns=columns)


def interviewer_table(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per interviewer: workload, injury incidence, proxy share, duration (§4.7).

    From the *clean* tables of :func:`~injury_survey.cleaning.engine.clean_survey`:
    ``n_households`` assigned, ``n_responded`` (usable interviews), ``n_persons``,
    ``n_injured`` (primary case definition), ``incidence`` = injured / persons (unweighted),
    ``proxy_share`` = persons answered by proxy / persons, ``median_minutes`` and
    ``mean_minutes`` of ``interview_minutes`` over responding households. An interviewer whose
    incidence is far below the others' may be under-probing the screening question.
    """
    hh, persons = tables["households"], tables["persons"]
    by_hh = hh.groupby("interviewer_id", dropna=False).agg(
        n_households=("hh_id", "size"),
        n_responded=("responded", "sum"),
    )
    if "interview_minutes" in hh.columns:
        minutes = hh.loc[hh["responded"].fillna(False).astype(bool)].groupby(
            "interviewer_id", dropna=False
        )["interview_minutes"]
        by_hh["median_minutes"] = minutes.median()
        by_hh["mean_minutes"] = minutes.mean()
    by_person = persons.groupby("interviewer_id", dropna=False).agg(
        n_persons=("person_id", "size"),
        n_injured=("injured", "sum"),
        n_proxy=("proxy", "sum"),
    )
    out = by_hh.join(by_person, how="left")
    for c in ("n_persons", "n_injured", "n_proxy"):
        out[c] = out[c].fillna(0).astype(int)
    out["n_responded"] = out["n_responded"].astype(int)
    persons_n = out["n_persons"].where(out["n_persons"] > 0)
    out["incidence"] = out["n_injured"] / persons_n
    out["proxy_share"] = out["n_proxy"] / persons_n
    columns = [
        "n_households",
        "n_responded",
        "n_persons",
        "n_injured",
        "incidence",
        "proxy_share",
        *[c for c in ("median_minutes", "mean_minutes") if c in out.columns],
    ]
    return out[columns].reset_index()
