"""What the pilot (预调查) can tell the formal survey's plan (docs/methods.md §5.1–§5.2).

Fifty households in five purposively chosen PSUs test the questionnaire and the fieldwork; they
cannot estimate incidence or the intra-cluster correlation with any precision (5/130 persons
injured has an exact 95 % CI of 1.3 %–8.7 %). The pilot is therefore summarised unweighted and
labelled *not representative*; the plan takes its response rates and household size, and shows
its incidence and ICC beside the priors it actually uses.
"""

from __future__ import annotations

import math

import pandas as pd

from injury_survey.sample_size import icc_anova
from injury_survey.weighting_classes import screened_persons

CASE_DEFINITIONS = ("case_cn_halfday", "case_1day", "case_medical")

# §5.2: ρ̂ from 5 clusters is truncated to a plausible range and only shown.
ICC_PLAUSIBLE_RANGE = (0.0, 0.05)


def clopper_pearson(cases: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial CI (Clopper & Pearson 1934) from beta quantiles; (0, upper) when cases = 0."""
    # scipy.stats (~0.5 s to import) only here: scipy.special.betaincinv differs from
    # stats.beta.ppf in the last digit for some arguments.
    from scipy import stats

    alpha = 1 - confidence
    lower = 0.0 if cases == 0 else float(stats.beta.ppf(alpha / 2, cases, n - cases + 1))
    upper = 1.0 if cases == n else float(stats.beta.ppf(1 - alpha / 2, cases + 1, n - cases))
    return lower, upper


def summarise_pilot(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    episodes: pd.DataFrame,
    *,
    primary: str = "case_cn_halfday",
    confidence: float = 0.95,
    screening_dont_know: str = "exclude",
) -> dict:
    """The §5.2 pilot outputs that feed the plan, as plain numbers (for ``pilot_summary.yaml``).

    ``households`` needs ``eligible`` and ``responded`` (cleaning's derived flags), ``persons``
    ``psu_id``, ``injured_12m``, ``proxy`` and ``injured_<definition>`` for each case definition,
    ``episodes`` the case flags. Household response rate RR_hh = responded / eligible; person
    completeness RR_ind = persons with a screening answer (injured_12m 1 or 2) / persons listed;
    mean household size m̄ = persons / responding households. Incidence and the ICC count the
    persons with a screening answer: "don't know" is left out under ``screening_dont_know:
    exclude`` and counts as not injured under ``not_injured`` (docs/methods.md "Item
    non-response").
    """
    eligible = int(households["eligible"].sum())
    responded = int(households["responded"].sum())
    screened = persons["injured_12m"].isin([1, 2])
    n_persons = len(persons)
    counted = persons[screened_persons(persons, screening_dont_know)]
    injured_primary = int(counted[f"injured_{primary}"].sum())
    summary: dict = {
        "households_selected": len(households),
        "households_eligible": eligible,
        "households_responded": responded,
        "response_rate_household": responded / eligible if eligible else None,
        "persons_listed": n_persons,
        "persons_screened": int(screened.sum()),
        "response_rate_person": float(screened.mean()) if n_persons else None,
        "mean_household_size": n_persons / responded if responded else None,
        "proxy_share": float(persons["proxy"].mean()) if n_persons else None,
        "episodes_reported": len(episodes),
        "episodes_failing_all_case_definitions": int(
            (~episodes[list(CASE_DEFINITIONS)].any(axis=1)).sum()
        ),
        "episodes_per_injured": (
            float(counted[f"n_episodes_{primary}"].sum()) / injured_primary
            if injured_primary
            else None
        ),
        "incidence": {},
    }
    n_counted = len(counted)
    for definition in CASE_DEFINITIONS:
        cases = int(counted[f"injured_{definition}"].sum())
        lower, upper = clopper_pearson(cases, n_counted, confidence)
        summary["incidence"][definition] = {
            "cases": cases,
            "persons": n_counted,
            "estimate": cases / n_counted if n_counted else None,
            "ci_lower": lower,
            "ci_upper": upper,
            "ci_method": "Clopper-Pearson exact, unweighted; "
            f"screening_dont_know: {screening_dont_know}",
        }
    # NaN when nobody (or everybody) in the pilot was injured: there is no variance to split.
    raw_icc = float(icc_anova(counted["psu_id"], counted[f"injured_{primary}"].astype(float)))
    summary["icc"] = {
        "estimate": None if math.isnan(raw_icc) else raw_icc,
        "truncated": None
        if math.isnan(raw_icc)
        else min(max(raw_icc, ICC_PLAUSIBLE_RANGE[0]), ICC_PLAUSIBLE_RANGE[1]),
        "clusters": int(counted["psu_id"].nunique()),
        "note": "ANOVA estimator; shown only, too few clusters to plan with (§5.2)",
    }
    minutes = pd.to_numeric(households.get("interview_minutes"), errors="coerce").dropna()
    summary["interview_minutes"] = {
        "median": float(minutes.median()) if len(minutes) else None,
        "p90": float(minutes.quantile(0.9)) if len(minutes) else None,
    }
    return summary


def incidence_table(summary: dict) -> pd.DataFrame:
    """The pilot's unweighted incidence per case definition, for display (not representative)."""
    rows = [
        {"case_definition": definition, **values}
        for definition, values in summary["incidence"].items()
    ]
    return pd.DataFrame(rows)
