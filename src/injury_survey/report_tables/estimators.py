"""The estimators the report tables share: compositions on the episode design, rates and
proportions on the person design (docs/methods.md §6.2), exact Poisson CIs and the weighted median.
Conventions of their tidy output: :mod:`injury_survey.report_tables.core`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from injury_survey.report_tables.core import VALUE_COLUMNS
from injury_survey.report_tables.designs import ReportData


def composition(
    data: ReportData,
    variable: str,
    *,
    codes: Sequence[int],
    by: str | Sequence[str] | None = None,
    domain: pd.Series | None = None,
    by_name: str | None = None,
) -> pd.DataFrame:
    """Share of case episodes in each category of ``variable`` (构成比), per ``by`` domain.

    ``p_k = Σw·[variable = k] / Σw`` over the episodes of the domain, a proportion on the
    episode design with a logit (or Korn–Graubard) CI clustered by PSU (docs/methods.md §6.2).
    Episodes whose ``variable`` is missing are left out of the denominator (the question was not
    asked); don't-know codes stay a category (§4.6). ``domain`` (a boolean Series over the
    episodes) restricts to a sub-population on the full episode design (R ``subset``).
    Returns ``by`` columns, ``by`` (= ``by_name`` or ``variable``), ``level`` and the value
    columns.
    """
    settings = data.settings
    episodes = data.episodes
    values = pd.to_numeric(episodes[variable], errors="coerce")
    valid = values.notna()
    if domain is not None:
        valid &= domain.fillna(False).astype(bool)
    extra = {"_in_domain": valid.astype(int), "_level": _level_codes(values, codes)}
    by_cols = [by] if isinstance(by, str) else list(by or [])
    for column in by_cols:
        extra[column] = _domain_codes(episodes[column])
    if not valid.any():
        return _empty(by_cols + ["by", "level"])
    design = data.episode_design(extra)
    # one svy call for every category (the proportion of each category's indicator)
    table = design.level_proportions(
        "_level",
        codes,
        by=by_cols or None,
        where=("_in_domain", 1),
        ci_method=settings.ci_method,
        confidence=settings.confidence,
    ).rename(columns={"_level": "level"})
    rows = []
    for code in codes:
        part = table[table["level"] == code].reset_index(drop=True)
        cell = (values == code).fillna(False) & valid
        part["n_cases"] = _count_cells(episodes, cell, by_cols, part)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out.insert(len(by_cols), "by", by_name or variable)
    return out


def person_rates(
    data: ReportData,
    ys: Mapping[object, pd.Series],
    *,
    cases: Mapping[object, pd.Series] | None = None,
    x: str = "_one",
    scale: float = 1000.0,
    by: str | Sequence[str] | None = None,
    key: str = "key",
) -> pd.DataFrame:
    """Rates ``Σw·y / Σw·x × scale`` over all persons (R ``svyratio``), log-scale CIs.

    ``ys`` maps a key (e.g. a cause code) to a per-person ``y`` aligned with
    :attr:`ReportData.persons` (e.g. :meth:`ReportData.per_person` counts of that cause's
    episodes); ``x`` is ``"_one"`` (per persons) or ``"person_years"``. ``cases`` gives the
    per-person unweighted numerator for ``n_cases`` (defaults to ``y``). One design carries all
    the ``y`` columns (building a calibrated design is the expensive step). The key is returned
    in the column ``key``.
    """
    settings = data.settings
    by_cols = [by] if isinstance(by, str) else list(by or [])
    names = {k: f"_y{i}" for i, k in enumerate(ys)}
    design = data.person_design({names[k]: y.astype(float) for k, y in ys.items()})
    tables = []
    for k, y in ys.items():
        table = design.ratio(
            names[k], x, by=by_cols or None, scale=scale, confidence=settings.confidence
        )
        counted = (cases[k] if cases is not None else y).astype(float)
        frame = data.persons.assign(_count=counted.to_numpy())
        if by_cols:
            sums = frame.groupby(by_cols)["_count"].sum().rename("n_cases").reset_index()
            for column in by_cols:
                sums[column] = sums[column].astype(table[column].dtype)
            table = table.merge(sums, on=by_cols, how="left")
            table["n_cases"] = table["n_cases"].fillna(0)
        else:
            table["n_cases"] = frame["_count"].sum()
        table["n_cases"] = table["n_cases"].round().astype(int)
        table.insert(0, key, k)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def person_proportion(
    data: ReportData,
    y: str | pd.Series,
    *,
    by: str | Sequence[str] | None = None,
    where: pd.Series | None = None,
) -> pd.DataFrame:
    """Proportion of persons with ``y`` = 1 (e.g. incidence I1), CI per config, on all persons."""
    settings = data.settings
    by_cols = [by] if isinstance(by, str) else list(by or [])
    extra: dict[str, pd.Series] = {}
    name = y
    if isinstance(y, pd.Series):
        name = "_y"
        extra["_y"] = y.astype(int)
    if where is not None:
        extra["_where"] = where.fillna(False).astype(int)
    design = data.person_design(extra) if extra else data.base_person_design
    table = design.proportion(
        name,
        by=by_cols or None,
        where=("_where", 1) if where is not None else None,
        ci_method=settings.ci_method,
        confidence=settings.confidence,
    )
    frame = design.data
    if where is not None:
        frame = frame[frame["_where"] == 1]
    table["n_cases"] = _count_cells(frame, frame[name] == 1, by_cols, table)
    return table


def _level_codes(values: pd.Series, codes: Sequence[int]) -> pd.Series:
    """``values`` as integer level codes for :meth:`SurveyDesign.level_proportions`: each of
    ``codes`` as itself, any other value (and a missing one, outside the domain anyway) as a code
    below them all, so it stays in the denominator without a row of its own."""
    other = min([0, *(int(code) for code in codes)]) - 1
    known = values.isin(list(codes))
    return values.where(known, other).fillna(other).astype("int64")


def _domain_codes(values: pd.Series) -> pd.Series:
    """A domain column svy can group by: integer codes (missing → −1) or text."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() == values.notna().sum():
        return numeric.fillna(-1).astype(int)
    return values.astype(str)


