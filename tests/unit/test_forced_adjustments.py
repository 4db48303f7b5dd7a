"""Adjustments recorded from cleaning and weighting results, and the report's list of them."""

import pandas as pd

from injury_survey.forced_adjustments import (
    rows_set_aside,
    weighting_adjustments,
)


class _Clean:
    accounting = pd.DataFrame(
        {
            "table": ["households", "persons", "episodes"],
            "raw_rows": [10, 30, 4],
            "clean_rows": [9, 25, 4],
            "rejected_rows": [1, 5, 0],
            "rejected_own_error": [1, 2, 0],
            "rejected_with_relative": [0, 3, 0],
            "interviews_set_aside": [2, 0, 0],
        }
    )
    rejected = {
        "households": pd.DataFrame({"rule_ids": ["K2"]}),
        "persons": pd.DataFrame({"rule_ids": ["V1, K6", "V1", "", "", ""]}),
        "episodes": pd.DataFrame({"rule_ids": pd.Series(dtype=str)}),
    }


def test_rows_set_aside_per_table_with_main_rules():
    items = rows_set_aside(_Clean(), wave="baseline", stage="03")
    assert [(a.where, a.kind) for a in items] == [
        ("households", "rows_set_aside"),
        ("households", "rows_set_aside"),
        ("persons", "rows_set_aside"),
    ]
    assert "5 of 30 persons rows" in items[2].detail_en
    assert (
        "V1 ×2, K6 ×1" in items[2].detail_en and "3 with a rejected relative" in items[2].detail_en
    )
    assert "2 household interview(s) set aside" in items[1].detail_en


class _Weights:
    nonresponse_classes = pd.DataFrame(
        {
            "nr_class": ["PSU S1/P1", "stratum S2 all PSUs"],
            "stratum_id": ["S1", "S2"],
            "psus": ["P1", "P3, P4"],
            "eligible": [5, 10],
            "respondents": [5, 4],
            "collapsed": [False, True],
        }
    )
    calibration_cells = pd.DataFrame(
        {
            "stratum_id": ["S1", "S1", "S1"],
            "sex": [1, 1, 1],
            "age_group": ["0-14", "15-44", "65+"],
            "respondents": [3, 30, 25],
            "calibration_cell": ["S1|1|0-14+15-44", "S1|1|0-14+15-44", "S1|1|65+"],
            "collapsed": [True, True, False],
        }
    )
    census_collapsed = None


def test_weighting_adjustments_name_the_setting():
    settings = {"min_class_respondents": 5, "min_cell_respondents": 20}
    items = weighting_adjustments(_Weights(), wave="baseline", stage="04", settings=settings)
    assert [(a.kind, a.where, a.setting) for a in items] == [
        ("nonresponse_class_collapsed", "stratum S2 all PSUs", "weights.min_class_respondents=5"),
        ("calibration_cell_collapsed", "S1|1|0-14+15-44", "weights.min_cell_respondents=20"),
    ]
    assert "age groups 0-14, 15-44 calibrated together (33 respondents)" in items[1].detail_en
