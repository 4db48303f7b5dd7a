"""Write the R reference's inputs: the design and analysis columns of each town's weighted
persons from the two-town example, after a district run:

    python3 run.py run --district examples/district/district.yaml
    .venv/bin/python tests/reference/district/make_district_data.py examples/district
    Rscript tests/reference/district/reference_district.R \\
        tests/reference/district/expected_district.csv \\
        tests/reference/district/town_a.csv tests/reference/district/town_b.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from injury_survey.pooled import POOLED_COLUMNS

HERE = Path(__file__).resolve().parent


def main(district_folder: str) -> None:
    for town in ("town_a", "town_b"):
        weights = Path(district_folder) / town / "results" / "baseline" / "weights.parquet"
        persons = pd.read_parquet(weights, columns=POOLED_COLUMNS)
        persons.to_csv(HERE / f"{town}.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv[1])
