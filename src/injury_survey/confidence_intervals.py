"""Confidence intervals from an estimate, its design-based SE and the design degrees of freedom.

The intervals R's ``survey`` package gives (``svyciprop``, ``confint``), computed from the numbers
:class:`~injury_survey.survey_design.SurveyDesign` returns, so that standardised and contrasted
estimates get the same intervals as the ones svy estimated directly (docs/methods.md §6.2). ``t``
always has the design's (or the domain's) degrees of freedom, #PSU − #strata, not n − 1.
"""

from __future__ import annotations

import math

from scipy import special


def t_quantile(confidence: float, df: float) -> float:
    """Two-sided t quantile with ``df`` design degrees of freedom (NaN if df ≤ 0)."""
    if not df or df <= 0 or math.isnan(df):
        return math.nan
    # scipy.special's stdtrit is the function scipy.stats' t.ppf calls (same numbers), without
    # the 0.5–1 s import of scipy.stats that every notebook job would pay.
    return float(special.stdtrit(df, 1 - (1 - confidence) / 2))


def logit_ci(p: float, se: float, df: float, confidence: float = 0.95) -> tuple[float, float]:
    """R ``svyciprop(method="logit")``: ``expit(logit(p) ± t·se/(p(1−p)))``; NaN at p = 0 or 1."""
    if not 0 < p < 1 or math.isnan(se):
        return (math.nan, math.nan)
    t = t_quantile(confidence, df)
    half = t * se / (p * (1 - p))
    centre = math.log(p / (1 - p))
    return (_expit(centre - half), _expit(centre + half))


def korn_graubard_ci(
    p: float, se: float, df: float, n: int, confidence: float = 0.95
) -> tuple[float, float]:
    """R ``svyciprop(method="beta")``, the Korn–Graubard (1998) interval, as R computes it.

    ``n_eff = p(1−p)/se²·(qt(α/2, n−1)/qt(α/2, df))²`` and the Clopper–Pearson bounds
    ``qbeta(α/2, n_eff·p, n_eff·(1−p)+1)``, ``qbeta(1−α/2, n_eff·p+1, n_eff·(1−p))``, where ``n``
    is R's ``nrow(design)``. Unlike svy's ``"korn-graubard"`` (the NCHS variant), n_eff is not
    capped at n. NaN at p = 0 or 1 and when se is 0.
    """
    if not 0 < p < 1 or not se > 0:
        return (math.nan, math.nan)
    alpha = 1 - confidence
    if not df or df <= 0:
        return (math.nan, math.nan)
    # scipy.stats (~0.5 s to import) only here: scipy.special.betaincinv differs from
    # stats.beta.ppf in the last digit for some arguments; stdtrit is t.ppf's own kernel.
    from scipy import stats

    t_ratio = special.stdtrit(n - 1, alpha / 2) / special.stdtrit(df, alpha / 2)
    n_eff = p * (1 - p) / se**2 * t_ratio**2
    lower = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
    upper = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    return (float(lower), float(upper))


def log_scale_ci(
    estimate: float, se: float, df: float, confidence: float = 0.95
) -> tuple[float, float]:
    """CI of a positive rate on the log scale: ``est·exp(±t·se/est)`` (delta method)."""
    if not estimate > 0 or math.isnan(se):
        return (math.nan, math.nan)
    half = t_quantile(confidence, df) * se / estimate
    return (estimate * math.exp(-half), estimate * math.exp(half))


def wald_ci(estimate: float, se: float, df: float, confidence: float = 0.95) -> tuple[float, float]:
    """Symmetric interval ``est ± t·se``."""
    half = t_quantile(confidence, df) * se
    return (estimate - half, estimate + half)


def _expit(value: float) -> float:
    return 1 / (1 + math.exp(-value))
