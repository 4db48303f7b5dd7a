"""Design-file checks (frame, sample list, census): expected findings worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.census_coverage import resolve_census_gaps
from injury_survey.cleaning.design import (
    DesignCheckError,
    check_design_files,
    raise_design_errors,
)
from injury_survey.intake import AGE_GROUPS_5Y


def _frame() -> pd.DataFrame:
    # Stratum A: sizes 10, 30, 60 (total 100). Taking 2 PSUs by PPS, 60 >= 100 / 2 is a certainty
    # PSU (pi = 1); the other is drawn from 10 + 30 = 40, so PSU A2 has pi = 30 / 40 = 0.75.
    return pd.DataFrame(
        {
            "stratum_id": ["A", "A", "A"],
            "psu_id": ["A1", "A2", "A3"],
            "households": pd.array([10, 30, 60], dtype="Int64"),
        }
    )


def _sample(pi_a2: float = 0.75, pi_hh_a3: float = 3 / 60) -> pd.DataFrame:
    # Three households in each sampled PSU: pi_hh = 3 / 30 in A2 and 3 / 60 in A3.
    return pd.DataFrame(
        {
            "hh_id": [f"h{i}" for i in range(6)],
            "stratum_id": ["A"] * 6,
            "psu_id": ["A2"] * 3 + ["A3"] * 3,
            "pi_psu": [pi_a2] * 3 + [1.0] * 3,
            "pi_hh": [0.1] * 3 + [pi_hh_a3] * 3,
        }
    )


def test_a_consistent_design_has_no_findings():
    assert check_design_files({"frame": _frame(), "sample": _sample()}).empty


def test_pi_that_ignores_the_certainty_psu_warns():
    # 2 × 30 / 100 = 0.6 is what PPS gives without taking A3 with certainty: 20 % off 0.75.
    issues = check_design_files({"frame": _frame(), "sample": _sample(pi_a2=0.6)})
    assert set(issues["rule_id"]) == {"XC1"}
    assert list(issues["source_row"]) == [2, 3, 4]
    assert (issues["severity"] == "warn").all()


def test_pi_hh_against_the_frame_count_warns():
    issues = check_design_files({"frame": _frame(), "sample": _sample(pi_hh_a3=0.06)})
    assert set(issues["rule_id"]) == {"XC2"}
    assert list(issues["record_id"]) == ["h3", "h4", "h5"]


def test_blank_pi_is_an_error_not_a_pass():
    sample = _sample()
    sample["pi_hh"] = pd.array([0.1, None, 0.1, 0.05, 0.05, 0.05], dtype="Float64")
    issues = check_design_files({"frame": _frame(), "sample": sample})
    assert list(issues[issues["severity"] == "error"]["rule_id"]) == ["SL5"]
    with pytest.raises(DesignCheckError, match=r"row 3, column 'pi_hh'.*SL5"):
        raise_design_errors(issues, stage="weights")


def test_frame_rules_and_configured_strata():
    frame = _frame()
    frame.loc[2, "psu_id"] = "A1"
    frame.loc[1, "households"] = 0
    issues = check_design_files({"frame": frame}, strata={"A": {}, "B": {}})
    assert sorted(zip(issues["rule_id"], issues["source_row"], strict=True)) == [
        ("FR1", 2),
        ("FR1", 4),
        ("FR2", 3),
    ]
    issues = check_design_files({"frame": _frame()}, strata={"B": {"zh": "乙", "en": "B"}})
    assert list(issues["rule_id"]) == ["FR3"] * 3


def test_census_rules():
    census = pd.DataFrame(
        {
            "stratum_id": ["A", "A", "A"],
            "sex": [1, 1, 2],
            "age_group": ["0-4", "0-4", "0-4"],
            "population": [5, -1, 3],
        }
    )
    issues = check_design_files({"census": census})
    assert sorted(zip(issues["rule_id"], issues["source_row"], strict=True)) == [
        ("CN1", 3),
        ("CN2", 2),
        ("CN2", 3),
    ]


def _full_census(drop: str) -> pd.DataFrame:
    rows = [
        {"stratum_id": "A", "sex": sex, "age_group": age, "population": 10}
        for sex in (1, 2)
        for age in AGE_GROUPS_5Y
        if not (sex == 1 and age == drop)
    ]
    return pd.DataFrame(rows)


PEOPLE = pd.DataFrame({"stratum_id": ["A", "A"], "sex": [1, 2], "age_group_5y": ["40-44", "0-4"]})


def test_missing_census_cell_stops_by_default():
    with pytest.raises(DesignCheckError, match=r"CN3.*stratum A, sex 1, age 40-44 \(1 resp"):
        resolve_census_gaps(_full_census("40-44"), PEOPLE, policy="fail", age_groups=[0, 15, 45])


def test_collapse_counts_the_cell_in_the_older_neighbour():
    # 40-44 missing: nearest groups 45-49 and 35-39, the older one wins the tie; 45-49 is in the
    # report group 45+, so the calibration cells 15-44 and 45+ of stratum A, sex 1 are merged.
    gaps = resolve_census_gaps(
        _full_census("40-44"), PEOPLE, policy="collapse", age_groups=[0, 15, 45]
    )
    assert gaps[["age_group", "counted_in", "report_group", "merge_with"]].values.tolist() == [
        ["40-44", "45-49", "15-44", "45+"]
    ]
    # 20-24 missing: 25-29 is in the same report group, nothing to merge.
    gaps = resolve_census_gaps(
        _full_census("20-24"), PEOPLE, policy="collapse", age_groups=[0, 15, 45]
    )
    assert gaps[["counted_in", "merge_with"]].values.tolist() == [["25-29", ""]]


def test_sampled_household_without_a_row_warns():
    households = pd.DataFrame({"hh_id": ["h0", "h1", "h2", "h3", "h5"]})
    issues = check_design_files({"frame": _frame(), "sample": _sample(), "households": households})
    assert issues[["rule_id", "record_id", "severity"]].values.tolist() == [["SL7", "h4", "warn"]]
