"""svy's sample of a declared design: the analysis frame in polars, the design as svy's codes.

:class:`DesignSample` adds to :class:`~injury_survey.design_frame.DesignFrame` (the design's
columns and checks) the svy sample the estimators of
:class:`~injury_survey.survey_design.SurveyDesign` run on, and the conversions between pandas and
what svy takes and returns.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import pandas as pd
import polars as pl
import svy

from injury_survey.confidence_intervals import wald_ci
from injury_survey.design_frame import DesignFrame
from injury_survey.design_spec import (
    CalibrationSpec,
    LonelyPsu,
    SurveyDesignError,
    joined_label,
    require_columns,
)
from injury_survey.variance_design import (
    STAGE1_SIZE,
    STAGE2_SIZE,
    VARIANCE_SSU,
    VarianceDeclaration,
)

RESULT_COLUMNS = ["estimate", "se", "ci_lower", "ci_upper", "deff", "df", "n"]

# The columns of svy's frame that carry the design as integer codes (DesignSample._design_codes).
_DESIGN_CODES = {"stratum": "_svy_stratum_code", "psu": "_svy_psu_code", "ssu": "_svy_ssu_code"}
_CODE_OFFSET = 10**9

# Our setting -> svy's singleton rule. The R equivalent is options(survey.lonely.psu = ...).
_SINGLETON_RULES: dict[str, object] = {
    "fail": None,  # R "fail" (R's default): svy raises on a singleton stratum
    "center": "center",  # R "adjust": the lonely PSU's deviation is taken from the grand mean
    "scale": "scale",  # R "average": lonely strata add nothing; variance scaled up to compensate
    "skip": "skip",  # R "remove" (and "certainty"): lonely strata add nothing
    "collapse": "collapse",  # no R option: R users merge the stratum by hand before svydesign
}


class DesignSample(DesignFrame):
    """A design over a pandas frame and svy's sample of it (parameters: those of
    :class:`~injury_survey.survey_design.SurveyDesign`)."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        strata: str | None = "stratum_id",
        psu: str | None = "psu_id",
        weight: str = "weight",
        fpc: str | None = None,
        lonely_psu: LonelyPsu = "fail",
        calibration: CalibrationSpec | None = None,
        variance: VarianceDeclaration | None = None,
    ) -> None:
        super().__init__(
            data,
            strata=strata,
            psu=psu,
            weight=weight,
            fpc=fpc,
            lonely_psu=lonely_psu,
            calibration=calibration,
            variance=variance,
        )
        self._sample = self._build_sample()
        self._counts_cache: dict = {}
        # deff against SRS without replacement needs the estimated population (Σw) to exceed the
        # sample; weights that do not (e.g. all 1) get no deff rather than an error.
        self._deff = "wor" if float(self._data[weight].sum()) > len(self._data) else None

    # ------------------------------------------------------------------ construction

    def _build_sample(self, frame: pl.DataFrame | None = None) -> svy.Sample:
        """svy's sample of this design over ``frame``: by default the analysis frame converted
        to polars (kept as ``_polars``, which designs derived by :meth:`with_columns` extend)."""
        if frame is None:
            frame = self._svy_frame()
        self._polars = frame
        return svy.Sample(frame, self._svy_design())

    def _calibration_groups(self) -> list[list[str]]:
        """The cell columns of each of svy's post-stratifications (one for poststratify, one
        per margin for raking)."""
        spec = self.calibration
        return [list(spec.cells)] if spec.method == "poststratify" else [[c] for c in spec.cells]

    def _svy_frame(self) -> pl.DataFrame:
        frame = self._data.assign(
            **{
                column: self._data[column].astype(str)
                for column in (self._variance_strata, self._variance_psu)
            }
        )
        if self.calibration is not None:
            # Integer codes, not labels: svy 0.35 silently stops crediting the calibration when
            # the cell column holds strings (measured: the SE of a post-stratified mean then
            # differs from R's by 6 %).
            for index, columns in enumerate(self._calibration_groups()):
                frame[f"_calibration_cell_{index}"] = pd.factorize(joined_label(frame, columns))[
                    0
                ].astype("int64")
        polars_frame = _to_polars(frame)
        return polars_frame.with_columns(self._design_codes(polars_frame))

    def _design_codes(self, frame: pl.DataFrame) -> list[pl.Expr]:
        """The variance strata, first-stage units (within strata) and second-stage units as the
        integer codes svy makes of them (dense ranks, as ``svy.core.data_prep``), plus an offset
        that gives every code as many digits, so codes sort alike as numbers and as text.

        svy ranks the design columns again for every sample it builds; ranking text at a million
        rows cost ~0.3 s a sample, and every table's design is a sample. Given the codes, it
        finds the same ranks at once, so its kernels see the same units in the same order."""
        rank = {
            _DESIGN_CODES["stratum"]: pl.col(self._variance_strata).rank("dense"),
            _DESIGN_CODES["psu"]: pl.struct(
                list(dict.fromkeys([self._variance_strata, self._variance_psu]))
            ).rank("dense"),
        }
        if "ssu" in self._population_sizes():
            rank[_DESIGN_CODES["ssu"]] = pl.col(VARIANCE_SSU).rank("dense")
        return [
            (expression.cast(pl.Int64) + _CODE_OFFSET).alias(name)
            for name, expression in rank.items()
        ]

    def _svy_design(self) -> svy.Design:
        adjustment = None
        if self.calibration is not None:
            adjustment = svy.WgtAdjustment(
                kind=(
                    "poststratification" if self.calibration.method == "poststratify" else "raking"
                ),
                prev_wgt=self.calibration.weight_before,
                new_wgt=self.weight,
                cells=tuple(
                    f"_calibration_cell_{index}" for index in range(len(self._calibration_groups()))
                ),
            )
        return svy.Design(
            stratum=_DESIGN_CODES["stratum"],
            psu=_DESIGN_CODES["psu"],
            wgt=self.weight,
            wgt_adjustment=adjustment,
            singleton=_SINGLETON_RULES[self.lonely_psu],
            **self._population_sizes(),
        )

    def _population_sizes(self) -> dict:
        """svy's fpc: one stage (``pop_size`` = N of the first-stage units) or two
        (``PopSize(psu=N, ssu=M)`` over the households, R's ``fpc = ~N_h + M_i``)."""
        if self.variance is None:
            return {"pop_size": self.fpc}
        if self.variance.fpc == "first_stage":
            return {"pop_size": STAGE1_SIZE}
        if self.variance.fpc == "two_stage":
            return {
                "ssu": _DESIGN_CODES["ssu"],
                "pop_size": svy.PopSize(psu=STAGE1_SIZE, ssu=STAGE2_SIZE),
            }
        return {}

    def with_columns(self, columns: Mapping[str, np.ndarray | pd.Series]) -> Self:
        """The same design (declaration, calibration, lonely-PSU rule) with analysis columns
        added, aligned with :attr:`data` (arrays by position, Series by index).

        The rows and the design columns are those of this design, so its checks, variance
        columns and counts of strata and units hold as they are: only the svy sample is built
        again, over this design's polars frame with the new columns (recomputing the variance
        columns cost ~0.4 s per million rows and design).
        A column that replaces a design column makes a design from scratch instead."""
        if set(columns) & self._design_columns():
            return type(self)(
                self._data.assign(**columns),
                strata=self.strata,
                psu=self.psu,
                weight=self.weight,
                fpc=self.fpc,
                lonely_psu=self.lonely_psu,
                calibration=self.calibration,
                variance=self.variance,
            )
        derived = copy.copy(self)
        derived._data = self._data.assign(**columns)
        derived._counts_cache = {}
        derived._complete = self._complete - set(columns)
        derived._binary = self._binary - set(columns)
        # svy gets this design's polars frame with the new columns beside it: the columns it
        # already has are shared, not converted and copied again (~0.3 GB and ~1 s per million
        # rows and design)
        added = _to_polars(derived._data[list(columns)])
        derived._sample = derived._build_sample(self._polars.with_columns(added.get_columns()))
        return derived

    def _design_columns(self) -> set[str]:
        """The columns the design is declared on (not analysis columns)."""
        columns = {self.strata, self.psu, self.weight, self._variance_strata, self._variance_psu}
        if self.fpc is not None:
            columns.add(self.fpc)
        if self.variance is not None:
            columns |= {VARIANCE_SSU, STAGE1_SIZE, STAGE2_SIZE}
            columns |= {self.variance.household, self.variance.psus_in_frame}
            columns |= {self.variance.households_listed, self.variance.certainty}
        if self.calibration is not None:
            columns |= {self.calibration.weight_before, *self.calibration.cells}
        return columns

    @property
    def variance_strata(self) -> str:
        """The column of the variance strata (certainty PSUs may be strata of their own)."""
        return self._variance_strata

    @property
    def variance_psu(self) -> str:
        """The column of the variance's first-stage units (households in a certainty stratum)."""
        return self._variance_psu

    # ------------------------------------------------------------------ helpers

    def _estimate(self, method: str, *args, **kwargs):
        """Run an svy estimator with deff; where svy cannot form any deff (SRS variance 0, or
        weights summing to no more than the sample), run it again without and report NaN."""
        if not all(isinstance(variable, str) for variable in args):
            # svy 0.35's list form (several variables in one call) leaves the calibration record
            # out of its kernels: a calibrated design's SEs would silently lose the credit.
            raise SurveyDesignError(f"svy is asked for one variable per call, got {args!r}.")
        estimator = getattr(self._sample.estimation, method)
        if self._deff is None:
            return estimator(*args, **kwargs)
        try:
            return estimator(*args, deff=self._deff, **kwargs)
        except svy.MethodError as exc:
            if "Design effect" not in str(exc):
                raise
            return estimator(*args, **kwargs)

    def _where(self, where: tuple[str, object] | None):
        if where is None:
            return None
        column, value = where
        require_columns(self._data, [column], "the survey data")
        return svy.col(column) == value

    def _wald(self, table: pd.DataFrame, confidence: float) -> pd.DataFrame:
        bounds = [wald_ci(e, s, d, confidence) for e, s, d in _psd(table)]
        table["ci_lower"] = [b[0] for b in bounds]
        table["ci_upper"] = [b[1] for b in bounds]
        return table


