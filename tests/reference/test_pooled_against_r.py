"""The pooled district estimate against R's survey package on the combined design.

Expected values: ``district/expected_district.csv``, written by ``district/reference_district.R``
(R 4.2.2 / survey 4.1.1, the file's "meta" rows) on ``district/town_a.csv`` and ``town_b.csv``, the
design and analysis columns of the two-town example's weighted persons
(``district/make_district_data.py``). R stacks the towns itself (stratum = town/stratum, PSU =
town/PSU), declares certainty strata and the two-stage fpc from the raw columns, and
post-stratifies to town x calibration cell; our code stacks in ``injury_survey.pooled``.

Tolerance 1e-8 relative for estimates, SEs and deffs; df exact.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.district import load_district
from injury_survey.pooled import pooled_design, pooled_indicators, stack_towns

HERE = Path(__file__).parent
DATA = HERE / "district"
REPO = HERE.parents[1]
TIGHT = 1e-8
sys.path.insert(0, str(HERE))
from test_against_r import _r_available  # noqa: E402

TOWNS = ("town_a", "town_b")


def read_expected(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = table[table["indicator"] != "meta"].copy()
    for column in ["estimate", "se", "deff", "df"]:
        table[column] = pd.to_numeric(table[column].replace({"": np.nan, "NaN": np.nan}))
    return table.set_index(["indicator", "by", "level"])


def town_persons() -> dict[str, pd.DataFrame]:
    ids = {c: str for c in ("stratum_id", "psu_id", "hh_id", "calibration_cell", "age_group")}
    return {town: pd.read_csv(DATA / f"{town}.csv", dtype=ids) for town in TOWNS}


@pytest.fixture(scope="module")
def ours() -> pd.DataFrame:
    settings = load_district(REPO / "examples" / "district" / "district.yaml").settings
    table = pooled_indicators(pooled_design(stack_towns(town_persons()), settings), settings)
    return table.set_index(["indicator", "by", "level"])


def compare(ours: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert len(expected) == 18  # 2 indicators x (district + 2 towns + 2 sexes + 4 age groups)
    for key, row in expected.iterrows():
        mine = ours.loc[key]
        for column in ["estimate", "se", "deff"]:
            if np.isnan(row[column]):
                assert np.isnan(mine[column]), (key, column)
            else:
                assert mine[column] == pytest.approx(row[column], rel=TIGHT, abs=1e-12), (
                    key,
                    column,
                )
        assert mine["df"] == row["df"], key


def test_pooled_indicators_equal_r_on_the_combined_design(ours):
    compare(ours, read_expected(DATA / "expected_district.csv"))


def test_every_town_keeps_its_own_strata(ours):
    # the district's df is the sum of the towns' (PSUs - strata), R's degf of the stacked design
    district = ours.loc[("injury_incidence", "all", "all"), "df"]
    towns = [ours.loc[("injury_incidence", "town", t), "df"] for t in TOWNS]
    assert district == sum(towns)


def test_live_r_gives_the_committed_values(tmp_path):
    if not _r_available():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Rscript or R's survey package is missing.")
        pytest.skip("Rscript or the R survey package is not installed")
    out = tmp_path / "expected.csv"
    result = subprocess.run(
        ["Rscript", str(DATA / "reference_district.R"), str(out)]
        + [str(DATA / f"{town}.csv") for town in TOWNS],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    live = read_expected(out)
    committed = read_expected(DATA / "expected_district.csv")
    pd.testing.assert_frame_equal(live, committed, rtol=1e-12)
