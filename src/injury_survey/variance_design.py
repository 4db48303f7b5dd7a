"""Which units the variance treats as drawn, and out of how many (docs/methods.md, "Variance
estimation").

The sample is drawn in two stages: PSUs (居委会) by PPS within strata, some of them with certainty
(π_psu = 1, too large for the sampling interval), then households by equal probability within
each PSU, all members interviewed. The variance is Taylor linearisation over the units the
declaration names:

- ``certainty_psus``: ``"own_strata"`` makes each certainty PSU a variance stratum of its own whose
  sampling units are its households (it was not drawn, so it adds no between-PSU variance; its
  households were); ``"as_sampled"`` leaves it in its stratum as if drawn like the others (the
  with-replacement ultimate-cluster approximation, which overstates the variance).
- ``fpc``: ``"none"`` treats the first-stage units as drawn with replacement; ``"first_stage"``
  multiplies each stratum's between-unit variance by ``1 − n_h/N_h``; ``"two_stage"`` does that
  and adds the within-PSU variance of the households, ``f_h · Σ_i (1 − m_i/M_i) · s²_i``, as R's
  ``svydesign(ids = ~psu + hh, fpc = ~N_h + M_i)`` does (Lumley's ``svyrecvar``).

``N_h`` of a stratum is its number of frame PSUs less its certainty PSUs (all of which are in the
sample); for a certainty stratum the units are households and ``N`` is ``M_i``, the households
listed in the PSU. With PPS the first-stage ``1 − n_h/N_h`` is the usual approximation to the
without-replacement variance (Särndal, Swensson & Wretman 1992, section 3.6).

:func:`variance_columns` writes the declaration into five columns that
:class:`injury_survey.survey_design.SurveyDesign` hands to svy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CERTAINTY_CHOICES = ("own_strata", "as_sampled")
FPC_CHOICES = ("none", "first_stage", "two_stage")

VARIANCE_STRATUM = "_variance_stratum"
VARIANCE_PSU = "_variance_psu"
VARIANCE_SSU = "_variance_ssu"
STAGE1_SIZE = "_stage1_population"
STAGE2_SIZE = "_stage2_population"


class VarianceDeclarationError(ValueError):
    """The design columns cannot support the declared variance; the message says what to do."""


@dataclass(frozen=True)
class VarianceDeclaration:
    """How the variance treats certainty PSUs and finite populations.

    ``certainty_psus`` and ``fpc`` are the settings ``estimation.certainty_psus`` and
    ``estimation.fpc``; the other fields name the person-level columns that carry the household,
    the certainty flag (0/1), ``N_h`` (all frame PSUs of the stratum) and ``M_i`` (households
    listed in the PSU). Only the columns a declaration needs must exist.
    """

    certainty_psus: str = "own_strata"
    fpc: str = "none"
    household: str = "hh_id"
    certainty: str = "certainty"
    psus_in_frame: str = "psus_in_frame"
    households_listed: str = "households_listed"

    def __post_init__(self) -> None:
        if self.certainty_psus not in CERTAINTY_CHOICES:
            raise VarianceDeclarationError(
                f"estimation.certainty_psus must be one of {list(CERTAINTY_CHOICES)}, got "
                f"{self.certainty_psus!r}."
            )
        if self.fpc not in FPC_CHOICES:
            raise VarianceDeclarationError(
                f"estimation.fpc must be one of {list(FPC_CHOICES)}, got {self.fpc!r}."
            )

    def describe(self) -> str:
        """The declaration in the words printed beside the estimates."""
        certainty = (
            "certainty PSUs as own strata (households as units)"
            if self.certainty_psus == "own_strata"
            else "certainty PSUs as sampled"
        )
        fpc = {
            "none": "PSUs with replacement (no fpc)",
            "first_stage": "first-stage fpc (N_h)",
            "two_stage": "two-stage fpc (N_h, M_i)",
        }[self.fpc]
        return f"{certainty}; {fpc}"


def variance_columns(
    data: pd.DataFrame, *, strata: str, psu: str, declaration: VarianceDeclaration
) -> pd.DataFrame:
    """``data`` with the variance stratum, PSU, second-stage unit and the population sizes of
    both stages (NaN where the declaration has no fpc) as declared."""
    out = data.copy(deep=False)  # copy on write: the caller's frame keeps its columns
    stratum = out[strata].astype(str)
    psu_code = out[psu].astype(str)
    needs_certainty = declaration.certainty_psus == "own_strata" or declaration.fpc != "none"
    certain = (
        _certainty_flags(out, declaration, stratum, psu_code)
        if needs_certainty
        else pd.Series(False, index=out.index)
    )
    own = certain & (declaration.certainty_psus == "own_strata")
    household = (
        out[declaration.household].astype(str) if declaration.household in out.columns else psu_code
    )
    if own.any() or declaration.fpc == "two_stage":
        _require(out, [declaration.household], declaration)
    if own.any():
        out[VARIANCE_STRATUM] = np.where(own, stratum + "/" + psu_code + " (certainty)", stratum)
        out[VARIANCE_PSU] = np.where(own, household, psu_code)
    else:  # the common case, without building a label per row
        out[VARIANCE_STRATUM] = stratum
        out[VARIANCE_PSU] = psu_code
    out[VARIANCE_SSU] = household
    out[STAGE1_SIZE] = np.nan
    out[STAGE2_SIZE] = np.nan
    if declaration.fpc == "none":
        return out
    frame_psus = _constant_within(out, declaration.psus_in_frame, [stratum], "stratum")
    listed = _constant_within(out, declaration.households_listed, [stratum, psu_code], "PSU")
    if declaration.certainty_psus == "own_strata":
        certain_psus = psu_code.where(certain).groupby(stratum).transform("nunique")
        others = frame_psus - certain_psus
        out[STAGE1_SIZE] = np.where(own, listed, others)
        # a certainty stratum's units are households, fully interviewed: no second stage
        out[STAGE2_SIZE] = np.where(own, 1.0, listed)
    else:
        out[STAGE1_SIZE] = frame_psus
        out[STAGE2_SIZE] = listed
    _check_sizes(out, STAGE1_SIZE, [VARIANCE_STRATUM], VARIANCE_PSU, declaration)
    if declaration.fpc == "two_stage":
        _check_sizes(out, STAGE2_SIZE, [VARIANCE_STRATUM, VARIANCE_PSU], VARIANCE_SSU, declaration)
    return out


def certainty_from_probabilities(pi_psu: pd.Series) -> pd.Series:
    """Certainty PSUs of a sample list without a ``certainty`` column: ``π_psu = 1``."""
    return (pd.to_numeric(pi_psu, errors="coerce") >= 1 - 1e-12).astype("int64")


def _certainty_flags(
    data: pd.DataFrame, declaration: VarianceDeclaration, stratum: pd.Series, psu: pd.Series
) -> pd.Series:
    _require(data, [declaration.certainty], declaration)
    flags = pd.to_numeric(data[declaration.certainty], errors="coerce")
    bad = ~flags.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise VarianceDeclarationError(
            f"Column '{declaration.certainty}' must be 0 or 1 (1 = PSU taken with certainty); "
            f"data row {row + 1} has {data[declaration.certainty].iloc[row]!r}. Fix the sample "
            "list's certainty column, or delete it so that certainty is read from pi_psu = 1."
        )
    mixed = flags.groupby([stratum, psu]).nunique()
    if (mixed > 1).any():
        where = mixed[mixed > 1].index[0]
        raise VarianceDeclarationError(
            f"PSU {where[1]} of stratum {where[0]} is marked certain for some households and not "
            f"for others in '{declaration.certainty}'; a PSU is either a certainty PSU or not."
        )
    return flags.astype(bool)


def _constant_within(
    data: pd.DataFrame, column: str, keys: list[pd.Series], unit: str
) -> pd.Series:
    values = pd.to_numeric(data[column], errors="coerce") if column in data.columns else None
    if values is None or values.isna().any():
        raise VarianceDeclarationError(
            f"estimation.fpc needs '{column}' for every person (the number of "
            f"{'PSUs in the frame of the stratum' if unit == 'stratum' else 'households listed in the PSU'}); "
            f"it is {'absent' if values is None else 'missing for ' + str(int(values.isna().sum())) + ' row(s)'}. "
            "Give the weighting step the sampling frame (frame/psus.csv), or set estimation.fpc: none."
        )
    spread = values.groupby(keys).nunique()
    if (spread > 1).any():
        where = spread[spread > 1].index[0]
        raise VarianceDeclarationError(
            f"'{column}' differs within {unit} {where}; it must be one number per {unit}."
        )
    return values


def _check_sizes(
    data: pd.DataFrame,
    size: str,
    keys: list[str],
    unit: str,
    declaration: VarianceDeclaration,
) -> None:
    """A population must be at least the units sampled from it (R stops on the same)."""
    table = data.groupby(keys).agg(population=(size, "first"), sampled=(unit, "nunique"))
    short = table[table["population"] < table["sampled"]]
    if not short.empty:
        where = short.index[0]
        row = short.iloc[0]
        column = (
            declaration.households_listed if unit == VARIANCE_SSU else declaration.psus_in_frame
        )
        raise VarianceDeclarationError(
            f"{where}: {int(row['sampled'])} unit(s) sampled but the population given is "
            f"{row['population']:g} (from '{column}'). The frame or listing count is too small: "
            "fix frame/psus.csv (households, one row per PSU) or the sample list."
        )


def _require(data: pd.DataFrame, columns: list[str], declaration: VarianceDeclaration) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise VarianceDeclarationError(
            f"The variance declaration ({declaration.describe()}) needs the column(s) {missing}, "
            f"which the survey data lack; present: {list(data.columns)}. weights.parquet carries "
            "them when the sample list and frame are given to the weighting step."
        )
