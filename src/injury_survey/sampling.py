"""Drawing the formal survey's sample: PSUs by PPS systematic selection, households systematically.

The design is the two-stage stratified cluster design of docs/methods.md §5.3 step 7:

1. Within each stratum (街道/镇 or 城/乡), ``n_h`` PSUs (居委会/村委会) are selected with probability
   proportional to size (PPS) by systematic sampling on the frame in its given order, so that the
   frame order acts as implicit stratification (Kish 1965, ch. 7; Cochran 1977, ch. 9A).
2. Within each selected PSU, a fixed number of households is taken from the household list by
   systematic sampling with a random start and a fractional interval.

Each household's inclusion probability is ``pi_psu * pi_hh`` and its base weight the inverse
(docs/methods.md §6.1). With a fixed take per PSU the design is approximately self-weighting;
certainty PSUs (taken with probability 1) are the exception.

Randomness comes from :func:`numpy.random.default_rng`, seeded with the plan's seed and the
stratum's or PSU's own identifier, so the same seed and frame always give the same sample, and
adding a stratum to the frame does not change the draw in the others.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from injury_survey.issues import SOURCE_FILE, SOURCE_ROW

SAMPLE_COLUMNS = [
    "hh_id",
    "stratum_id",
    "psu_id",
    "pi_psu",
    "pi_hh",
    "hh_seq",
    "listing_position",
]

# Tags that keep the PSU-stage and household-stage random streams apart.
_PSU_STAGE = 0
_HOUSEHOLD_STAGE = 1


def _stream(seed: int, stage: int, identifier: str) -> np.random.Generator:
    """A random generator for one stratum or PSU, reproducible from the seed and its id."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.default_rng([int(seed), stage, *str(identifier).encode("utf-8")])


def _where(frame: pd.DataFrame, index, psu_id) -> str:
    """How a user finds a frame row: file and spreadsheet row when known, else the PSU id."""
    if SOURCE_ROW in frame.columns:
        source = frame.at[index, SOURCE_FILE] if SOURCE_FILE in frame.columns else "frame"
        return f"{source}, row {frame.at[index, SOURCE_ROW]} (psu_id '{psu_id}')"
    return f"PSU '{psu_id}'"


def validate_frame(frame: pd.DataFrame, size_col: str = "households") -> None:
    """Check that a sampling frame can be sampled from, or raise one ValueError listing every problem.

    Required: columns ``stratum_id``, ``psu_id`` and ``size_col``; unique ``psu_id``; a positive
    whole-number measure of size in every row (docs/input-tables.md, ``frame/psus.csv``).
    """
    missing = [c for c in ("stratum_id", "psu_id", size_col) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"The sampling frame lacks required column(s) {missing}; it has {list(frame.columns)}. "
            "Add them to frame/psus.csv (see the data contract)."
        )
    psu_id = frame["psu_id"]
    stratum = frame["stratum_id"]
    size = pd.to_numeric(frame[size_col], errors="coerce")
    empty_psu = psu_id.isna() | (psu_id.astype(str).str.strip() == "")
    repeated = ~empty_psu & psu_id.duplicated(keep=False)
    empty_stratum = stratum.isna() | (stratum.astype(str).str.strip() == "")
    bad_size = ~(size > 0) | (size != np.floor(size))
    problems: list[str] = []
    for index in frame.index[empty_psu | repeated | empty_stratum | bad_size]:
        where = _where(frame, index, psu_id.at[index])
        if empty_psu.at[index]:
            problems.append(f"{where}: psu_id is empty; give every PSU an id.")
        if repeated.at[index]:
            problems.append(
                f"{where}: psu_id '{psu_id.at[index]}' appears more than once; "
                "each PSU must be listed once."
            )
        if empty_stratum.at[index]:
            problems.append(f"{where}: stratum_id is empty; give every PSU its stratum.")
        if bad_size.at[index]:
            problems.append(
                f"{where}: column '{size_col}' value '{frame.at[index, size_col]}' is not a "
                "positive whole number; give the count of households listed in this PSU."
            )
    if problems:
        raise ValueError("The sampling frame cannot be used:\n  " + "\n  ".join(problems))


