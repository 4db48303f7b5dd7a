"""The two analyses svy cannot yet run on the two-stage declaration, done as R does them
(docs/methods.md, "Variance estimation", §6.2.6).

svy 0.35's GLM sandwich and its Rao–Scott table tests use a first-stage variance only: under
``estimation.fpc: two_stage`` they would silently leave out the within-PSU variance of the
households that R's ``svyglm`` and ``svychisq`` on ``svydesign(ids = ~psu + hh, fpc = ~N_h + M_i)``
include (measured on the certainty reference survey: logistic SEs 5-27 % too small, Rao–Scott F
24-32 % off). Both are rebuilt here from quantities svy does estimate on the full declaration
(totals, and proportions with their covariance), so the design stays svy's:

- **logistic regression** (R ``svy.varcoef``): the coefficients stay svy's; the estimating-function
  scores over the model's domain, ``u_i = x_i (y_i − μ_i)`` (0 outside it), times the inverse of
  the weighted information ``A = Σ_domain w_i μ_i (1 − μ_i) x_i x_iᵀ``, are linearised variables
  ``z_i = A⁻¹ u_i`` whose weighted totals have the coefficients' variance, each taken from
  :meth:`~injury_survey.survey_design.SurveyDesign.total` on the same declared design (both stages
  with their fpc, certainty strata, calibration credit). Wald CIs and p-values use ``t`` on the
  residual design df, as before.
- **Rao–Scott tests** (R ``svychisq``): the cell proportions ``p`` of the r × c table and their
  design covariance ``V`` (:meth:`~injury_survey.survey_design.SurveyDesign.cell_proportions`),
  the contrasts ``C`` of the interaction space, ``Δ = (C′D⁻¹C/N)⁻¹ C′D⁻¹VD⁻¹C`` with ``D =
  diag(p)``; Pearson's X² on the weighted table scaled to the ``N`` rows of the domain is divided
  by ``tr Δ`` and referred to ``F(d, d·ν)``, ``d = (tr Δ)²/tr Δ²`` (second order), or multiplied
  by ``(r−1)(c−1)/tr Δ`` and referred to χ² (first order); ``ν`` is the domain's design df.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from injury_survey.survey_design import SurveyDesign

INTERCEPT = "_intercept_"


def two_stage_coefficient_se(
    design: SurveyDesign,
    coefficients: pd.DataFrame,
    y: str,
    terms: Sequence[str],
    *,
    where: tuple[str, object] | None,
    confidence: float,
) -> pd.DataFrame:
    """``coefficients`` (svy's ``term, estimate, se, ci_lower, ci_upper, p_value, df``) with
    ``se``, the CI and the p-value from the two-stage design variance of the scores' totals.
    Coefficients svy could not identify (no SE) keep no SE."""
    from scipy import stats  # imported here: scipy.stats costs ~0.5 s

    data = design.data
    table = coefficients.reset_index(drop=True).copy()
    identified = table["se"].notna() & np.isfinite(table["estimate"])
    names = table.loc[identified, "term"].tolist()
    if not names:  # nothing identified (a tiny or degenerate domain): no SE to recompute
        return table
    unknown = [name for name in names if name != INTERCEPT and name not in terms]
    if unknown:
        raise ValueError(f"Model terms {unknown} are not numeric columns of the design.")
    x = np.column_stack(
        [
            np.ones(len(data)) if name == INTERCEPT else data[name].to_numpy(dtype=float)
            for name in names
        ]
    )
    in_domain = np.ones(len(data), dtype=bool)
    if where is not None:
        in_domain = (data[where[0]] == where[1]).to_numpy(copy=True)
    response = data[y].to_numpy(dtype=float)
    in_domain &= np.isfinite(response) & np.isfinite(x).all(axis=1)
    beta = table.loc[identified, "estimate"].to_numpy(dtype=float)
    mu = np.zeros(len(data))
    mu[in_domain] = 1 / (1 + np.exp(-(x[in_domain] @ beta)))
    weight = data[design.weight].to_numpy(dtype=float) * in_domain
    information = (x * (weight * mu * (1 - mu))[:, None]).T @ x
    residual = np.where(in_domain, np.nan_to_num(response) - mu, 0.0)
    # in place: x is not needed again, and at a million persons each copy is ~0.2 GB
    scores = np.multiply(x, residual[:, None], out=x) @ np.linalg.inv(information)
    columns = {f"_glm_z{k}": scores[:, k] for k in range(len(names))}
    totals = design.with_columns(columns)
    se = np.array([float(totals.total(column)["se"].iloc[0]) for column in columns])
    df = table["df"].to_numpy(dtype=float)
    t = stats.t.ppf(0.5 + confidence / 2, df[identified.to_numpy()])
    table.loc[identified, "se"] = se
    table.loc[identified, "ci_lower"] = beta - t * se
    table.loc[identified, "ci_upper"] = beta + t * se
    table.loc[identified, "p_value"] = 2 * stats.t.sf(np.abs(beta / se), df[identified.to_numpy()])
    return table


def two_stage_rao_scott(
    design: SurveyDesign, row: str, column: str, *, where: tuple[str, object] | None
) -> pd.DataFrame | None:
    """Rao–Scott F (second order) and χ² (first order) tests of ``row`` × ``column`` with the
    two-stage covariance of the cell proportions; the columns of ``SurveyDesign.rao_scott``.
    None when a cell of the table is empty (the test is then not defined this way)."""
    from scipy import stats  # imported here: scipy.stats costs ~0.5 s

    data = design.data
    in_domain = data[row].notna().to_numpy() & data[column].notna().to_numpy()
    if where is not None:
        in_domain &= (data[where[0]] == where[1]).to_numpy()
    row_levels = sorted(data.loc[in_domain, row].unique(), key=_level_order)
    column_levels = sorted(data.loc[in_domain, column].unique(), key=_level_order)
    n_rows, n_columns = len(row_levels), len(column_levels)
    if n_rows < 2 or n_columns < 2:
        raise ValueError(f"{row} × {column} needs at least two levels of each.")
    # cells in R's order: interaction(rows, cols), the row level varying fastest; coded "k<i>"
    # so that svy keeps the labels as they are
    row_code = _codes(data[row], row_levels)
    column_code = _codes(data[column], column_levels)
    cells = [f"k{k}" for k in range(n_rows * n_columns)]
    if len(np.unique((column_code * n_rows + row_code)[in_domain])) < len(cells):
        # A cell without rows has share 0 (the check below): known before estimating anything
        # (at a million persons the covariance of the cells costs ~2 s a table).
        return None
    cell = np.where(in_domain, np.char.add("k", (column_code * n_rows + row_code).astype(str)), "")
    found, p_found, v_found = design.with_columns(
        {"_rs_cell": cell, "_rs_domain": in_domain.astype(int)}
    ).cell_proportions("_rs_cell", where=("_rs_domain", 1))
    # svy lists the out-of-domain label too, with a share of 0
    keep = [k for k, level in enumerate(found) if level in cells]
    if any(level not in cells and share != 0 for level, share in zip(found, p_found, strict=True)):
        raise ValueError(f"Cell labels of {row} × {column} were not returned as given: {found}.")
    index = [cells.index(found[k]) for k in keep]
    p = np.zeros(len(cells))
    v = np.zeros((len(cells), len(cells)))
    p[index] = p_found[keep]
    v[np.ix_(index, index)] = v_found[np.ix_(keep, keep)]
    if not np.all(p > 0):
        # An empty cell leaves C′D⁻¹C singular (R's svychisq then fails or returns nonsense):
        # the caller keeps svy's first-stage test (docs/methods.md §10).
        return None
    n = int(in_domain.sum())
    units = data.loc[in_domain, [design.variance_strata, design.variance_psu]].drop_duplicates()
    nu = len(units) - units[design.variance_strata].nunique()
    grid_rows = np.tile(np.arange(n_rows), n_columns)
    grid_columns = np.repeat(np.arange(n_columns), n_rows)
    main = np.column_stack(
        [np.ones(len(cells))]
        + [(grid_rows == i).astype(float) for i in range(1, n_rows)]
        + [(grid_columns == j).astype(float) for j in range(1, n_columns)]
    )
    interaction = np.column_stack(
        [
            ((grid_rows == i) & (grid_columns == j)).astype(float)
            for j in range(1, n_columns)
            for i in range(1, n_rows)
        ]
    )
    contrasts = interaction - main @ np.linalg.lstsq(main, interaction, rcond=None)[0]
    inverse_p = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    scaled = contrasts * inverse_p[:, None]
    denominator = contrasts.T @ scaled / n
    numerator = scaled.T @ v @ scaled
    delta = np.linalg.solve(denominator, numerator)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    table = (n * p).reshape(n_columns, n_rows).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    pearson = float(np.sum((table - expected) ** 2 / expected))
    f_statistic = pearson / trace
    chisq = pearson * delta.shape[0] / trace
    return pd.DataFrame(
        [
            {
                "test": "F",
                "statistic": f_statistic,
                "df_num": d0,
                "df_den": d0 * nu,
                "p_value": float(stats.f.sf(f_statistic, d0, d0 * nu)),
            },
            {
                "test": "Chisq",
                "statistic": chisq,
                "df_num": float(delta.shape[0]),
                "df_den": float("nan"),
                "p_value": float(stats.chi2.sf(chisq, delta.shape[0])),
            },
        ]
    )


def _level_order(value: object) -> tuple:
    """Numbers in numeric order, then text (R sorts a factor's levels the same way)."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _codes(values: pd.Series, levels: list) -> np.ndarray:
    """Position of each value among ``levels`` (−1 for any other value or a missing one)."""
    position = {level: index for index, level in enumerate(levels)}
    return values.map(position).fillna(-1).to_numpy(dtype=int)
