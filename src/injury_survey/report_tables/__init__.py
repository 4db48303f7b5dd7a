"""Report tables T1–T22 of the formal survey (docs/methods.md §6.5), every one design-based.

Four groups, one per notebook:

- :func:`profile_tables` — T1 sample, T2 age–sex structure, T6 causes, T7 leading causes by age,
  T8 intent, T9 place × cause, T10 activity × cause, T11 nature, T12 body part, T13 nature × body
  part, T19 traffic, T20 falls;
- :func:`burden_tables` — T3 incidence by sex (crude, standardised), T4 age × sex, T5 risk groups,
  T14 care, T15 days off, T16 costs, T17 outcome, T18 deaths (if the deaths table exists), the
  injury pyramid and the recall-decay diagnostic;
- :func:`risk_factor_tables` — survey-weighted logistic regression (odds ratios) and Rao–Scott
  tests of the two-way tables;
- :func:`quality_tables` — T22 data-quality appendix.

:func:`build_report_tables` makes them all; :func:`write_tables` writes one tidy CSV per table and
the formatted bilingual workbook ``report_tables.xlsx``. Every table is a :class:`Table` whose
``data`` is tidy (keys with their codebook labels, ``indicator``, ``unit``, ``estimate, se,
ci_lower, ci_upper, deff, df, n, n_cases, flag, suppressed``) in the shapes the figures of
:mod:`injury_survey.figures` take, and whose notes name the case definition, the recall window,
the standard population where relevant and the method. Conventions: :mod:`.core`; the designs:
:mod:`.designs`; the shared estimators: :mod:`.estimators`.

Usage in a notebook::

    tables = profile_tables(weights, clean_tables, census, config=config, codebook=codebook)
    tables["T6"].data                      # tidy
    write_tables(tables, "results/baseline/tables", codebook=codebook)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from injury_survey.report_tables.core import (
    ReportSettings,
    ReportTablesError,
    Table,
    Words,
)
from injury_survey.report_tables.workbook import (
    format_cell,
    formatted_table,
    read_tables,
    report_order,
    table_footnotes,
    table_html,
    write_tables,
    write_workbook,
)

# The table builders and their designs (svy, polars, scipy) are imported where they are used:
# the stages that only read, format or write tables (report, evaluation, programme) import this
# package for its conventions and workbook and should not pay for the designs.
if TYPE_CHECKING:
    from injury_survey.design_spec import CalibrationSpec
    from injury_survey.report_tables.designs import ReportData

__all__ = [
    "ReportData",
    "ReportSettings",
    "ReportTablesError",
    "Table",
    "build_report_tables",
    "burden_tables",
    "format_cell",
    "formatted_table",
    "garwood_ci",
    "prepare_report_data",
    "profile_tables",
    "read_report_inputs",
    "quality_tables",
    "read_tables",
    "report_order",
    "risk_factor_tables",
    "table_footnotes",
    "table_html",
    "weighted_median",
    "write_tables",
    "write_workbook",
]


def __getattr__(name: str) -> Any:
    """``ReportData``, ``garwood_ci`` and ``weighted_median``, imported on first use."""
    if name == "ReportData":
        from injury_survey.report_tables.designs import ReportData

        return ReportData
    if name in {"garwood_ci", "weighted_median"}:
        from injury_survey.report_tables import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read_report_inputs(
    wave_dir: str | Path, *, clean: Sequence[str] | None = ("households", "episodes", "deaths")
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``weights.parquet`` and the clean tables of a wave, as much of them as the tables read.

    The weights keep the columns a table's design and its analyses use (the design, the domains,
    the analysis variables), the variance declaration's and those of either calibration record,
    in the file's order; the others (source rows, dates, the intermediate weights, the alternative
    case definitions) are ~0.3 GB at a million persons. ``clean`` names the
    clean tables to read (those absent from the wave are skipped; None reads them all, as the
    quality appendix's item non-response needs). The clean persons are read only for the
    person columns the weights file lacks (a file from an older run).
    """
    import pyarrow.parquet as pq

    from injury_survey.report_tables.designs import DESIGN_FRAME_COLUMNS, PERSON_COLUMNS
    from injury_survey.results import read_clean
    from injury_survey.variance_design import VarianceDeclaration
    from injury_survey.weighting import calibration_spec

    variance = VarianceDeclaration()
    wanted = {
        "person_id",
        *DESIGN_FRAME_COLUMNS,
        *PERSON_COLUMNS,
        variance.household,
        variance.certainty,
        variance.psus_in_frame,
        variance.households_listed,
    }
    for method in ("poststratify", "rake"):
        spec = calibration_spec(method)
        wanted |= {spec.weight_before, *spec.cells}
    wave_dir = Path(wave_dir)
    path = wave_dir / "weights.parquet"
    names = pq.read_schema(path).names
    weights = pd.read_parquet(path, columns=[c for c in names if c in wanted])
    folder = wave_dir / "clean"
    if clean is None:
        return weights, read_clean(folder)
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in clean
        if (folder / f"{name}.parquet").exists()
    }
    lacking = [c for c in PERSON_COLUMNS if c not in weights.columns]
    if lacking and "persons" not in tables:
        persons = folder / "persons.parquet"
        present = [c for c in pq.read_schema(persons).names if c in ("person_id", *lacking)]
        tables["persons"] = pd.read_parquet(persons, columns=present)
    return weights, tables


