"""Direct age standardisation of design-based rates (标化率; docs/methods.md §6.3, §7).

The age-standardised rate is ``ASR = Σ_a W_a·r̂_a / Σ_a W_a``: the age-specific rates ``r̂_a`` of the
survey (domain estimates on the full design) averaged with the age composition ``W_a`` of a
standard population. The groups ``a`` are the standard's own **5-year groups** (0-4, 5-9, …),
the last one open from ``estimation.standardization_top_age`` (85+ by default): standardising on
the four broad report groups would leave the age composition within each broad group unadjusted.
The broad groups are for display only. Because the ``W_a`` are fixed, ``ASR`` is a linear
combination of domain estimates and its variance is ``c'Σc`` with ``Σ`` the design-based covariance
of the ``r̂_a`` (Taylor linearisation, same design). For a proportion this is exactly R
``svystandardize`` (which post-stratifies the age groups to the standard, NCHS method); for a
person-time rate (a ratio) it is R ``svycontrast`` on the domain totals. Both are checked against
R in ``tests/reference``. A 5-year group with nobody in it (in the whole sample or in a domain)
has no rate: its standard weight goes to the nearest younger group (the oldest group's, if the
first group is empty), which is direct standardisation on that merged group; every such merge is
returned in the column ``collapsed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from typing import Literal

import numpy as np
import pandas as pd

from injury_survey.confidence_intervals import korn_graubard_ci, log_scale_ci, logit_ci
from injury_survey.survey_design import SurveyDesign

STANDARD_NAMES = {
    "china2010": "China 2010 census",
    "who2000": "WHO World Standard 2000-2025",
    "segi": "Segi 1960 world standard",
}

STANDARDIZED_COLUMNS = [
    "by",
    "level",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "df",
    "n",
    "collapsed",
]
DEFAULT_TOP_AGE = 85


class StandardizationError(ValueError):
    """The standard population cannot be matched to the report's age groups."""


def age_group_labels(bounds: Sequence[int]) -> list[str]:
    """Labels of the report age groups from their lower bounds: [0, 15, 45, 65] → 0-14 … 65+."""
    bounds = list(bounds)
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(bounds, bounds[1:], strict=False)]
    return labels + [f"{bounds[-1]}+"]


def assign_age_group(age_years: pd.Series, bounds: Sequence[int]) -> pd.Series:
    """Report age group of each completed age (NA stays NA), as an ordered categorical."""
    labels = age_group_labels(bounds)
    edges = [*bounds, np.inf]
    groups = pd.cut(
        pd.to_numeric(age_years, errors="coerce"), bins=edges, right=False, labels=labels
    )
    return groups.astype(pd.CategoricalDtype(labels, ordered=True))


def load_standard_population(name: str) -> pd.DataFrame:
    """The 5-year rows of one standard (``age_group, age_lower, population``); see §7."""
    if name not in STANDARD_NAMES:
        raise StandardizationError(
            f"Unknown standard population {name!r}; choose one of {sorted(STANDARD_NAMES)} "
            "(estimation.standard_population)."
        )
    path = files("injury_survey") / "data" / "standard_populations.csv"
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype={"standard": str, "age_group": str})
    return table[table["standard"] == name].drop(columns="standard").reset_index(drop=True)


def standard_weights(name: str, bounds: Sequence[int]) -> pd.Series:
    """The standard's population summed into the report age groups (index = group labels).

    Each 5-year row goes to the report group containing its lower bound; a report bound that does
    not fall on a row boundary, or an open last group starting above the standard's last row,
    cannot be aggregated and raises.
    """
    table = load_standard_population(name)
    lowers = table["age_lower"].to_numpy()
    bad = [b for b in bounds if b not in set(lowers)]
    if bad:
        raise StandardizationError(
            f"Report age-group bounds {bad} do not start a group of the {STANDARD_NAMES[name]} "
            f"standard (its groups start at {lowers.tolist()}). Use bounds that are multiples "
            "of 5 in config age_groups."
        )
    labels = age_group_labels(bounds)
    group = np.searchsorted(np.asarray(bounds), lowers, side="right") - 1
    weights = table.groupby(group)["population"].sum()
    return pd.Series(weights.to_numpy(dtype=float), index=labels, name="standard_population")