def _counts_by_stratum(
    frame: pd.DataFrame, n_by_stratum: Mapping[str, int] | pd.Series
) -> dict[str, int]:
    """PSUs to select per stratum, checked against the frame's strata and their PSU counts."""
    wanted = {str(k): v for k, v in dict(n_by_stratum).items()}
    psus_in = frame.groupby(frame["stratum_id"].astype(str), sort=False).size()
    problems: list[str] = []
    for stratum in wanted:
        if stratum not in psus_in.index:
            problems.append(f"stratum {stratum!r} has a PSU count but no PSU in the frame.")
    counts: dict[str, int] = {}
    for stratum, available in psus_in.items():
        if stratum not in wanted:
            problems.append(
                f"stratum {stratum!r} is in the frame but has no PSU count; "
                "give it one (0 leaves it out deliberately)."
            )
            continue
        n = wanted[stratum]
        if isinstance(n, bool) or not float(n).is_integer() or n < 0:
            problems.append(f"stratum {stratum!r}: PSU count {n!r} is not a whole number >= 0.")
        elif n > available:
            problems.append(
                f"stratum {stratum!r}: {int(n)} PSUs asked for but the frame lists only "
                f"{available}; lower the count or merge strata."
            )
        else:
            counts[stratum] = int(n)
    if problems:
        raise ValueError("PSU counts per stratum do not fit the frame:\n  " + "\n  ".join(problems))
    return counts


