"""Person-level non-response, "don't know" as item non-response and the leavers' weights, through
the whole weighting step and the headline estimates, against R.

Expected values: ``reference_person_nonresponse.R`` (R 4.2.2, survey 4.1.1; versions in the "meta"
rows of ``estimates.csv``) run on ``persons.csv`` (made once by ``make_data.py`` from the committed
reference survey) and ``../data/survey_population.csv``. The R script does the person-level step
by plain arithmetic and the calibration and estimates with the survey package; the live test
reruns it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.estimation import estimate_indicators
from injury_survey.weighting import compute_weights

HERE = Path(__file__).parent
POPULATION = HERE.parent / "data" / "survey_population.csv"
AGE_GROUPS = [0, 15, 45, 65]
# One 5-year census group per report group: census_by_report_age sums them back unchanged.
FIVE_YEAR = {"0-14": "0-4", "15-44": "15-19", "45-64": "45-49", "65+": "65-69"}
FIVE_YEAR_GROUPS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]
SETTINGS = {
    "nonresponse_class": "stratum",
    "person_nonresponse": "class",
    "min_person_class_respondents": 1,
    "calibration": "poststratify",
    "min_cell_respondents": 1,
}

sys.path.insert(0, str(HERE.parent))
from test_against_r import _r_available  # noqa: E402


def pipeline_inputs():
    """Households, persons, sample list and census whose base weights are the R data's
    ``weight_nr`` (π_psu = 1, π_hh = 1 / weight_nr; every household responded)."""
    persons = pd.read_csv(HERE / "persons.csv", dtype={"stratum_id": str, "psu_id": str})
    persons["injured_12m"] = persons["injured_12m"].astype("Int64")
    households = persons.drop_duplicates("hh_id")[["hh_id", "stratum_id", "psu_id", "weight_nr"]]
    sample = households.assign(pi_psu=1.0, pi_hh=1.0 / households["weight_nr"]).drop(
        columns="weight_nr"
    )
    households = households[["hh_id", "psu_id"]].assign(result_code=1)
    census = pd.read_csv(POPULATION, dtype={"stratum_id": str})
    census["age_group"] = census["age_group"].map(FIVE_YEAR)
    # The census must list every 5-year cell (rule CN3): the others hold population 0.
    every_cell = pd.MultiIndex.from_product(
        [census["stratum_id"].unique(), census["sex"].unique(), FIVE_YEAR_GROUPS],
        names=["stratum_id", "sex", "age_group"],
    )
    census = (
        census.set_index(["stratum_id", "sex", "age_group"])
        .reindex(every_cell, fill_value=0)
        .reset_index()
    )
    people = persons.drop(columns=["stratum_id", "psu_id", "weight_nr", "age_group"])
    return households, people, sample, census


@pytest.fixture(scope="module")
def weighted():
    households, persons, sample, census = pipeline_inputs()
    return compute_weights(
        households, persons, sample, census, settings=SETTINGS, age_groups=AGE_GROUPS
    )


def read_expected(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str)
    table = table[table["indicator"] != "meta"].copy()
    for column in ["estimate", "se", "ci_lower", "ci_upper"]:
        table[column] = pd.to_numeric(table[column])
    return table


def check_weights(result, expected: pd.DataFrame) -> None:
    ours = result.persons.set_index("person_id")
    expected = expected.set_index("person_id")
    # The same persons: "don't know" and unanswered screening questions are left out.
    assert sorted(ours.index) == sorted(expected.index)
    for column in ("weight_pnr", "weight"):
        np.testing.assert_allclose(
            ours.loc[expected.index, column].astype(float), expected[column], rtol=1e-8
        )


def check_estimates(result, expected: pd.DataFrame) -> None:
    ours = estimate_indicators(
        result.persons,
        settings={"domains": ["sex"], "ci_method": "logit", "lonely_psu": "fail"},
        age_groups=AGE_GROUPS,
        calibration="poststratify",
    )
    for _, row in expected.iterrows():
        got = ours[
            (ours["indicator"] == row["indicator"])
            & (ours["by"] == row["by"])
            & (ours["level"] == row["level"])
        ]
        assert len(got) == 1, (row["indicator"], row["by"], row["level"])
        got = got.iloc[0]
        assert got["estimate"] == pytest.approx(row["estimate"], rel=1e-8)
        assert got["se"] == pytest.approx(row["se"], rel=1e-8)
        assert got["ci_lower"] == pytest.approx(row["ci_lower"], rel=1e-6)
        assert got["ci_upper"] == pytest.approx(row["ci_upper"], rel=1e-6)


def test_weights_after_the_person_level_step_match_r(weighted):
    check_weights(weighted, pd.read_csv(HERE / "weights.csv"))
    # 57 "don't know" and 8 unanswered of 747 members are left out.
    assert len(weighted.persons) == 747 - 57 - 8
    assert int(weighted.person_classes["dont_know"].sum()) == 57


def test_incidence_without_dont_know_and_rate_match_r(weighted):
    check_estimates(weighted, read_expected(HERE / "estimates.csv"))


@pytest.mark.r_live
def test_live_r_reproduces_the_committed_values(weighted, tmp_path):
    if not _r_available():
        pytest.skip("Rscript or the R survey package is not installed")
    result = subprocess.run(
        [
            "Rscript",
            str(HERE / "reference_person_nonresponse.R"),
            str(HERE / "persons.csv"),
            str(POPULATION),
            str(tmp_path / "weights.csv"),
            str(tmp_path / "estimates.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    check_weights(weighted, pd.read_csv(tmp_path / "weights.csv"))
    check_estimates(weighted, read_expected(tmp_path / "estimates.csv"))
