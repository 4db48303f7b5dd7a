"""Standard populations and direct standardisation; expected values from docs/methods.md §7
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
    # docs/methods.md §7: 85+ (collapsed) = 6 348 per million
    weights = standard_weights("who2000", [0, 85])
    assert weights["85+"] == 6348


def test_china2010_report_groups_by_hand():
    # 0-14 = 75 532 610 + 70 881 549 + 74 908 462 = 221 322 621 (docs/methods.md §7)
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


def test_an_age_group_missing_in_a_domain_is_merged_and_said():
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
    result = standardized_estimates(
        design, "injured", weights=pd.Series({"0-14": 1.0, "15+": 1.0}), by=["sex"]
    ).set_index("level")
    # women have nobody aged 15+: that group's weight joins 0-14, whose rate is 1/2 (by hand)
    assert result.loc["2", "collapsed"] == "15+→0-14"
    assert result.loc["2", "estimate"] == pytest.approx(0.5)
    assert result.loc["1", "collapsed"] == ""


def test_headline_standardisation_uses_five_year_groups_like_r():
    # R svystandardize / svycontrast on the China 2010 census in 5-year groups to 85+
    # (tests/reference/standardize_5y.R), overall and by sex, through estimates.csv's code path.
    from injury_survey.estimation import estimate_indicators

    persons = pd.read_csv(
        REFERENCE / "data" / "survey_persons.csv", dtype={"stratum_id": str, "psu_id": str}
    ).rename(columns={"weight_nr": "weight"})
    expected = pd.read_csv(
        REFERENCE / "expected_standardized_5y.csv", comment="#", dtype={"level": str}
    )
    table = estimate_indicators(
        persons, settings={"standard_population": "china2010"}, age_groups=[0, 15, 45, 65]
    )
    names = {
        "incidence_std": "injury_incidence_std",
        "episode_rate_std": "episode_rate_per_1000py_std",
    }
    scale = {"incidence_std": 1.0, "episode_rate_std": 1000.0}
    for row in expected.itertuples():
        ours = table[
            (table["indicator"] == names[row.indicator])
            & (table["by"] == row.by)
            & (table["level"].astype(str) == row.level)
        ]
        assert len(ours) == 1
        assert ours["estimate"].iloc[0] == pytest.approx(
            row.estimate * scale[row.indicator], rel=1e-8
        )
        assert ours["se"].iloc[0] == pytest.approx(row.se * scale[row.indicator], rel=1e-8)
        assert "5-year groups to 85+" in ours["method"].iloc[0]


def test_an_empty_five_year_group_lends_its_weight_to_the_younger_neighbour():
    # By hand: three groups with standard shares 1/2, 1/4, 1/4; nobody in the middle group, so
    # its share goes to the youngest: ASR = 0.75·(1/2) + 0.25·(1/4)... rates 0.5 and 0.25.
    persons = pd.DataFrame(
        {
            "stratum_id": ["A"] * 4 + ["B"] * 4,
            "psu_id": ["1", "1", "2", "2"] * 2,
            "weight": 1.0,
            "injured": [1, 0, 1, 0, 1, 0, 0, 0],
            "band": ["0-4", "0-4", "0-4", "0-4", "10+", "10+", "10+", "10+"],
        }
    )
    design = SurveyDesign(persons)
    weights = pd.Series([2.0, 1.0, 1.0], index=["0-4", "5-9", "10+"])
    result = standardized_estimates(design, "injured", weights=weights, age_group="band")
    # rate 0-4 = 2/4 = 0.5, rate 10+ = 1/4 = 0.25; shares 0.75 and 0.25 after the merge
    assert result["estimate"].iloc[0] == pytest.approx(0.75 * 0.5 + 0.25 * 0.25)
    assert result["collapsed"].iloc[0] == "5-9→0-4"


def test_every_merged_five_year_group_is_recorded_as_an_adjustment(tmp_path):
    # Nobody aged 80-84 in the sample, and no woman aged 75-79: the standardised rates merge
    # 80-84 into 75-79 for everyone, and for women 75-79 into 70-74 and 80-84 into 70-74 too
    # (the nearest younger group with persons). Each merge is one adjustment of stage 05.
    from injury_survey.adjustments import AdjustmentWarning, read_adjustments, write_adjustments
    from injury_survey.estimation import estimate_indicators, standardization_adjustments

    persons = pd.read_csv(
        REFERENCE / "data" / "survey_persons.csv", dtype={"stratum_id": str, "psu_id": str}
    ).rename(columns={"weight_nr": "weight"})
    ages = persons["age_years"]
    drop = ages.between(80, 84) | (ages.between(75, 79) & (persons["sex"] == 2))
    persons = persons[~drop].reset_index(drop=True)
    assert ages.between(75, 79).sum() > drop.sum() - ages.between(80, 84).sum() > 0
    settings = {"standard_population": "who2000", "standardization_top_age": 85}
    table = estimate_indicators(persons, settings=settings, age_groups=[0, 15, 45, 65])
    items = standardization_adjustments(table, settings, wave="baseline", stage="05")
    found = {(item.where, item.kind) for item in items}
    kind = "standardization_groups_merged"
    assert found == {
        ("age group 80-84, all persons", kind),
        ("age group 80-84, sex = 1", kind),
        ("age group 75-79, sex = 2", kind),
        ("age group 80-84, sex = 2", kind),
    }
    women = [item for item in items if item.where == "age group 80-84, sex = 2"][0]
    assert "to the group 70-74" in women.detail_en and "并入70-74组" in women.detail_zh
    assert "incidence and age-standardised injury episodes" in women.detail_en
    assert women.setting == (
        "estimation.standard_population: who2000; estimation.standardization_top_age: 85"
    )
    # the same merges the method column states
    std = table[table["indicator"] == "injury_incidence_std"].set_index("level")
    assert std.loc["2", "method"].endswith("empty age groups merged: 75-79→70-74; 80-84→70-74")
    # written like every stage's adjustments, they reach the run summary and report §2.8
    with pytest.warns(AdjustmentWarning) as shown:
        write_adjustments(items, tmp_path / "baseline" / "adjustments" / "05.csv")
    assert len(shown) == 4 and len(read_adjustments(tmp_path)) == 4


def test_no_merge_no_adjustment():
    from injury_survey.estimation import estimate_indicators, standardization_adjustments

    persons = pd.read_csv(
        REFERENCE / "data" / "survey_persons.csv", dtype={"stratum_id": str, "psu_id": str}
    ).rename(columns={"weight_nr": "weight"})
    settings = {"standard_population": "china2010", "standardization_top_age": 20}
    table = estimate_indicators(persons, settings=settings, age_groups=[0, 15, 45, 65])
    assert not table["method"].str.contains("merged").any()
    assert standardization_adjustments(table, settings, wave="w", stage="05") == []
