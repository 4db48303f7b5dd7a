"""The final report document ``results/report/report.html`` (self-contained, printable).

Public API::

    from injury_survey.report_document import write_report
    write_report("results", config, "results/report/report.html")

- :func:`build_report` / :func:`write_report` — the document from the results folder and the
  validated config, one per language of ``report.language`` (zh, en, or both: ``report.html``
  in Chinese and ``report_en.html`` in English, :func:`report_paths`);
- :func:`collect_inputs`, :func:`load_report_tables` (the key tables, with the titles, notes and
  layout that ``report_tables.write_tables`` records in ``tables.yaml``), :func:`software_versions`, :data:`KEY_TABLES`.

Command line (for a Snakemake rule)::

    python -m injury_survey.report_document --results results \\
        --config-yaml config/config.yaml --out results/report/report.html [--generated-on DATE]
"""

from injury_survey.report_document.document import (
    KEY_TABLES,
    build_report,
    report_paths,
    software_versions,
    write_report,
)
from injury_survey.report_document.inputs import (
    ReportDocumentError,
    ReportInputs,
    collect_inputs,
    load_report_tables,
)
from injury_survey.report_document.text import report_languages

__all__ = [
    "KEY_TABLES",
    "ReportDocumentError",
    "ReportInputs",
    "build_report",
    "collect_inputs",
    "load_report_tables",
    "report_languages",
    "report_paths",
    "software_versions",
    "write_report",
]
