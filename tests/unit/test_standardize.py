"""Standard populations and direct standardisation; expected values from domain-reference §7
and R (svystandardize / svycontrast, in tests/reference/expected_survey.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from injury_survey.standardize import (
    StandardizationError,
    age_group_labels,
    assign_age_group,
    load_standard_population,
    standard_weights,
    standardized_estimates,
)
from injury_survey.survey_design import SurveyDesign

REFERENCE = Path(__file__).parents[1] / "reference"


@pytest.mark.parametrize(
    ("name", "total", "rows"),
    [("china2010", 1_332_810_869, 21), ("who2000", 1_000_000, 21), ("segi", 100_000, 18)],
)
def test_standard_totals_are_the_published_ones(name, total, rows):
    table = load_standard_population(name)
    assert len(table) == rows
    assert table["population"].sum() == total


def test_who_85_plus_collapses_to_6348():
    # domain-reference §7: 85+ (collapsed) = 6 348 per million
    weights = standard_weights("who2000", [0, 85])
    assert weights["85+"] == 6348


def test_china2010_report_groups_by_hand():
    # 0-14 = 75 532 610 + 70 881 549 + 74 908 462 = 221 322 621 (domain-reference §7)
    weights = standard_weights("china2010", [0, 15, 45, 65])
    assert weights["0-14"] == 221_322_621
    assert weights.sum() == 1_332_810_869


def test_bounds_off_the_five_year_grid_are_refused():
    with pytest.raises(StandardizationError, match="multiples of 5"):
        standard_weights("segi", [0, 18])


def test_labels_and_assignment():
    assert age_group_labels([0, 15, 45, 65]) == ["0-14", "15-44", "45-64", "65+"]
    groups = assign_age_group(pd.Series([0, 14, 15, 64, 65, 101, None]), [0, 15, 45, 65])
    assert groups.astype(str).tolist()[:6] == ["0-14", "0-14", "15-44", "45-64", "65+", "65+"]
    assert pd.isna(groups.iloc[6])


def test_standardised_incidence_equals_r_svystandardize():
    persons = pd.read_csv(
        REFERENCE / "data" / "survey_persons.csv", dtype={"stratum_id": str, "psu_id": str}
    )
    expected = pd.read_csv(REFERENCE / "expected_survey.csv", dtype=str, keep_default_na=False)
    rows = expected[
        (expected["block"] == "uncalibrated") & (expected["indicator"] == "incidence_std")
    ]
    design = SurveyDesign(persons, weight="weight_nr")
    ours = standardized_estimates(
        design, "injured", weights=standard_weights("china2010", [0, 15, 45, 65]), by=["sex"]
    )
    merged = ours.merge(rows, on=["by", "level"], suffixes=("", "_r"))
    assert len(merged) == 3
    for column in ("estimate", "se"):
        assert merged[column].to_numpy() == pytest.approx(
            merged[f"{column}_r"].astype(float).to_numpy(), rel=1e-8
        )


def test_missing_age_group_in_a_domain_is_a_clear_error():
    persons = pd.DataFrame(
        {
            "stratum_id": ["A"] * 4,
            "psu_id": ["1", "1", "2", "2"],
            "weight": [1.0] * 4,
            "injured": [0, 1, 0, 1],
            "age_group": ["0-14", "15+", "0-14", "0-14"],
            "sex": [1, 1, 2, 2],
        }
    )
    design = SurveyDesign(persons)
    with pytest.raises(ValueError, match="No sample persons in the age_group"):
        standardized_estimates(
            design, "injured", weights=pd.Series({"0-14": 1.0, "15+": 1.0}), by=["sex"]
        )
