"""Variance of a survey logistic regression under the two-stage declaration (docs/methods.md,
"Variance estimation").

svy's GLM sandwich is first-stage only (svy 0.35 ignores the second-stage population sizes in
``glm.fit``), so under ``estimation.fpc: two_stage`` it would silently leave out the within-PSU
variance of the households that R's ``svyglm`` on ``svydesign(ids = ~psu + hh, fpc = ~N_h + M_i)``
includes (measured on the certainty reference survey: SEs 5-27 % too small). The coefficients
stay svy's; their variance is recomputed as R's ``svy.varcoef`` does it:

- the estimating-function scores over the model's domain, ``u_i = x_i (y_i − μ_i)`` (0 outside
  the domain, so the domain's PSUs and households still count);
- the weighted information ``A = Σ_domain w_i μ_i (1 − μ_i) x_i x_iᵀ``;
- the linearised variables ``z_i = A⁻¹ u_i``, whose weighted totals ``Σ w_i z_i`` have the
  coefficients' variance; each total's variance is taken from the same declared design (both
  stages with their fpc, certainty strata, calibration credit) through
  :meth:`injury_survey.survey_design.SurveyDesign.total`.

Wald CIs and p-values then use ``t`` on the residual design df, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

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
    data = design.data
    table = coefficients.reset_index(drop=True).copy()
    identified = table["se"].notna() & np.isfinite(table["estimate"])
    names = table.loc[identified, "term"].tolist()
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
    scores = (x * residual[:, None]) @ np.linalg.inv(information)
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