def _count_cells(
    frame: pd.DataFrame, cell: pd.Series, by_cols: list[str], table: pd.DataFrame
) -> list[int]:
    """Unweighted count of ``cell`` rows in each ``by`` domain of ``table``."""
    if not by_cols:
        return [int(cell.sum())] * len(table)
    counts = frame.loc[cell.to_numpy(dtype=bool), by_cols].value_counts()
    out = []
    for _, row in table[by_cols].iterrows():
        key = tuple(row[c] for c in by_cols)
        match = 0
        for candidate, count in counts.items():
            candidate = candidate if isinstance(candidate, tuple) else (candidate,)
            if all(str(a) == str(b) for a, b in zip(candidate, key, strict=True)):
                match = int(count)
                break
        out.append(match)
    return out


def _empty(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*keys, *VALUE_COLUMNS])


def garwood_ci(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact Poisson CI of a count (Garwood 1936): ``χ²(α/2; 2d)/2``, ``χ²(1−α/2; 2d+2)/2``.

    The lower bound is 0 for a zero count; for 0 deaths the 95 % upper bound is 3.689.
    """
    from scipy import stats  # imported here: scipy.stats costs ~0.5 s

    alpha = 1 - confidence
    lower = 0.0 if count == 0 else float(stats.chi2.ppf(alpha / 2, 2 * count) / 2)
    upper = float(stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2)
    return lower, upper


def weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """Weighted median: the smallest value whose cumulative weight reaches half the total.

    The lower weighted median, as R ``svyquantile(..., 0.5, qrule="math")`` (Hyndman–Fan type 1
    on the weighted CDF). NaN without values.
    """
    keep = values.notna() & weights.notna()
    if not keep.any():
        return math.nan
    order = np.argsort(values[keep].to_numpy(dtype=float), kind="stable")
    sorted_values = values[keep].to_numpy(dtype=float)[order]
    cumulative = np.cumsum(weights[keep].to_numpy(dtype=float)[order])
    return float(sorted_values[np.searchsorted(cumulative, cumulative[-1] / 2)])
