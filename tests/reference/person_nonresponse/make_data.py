"""The data set of the person-level non-response golden test, derived from the committed
``../data/survey_persons.csv`` (itself from ``make_reference_data.py``) by fixed rules:

- ``injured_12m``: 1 if injured, 2 if not; every 13th person (row 4, 17, 30, …) answers 8 "don't
  know" instead, whatever their injury status, and every 97th (row 50, 147, …) has no answer;
- ``residence_status``: 3 (left or died in the window) for every 31st person (row 9, 40, …), else 1.

Run once; ``persons.csv`` is committed beside this script. Usage: python make_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def make_persons(source: Path = HERE.parent / "data" / "survey_persons.csv") -> pd.DataFrame:
    persons = pd.read_csv(source, dtype={"stratum_id": str, "psu_id": str})
    row = np.arange(len(persons))
    answer = np.where(persons["injured"] == 1, 1.0, 2.0)
    answer[row % 13 == 4] = 8
    answer[row % 97 == 50] = np.nan
    persons["injured_12m"] = pd.array(answer, dtype="Float64").astype("Int64")
    persons["residence_status"] = np.where(row % 31 == 9, 3, 1)
    return persons


if __name__ == "__main__":
    make_persons().to_csv(HERE / "persons.csv", index=False)
