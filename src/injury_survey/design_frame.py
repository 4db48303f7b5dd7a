"""The pandas side of a survey design: its columns, checks, variance strata and domain counts.

:class:`~injury_survey.survey_design.SurveyDesign` extends this with the estimators, which go
through svy; everything here reads the analysis frame with pandas only: the columns the design
needs (checked before svy sees them), the strata and first-stage units the variance runs over
once certainty PSUs and finite population corrections are declared
(:mod:`injury_survey.variance_design`), the strata with a single unit, and the unweighted rows
of each domain.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np
import pandas as pd

from injury_survey.design_spec import (
    LONELY_PSU_RULES,
    CalibrationSpec,
    LonelyPsu,
    SurveyDesignError,
    check_design_columns,
    fail_on_lonely_psus,
    require_columns,
)
from injury_survey.variance_design import (
    STAGE1_SIZE,
    VARIANCE_PSU,
    VARIANCE_STRATUM,
    VarianceDeclaration,
    VarianceDeclarationError,
    variance_columns,
)


class DesignFrame:
    """The analysis frame of a design and what can be read from it without estimating.

    The frame does not change once built, so its counts of strata and units are computed once
    (each is a pass over every row).

    Parameters are those of :class:`~injury_survey.survey_design.SurveyDesign`.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        strata: str | None,
        psu: str | None,
        weight: str,
        fpc: str | None,
        lonely_psu: LonelyPsu,
        calibration: CalibrationSpec | None,
        variance: VarianceDeclaration | None,
    ) -> None:
        if lonely_psu not in LONELY_PSU_RULES:
            raise SurveyDesignError(
                f"lonely_psu must be one of {sorted(LONELY_PSU_RULES)}, got {lonely_psu!r}."
            )
        # pandas copies on write: columns added below never reach the caller's frame, and no
        # column is copied until then (a deep copy costs ~0.1 s per million rows and column).
        self._data = data.reset_index(drop=True)
        # No stratum column: one stratum. No PSU column: every row is its own PSU (R ids=~1).
        if strata is None:
            strata = "_stratum"
            self._data[strata] = "all"
        if psu is None:
            psu = "_psu"
            self._data[psu] = np.arange(len(self._data)).astype(str)
        self.strata, self.psu, self.weight, self.fpc = strata, psu, weight, fpc
        self.lonely_psu = lonely_psu
        self.calibration = calibration
        self.variance = variance
        if variance is not None and fpc is not None:
            raise SurveyDesignError("Give the fpc through `variance`, not both.")
        needed = [strata, psu, weight] + ([fpc] if fpc else [])
        if calibration is not None:
            needed += [calibration.weight_before, *calibration.cells]
        require_columns(self._data, needed, "the survey data")
        check_design_columns(self._data, strata, psu, weight)
        # The strata and first-stage units the variance runs over (certainty PSUs may become
        # strata of households), and the fpc columns: see injury_survey.variance_design.
        self._variance_strata, self._variance_psu = strata, psu
        if variance is not None:
            try:
                self._data = variance_columns(
                    self._data, strata=strata, psu=psu, declaration=variance
                )
            except VarianceDeclarationError as exc:
                raise SurveyDesignError(str(exc)) from exc
            self._variance_strata, self._variance_psu = VARIANCE_STRATUM, VARIANCE_PSU
        if lonely_psu == "fail" and self.lonely_strata:
            fail_on_lonely_psus(self.lonely_strata)
        self._counts_cache: dict = {}
        self._complete: set[str] = set()  # analysis columns checked to have no missing value
        self._binary: set[str] = set()  # and those checked to be coded 0/1

    @property
    def data(self) -> pd.DataFrame:
        """The analysis frame as the design sees it (read it, do not modify it)."""
        return self._data

    @cached_property
    def n_strata(self) -> int:
        """Strata of the variance (a certainty PSU made its own stratum counts as one)."""
        return int(self._data[self._variance_strata].nunique())

    @cached_property
    def n_psus(self) -> int:
        """First-stage units of the variance (a certainty stratum's households count)."""
        return int(
            self._data[[self._variance_strata, self._variance_psu]].drop_duplicates().shape[0]
        )

    @property
    def degrees_of_freedom(self) -> int:
        """#PSU − #strata of the whole design (R ``degf``; docs/methods.md §6.2)."""
        return self.n_psus - self.n_strata

    @cached_property
    def lonely_strata(self) -> list[str]:
        """Variance strata with a single first-stage unit, to which ``lonely_psu`` applies.

        A stratum whose units were all taken (first-stage fpc with ``N = n``) adds no variance
        and is not lonely (R skips it before the lonely-PSU rule); nor is a certainty PSU made
        its own stratum, whose units are its households.
        """
        units = self._data[[self._variance_strata, self._variance_psu]].drop_duplicates()
        counts = units.groupby(self._variance_strata)[self._variance_psu].size()
        lonely = counts[counts < 2].index
        if self.variance is not None and self.variance.fpc != "none":
            population = self._data.groupby(self._variance_strata)[STAGE1_SIZE].first()
            lonely = [s for s in lonely if population[s] > 1]
        return sorted(str(s) for s in lonely)

    def describe_variance(self) -> str:
        """The design declaration in words, for printing beside the estimates."""
        declared = (
            self.variance.describe()
            if self.variance is not None
            else (
                "PSUs with replacement (no fpc)" if self.fpc is None else f"fpc from '{self.fpc}'"
            )
        )
        lonely = self.lonely_strata
        applied = f"applied to stratum {', '.join(lonely)}" if lonely else "no stratum needs it"
        return f"Taylor linearisation; {declared}; lonely PSU rule {self.lonely_psu} ({applied})"

    def _add_counts(
        self, table: pd.DataFrame, by_cols: list[str], where: tuple[str, object] | None
    ) -> pd.DataFrame:
        """Replace svy's n by the unweighted rows in each domain (same thing, checked)."""
        counts = self._domain_counts(tuple(by_cols), where)
        if not by_cols:
            table["n"] = counts
            return table
        counts = counts.copy()
        for column in by_cols:
            counts[column] = counts[column].astype(table[column].dtype)
        merged = table.merge(counts, on=by_cols, how="left")
        merged["n"] = merged["_rows"].fillna(0).astype(int)
        return merged.drop(columns="_rows")

    def _domain_counts(self, by_cols: tuple[str, ...], where: tuple[str, object] | None):
        """Rows per domain (a count without ``by_cols``), computed once per grouping: the
        indicators ask for the same domains several times, and grouping a million rows by a
        text column takes ~0.1 s."""
        key = (by_cols, where)
        try:
            return self._counts_cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable where value: count without keeping it
            key = None
        # Only the grouping columns: filtering the whole (wide) design table copied every column.
        rows = self._data[list(by_cols)]
        if where is not None:
            rows = rows[self._data[where[0]] == where[1]]
        counts = (
            rows.groupby(list(by_cols), dropna=True).size().rename("_rows").reset_index()
            if by_cols
            else len(rows)
        )
        if key is not None:
            self._counts_cache[key] = counts
        return counts

    def _rows_for_korn_graubard(self, table: pd.DataFrame) -> list[int]:
        """The ``n`` R's ``svyciprop(method="beta")`` uses: ``nrow(design)``.

        In ``svyby`` R subsets the design: an uncalibrated design drops the other rows (n = the
        domain's rows) but a calibrated one keeps them with zero weight (n = all rows). Followed
        here so the intervals equal R's; the difference is in ``qt(α/2, n−1)`` only.
        """
        if self.calibration is not None:
            return [len(self._data)] * len(table)
        return table["n"].astype(int).tolist()

    def _check_analysis_columns(self, columns: list[str], binary: Sequence[str] = ()) -> None:
        """Every value present, and 0/1 in ``binary``; each check runs once per column."""
        require_columns(self._data, columns, "the survey data")
        for column in columns:
            if column in self._complete:
                continue
            values = self._data[column]
            if values.isna().any():
                first = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise SurveyDesignError(
                    f"Column '{column}' has {int(values.isna().sum())} missing value(s) (first at "
                    f"data row {first + 1}). Design-based estimates need every person's value: "
                    "fix the cleaning step or drop those persons before weighting (the calibration "
                    "then compensates)."
                )
            self._complete.add(column)
        for column in binary:
            if column in self._binary:
                continue
            bad = ~self._data[column].isin([0, 1])
            if bad.any():
                raise SurveyDesignError(
                    f"Column '{column}' must be coded 0/1 for a proportion; found "
                    f"{sorted(self._data.loc[bad, column].unique().tolist())[:5]}."
                )
            self._binary.add(column)