def _pps_probabilities(size: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """First-stage pi and certainty flags for one stratum's sizes when ``n`` units are taken."""
    pi = np.zeros(len(size))
    certain = np.zeros(len(size), dtype=bool)
    # Certainty units: a unit at least as large as the interval would be hit every time (or
    # twice); take it with pi = 1, remove it and recompute the interval for the rest.
    while n > 0:
        rest = ~certain
        interval = size[rest].sum() / n
        new = rest & (size >= interval)
        if not new.any():
            break
        certain |= new
        n -= int(new.sum())
    pi[certain] = 1.0
    if n > 0:
        rest = ~certain
        pi[rest] = n * size[rest] / size[rest].sum()
    return pi, certain


def _pps_systematic_one_stratum(
    size: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Selected positions, their pi and certainty flags for one stratum's sizes (frame order)."""
    pi, certain = _pps_probabilities(size, n)
    selected = certain.copy()
    n_rest = n - int(certain.sum())
    if n_rest > 0:
        rest = np.flatnonzero(~certain)
        cumulative = np.cumsum(size[rest])
        interval = cumulative[-1] / n_rest
        points = rng.uniform(0.0, interval) + interval * np.arange(n_rest)
        # A point x selects the unit whose cumulative range (C_{i-1}, C_i] contains it; the
        # minimum only guards the last point against rounding past the total.
        hit = np.minimum(np.searchsorted(cumulative, points, side="left"), len(rest) - 1)
        selected[rest[hit]] = True
    return np.flatnonzero(selected), pi, certain


def pps_inclusion_probabilities(
    frame: pd.DataFrame,
    n_by_stratum: Mapping[str, int] | pd.Series,
    size_col: str = "households",
) -> pd.DataFrame:
    """First-stage inclusion probability of every PSU of the frame under PPS systematic selection.

    ``pi_i = n_h · x_i / X_h`` within stratum h, after certainty units (``x_i ≥ X_h / n_h``) have
    been given ``pi = 1`` and removed from ``n_h`` and ``X_h``, repeatedly (Kish 1965, ch. 7). The
    probabilities of a stratum sum to ``n_h``. These are the ``pi_psu`` that
    :func:`select_psus_pps_systematic` attaches to the selected PSUs.

    Returns
    -------
    pandas.DataFrame
        One row per frame row, in frame order: ``stratum_id``, ``psu_id``, ``size_col``,
        ``pi_psu``, ``certainty``.
    """
    validate_frame(frame, size_col)
    counts = _counts_by_stratum(frame, n_by_stratum)
    strata = frame["stratum_id"].astype(str)
    size = pd.to_numeric(frame[size_col]).to_numpy(dtype=float)
    pi = np.zeros(len(frame))
    certain = np.zeros(len(frame), dtype=bool)
    for stratum, positions in strata.groupby(strata, sort=False).indices.items():
        pi[positions], certain[positions] = _pps_probabilities(size[positions], counts[stratum])
    return pd.DataFrame(
        {
            "stratum_id": strata.to_numpy(),
            "psu_id": frame["psu_id"].astype(str).to_numpy(),
            size_col: size.astype("int64"),
            "pi_psu": pi,
            "certainty": certain,
        }
    )


def select_psus_pps_systematic(
    frame: pd.DataFrame,
    n_by_stratum: Mapping[str, int] | pd.Series,
    size_col: str = "households",
    *,
    seed: int,
) -> pd.DataFrame:
    """Select PSUs with probability proportional to size, systematically within each stratum.

    For a stratum with ``n_h`` PSUs to take and total size ``X_h``, the interval is
    ``I = X_h / n_h``; a random start ``r ~ U[0, I)`` gives the points ``r, r + I, …`` on the
    cumulated sizes of the frame in its given order, and the unit whose range contains a point is
    selected. Its inclusion probability is ``pi_i = n_h * x_i / X_h`` (Cochran 1977, ch. 9A).
    A unit with ``x_i >= I`` is a certainty unit: taken with ``pi = 1``, removed, and the interval
    recomputed for the remaining units and PSUs, until none is left (Kish 1965, ch. 7).

    Parameters
    ----------
    frame
        One row per PSU: ``stratum_id``, ``psu_id``, ``size_col`` (and optionally ``source_file``
        and ``source_row``, used in error messages). Row order is the systematic order.
    n_by_stratum
        PSUs to select per stratum (e.g. from :func:`injury_survey.sample_size.allocate_psus`).
        Every stratum of the frame needs a count; 0 leaves a stratum out.
    size_col
        Measure of size (households listed in the frame).
    seed
        Non-negative integer; each stratum draws from its own stream derived from the seed and its
        ``stratum_id``.

    Returns
    -------
    pandas.DataFrame
        The selected PSUs in frame order: ``stratum_id``, ``psu_id``, ``size_col``, ``pi_psu``,
        ``certainty``.
    """
    validate_frame(frame, size_col)
    counts = _counts_by_stratum(frame, n_by_stratum)
    strata = frame["stratum_id"].astype(str)
    parts = []
    for stratum, rows in frame.groupby(strata, sort=False).groups.items():
        n = counts[stratum]
        if n == 0:
            continue
        block = frame.loc[rows]
        size = pd.to_numeric(block[size_col]).to_numpy(dtype=float)
        chosen, pi, certain = _pps_systematic_one_stratum(
            size, n, _stream(seed, _PSU_STAGE, stratum)
        )
        parts.append(
            pd.DataFrame(
                {
                    "stratum_id": stratum,
                    "psu_id": block["psu_id"].astype(str).to_numpy()[chosen],
                    size_col: size[chosen].astype("int64"),
                    "pi_psu": pi[chosen],
                    "certainty": certain[chosen],
                }
            )
        )
    columns = ["stratum_id", "psu_id", size_col, "pi_psu", "certainty"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def select_households_systematic(
    n_listed: int, n_take: int, rng: np.random.Generator
) -> np.ndarray:
    """Listing positions (1-based) of ``n_take`` households drawn systematically from ``n_listed``.

    Systematic sampling with a fractional interval ``k = n_listed / n_take`` and random start
    ``r ~ U[0, k)``: position ``floor(r + j*k) + 1`` for ``j = 0 … n_take-1``. Every position has
    inclusion probability exactly ``n_take / n_listed`` (Kish 1965, ch. 4). When ``n_take`` is at
    least ``n_listed`` every household is taken.
    """
    if int(n_listed) != n_listed or n_listed < 1:
        raise ValueError(f"n_listed must be a whole number >= 1, got {n_listed!r}")
    if int(n_take) != n_take or n_take < 1:
        raise ValueError(f"n_take must be a whole number >= 1, got {n_take!r}")
    n_listed, n_take = int(n_listed), int(n_take)
    if n_take >= n_listed:
        return np.arange(1, n_listed + 1)
    interval = n_listed / n_take
    points = rng.uniform(0.0, interval) + interval * np.arange(n_take)
    # Guard the top end against floating point: the largest point is below n_listed in exact maths.
    return np.minimum(np.floor(points).astype(np.int64) + 1, n_listed)


def draw_sample(
    frame: pd.DataFrame,
    n_by_stratum: Mapping[str, int] | pd.Series,
    households_per_psu: int,
    seed: int,
    wave: str = "baseline",
    size_col: str = "households",
) -> pd.DataFrame:
    """Draw the two-stage sample and return the fieldwork list in the ``sample.csv`` format.

    Stage 1 is :func:`select_psus_pps_systematic` with ``size_col`` as the measure of size; stage 2
    takes ``households_per_psu`` households from each selected PSU's list by
    :func:`select_households_systematic`, with the frame's ``households`` count as the list length
    (when the field listing finds a different count, redraw stage 2 from it). All households of a
    PSU with fewer are taken. ``pi_hh = taken / listed`` is conditional on the PSU (docs/input-tables.md).
    The take is the same in every PSU, certainty PSUs included, so those PSUs' households carry
    smaller weights than the rest (the design is self-weighting only among non-certainty PSUs).

    Returns
    -------
    pandas.DataFrame
        ``hh_id`` (``"{wave}-{psu_id}-{listing_position:04d}"``), ``stratum_id``, ``psu_id``,
        ``pi_psu``, ``pi_hh``, ``hh_seq`` (1 … taken) and ``listing_position``, sorted by
        stratum, PSU and ``hh_seq``.
    """
    if int(households_per_psu) != households_per_psu or households_per_psu < 1:
        raise ValueError(
            f"households_per_psu must be a whole number >= 1, got {households_per_psu!r}"
        )
    if "households" not in frame.columns:
        raise ValueError(
            "The sampling frame lacks the 'households' column: the household list length of each "
            "PSU is needed for the second stage (data contract, frame/psus.csv)."
        )
    validate_frame(frame, "households")
    psus = select_psus_pps_systematic(frame, n_by_stratum, size_col=size_col, seed=seed)
    listed = pd.Series(
        pd.to_numeric(frame["households"]).to_numpy(), index=frame["psu_id"].astype(str)
    )
    parts = []
    for psu in psus.itertuples(index=False):
        n_listed = int(listed[psu.psu_id])
        positions = select_households_systematic(
            n_listed, int(households_per_psu), _stream(seed, _HOUSEHOLD_STAGE, psu.psu_id)
        )
        parts.append(
            pd.DataFrame(
                {
                    "hh_id": [f"{wave}-{psu.psu_id}-{p:04d}" for p in positions],
                    "stratum_id": psu.stratum_id,
                    "psu_id": psu.psu_id,
                    "pi_psu": psu.pi_psu,
                    "pi_hh": len(positions) / n_listed,
                    "hh_seq": np.arange(1, len(positions) + 1),
                    "listing_position": positions,
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SAMPLE_COLUMNS})
    sample = pd.concat(parts, ignore_index=True)
    for column in ("hh_id", "stratum_id", "psu_id"):
        sample[column] = sample[column].astype(str)
    return sample.sort_values(["stratum_id", "psu_id", "hh_seq"], ignore_index=True)[SAMPLE_COLUMNS]


def compare_samples(frozen: pd.DataFrame, redrawn: pd.DataFrame) -> pd.DataFrame:
    """PSUs where a redrawn sample differs from the frozen one (empty when they agree).

    Once fieldwork has started the frozen ``sample.csv`` is the design: a changed plan must not
    change the inclusion probabilities of households already interviewed (docs/input-tables.md). The plan
    notebook redraws the sample from the current settings and lists here, per PSU, whether it is in
    the frozen sample only, the redrawn one only, or both with different ``pi_psu``, ``pi_hh`` or
    household lists.

    Returns
    -------
    pandas.DataFrame
        ``stratum_id``, ``psu_id``, ``status`` (``frozen_only``, ``redrawn_only``, ``both``),
        ``pi_psu_frozen``, ``pi_psu_redrawn``, ``pi_hh_frozen``, ``pi_hh_redrawn``,
        ``n_hh_frozen``, ``n_hh_redrawn``, ``n_hh_not_shared`` (households in one list only).
    """
    columns = [
        "stratum_id",
        "psu_id",
        "status",
        "pi_psu_frozen",
        "pi_psu_redrawn",
        "pi_hh_frozen",
        "pi_hh_redrawn",
        "n_hh_frozen",
        "n_hh_redrawn",
        "n_hh_not_shared",
    ]

    def per_psu(sample: pd.DataFrame) -> pd.DataFrame:
        keyed = sample.assign(
            psu_id=sample["psu_id"].astype(str),
            stratum_id=sample["stratum_id"].astype(str),
            hh_id=sample["hh_id"].astype(str),
        )
        return keyed.groupby("psu_id").agg(
            stratum_id=("stratum_id", "first"),
            pi_psu=("pi_psu", "first"),
            pi_hh=("pi_hh", "first"),
            n_hh=("hh_id", "size"),
            households=("hh_id", frozenset),
        )

    old, new = per_psu(frozen), per_psu(redrawn)
    both = old.merge(
        new, how="outer", left_index=True, right_index=True, suffixes=("_frozen", "_redrawn")
    )
    in_old = both["n_hh_frozen"].notna()
    in_new = both["n_hh_redrawn"].notna()
    rows = []
    for psu_id, row in both.iterrows():
        if in_old[psu_id] and in_new[psu_id]:
            status = "both"
            not_shared = len(row["households_frozen"] ^ row["households_redrawn"])
            same = (
                np.isclose(row["pi_psu_frozen"], row["pi_psu_redrawn"], rtol=1e-9, atol=0)
                and np.isclose(row["pi_hh_frozen"], row["pi_hh_redrawn"], rtol=1e-9, atol=0)
                and not_shared == 0
            )
            if same:
                continue
        elif in_old[psu_id]:
            status = "frozen_only"
            not_shared = int(row["n_hh_frozen"])
        else:
            status = "redrawn_only"
            not_shared = int(row["n_hh_redrawn"])
        stratum = row["stratum_id_frozen"] if in_old[psu_id] else row["stratum_id_redrawn"]
        rows.append(
            {
                "stratum_id": stratum,
                "psu_id": psu_id,
                "status": status,
                "pi_psu_frozen": row["pi_psu_frozen"],
                "pi_psu_redrawn": row["pi_psu_redrawn"],
                "pi_hh_frozen": row["pi_hh_frozen"],
                "pi_hh_redrawn": row["pi_hh_redrawn"],
                "n_hh_frozen": row["n_hh_frozen"],
                "n_hh_redrawn": row["n_hh_redrawn"],
                "n_hh_not_shared": not_shared,
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    for column in ("n_hh_frozen", "n_hh_redrawn", "n_hh_not_shared"):
        out[column] = out[column].astype("Int64")
    return out.sort_values(["stratum_id", "psu_id"], ignore_index=True)
