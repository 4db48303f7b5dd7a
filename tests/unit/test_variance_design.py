"""Certainty PSUs and finite population corrections, on designs small enough to do by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.design_spec import SurveyDesignError
from injury_survey.estimation import lonely_psu_adjustments
from injury_survey.survey_design import SurveyDesign
from injury_survey.variance_design import (
    STAGE1_SIZE,
    STAGE2_SIZE,
    VARIANCE_PSU,
    VARIANCE_STRATUM,
    VarianceDeclaration,
    VarianceDeclarationError,
    variance_columns,
)
from injury_survey.weighting import WeightingError, variance_design_columns


def three_psus() -> pd.DataFrame:
    """One stratum of 6 frame PSUs, 3 sampled, 2 of 4 listed households each, one person per
    household, weight 1: household values (0, 2), (1, 3), (4, 5)."""
    return pd.DataFrame(
        {
            "stratum_id": ["S"] * 6,
            "psu_id": ["1", "1", "2", "2", "3", "3"],
            "hh_id": ["1a", "1b", "2a", "2b", "3a", "3b"],
            "certainty": [0] * 6,
            "psus_in_frame": [6] * 6,
            "households_listed": [4] * 6,
            "weight": [1.0] * 6,
            "y": [0.0, 2.0, 1.0, 3.0, 4.0, 5.0],
        }
    )


def total_se(data: pd.DataFrame, fpc: str, certainty_psus: str = "own_strata") -> float:
    design = SurveyDesign(
        data, variance=VarianceDeclaration(certainty_psus=certainty_psus, fpc=fpc)
    )
    return float(design.total("y")["se"].iloc[0])


def test_first_and_two_stage_fpc_by_hand():
    # PSU totals 2, 4, 9: mean 5, squared deviations 9 + 1 + 16 = 26.
    # with replacement: 3/2 * 26 = 39
    assert total_se(three_psus(), "none") ** 2 == pytest.approx(39.0, rel=1e-12)
    # first stage: (1 - 3/6) * 39 = 19.5
    assert total_se(three_psus(), "first_stage") ** 2 == pytest.approx(19.5, rel=1e-12)
    # second stage, per PSU (1 - 2/4) * 2/1 * Σ(y - ȳ)²: 0.5*2*2 + 0.5*2*2 + 0.5*2*0.5 = 4.5,
    # times the first-stage sampling fraction 3/6: 2.25. Total 19.5 + 2.25.
    assert total_se(three_psus(), "two_stage") ** 2 == pytest.approx(21.75, rel=1e-12)


def test_a_certainty_psu_is_a_stratum_of_its_households():
    data = three_psus()
    data.loc[data["psu_id"] == "3", "certainty"] = 1
    data.loc[data["psu_id"] == "3", "households_listed"] = 3
    columns = variance_columns(
        data,
        strata="stratum_id",
        psu="psu_id",
        declaration=VarianceDeclaration("own_strata", "two_stage"),
    )
    assert columns[VARIANCE_STRATUM].tolist() == ["S"] * 4 + ["S/3 (certainty)"] * 2
    assert columns[VARIANCE_PSU].tolist() == ["1", "1", "2", "2", "3a", "3b"]
    # others: 6 frame PSUs less 1 certainty; the certainty stratum's units: its 3 households
    assert columns[STAGE1_SIZE].tolist() == [5, 5, 5, 5, 3, 3]
    assert columns[STAGE2_SIZE].tolist() == [4, 4, 4, 4, 1, 1]
    # By hand, with replacement: PSUs 1, 2 (totals 2, 4): 2/1 * (1 + 1) = 4; certainty
    # households 4, 5: 2/1 * (0.25 + 0.25) = 1. Total 5.
    assert total_se(data, "none") ** 2 == pytest.approx(5.0, rel=1e-12)
    # first stage: (1 - 2/5) * 4 + (1 - 2/3) * 1
    assert total_se(data, "first_stage") ** 2 == pytest.approx(0.6 * 4 + 1 / 3, rel=1e-12)
    # two stage adds (2/5) * (0.5*2*2 + 0.5*2*2) for PSUs 1, 2; the certainty households have
    # no stage below them
    assert total_se(data, "two_stage") ** 2 == pytest.approx(0.6 * 4 + 1 / 3 + 0.4 * 4, rel=1e-12)
    # as sampled: three PSUs with replacement, as in the first test
    assert total_se(data, "none", "as_sampled") ** 2 == pytest.approx(39.0, rel=1e-12)


def test_a_certainty_stratum_is_not_lonely_but_a_single_other_psu_is():
    data = three_psus()
    data.loc[data["psu_id"] != "1", "certainty"] = 1
    design = SurveyDesign(
        data, lonely_psu="center", variance=VarianceDeclaration("own_strata", "none")
    )
    assert design.lonely_strata == ["S"]
    adjustments = lonely_psu_adjustments(design, wave="baseline", stage="05")
    assert [(a.kind, a.where, a.setting) for a in adjustments] == [
        ("lonely_psu", "stratum S", "estimation.lonely_psu: center")
    ]
    assert "S" in adjustments[0].detail_zh and "。" in adjustments[0].detail_zh
    with pytest.raises(SurveyDesignError, match=r"\['S'\]"):
        SurveyDesign(data, lonely_psu="fail", variance=VarianceDeclaration("own_strata", "none"))
    # fully sampled under the fpc (N = n = 1): no variance, not lonely (as R)
    data["psus_in_frame"] = 3
    whole = SurveyDesign(
        data, lonely_psu="fail", variance=VarianceDeclaration("own_strata", "first_stage")
    )
    assert whole.lonely_strata == []


def test_population_smaller_than_sample_names_the_column_and_the_fix():
    data = three_psus()
    data["psus_in_frame"] = 2
    with pytest.raises(SurveyDesignError, match=r"3 unit\(s\) sampled.*psus_in_frame.*frame"):
        SurveyDesign(data, variance=VarianceDeclaration("own_strata", "first_stage"))
    data = three_psus().drop(columns="households_listed")
    with pytest.raises(SurveyDesignError, match="households_listed.*estimation.fpc: none"):
        SurveyDesign(data, variance=VarianceDeclaration("own_strata", "two_stage"))


def test_bad_settings_and_flags_are_refused():
    with pytest.raises(VarianceDeclarationError, match="estimation.fpc"):
        VarianceDeclaration(fpc="both")
    data = three_psus()
    data.loc[0, "certainty"] = 2
    with pytest.raises(SurveyDesignError, match="must be 0 or 1"):
        SurveyDesign(data, variance=VarianceDeclaration("own_strata", "none"))


def sample_list(**extra) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hh_id": ["a1", "a2", "b1", "b2", "b3"],
            "stratum_id": ["S"] * 5,
            "psu_id": ["A", "A", "B", "B", "B"],
            "pi_psu": [1.0, 1.0, 0.5, 0.5, 0.5],
            "pi_hh": [0.1, 0.1, 0.3, 0.3, 0.3],
            **extra,
        }
    )


def test_design_columns_from_the_sample_list_and_the_frame():
    frame = pd.DataFrame({"stratum_id": ["S"] * 5, "psu_id": list("ABCDE")})
    columns = variance_design_columns(sample_list(), frame)
    assert columns["certainty"].tolist() == [1, 1, 0, 0, 0]  # from pi_psu = 1
    assert columns["households_listed"].tolist() == [20, 20, 10, 10, 10]  # 2/0.1, 3/0.3
    assert columns["psus_in_frame"].tolist() == [5] * 5
    declared = variance_design_columns(sample_list(certainty=[0, 0, 0, 0, 0]), None)
    assert declared["certainty"].tolist() == [0] * 5  # the sample list's column wins
    blank = variance_design_columns(sample_list(certainty=[None, None, 0, None, None]), None)
    assert blank["certainty"].tolist() == [1, 1, 0, 0, 0]  # where blank: from pi_psu
    assert declared["psus_in_frame"].isna().all()
    with pytest.raises(WeightingError, match="certainty must be 0 or 1"):
        variance_design_columns(sample_list(certainty=[1, 1, 0, 0, "yes"]), None)
    with pytest.raises(WeightingError, match="hh_id b1 is in a PSU marked certainty = 1.*0.5"):
        variance_design_columns(sample_list(certainty=[1, 1, 1, 1, 1]), None)


def test_calibration_cell_labels_are_the_values_joined_by_bars():
    from injury_survey.design_spec import joined_label

    frame = pd.DataFrame(
        {"stratum_id": ["S1", "S2", "S1"], "sex": [1, 2, 2], "age": ["0-14", "65+", "15-44"]}
    )
    assert joined_label(frame, ["stratum_id", "sex", "age"]).tolist() == [
        "S1|1|0-14",
        "S2|2|65+",
        "S1|2|15-44",
    ]
    assert joined_label(frame, ["sex"]).tolist() == ["1", "2", "2"]
    frame.loc[2, "age"] = None
    with pytest.raises(SurveyDesignError, match="'age' is missing for 1 row.*row 3"):
        joined_label(frame, ["stratum_id", "age"])


def test_two_stage_coefficients_with_nothing_identified_are_returned_as_they_came():
    """A tiny domain where svy identifies no coefficient (no SE anywhere): nothing to recompute,
    the table comes back unchanged (the e2e tiny survey's logistic model is such a case)."""
    import numpy as np

    from injury_survey.two_stage_variance import INTERCEPT, two_stage_coefficient_se

    coefficients = pd.DataFrame(
        {
            "term": [INTERCEPT, "male"],
            "estimate": [np.nan, np.nan],
            "se": [np.nan, np.nan],
            "ci_lower": [np.nan, np.nan],
            "ci_upper": [np.nan, np.nan],
            "p_value": [np.nan, np.nan],
            "df": [0, 0],
        }
    )

    class NoDesign:
        data = pd.DataFrame({"male": [1.0, 0.0]})

    out = two_stage_coefficient_se(
        NoDesign(), coefficients, "injured", ["male"], where=None, confidence=0.95
    )
    pd.testing.assert_frame_equal(out, coefficients)


def test_a_table_test_with_an_empty_cell_is_marked_first_stage_only():
    """Under a two-stage fpc an empty cell leaves the two-stage Rao–Scott undefined: svy's
    first-stage test is used and marked, so the report can say so beside it."""
    data = pd.concat([three_psus()] * 4, ignore_index=True)
    data["hh_id"] = [f"{h}{i // 6}" for i, h in enumerate(data["hh_id"])]
    data["households_listed"] = 16
    data["row"] = [0, 1] * 12
    data["column"] = [0, 0, 1, 1, 1, 1] * 4
    full = SurveyDesign(data, variance=VarianceDeclaration("own_strata", "two_stage"))
    assert not full.rao_scott("row", "column").attrs.get("first_stage_only")
    data.loc[(data["row"] == 1) & (data["column"] == 0), "column"] = 1  # cell (1, 0) empty
    empty = SurveyDesign(data, variance=VarianceDeclaration("own_strata", "two_stage"))
    assert empty.rao_scott("row", "column").attrs["first_stage_only"] is True
    fixed = SurveyDesign(data, variance=VarianceDeclaration("own_strata", "none"))
    assert fixed.rao_scott("row", "column").attrs["first_stage_only"] is False
