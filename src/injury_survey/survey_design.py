"""Design-based estimation through svy, behind one small pandas API.

This is the only module of the package that imports ``svy`` (and ``polars``, which svy works on).
Everything else passes pandas frames in and gets tidy pandas frames out, so a change of survey
library touches this file only.

The design is a stratified multistage sample analysed as with-replacement ultimate clusters
(Taylor linearisation, ``V = Σ_h n_h/(n_h−1) Σ_i (z_hi − z̄_h)²``; docs/methods.md §6.2), exactly
what R's ``svydesign(ids=~psu, strata=~stratum, weights=~weight, nest=TRUE)`` declares (Lumley 2010,
ch. 2). PSU codes are nested within strata. Domains are always estimated on the full design (svy's
``by=``/``where=``), never on a subset of the rows, so PSUs without domain members still count and
the degrees of freedom are R's domain ``degf`` (PSUs − strata among those holding domain members).

Every method returns one row per domain level with the columns of :data:`RESULT_COLUMNS`:
``estimate, se, ci_lower, ci_upper, deff, df, n`` (after the ``by`` columns). ``deff`` is the
design effect against simple random sampling *without* replacement, R's ``deff=TRUE`` (svy
``deff=self._deff``); ``n`` is the unweighted number of rows in the domain.

Calibrated weights (post-stratification, raking) make the variance smaller for anything correlated
with the calibration cells. R accounts for this when the design object itself was calibrated
(``postStratify``/``rake``); svy does the same when its design carries a weight-adjustment record
naming the weight before calibration and the cells. :func:`calibrate_weights` calibrates through
svy, and :class:`CalibrationSpec` rebuilds that record from the columns kept beside the weights, so
standard errors computed later (in another notebook, from ``weights.parquet``) still credit the
calibration.

What needs no svy lives beside this module: the design's columns, checks, variance strata and
domain counts in :mod:`injury_survey.design_frame` (the base of :class:`SurveyDesign`), the
declarations and errors in :mod:`injury_survey.design_spec`, the intervals in
:mod:`injury_survey.confidence_intervals`. The names callers have long imported from here
(:data:`__all__`) still import from here.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import polars as pl
import svy

from injury_survey.confidence_intervals import (
    korn_graubard_ci,
    log_scale_ci,
    logit_ci,
    t_quantile,
    wald_ci,
)
from injury_survey.design_frame import DesignFrame
from injury_survey.design_spec import (
    CalibrationMethod,
    CalibrationSpec,
    LonelyPsu,
    LonelyPsuError,
    SurveyDesignError,
    joined_label,
    require_columns,
)
from injury_survey.two_stage_variance import two_stage_coefficient_se, two_stage_rao_scott
from injury_survey.variance_design import (
    STAGE1_SIZE,
    STAGE2_SIZE,
    VARIANCE_SSU,
    VarianceDeclaration,
)

__all__ = [
    "RESULT_COLUMNS",
    "CalibrationSpec",
    "LonelyPsuError",
    "SurveyDesign",
    "SurveyDesignError",
    "calibrate_weights",
    "t_quantile",
    "trim_weights",
]

RESULT_COLUMNS = ["estimate", "se", "ci_lower", "ci_upper", "deff", "df", "n"]

# The columns of svy's frame that carry the design as integer codes (SurveyDesign._design_codes).
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


class SurveyDesign(DesignFrame):
    """A stratified cluster design over a pandas frame of persons.

    Parameters
    ----------
    data
        One row per analysed unit (person); must hold the design columns and every analysis
        column used later.
    strata, psu, weight
        Column names. PSU codes are taken within stratum (R ``nest=TRUE``). ``strata=None`` is a
        single stratum; ``psu=None`` makes every row its own PSU (R ``ids=~1``).
    fpc
        Optional column with the number of PSUs in the population of each stratum, for a finite
        population correction (R ``fpc=``); ``None`` treats PSUs as drawn with replacement.
    lonely_psu
        What to do with a stratum that has a single PSU (no within-stratum variance):

        - ``"fail"`` (R ``options(survey.lonely.psu = "fail")``, R's default): raise
          :class:`LonelyPsuError` naming the strata;
        - ``"center"`` (R ``"adjust"``): the PSU's deviation is measured from the grand mean;
        - ``"scale"`` (R ``"average"``): lonely strata contribute nothing and the variance is
          scaled up by (strata) / (strata with more than one PSU);
        - ``"skip"`` (R ``"remove"``, also R ``"certainty"``): lonely strata contribute nothing;
        - ``"collapse"`` (no R option; in R one recodes strata before ``svydesign``): each lonely
          stratum is merged with the stratum having the fewest PSUs.
    calibration
        How ``weight`` was calibrated from an earlier weight (see :class:`CalibrationSpec`);
        ``None`` treats the weights as fixed.
    variance
        Certainty PSUs and finite population corrections
        (:class:`~injury_survey.variance_design.VarianceDeclaration`); it replaces ``fpc``.
        ``None`` is the with-replacement design over ``strata`` and ``psu`` as given.
    """

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

    def with_columns(self, columns: Mapping[str, np.ndarray | pd.Series]) -> SurveyDesign:
        """The same design (declaration, calibration, lonely-PSU rule) with analysis columns
        added, aligned with :attr:`data` (arrays by position, Series by index).

        The rows and the design columns are those of this design, so its checks, variance
        columns and counts of strata and units hold as they are: only the svy sample is built
        again, over this design's polars frame with the new columns (recomputing the variance
        columns cost ~0.4 s per million rows and design).
        A column that replaces a design column makes a design from scratch instead."""
        if set(columns) & self._design_columns():
            return SurveyDesign(
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

    def cell_proportions(
        self, column: str, *, where: tuple[str, object] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The levels of ``column`` in the domain, their weighted proportions and the design
        covariance matrix of those proportions (R ``svymean`` of the level indicators)."""
        result = self._sample.estimation.prop(column, where=self._where(where), drop_nulls=True)
        levels = [str(level) for level in result.to_polars()[column].to_list()]
        estimates = result.to_polars()["est"].to_numpy()
        return levels, estimates, np.asarray(result.covariance, dtype=float)

    @property
    def variance_strata(self) -> str:
        """The column of the variance strata (certainty PSUs may be strata of their own)."""
        return self._variance_strata

    @property
    def variance_psu(self) -> str:
        """The column of the variance's first-stage units (households in a certainty stratum)."""
        return self._variance_psu

    # ------------------------------------------------------------------ estimators

    def proportion(
        self,
        y: str,
        *,
        by: str | Sequence[str] | None = None,
        where: tuple[str, object] | None = None,
        ci_method: Literal["logit", "beta"] = "logit",
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Proportion of persons with ``y == 1`` (``y`` coded 0/1), per domain.

        CIs as R ``svyciprop``: ``"logit"`` is ``expit(logit(p) ± t·se/(p(1−p)))``; ``"beta"`` is
        R's Korn–Graubard interval (Korn & Graubard 1998): Clopper–Pearson with the effective
        sample size ``n_eff = p(1−p)/var`` scaled by ``(qt(α/2, n−1)/qt(α/2, df))²`` with R's ``n``
        (:func:`korn_graubard_ci`, :meth:`_rows_for_korn_graubard`). ``t`` has
        the domain's design df. Estimates of 0 or 1 get no interval (NaN), as in R.
        """
        if ci_method not in ("logit", "beta"):
            raise SurveyDesignError(f"ci_method must be 'logit' or 'beta', got {ci_method!r}.")
        self._check_analysis_columns([y], binary=[y])
        by_cols = _as_list(by)
        result = self._estimate(
            "mean", y, by=by, where=self._where(where), alpha=1 - confidence, drop_nulls=True
        )
        table = _tidy(result, by_cols)
        table = self._add_counts(table, by_cols, where)
        if ci_method == "logit":
            bounds = [logit_ci(p, s, d, confidence) for p, s, d in _psd(table)]
        else:
            rows = self._rows_for_korn_graubard(table)
            bounds = [
                korn_graubard_ci(p, s, d, n, confidence)
                for (p, s, d), n in zip(_psd(table), rows, strict=True)
            ]
        table["ci_lower"] = [b[0] for b in bounds]
        table["ci_upper"] = [b[1] for b in bounds]
        return table[by_cols + RESULT_COLUMNS]

    def level_proportions(
        self,
        y: str,
        levels: Sequence[int],
        *,
        by: str | Sequence[str] | None = None,
        where: tuple[str, object] | None = None,
        ci_method: Literal["logit", "beta"] = "logit",
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """The proportion of each of ``levels`` of the integer-coded column ``y``, per domain:
        what :meth:`proportion` gives for each level's 0/1 indicator, from one svy call for all
        levels (R ``svymean(~factor(y))``; its linearised variable of level ``k`` is that of the
        indicator, ``w_i([y_i = k] − p_k)/Σw``).

        Values of ``y`` in the domain that are not in ``levels`` stay in the denominator and get
        no row. A level absent from a domain gets estimate 0 and SE 0, no CI and no deff, as its
        indicator's mean would. Rows are in the order of ``levels``, then of the domains;
        columns are ``by``, ``y`` and :data:`RESULT_COLUMNS`.
        """
        if ci_method not in ("logit", "beta"):
            raise SurveyDesignError(f"ci_method must be 'logit' or 'beta', got {ci_method!r}.")
        self._check_analysis_columns([y])
        if not pd.api.types.is_integer_dtype(self._data[y].dtype):
            raise SurveyDesignError(f"Column '{y}' must hold integer level codes.")
        by_cols = _as_list(by)
        result = self._estimate(
            "prop", y, by=by, where=self._where(where), alpha=1 - confidence, drop_nulls=True
        )
        found = result.to_polars().to_pandas().rename(columns={"est": "estimate"})
        if "deff" not in found.columns:
            found["deff"] = np.nan
        found[y] = found[y].astype("int64")
        domains = found[by_cols].drop_duplicates() if by_cols else pd.DataFrame(index=[0])
        domain_df = found.groupby(by_cols, sort=False)["df"].first() if by_cols else None
        rows = []
        for level in levels:
            part = domains.assign(**{y: int(level)})
            part = part.merge(found, on=[*by_cols, y], how="left")
            absent = part["estimate"].isna()
            part.loc[absent, ["estimate", "se"]] = 0.0
            if by_cols:
                keys = (
                    pd.MultiIndex.from_frame(part[by_cols])
                    if len(by_cols) > 1
                    else part[by_cols[0]]
                )
                part.loc[absent, "df"] = domain_df.reindex(keys).to_numpy()[absent.to_numpy()]
            else:
                part.loc[absent, "df"] = found["df"].iloc[0]
            rows.append(part)
        table = pd.concat(rows, ignore_index=True)
        table["df"] = table["df"].astype(int)
        table = table[[*by_cols, y, "estimate", "se", "deff", "df"]]
        table = self._add_counts(table, by_cols, where)
        if ci_method == "logit":
            bounds = [logit_ci(p, s, d, confidence) for p, s, d in _psd(table)]
        else:
            rows_n = self._rows_for_korn_graubard(table)
            bounds = [
                korn_graubard_ci(p, s, d, n, confidence)
                for (p, s, d), n in zip(_psd(table), rows_n, strict=True)
            ]
        table["ci_lower"] = [b[0] for b in bounds]
        table["ci_upper"] = [b[1] for b in bounds]
        return table[[*by_cols, y, *RESULT_COLUMNS]]

    def ratio(
        self,
        y: str,
        x: str,
        *,
        by: str | Sequence[str] | None = None,
        where: tuple[str, object] | None = None,
        scale: float = 1.0,
        ci: Literal["log", "wald"] = "log",
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Ratio of weighted totals ``Σw·y / Σw·x`` per domain (R ``svyratio``), times ``scale``.

        Linearised variance with ``z_i = w_i (y_i − R̂ x_i) / Σw·x`` (docs/methods.md §6.2). The
        default CI is on the log scale, ``R̂·exp(±t·se/R̂)``, which keeps rates positive; ``"wald"``
        gives ``R̂ ± t·se``. ``n`` counts the domain's rows.
        """
        self._check_analysis_columns([y, x])
        by_cols = _as_list(by)
        result = self._estimate(
            "ratio", y, x, by=by, where=self._where(where), alpha=1 - confidence, drop_nulls=True
        )
        table = _tidy(result, by_cols)
        table = self._add_counts(table, by_cols, where)
        for column in ("estimate", "se"):
            table[column] = table[column] * scale
        bounds = [
            log_scale_ci(e, s, d, confidence) if ci == "log" else wald_ci(e, s, d, confidence)
            for e, s, d in _psd(table)
        ]
        table["ci_lower"] = [b[0] for b in bounds]
        table["ci_upper"] = [b[1] for b in bounds]
        return table[by_cols + RESULT_COLUMNS]

    def mean(
        self,
        y: str,
        *,
        by: str | Sequence[str] | None = None,
        where: tuple[str, object] | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Weighted mean ``Σw·y / Σw`` per domain (R ``svymean``), symmetric t interval."""
        return self._with_wald_ci("mean", y, by=by, where=where, confidence=confidence)

    def total(
        self,
        y: str,
        *,
        by: str | Sequence[str] | None = None,
        where: tuple[str, object] | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Weighted total ``Σw·y`` per domain (R ``svytotal``), symmetric t interval."""
        return self._with_wald_ci("total", y, by=by, where=where, confidence=confidence)

    def _with_wald_ci(
        self,
        statistic: str,
        y: str,
        *,
        by: str | Sequence[str] | None,
        where: tuple[str, object] | None,
        confidence: float,
    ) -> pd.DataFrame:
        self._check_analysis_columns([y])
        by_cols = _as_list(by)
        result = self._estimate(
            statistic, y, by=by, where=self._where(where), alpha=1 - confidence, drop_nulls=True
        )
        table = self._add_counts(_tidy(result, by_cols), by_cols, where)
        return self._wald(table, confidence)[by_cols + RESULT_COLUMNS]

    def linear_combination(
        self,
        y: str,
        x: str | None,
        *,
        over: str,
        coefficients: dict[object, float],
        where: tuple[str, object] | None = None,
    ) -> tuple[float, float, int]:
        """``Σ_a c_a·R̂_a`` over the levels ``a`` of ``over``, with its design-based SE and df.

        ``R̂_a`` is the domain mean of ``y`` (``x`` None) or the domain ratio ``y/x``; the SE uses
        the joint covariance of the domain estimates from the same design (exact for a linear
        combination). This is direct standardisation's variance (docs/methods.md §6.3).
        Returns ``(estimate, se, df)``.
        """
        self._check_analysis_columns([y] if x is None else [y, x])
        estimation = self._sample.estimation
        kwargs = {"by": over, "where": self._where(where), "drop_nulls": True}
        result = estimation.mean(y, **kwargs) if x is None else estimation.ratio(y, x, **kwargs)
        present = set(result.keys())
        missing = [level for level in coefficients if _level_key(level, present) is None]
        if missing:
            raise SurveyDesignError(
                f"No sample persons in the {over} group(s) {missing}"
                + (f" within {where[0]} = {where[1]}" if where else "")
                + ": the standardised rate needs every group of the standard. Merge age groups "
                "(config age_groups) or report the crude rate only."
            )
        expression = sum(
            weight * svy.estd(_level_key(level, present)) for level, weight in coefficients.items()
        )
        row = result.contrast({"combination": expression}).to_polars().row(0, named=True)
        return float(row["est"]), float(row["se"]), int(row["df"])

    def logistic(
        self,
        y: str,
        terms: Sequence[str],
        categorical: Sequence[str] = (),
        *,
        where: tuple[str, object] | None = None,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Design-based logistic regression (R ``svyglm(family=quasibinomial)``).

        ``terms`` are numeric predictors, ``categorical`` are treated as factors with their first
        level as reference. ``where`` fits the model on a domain of the full design (R
        ``svyglm(..., design = subset(des, domain))``): persons outside it keep their PSU in the
        variance and the calibration stays credited. Returns ``term, estimate, se, ci_lower,
        ci_upper, p_value, df, odds_ratio`` (coefficients on the logit scale; odds ratio =
        exp(estimate); Wald CIs at ``confidence`` with ``t`` on the residual df).
        """
        self._check_analysis_columns([y, *terms, *categorical], binary=[y])
        predictors = [*terms, *(svy.Cat(c) for c in categorical)]
        model = self._sample.glm.fit(
            y=y,
            x=predictors,
            family="binomial",
            where=self._where(where),
            alpha=1 - confidence,
        )
        table = model.to_polars().to_pandas()
        table = table.rename(
            columns={
                "std_err": "se",
                "conf_low": "ci_lower",
                "conf_high": "ci_upper",
            }
        )
        if self.variance is not None and self.variance.fpc == "two_stage":
            # svy's GLM variance is first-stage only: add the households' stage as R does.
            if categorical:
                raise SurveyDesignError(
                    "A logistic model with categorical terms on a two-stage fpc design is not "
                    "supported; give the dummies as numeric terms."
                )
            table = two_stage_coefficient_se(
                self, table, y, terms, where=where, confidence=confidence
            )
        table["odds_ratio"] = np.exp(table["estimate"])
        return table[
            ["term", "estimate", "se", "ci_lower", "ci_upper", "p_value", "df", "odds_ratio"]
        ]

    def rao_scott(
        self, row: str, column: str, *, where: tuple[str, object] | None = None
    ) -> pd.DataFrame:
        """Rao–Scott tests of independence of two categorical columns (R ``svychisq``).

        The Pearson X² of the weighted table is referred to the distribution it has under the
        design (Rao & Scott 1984; Lumley 2010, §6.1): the **second-order** correction divides it
        by the trace of the design-effect matrix and refers it to an F with Satterthwaite degrees
        of freedom ``(ν, ν·df)`` (R ``statistic = "F"``, the default and the one to report); the
        **first-order** correction divides it by the mean generalised design effect and refers
        it to χ² with ``(r−1)(c−1)`` df (R ``statistic = "Chisq"``). Returns two rows,
        ``test`` = "F" and "Chisq", with ``statistic, df_num, df_den, p_value`` (``df_den`` NaN
        for Chisq). ``where`` restricts to a domain on the full design. Under a two-stage fpc a
        table with an empty cell gets svy's first-stage test, marked ``attrs["first_stage_only"]``.
        """
        self._check_analysis_columns([row, column])
        if self.variance is not None and self.variance.fpc == "two_stage":
            # svy's table tests are first-stage only: with the households' stage as R does,
            # unless a cell is empty (then svy's first-stage test; docs/methods.md §10).
            two_stage = two_stage_rao_scott(self, row, column, where=where)
            if two_stage is not None:
                return two_stage
        first_stage_only = self.variance is not None and self.variance.fpc == "two_stage"
        table = self._sample.categorical.tabulate(row, column, where=self._where(where))
        tests = table.stats
        if tests is None:
            raise SurveyDesignError(
                f"No Rao–Scott test for {row} × {column}: the table needs at least two levels "
                "of each."
            )
        rows = [
            {
                "test": "Chisq",
                "statistic": float(tests.chisq.value),
                "df_num": float(tests.chisq.df),
                "df_den": math.nan,
                "p_value": float(tests.chisq.p_value),
            }
        ]
        if tests.f is not None:
            rows.insert(
                0,
                {
                    "test": "F",
                    "statistic": float(tests.f.value),
                    "df_num": float(tests.f.df_num),
                    "df_den": float(tests.f.df_den),
                    "p_value": float(tests.f.p_value),
                },
            )
        result = pd.DataFrame(rows)
        # Read by the report tables, which name such tests in their note (docs/methods.md §10).
        result.attrs["first_stage_only"] = first_stage_only
        return result

    # ------------------------------------------------------------------ helpers

    def _estimate(self, method: str, *args, **kwargs):
        """Run an svy estimator with deff; where svy cannot form any deff (SRS variance 0, or
        weights summing to no more than the sample), run it again without and report NaN."""
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


# ---------------------------------------------------------------------- calibration


def calibrate_weights(
    data: pd.DataFrame,
    *,
    weight: str,
    method: CalibrationMethod,
    cells: Sequence[str],
    population: pd.DataFrame,
    strata: str | None = None,
    psu: str | None = None,
    trim_ratio_to_median: float | None = None,
) -> pd.Series:
    """Calibrated weights (svy ``poststratify``/``rake``), aligned with ``data``'s index.

    ``population`` holds the columns ``cells`` and ``population`` (known resident totals).
    ``"poststratify"`` multiplies the weights in each cell (the combination of ``cells``) by
    ``N_c / Σ_{i∈c} w_i`` (R ``postStratify``); ``"rake"`` fits the margin of each column in
    ``cells`` in turn until all hold (iterative proportional fitting, R ``rake``), to a relative
    tolerance of 1e-10. With ``trim_ratio_to_median`` the weights above that multiple of the median
    are capped, the excess redistributed, and the calibration redone, alternating until both hold
    (docs/methods.md §6.1.4); if they cannot both hold an error says so.
    """
    require_columns(data, [weight, *cells], "the persons to calibrate")
    require_columns(population, [*cells, "population"], "the population table")
    frame = data.reset_index(drop=True).copy()
    columns = list(dict.fromkeys([weight, *cells] + [c for c in (strata, psu) if c]))
    frame = frame[columns]
    design = svy.Design(stratum=strata, psu=psu, wgt=weight)
    sample = svy.Sample(_to_polars(frame), design)
    trimming = (
        svy.TrimConfig(upper=trim_ratio_to_median * svy.Threshold("median"))
        if trim_ratio_to_median is not None
        else None
    )
    try:
        if method == "poststratify":
            controls = {
                _cell_key(row, cells): float(row["population"]) for _, row in population.iterrows()
            }
            calibrated = sample.weighting.poststratify(
                controls,
                cells=tuple(cells) if len(cells) > 1 else cells[0],
                wgt_name="_calibrated",
                trimming=trimming,
            )
        elif method == "rake":
            controls = {
                column: {
                    _plain(level): float(total)
                    for level, total in population.groupby(column)["population"].sum().items()
                }
                for column in cells
            }
            calibrated = sample.weighting.rake(
                controls=controls,
                wgt_name="_calibrated",
                tol=1e-10,
                max_iter=1000,
                trimming=trimming,
            )
        else:
            raise SurveyDesignError(f"method must be 'poststratify' or 'rake', got {method!r}.")
    except svy.SvyError as exc:
        hint = (
            " Trimming and calibration could not both be met: raise weights.trim_ratio_to_median "
            "or set it to null."
            if trimming is not None
            else ""
        )
        raise SurveyDesignError(f"Calibration ({method}) failed: {exc}.{hint}") from exc
    weights = calibrated.data["_calibrated"].to_numpy()
    return pd.Series(weights, index=data.index, name=weight)


def trim_weights(data: pd.DataFrame, *, weight: str, ratio_to_median: float) -> pd.Series:
    """Weights capped at ``ratio_to_median`` × median, the excess spread over the others (svy trim).

    Used when there is no calibration to redo; the weight total is kept.
    """
    frame = data[[weight]].reset_index(drop=True)
    sample = svy.Sample(_to_polars(frame), svy.Design(wgt=weight))
    trimmed = sample.weighting.trim(
        upper=ratio_to_median * svy.Threshold("median"), wgt_name="_trimmed"
    )
    return pd.Series(trimmed.data["_trimmed"].to_numpy(), index=data.index, name=weight)


# ---------------------------------------------------------------------- internals


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


def _level_key(level, present: set):
    """The key svy uses for a domain level (levels may come back as str or int)."""
    for candidate in (level, _plain(level), str(level)):
        if candidate in present:
            return candidate
    return None


def _plain(value):
    """numpy scalars → Python scalars (svy compares control keys with the data's values)."""
    return value.item() if isinstance(value, np.generic) else value


def _cell_key(row: pd.Series, cells: Sequence[str]):
    values = tuple(_plain(row[c]) for c in cells)
    return values if len(values) > 1 else values[0]
