"""Reading and writing the files one stage hands to the next, under ``results/``.

One place knows the file names inside a stage's output folder, so the notebooks stay short and
the Snakefile's declared outputs can be checked against it (tests/e2e).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from injury_survey.cleaning import CleanResult
from injury_survey.cleaning.programme import PROGRAMME_TABLES

CLEAN_TABLES = ("households", "persons", "episodes")


def write_clean(result: CleanResult, out_dir: str | Path) -> None:
    """Clean tables as Parquet; rejected rows, issues, rule summary and row accounting as CSV.

    ``rejected.csv`` stacks the rejected rows of every table (column ``table`` first), each with
    all its raw columns, its file and spreadsheet row, and every rule it failed.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in CLEAN_TABLES:
        result.tables[name].to_parquet(out / f"{name}.parquet", index=False)
    if "deaths" in result.tables:
        result.tables["deaths"].to_parquet(out / "deaths.parquet", index=False)
    else:  # a deaths table left from an earlier run would be read as this run's (read_clean)
        (out / "deaths.parquet").unlink(missing_ok=True)
    for name in PROGRAMME_TABLES:  # optional, like deaths
        if name in result.tables:
            result.tables[name].to_parquet(out / f"{name}.parquet", index=False)
        else:
            (out / f"{name}.parquet").unlink(missing_ok=True)
    rejected = [
        frame.assign(table=name) for name, frame in result.rejected.items() if not frame.empty
    ]
    stacked = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame()
    if not stacked.empty:
        stacked = stacked[["table", *[c for c in stacked.columns if c != "table"]]]
    stacked.to_csv(out / "rejected.csv", index=False, encoding="utf-8-sig")
    result.issues.to_csv(out / "issues.csv", index=False, encoding="utf-8-sig")
    result.summary.to_csv(out / "rule_summary.csv", index=False, encoding="utf-8-sig")
    result.accounting.to_csv(out / "accounting.csv", index=False)


def read_clean(clean_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The clean tables written by :func:`write_clean` (``deaths`` only if it exists)."""
    folder = Path(clean_dir)
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in CLEAN_TABLES}
    if (folder / "deaths.parquet").exists():
        tables["deaths"] = pd.read_parquet(folder / "deaths.parquet")
    return tables


def read_clean_programme(clean_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The clean programme tables written by :func:`write_clean` (those the wave has)."""
    folder = Path(clean_dir)
    return {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in PROGRAMME_TABLES
        if (folder / f"{name}.parquet").exists()
    }


def read_rejected(clean_dir: str | Path, table: str) -> pd.DataFrame:
    """The rows of ``table`` that cleaning set aside (from ``rejected.csv``), raw values as text."""
    path = Path(clean_dir) / "rejected.csv"
    if path.stat().st_size == 0 or path.read_text(encoding="utf-8-sig").strip() == "":
        return pd.DataFrame(columns=["table", "hh_id"])
    rejected = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return rejected[rejected["table"] == table].replace("", pd.NA).reset_index(drop=True)
