"""Write ``results/manifest.csv``: every input file of the run with its size and SHA-256.

The checksums tie the results to the exact files they came from: a reader can check that the
tables a report was made from are the ones archived, and two runs can be compared file by file.
Usage (from the Snakefile)::

    python -m injury_survey.manifest --out results/manifest.csv config.yaml data/raw/...
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import pandas as pd

COLUMNS = ["path", "size_bytes", "sha256"]


def file_manifest(paths: list[str | Path]) -> pd.DataFrame:
    """One row per file (each once, sorted by path as given): path, size in bytes, SHA-256."""
    rows = []
    for path in sorted({str(p) for p in paths}):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        rows.append(
            {"path": path, "size_bytes": Path(path).stat().st_size, "sha256": digest.hexdigest()}
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="List input files with size and SHA-256.")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    file_manifest(args.files).to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