# ---------------------------------------------------------------------- conversions


def _psd(table: pd.DataFrame):
    return zip(table["estimate"], table["se"], table["df"], strict=True)


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _tidy(result, by_cols: list[str]) -> pd.DataFrame:
    frame = result.to_polars().to_pandas()
    table = frame.rename(columns={"est": "estimate"})
    if "deff" not in table.columns:
        table["deff"] = np.nan
    table["df"] = table["df"].astype(int)
    return table[by_cols + ["estimate", "se", "deff", "df"]].copy()


def _to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    """pandas → polars with pandas' nullable/string dtypes made plain first, a column at a time
    (gathering the columns into one pandas frame first copies them all: ~1.5 s per million rows).

    Arrow-backed text (pandas' default ``str``) goes across as it is, without a detour through
    Python objects; other text and categories become Python strings; nullable integers with
    missing values become floats (NaN, which svy reads as missing), other nullable numbers plain
    numpy arrays."""
    columns = []
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
            plain = values
        elif (
            isinstance(values.dtype, pd.StringDtype | pd.CategoricalDtype) or values.dtype == object
        ):
            plain = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_integer_dtype(values.dtype) and values.isna().any():
            plain = values.astype("float64")
        elif pd.api.types.is_extension_array_dtype(values.dtype):
            plain = pd.Series(
                values.to_numpy(
                    dtype="int64" if pd.api.types.is_integer_dtype(values.dtype) else "float64",
                    na_value=np.nan,
                )
                if not pd.api.types.is_bool_dtype(values.dtype)
                else values.to_numpy(dtype=bool),
                name=column,
            )
        else:
            plain = values
        columns.append(pl.from_pandas(plain.rename(column), include_index=False))
    return pl.DataFrame(columns)


def _plain(value):
    """numpy scalars → Python scalars (svy compares control keys with the data's values)."""
    return value.item() if isinstance(value, np.generic) else value
