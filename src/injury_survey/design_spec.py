"""What a survey design declares, and the checks its columns must pass before svy sees them.

The errors, the calibration record and the column checks of
:class:`~injury_survey.survey_design.SurveyDesign`, kept apart from the adapter so that the one
module importing svy holds only what talks to svy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

LonelyPsu = Literal["fail", "center", "scale", "collapse", "skip"]
LONELY_PSU_RULES = ("fail", "center", "scale", "collapse", "skip")
CalibrationMethod = Literal["poststratify", "rake"]


class SurveyDesignError(ValueError):
    """The design or the analysis columns cannot be used; the message says what to do."""


class LonelyPsuError(SurveyDesignError):
    """A stratum has a single PSU and ``lonely_psu`` is ``"fail"``."""


@dataclass(frozen=True)
class CalibrationSpec:
    """How the analysis weight was calibrated, so that variances account for it.

    Parameters
    ----------
    method
        ``"poststratify"`` (R ``postStratify``): one factor per calibration cell; or ``"rake"``
        (R ``rake``): iterative proportional fitting to several margins.
    weight_before
        Column holding the weight before calibration (after non-response adjustment).
    cells
        For ``"poststratify"`` the column(s) whose combination is the post-stratum (after any
        collapsing of sparse cells); for ``"rake"`` one column per margin.
    """

    method: CalibrationMethod
    weight_before: str
    cells: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.method not in ("poststratify", "rake"):
            raise SurveyDesignError(
                f"CalibrationSpec.method must be 'poststratify' or 'rake', got {self.method!r}."
            )
        if not self.cells:
            raise SurveyDesignError("CalibrationSpec.cells must name at least one column.")


def joined_label(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Each row's values of ``columns`` as text joined by "|" (one calibration cell label),
    built a column at a time: joining row by row takes ~30 s per million rows."""
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            raise SurveyDesignError(
                f"Calibration cell column '{column}' is missing for {int(missing.sum())} row(s) "
                f"(first at data row {int(np.flatnonzero(missing.to_numpy())[0]) + 1}); every "
                "weighted person needs a calibration cell: rerun the weighting step."
            )
    label = frame[columns[0]].astype(str)
    for column in columns[1:]:
        label = label + "|" + frame[column].astype(str)
    return label


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if missing:
        raise SurveyDesignError(
            f"{what} lacks the column(s) {missing}; present: {list(frame.columns)}."
        )


def check_design_columns(data: pd.DataFrame, strata: str, psu: str, weight: str) -> None:
    for column in (strata, psu, weight):
        if data[column].isna().any():
            row = int(np.flatnonzero(data[column].isna().to_numpy())[0]) + 1
            raise SurveyDesignError(
                f"Design column '{column}' is missing for {int(data[column].isna().sum())} "
                f"row(s) (first at data row {row}); every person needs a stratum, PSU and weight."
            )
    weights = pd.to_numeric(data[weight], errors="coerce")
    if (weights <= 0).any() or weights.isna().any():
        raise SurveyDesignError(
            f"Weights in '{weight}' must be positive numbers; {int((~(weights > 0)).sum())} are "
            "not. Persons of non-responding or ineligible households carry no weight: leave them "
            "out of the analysis frame."
        )


def fail_on_lonely_psus(lonely: list[str]) -> None:
    if lonely:
        raise LonelyPsuError(
            f"Stratum(s) {lonely} have a single PSU, so their variance cannot be estimated "
            "(estimation.lonely_psu is 'fail'). Set estimation.lonely_psu in config.yaml to "
            "center (R 'adjust'), scale (R 'average'), collapse (merge with another stratum) or "
            "skip (R 'remove'), and say which in the report."
        )
