"""The tables workbooks of a survey: each wave's ``results/<wave>/report_tables.xlsx``.

A wave's workbook holds its report tables (notebooks 06–08) and, where the wave has the programme
tables, T23; the baseline's also holds the evaluation's T21 and, with programme tables, T24. They
are written with the report (notebook 10), once every stage they draw on has run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from injury_survey import evaluation_report, programme_evaluation_report, programme_report
from injury_survey.evaluation_settings import EvaluationSettings
from injury_survey.programme_indicators import programme_items
from injury_survey.report_tables.workbook import WORKBOOK_NAME, read_tables, write_workbook

TABLE_GROUPS = ("profile", "burden", "risk")


def write_report_workbooks(results: str | Path, config: Mapping, codebook) -> list[str]:
    """Write every wave's workbook; one line per workbook or sheet written, for the notebook."""
    results = Path(results)
    written = []
    for wave in config["survey"]["waves"]:
        tables = read_tables(*(results / wave / "tables" / group for group in TABLE_GROUPS))
        tables = programme_report.with_programme_table(tables, results / wave, codebook, config)
        path = write_workbook(tables, results / wave / WORKBOOK_NAME, codebook=codebook)
        written.append(f"`{path}`: {len(tables)} sheets ({', '.join(tables)})")
    settings = EvaluationSettings.from_config(config)
    if settings is None:
        return written
    path = evaluation_report.append_t21_sheet(
        results / settings.baseline / WORKBOOK_NAME,
        pd.read_csv(results / "evaluation" / "comparisons.csv", dtype={"level": str}),
        settings,
        codebook,
    )
    written.append(f"`{path}`: T21 added from the evaluation.")
    programme = programme_evaluation_report.read_comparisons(
        results / "evaluation" / "programme_comparisons.csv"
    )
    if programme is not None:
        programme_evaluation_report.append_t24_sheet(
            path,
            programme,
            settings,
            programme_items(codebook),
            config["estimation"]["confidence"],
        )
        written.append(f"`{path}`: T24 added from the evaluation.")
    return written
