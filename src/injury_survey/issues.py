"""The one format for a data problem found in an input table.

Intake (file, type and code checks) and the cleaning rule engine (keys, ranges, skip logic,
consistency) both report what they find as rows of an *issues* table, so the rejected-rows table,
the rule-violation summary and the user's error messages are all built from one place.

A row of the issues table names the table, the file and the row as the user sees it in a
spreadsheet (the header is row 1, so the first data row is row 2), the column, the value, the rule
and its severity: ``error`` sets the row aside (rejected), ``warn`` keeps it and lists it.
"""

from __future__ import annotations

import pandas as pd

ISSUE_COLUMNS = [
    "table",
    "source_file",
    "source_row",
    "record_id",
    "column",
    "value",
    "rule_id",
    "severity",
    "message_en",
    "message_zh",
]

SEVERITIES = ("error", "warn")

# Every intake table carries these two provenance columns from the moment it is read.
SOURCE_FILE = "source_file"
SOURCE_ROW = "source_row"


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ISSUE_COLUMNS})


def issues_for(
    df: pd.DataFrame,
    mask: pd.Series,
    *,
    table: str,
    column: str,
    rule_id: str,
    severity: str,
    message_en: str,
    message_zh: str,
    id_column: str | None = None,
) -> pd.DataFrame:
    """Issues for the rows of ``df`` where ``mask`` is true (NA counts as false)."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, got {severity!r}")
    hit = df.loc[mask.fillna(False).astype(bool)]
    if hit.empty:
        return empty_issues()
    value = hit[column] if column in hit.columns else pd.Series(pd.NA, index=hit.index)
    out = pd.DataFrame(
        {
            "table": table,
            "source_file": hit[SOURCE_FILE].astype(str),
            "source_row": hit[SOURCE_ROW].astype("Int64"),
            "record_id": hit[id_column].astype(str) if id_column else pd.NA,
            "column": column,
            "value": value.astype(str).where(value.notna(), ""),
            "rule_id": rule_id,
            "severity": severity,
            "message_en": message_en,
            "message_zh": message_zh,
        }
    )
    return out[ISSUE_COLUMNS].reset_index(drop=True)


def format_issue(issue: pd.Series | dict) -> str:
    """One line a user can act on: file, row, column, value, rule and what is wrong."""
    return (
        f"{issue['source_file']}, row {issue['source_row']}, column '{issue['column']}', "
        f"value '{issue['value']}': [{issue['rule_id']} {issue['severity']}] {issue['message_en']} "
        f"/ {issue['message_zh']}"
    )
