"""The estimators of a declared design: proportions, ratios, means, totals, linear combinations,
logistic regression and Rao–Scott tests, each as a tidy table (docs/methods.md §6.2)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import svy

from injury_survey.confidence_intervals import korn_graubard_ci, log_scale_ci, logit_ci, wald_ci
from injury_survey.design_spec import SurveyDesignError
from injury_survey.survey_design.sample import (
    RESULT_COLUMNS,
    DesignSample,
    _as_list,
    _plain,
    _psd,
    _tidy,
)
from injury_survey.two_stage_variance import two_stage_coefficient_se, two_stage_rao_scott


class SurveyDesign(DesignSample):
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

    def cell_proportions(
        self, column: str, *, where: tuple[str, object] | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The levels of ``column`` in the domain, their weighted proportions and the design
        covariance matrix of those proportions (R ``svymean`` of the level indicators)."""
        result = self._sample.estimation.prop(column, where=self._where(where), drop_nulls=True)
        levels = [str(level) for level in result.to_polars()[column].to_list()]
        estimates = result.to_polars()["est"].to_numpy()
        return levels, estimates, np.asarray(result.covariance, dtype=float)

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


def _level_key(level, present: set):
    """The key svy uses for a domain level (levels may come back as str or int)."""
    for candidate in (level, _plain(level), str(level)):
        if candidate in present:
            return candidate
    return None
