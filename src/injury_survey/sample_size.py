"""Sample size of the formal survey, its sensitivity, and the allocation of PSUs to strata.

The chain follows docs/methods.md §5.3: persons under simple random sampling for the wanted
precision of the 12-month injury incidence ``p`` → finite population correction (optional) →
design effect of the cluster design → nonresponse → households → PSUs, with a separate formula for
the size needed to detect a change between two survey waves (§5.3, §6.7).

All persons-level quantities are kept unrounded; households are rounded to the nearest whole
household and PSUs up to the next whole PSU. That is the rounding that reproduces the worked example
of docs/methods.md §5.3 (see :func:`plan_sample_size`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from injury_survey.sampling import validate_frame


def _z(confidence: float) -> float:
    """Two-sided normal quantile ``z_{1-α/2}`` for a confidence level ``1 - α``."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}")
    return float(ndtri(1 - (1 - confidence) / 2))


def _check_proportion(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be a proportion strictly between 0 and 1, got {value!r}")


def _half_width(p: float, precision: float, precision_type: str) -> float:
    """Absolute half-width ``d`` of the confidence interval: ``precision·p`` or ``precision``."""
    if precision <= 0:
        raise ValueError(f"precision must be positive, got {precision!r}")
    if precision_type == "relative":
        return precision * p
    if precision_type == "absolute":
        return precision
    raise ValueError(f"precision_type must be 'relative' or 'absolute', got {precision_type!r}")


def persons_srs(
    p: float,
    precision: float,
    precision_type: Literal["relative", "absolute"] = "relative",
    confidence: float = 0.95,
    z: float | None = None,
) -> float:
    """Persons needed under simple random sampling to estimate a proportion ``p``.

    ``n0 = z² · p(1 − p) / d²`` with ``d`` the half-width of the confidence interval: ``d = ε·p``
    for relative precision ε, so that ``n0 = z²(1 − p)/(ε² p)`` (with z ≈ 2 and ε = 0.1 the
    textbook ``400·(1 − p)/p``), or ``d`` itself for absolute precision (docs/methods.md §5.3
    step 1 [CN-textbook, Epi-formula]; Lwanga & Lemeshow 1991).

    ``z`` defaults to ``norm.ppf(1 − α/2)`` (1.959964 for 95 %); pass ``z=1.96`` to use the rounded
    value of printed tables.
    """
    _check_proportion("p", p)
    d = _half_width(p, precision, precision_type)
    z = _z(confidence) if z is None else float(z)
    return z**2 * p * (1 - p) / d**2


def fpc_adjust(n0: float, population: float) -> float:
    """Finite population correction: ``n1 = n0 / (1 + (n0 − 1)/N)`` (docs/methods.md §5.3 step 2 [Epi-formula]).

    Matters only when the sample is a sizeable share of the ``N`` residents of the community.
    """
    if population < 1:
        raise ValueError(f"population must be at least 1, got {population!r}")
    return n0 / (1 + (n0 - 1) / population)


def design_effect(persons_per_psu: float, icc: float) -> float:
    """Design effect of a cluster sample: ``deff = 1 + (M̄ − 1)·ρ`` (Kish 1965).

    ``M̄`` counts persons per PSU (households per PSU × persons per household, since every member
    is interviewed) and ``ρ`` is the intra-cluster correlation of the injury indicator
    (docs/methods.md §5.3 step 3 [ss4HHSp]).
    """
    return 1 + (persons_per_psu - 1) * icc


def icc_anova(
    cluster,
    y,
    truncate: tuple[float, float] | None = None,
) -> float:
    """ANOVA estimator of the intra-cluster correlation for clusters of unequal size.

    ``ρ̂ = (MSB − MSW) / (MSB + (m0 − 1)·MSW)`` with the between- and within-cluster mean squares
    of a one-way ANOVA and ``m0 = (N − Σ m_i²/N) / (k − 1)``, the average cluster size adjusted for
    unequal sizes (``N`` persons in ``k`` clusters of ``m_i``; Donner 1986; docs/methods.md §5.2).

    By default the raw estimate is returned; it can be negative, and with the pilot's 5 clusters it
    is very imprecise. ``truncate=(0, 0.05)`` clips it to the range §5.2 asks the pilot notebook
    to report. When ``y`` does not vary at all (no case in the pilot) the ICC is undefined and NaN
    is returned.
    """
    data = pd.DataFrame({"cluster": np.asarray(cluster), "y": np.asarray(y, dtype=float)})
    if data.isna().any().any():
        raise ValueError("cluster or y has missing values; drop those persons first")
    groups = data.groupby("cluster")["y"]
    sizes = groups.size().to_numpy(dtype=float)
    means = groups.mean().to_numpy()
    n_total, k = sizes.sum(), len(sizes)
    if k < 2 or n_total <= k:
        raise ValueError(
            f"the ICC needs at least 2 clusters and more persons than clusters; "
            f"got {k} clusters and {int(n_total)} persons"
        )
    grand_mean = data["y"].mean()
    between = float((sizes * (means - grand_mean) ** 2).sum()) / (k - 1)
    within = float(((data["y"] - groups.transform("mean")) ** 2).sum()) / (n_total - k)
    m0 = (n_total - (sizes**2).sum() / n_total) / (k - 1)
    denominator = between + (m0 - 1) * within
    if denominator == 0:
        # y is constant (e.g. no injured person in the pilot): 0/0, nothing to estimate.
        return float("nan")
    rho = (between - within) / denominator
    if truncate is not None:
        rho = float(np.clip(rho, *truncate))
    return rho


@dataclass(frozen=True)
class SampleSizePlan:
    """Every step of the formal survey's sample size (docs/methods.md §5.3), as computed.

    Persons-level sizes (``n0`` … ``n3``) are unrounded; ``households`` and ``psus`` are whole.
    """

    p: float
    precision: float
    precision_type: str
    confidence: float
    z: float
    d: float
    n0: float
    population: float | None
    n1: float
    deff: float
    n2: float
    response_rate: float
    n3: float
    hh_size: float
    households_rounding: str
    households: int
    households_per_psu: int
    psus_for_households: int
    n_strata: int | None
    min_psus_per_stratum: int
    psus: int

    def as_dict(self) -> dict:
        """The plan as a plain dict (e.g. for ``plan.yaml``)."""
        return asdict(self)

    def steps(self) -> pd.DataFrame:
        """The chain as a tidy table for the plan notebook: ``step``, ``formula``, ``value``."""
        rows = [
            ("z", "z = Φ⁻¹(1 − α/2)", self.z),
            (
                "d",
                "d = ε·p (relative precision)"
                if self.precision_type == "relative"
                else "d (absolute precision)",
                self.d,
            ),
            ("n0 persons, SRS", "n0 = z²·p(1 − p)/d²", self.n0),
            (
                "n1 persons, finite population",
                "n1 = n0/(1 + (n0 − 1)/N)" if self.population else "n1 = n0 (no correction)",
                self.n1,
            ),
            ("n2 persons, cluster design", "n2 = n1·deff", self.n2),
            ("n3 persons, nonresponse", "n3 = n2/RR", self.n3),
            (
                "H households",
                "H = n3/m̄, to the nearest"
                if self.households_rounding == "nearest"
                else "H = ⌈n3/m̄⌉",
                self.households,
            ),
            ("k PSUs", "k = ⌈H/b⌉, at least strata × minimum", self.psus),
        ]
        return pd.DataFrame(rows, columns=["step", "formula", "value"])


def plan_sample_size(
    p: float,
    precision: float,
    precision_type: Literal["relative", "absolute"] = "relative",
    confidence: float = 0.95,
    *,
    deff: float,
    response_rate: float,
    hh_size: float,
    households_per_psu: int,
    population: float | None = None,
    n_strata: int | None = None,
    min_psus_per_stratum: int = 2,
    z: float | None = None,
    households_rounding: Literal["nearest", "up"] = "nearest",
) -> SampleSizePlan:
    """The sample size chain of docs/methods.md §5.3, one step at a time.

    1. ``n0 = z²·p(1 − p)/d²`` persons under SRS (:func:`persons_srs`);
    2. ``n1 = n0/(1 + (n0 − 1)/N)`` when a ``population`` N is given, else ``n1 = n0``;
    3. ``n2 = n1·deff`` for the cluster design;
    4. ``n3 = n2/RR`` for nonresponse (pass ``RR = RR_hh·RR_ind``, the household response rate
       times the person-level completeness);
    5. ``H = n3/m̄`` households, ``m̄`` = usual residents per household;
    6. ``k = ⌈H/b⌉`` PSUs of ``b`` households, at least ``n_strata × min_psus_per_stratum`` so that
       every stratum has a variance estimate.

    Rounding. Persons are not rounded. Households are rounded to the nearest whole household
    (``households_rounding="nearest"``), which is what reproduces the worked example and the
    sensitivity line of §5.3 exactly (with ``z = norm.ppf(0.975)``); ``"up"`` applies the ceiling
    ``⌈n3/m̄⌉`` of the §5.3 formula and can give one household more. PSUs are always rounded up.
    """
    if not 0 < response_rate <= 1:
        raise ValueError(f"response_rate must be in (0, 1], got {response_rate!r}")
    if deff < 1:
        raise ValueError(f"deff below 1 is not credible for a cluster sample, got {deff!r}")
    if hh_size <= 0:
        raise ValueError(f"hh_size (persons per household) must be positive, got {hh_size!r}")
    if int(households_per_psu) != households_per_psu or households_per_psu < 1:
        raise ValueError(
            f"households_per_psu must be a whole number >= 1, got {households_per_psu!r}"
        )
    z = _z(confidence) if z is None else float(z)
    d = _half_width(p, precision, precision_type)
    n0 = persons_srs(p, precision, precision_type, confidence, z=z)
    n1 = fpc_adjust(n0, population) if population else n0
    n2 = n1 * deff
    n3 = n2 / response_rate
    if households_rounding == "nearest":
        # Half-up, not Python's round-half-to-even: 2.5 households are 3.
        households = math.floor(n3 / hh_size + 0.5)
    elif households_rounding == "up":
        households = math.ceil(n3 / hh_size)
    else:
        raise ValueError(
            f"households_rounding must be 'nearest' or 'up', got {households_rounding!r}"
        )
    psus_for_households = math.ceil(households / households_per_psu)
    floor_psus = (n_strata or 0) * min_psus_per_stratum
    return SampleSizePlan(
        p=p,
        precision=precision,
        precision_type=precision_type,
        confidence=confidence,
        z=z,
        d=d,
        n0=n0,
        population=population,
        n1=n1,
        deff=deff,
        n2=n2,
        response_rate=response_rate,
        n3=n3,
        hh_size=hh_size,
        households_rounding=households_rounding,
        households=households,
        households_per_psu=int(households_per_psu),
        psus_for_households=psus_for_households,
        n_strata=n_strata,
        min_psus_per_stratum=min_psus_per_stratum,
        psus=max(psus_for_households, floor_psus),
    )


def sensitivity_grid(incidences, precisions, **plan_kwargs) -> pd.DataFrame:
    """Sample sizes over a grid of incidences and precisions, other settings fixed.

    Every cell is :func:`plan_sample_size` with ``p`` and ``precision`` from the grid and
    ``plan_kwargs`` for the rest. Long format: ``incidence``, ``precision``, ``persons`` (n3,
    unrounded), ``households``, ``psus``.
    """
    rows = []
    for incidence in incidences:
        for precision in precisions:
            plan = plan_sample_size(p=incidence, precision=precision, **plan_kwargs)
            rows.append(
                {
                    "incidence": incidence,
                    "precision": precision,
                    "persons": plan.n3,
                    "households": plan.households,
                    "psus": plan.psus,
                }
            )
    return pd.DataFrame(rows, columns=["incidence", "precision", "persons", "households", "psus"])


def persons_to_detect_change(
    p1: float, p2: float, deff: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Persons per survey to detect a change from ``p1`` to ``p2`` between two independent surveys.

    ``n = deff · [z_{α/2}·√(2·p̄(1 − p̄)) + z_β·√(p1(1 − p1) + p2(1 − p2))]² / (p1 − p2)²``
    with ``p̄ = (p1 + p2)/2``, a two-sided test at level α and power ``1 − β`` (Fleiss 1981;
    docs/methods.md §5.3, evaluation).
    """
    _check_proportion("p1", p1)
    _check_proportion("p2", p2)
    if p1 == p2:
        raise ValueError("p1 and p2 are equal: no change to detect")
    _check_proportion("alpha", alpha)
    _check_proportion("power", power)
    z_alpha = ndtri(1 - alpha / 2)
    z_beta = ndtri(power)
    p_bar = (p1 + p2) / 2
    root = z_alpha * math.sqrt(2 * p_bar * (1 - p_bar)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    return deff * root**2 / (p1 - p2) ** 2


def minimum_detectable_change(
    n_persons: float, p1: float, deff: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The follow-up incidence ``p2 < p1`` whose fall from ``p1`` is just detectable with ``n`` persons.

    Solves ``persons_to_detect_change(p1, p2, deff, alpha, power) = n_persons`` for ``p2`` in
    ``(0, p1)`` (Brent's method); the minimum detectable fall is ``p1 − p2``. Smaller falls than
    that would not reach significance with the given power (docs/methods.md §6.7).

    Raises ValueError when even a fall to (nearly) zero is not detectable with ``n_persons``.
    """
    _check_proportion("p1", p1)
    if n_persons <= 0:
        raise ValueError(f"n_persons must be positive, got {n_persons!r}")

    def excess(p2: float) -> float:
        return persons_to_detect_change(p1, p2, deff, alpha, power) - n_persons

    # n required rises without bound as p2 approaches p1 and is smallest for the largest fall.
    lowest, highest = p1 * 1e-9, p1 * (1 - 1e-12)
    if excess(lowest) > 0:
        raise ValueError(
            f"{n_persons:g} persons per survey cannot detect even a fall from {p1:g} to 0 "
            f"(deff {deff:g}, alpha {alpha:g}, power {power:g})"
        )
    from scipy.optimize import brentq  # 0.2–0.4 s to import: only where a root is sought

    return float(brentq(excess, lowest, highest, xtol=1e-12, rtol=1e-12))


def allocate_psus(
    frame: pd.DataFrame,
    n_psus: int,
    size_col: str = "households",
    min_per_stratum: int = 2,
) -> pd.Series:
    """PSUs per stratum, proportional to the stratum's size, within bounds, summing to ``n_psus``.

    Proportional allocation ``k_h ∝ X_h`` (total size of stratum h) keeps the two-stage PPS design
    self-weighting across strata (Cochran 1977, ch. 5; Kish 1965). Each stratum gets at least
    ``min_per_stratum`` (two PSUs are needed for a within-stratum variance) and at most the number of
    PSUs it has: the real-valued quotas are ``clip(λ·X_h, lower_h, upper_h)`` with λ chosen so they
    sum to ``n_psus``, then rounded by largest remainder (Hamilton's method) so the total is exact.

    Returns
    -------
    pandas.Series
        Integer PSU counts indexed by ``stratum_id`` (frame order), named ``n_psus``.
    """
    if int(n_psus) != n_psus or n_psus < 1:
        raise ValueError(f"n_psus must be a whole number >= 1, got {n_psus!r}")
    validate_frame(frame, size_col)
    strata = frame["stratum_id"].astype(str)
    grouped = pd.to_numeric(frame[size_col], errors="raise").groupby(strata, sort=False)
    size = grouped.sum().astype(float)
    upper = grouped.size().astype(float)
    lower = pd.Series(float(min_per_stratum), index=size.index)
    too_small = upper[upper < lower]
    if not too_small.empty:
        names = ", ".join(f"{s!r} ({int(c)} PSU)" for s, c in too_small.items())
        raise ValueError(
            f"Stratum {names} has fewer PSUs than min_per_stratum={min_per_stratum}: "
            "merge it with a neighbouring stratum, or lower min_per_stratum."
        )
    if n_psus < lower.sum():
        raise ValueError(
            f"{n_psus} PSUs cannot give each of {len(size)} strata at least {min_per_stratum}: "
            f"plan at least {int(lower.sum())} PSUs."
        )
    if n_psus > upper.sum():
        raise ValueError(
            f"{n_psus} PSUs asked for but the frame lists only {int(upper.sum())}: "
            "take more households per PSU instead."
        )

    def quotas(scale: float) -> pd.Series:
        return (scale * size).clip(lower=lower, upper=upper)

    # Σ clip(λ·X_h) is continuous and non-decreasing in λ, from Σ lower (λ = 0) to Σ upper.
    top = float((upper / size).max())
    if quotas(top).sum() <= n_psus:
        quota = upper
    elif lower.sum() >= n_psus:
        quota = lower
    else:
        from scipy.optimize import brentq

        scale = brentq(lambda s: quotas(s).sum() - n_psus, 0.0, top, xtol=1e-14)
        quota = quotas(scale).round(9)
    whole = np.floor(quota).astype(int)
    remainder = (quota - whole).sort_values(ascending=False, kind="stable")
    extra = int(n_psus - whole.sum())
    whole.loc[remainder.index[:extra]] += 1
    return whole.rename("n_psus").rename_axis("stratum_id")