def standardization_bounds(name: str, top_age: int = DEFAULT_TOP_AGE) -> list[int]:
    """Lower bounds of the standardisation groups: the standard's 5-year rows up to ``top_age``,
    which opens the last group (``estimation.standardization_top_age``)."""
    lowers = load_standard_population(name)["age_lower"].astype(int).tolist()
    if top_age not in lowers:
        raise StandardizationError(
            f"estimation.standardization_top_age = {top_age} does not start a group of the "
            f"{STANDARD_NAMES[name]} standard (its groups start at {lowers}); use one of those "
            f"ages (85 is the usual). / 标化最高年龄组起点{top_age}不在标准人口的分组中。"
        )
    return [lower for lower in lowers if lower <= top_age]


def standardized_estimates(
    design: SurveyDesign,
    y: str,
    x: str | None = None,
    *,
    weights: pd.Series,
    age_group: str = "age_group",
    by: Sequence[str] = (),
    scale: float = 1.0,
    ci_method: Literal["logit", "beta", "log"] = "logit",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Age-standardised proportion (``x`` None) or ratio ``y/x``, overall and within domains.

    ``weights`` are the standard's populations by standardisation group (:func:`standard_weights`
    on :func:`standardization_bounds`), indexed by the labels found in the ``age_group`` column.
    Within a domain (a level of a ``by`` column) the age-specific rates are those of the domain
    (R ``svystandardize(..., over=~domain)``), estimated with ``where=`` on the full design.
    CIs: ``"logit"`` or ``"beta"`` for proportions as in :meth:`SurveyDesign.proportion`, ``"log"``
    (log scale) for rates. Returns the columns of :data:`STANDARDIZED_COLUMNS`, one row for
    ``by == "all"`` then one per domain level; ``estimate`` and ``se`` are multiplied by ``scale``.
    """
    shares = weights / weights.sum()
    data = design.data
    targets: list[tuple[str, object, tuple[str, object] | None]] = [("all", "all", None)]
    for column in by:
        for level in sorted(data[column].dropna().unique(), key=str):
            targets.append((column, level, (column, level)))
    rows = []
    for column, level, where in targets:
        in_domain = data if where is None else data[data[where[0]] == where[1]]
        coefficients, collapsed = _fold_empty_groups(shares, in_domain, age_group, y, x)
        estimate, se, df = design.linear_combination(
            y, x, over=age_group, coefficients=coefficients, where=where
        )
        if ci_method == "logit":
            lower, upper = logit_ci(estimate, se, df, confidence)
        elif ci_method == "beta":
            lower, upper = korn_graubard_ci(estimate, se, df, len(data), confidence)
        else:
            lower, upper = log_scale_ci(estimate, se, df, confidence)
        rows.append(
            {
                "by": column,
                "level": str(level),
                "estimate": estimate * scale,
                "se": se * scale,
                "ci_lower": lower * scale,
                "ci_upper": upper * scale,
                "df": df,
                "n": len(in_domain),
                "collapsed": collapsed,
            }
        )
    return pd.DataFrame(rows, columns=STANDARDIZED_COLUMNS)


def _fold_empty_groups(
    shares: pd.Series, rows: pd.DataFrame, age_group: str, y: str, x: str | None
) -> tuple[dict[object, float], str]:
    """Standard shares with each group that has no usable person moved to its nearest younger
    non-empty neighbour (the nearest older one for leading empty groups), and the merges as text
    ("85+→80-84; …", empty when none)."""
    usable = rows[rows[y].notna()] if x is None else rows[rows[y].notna() & (rows[x] > 0)]
    present = set(usable[age_group].dropna().astype(str).unique())
    labels = [str(label) for label in shares.index]
    filled = [label for label in labels if label in present]
    if not filled:
        raise StandardizationError(f"No persons with {y} to standardise in this domain.")
    coefficients: dict[object, float] = {}
    merges = []
    for position, label in enumerate(labels):
        if label in present:
            target = label
        else:
            younger = [other for other in labels[:position] if other in present]
            target = younger[-1] if younger else filled[0]
            merges.append(f"{label}→{target}")
        coefficients[target] = coefficients.get(target, 0.0) + float(shares.iloc[position])
    return coefficients, "; ".join(merges)
