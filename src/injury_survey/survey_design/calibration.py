"""Calibration and trimming of weights through svy (the weighting stage; docs/methods.md §6.1)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import svy

from injury_survey.design_spec import CalibrationMethod, SurveyDesignError, require_columns
from injury_survey.survey_design.sample import _plain, _to_polars


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


def _cell_key(row: pd.Series, cells: Sequence[str]):
    values = tuple(_plain(row[c]) for c in cells)
    return values if len(values) > 1 else values[0]
