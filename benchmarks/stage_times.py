"""Time and peak memory of each notebook job of the last run, from Snakemake's ``benchmark:`` files.

Every notebook rule writes ``results/benchmarks/<rule>[/<wave>].tsv`` (wall seconds, CPU seconds,
peak resident memory; with ``--benchmark-extended`` also the size of its inputs). On a shared
machine the wall time depends on the other load; CPU seconds much less (psutil samples the
job's processes, so a short-lived child may be missed). Run after a pipeline run:

    .venv/bin/python benchmarks/stage_times.py [SURVEY_FOLDER]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pandas as pd


def stage_times(folder: Path) -> pd.DataFrame:
    rows = []
    for tsv in sorted((folder / "results" / "benchmarks").rglob("*.tsv")):
        records = pd.read_csv(tsv, sep="\t")
        if records.empty:  # the job failed before Snakemake wrote its figures
            continue
        measured = records.iloc[-1]
        name = tsv.relative_to(folder / "results" / "benchmarks").with_suffix("")
        row = {
            "job": str(name),
            "seconds": round(float(measured["s"]), 1),
            "cpu_s": round(float(measured["cpu_time"]), 1),
            "peak_mb": round(float(measured["max_rss"])),
        }
        if "input_size_mb" in measured:  # --benchmark-extended: {file: MB} of the job's inputs
            sizes = ast.literal_eval(str(measured["input_size_mb"]))
            row["input_mb"] = round(sum(sizes.values()), 1)
        rows.append(row)
    columns = ["job", "seconds", "cpu_s", "peak_mb"] + (
        ["input_mb"] if any("input_mb" in r for r in rows) else []
    )
    return pd.DataFrame(rows, columns=columns)


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    table = stage_times(folder)
    if table.empty:
        sys.exit(f"no benchmark files under {folder / 'results' / 'benchmarks'}: run the pipeline")
    print(table.to_string(index=False))
    print(
        f"\nsum of job times {table['seconds'].sum():.0f} s (CPU {table['cpu_s'].sum():.0f} s); "
        f"largest peak {table['peak_mb'].max()} MB"
    )