def prepare_report_data(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    *,
    config: Mapping[str, Any],
    calibration: CalibrationSpec | None | str = "config",
) -> ReportData:
    """Persons and case episodes with their designs, from ``weights.parquet`` and the clean tables.

    ``calibration="config"`` rebuilds the calibration record from config ``weights.calibration``
    (:func:`injury_survey.weighting.calibration_spec`) when the weights carry its columns, so
    person-level SEs credit the calibration; pass a :class:`CalibrationSpec` or None to choose.
    """
    from injury_survey.report_tables.designs import ReportData

    settings = ReportSettings.from_config(config)
    if isinstance(calibration, str):
        calibration = _calibration_from_config(config, weights)
    return ReportData(weights, clean_tables, settings=settings, calibration=calibration)


def _calibration_from_config(
    config: Mapping[str, Any], weights: pd.DataFrame
) -> CalibrationSpec | None:
    from injury_survey.weighting import calibration_spec

    method = (config.get("weights") or {}).get("calibration")
    if method in (None, "none"):
        return None
    spec = calibration_spec(method)
    if spec is None:
        return None
    needed = [spec.weight_before, *spec.cells]
    return spec if all(column in weights.columns for column in needed) else None


def profile_tables(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    census: pd.DataFrame,
    *,
    config: Mapping[str, Any],
    codebook,
    data: ReportData | None = None,
) -> dict[str, Table]:
    """T1, T2, T6–T13, T19, T20 (the profile notebook)."""
    from injury_survey.report_tables.profile import build_profile

    data = data or prepare_report_data(weights, clean_tables, config=config)
    return build_profile(data, census, Words(codebook))


def burden_tables(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    *,
    config: Mapping[str, Any],
    codebook,
    data: ReportData | None = None,
) -> dict[str, Table]:
    """T3–T5, T14–T18, the injury pyramid and the recall-decay diagnostic (burden notebook)."""
    from injury_survey.report_tables.burden import build_burden

    data = data or prepare_report_data(weights, clean_tables, config=config)
    return build_burden(data, Words(codebook))


def risk_factor_tables(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    *,
    config: Mapping[str, Any],
    codebook,
    data: ReportData | None = None,
) -> dict[str, Table]:
    """The logistic model and the Rao–Scott tests (risk-factor notebook)."""
    from injury_survey.report_tables.risk import build_risk

    data = data or prepare_report_data(weights, clean_tables, config=config)
    return build_risk(data, Words(codebook))


def quality_tables(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    *,
    config: Mapping[str, Any],
    codebook,
    data: ReportData | None = None,
) -> dict[str, Table]:
    """T22, the data-quality appendix."""
    from injury_survey.report_tables.quality import build_quality

    data = data or prepare_report_data(weights, clean_tables, config=config)
    return build_quality(data, Words(codebook), dict(clean_tables))


def build_report_tables(
    weights: pd.DataFrame,
    clean_tables: Mapping[str, pd.DataFrame],
    census: pd.DataFrame,
    *,
    config: Mapping[str, Any],
    codebook,
) -> dict[str, Table]:
    """Every report table, keyed by id (T1 … T22, pyramid, recall_decay, risk_model,
    risk_tests), in report order."""
    from injury_survey.report_tables.burden import build_burden
    from injury_survey.report_tables.profile import build_profile
    from injury_survey.report_tables.quality import build_quality
    from injury_survey.report_tables.risk import build_risk

    data = prepare_report_data(weights, clean_tables, config=config)
    words = Words(codebook)
    tables = {
        **build_profile(data, census, words),
        **build_burden(data, words),
        **build_risk(data, words),
        **build_quality(data, words, dict(clean_tables)),
    }
    return dict(sorted(tables.items(), key=lambda item: report_order(item[0])))
