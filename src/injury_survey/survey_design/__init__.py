"""Design-based estimation through svy, behind one small pandas API.

This package is the only place that imports ``svy`` (and ``polars``, which svy works on).
Everything else passes pandas frames in and gets tidy pandas frames out, so a change of survey
library touches these files only: :mod:`~injury_survey.survey_design.sample` turns the design
declaration into svy's sample, :mod:`~injury_survey.survey_design.estimators` holds
:class:`SurveyDesign` and its estimators, :mod:`~injury_survey.survey_design.calibration` the
calibration and trimming of weights.

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

What needs no svy lives beside this package: the design's columns, checks, variance strata and
domain counts in :mod:`injury_survey.design_frame` (the base of :class:`SurveyDesign`), the
declarations and errors in :mod:`injury_survey.design_spec`, the intervals in
:mod:`injury_survey.confidence_intervals`. The names callers have long imported from here
(:data:`__all__`) still import from here.
"""

from injury_survey.confidence_intervals import t_quantile
from injury_survey.design_spec import CalibrationSpec, LonelyPsuError, SurveyDesignError
from injury_survey.survey_design.calibration import calibrate_weights, trim_weights
from injury_survey.survey_design.estimators import SurveyDesign
from injury_survey.survey_design.sample import RESULT_COLUMNS

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
