"""Weighting steps checked against hand calculations (shown in comments)."""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.weighting import (
    WeightingError,
    base_weights,
    census_by_report_age,
    collapse_cells,
    compute_weights,
    kish_weighting_effect,
    nonresponse_adjust,
)
from injury_survey.weighting_classes import (
    person_nonresponse_adjust,
    person_nonresponse_adjustments,
)


def sample_list() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hh_id": ["h1", "h2", "h3", "h4"],
            "stratum_id": ["A", "A", "A", "B"],
            "psu_id": ["p1", "p1", "p1", "p2"],
            "pi_psu": [0.5, 0.5, 0.5, 0.25],
            "pi_hh": [0.1, 0.1, 0.1, 0.2],
        }
    )


def test_base_weight_is_inverse_of_both_stage_probabilities():
    households = pd.DataFrame({"hh_id": ["h1", "h4"], "result_code": [1, 1]})
    out = base_weights(households, sample_list()).set_index("hh_id")
    # h1: 1 / (0.5 * 0.1) = 20; h4: 1 / (0.25 * 0.2) = 20
    assert out.loc["h1", "weight_base"] == pytest.approx(20.0)
    assert out.loc["h4", "weight_base"] == pytest.approx(20.0)
    assert out.loc["h4", "stratum_id"] == "B"


def test_household_missing_from_sample_list_names_file_and_row():
    households = pd.DataFrame(
        {
            "hh_id": ["h1", "zz"],
            "result_code": [1, 1],
            "source_file": ["households.csv", "households.csv"],
            "source_row": [2, 3],
        }
    )
    with pytest.raises(WeightingError, match=r"zz \(households.csv, row 3\)"):
        base_weights(households, sample_list())


def households_for_nonresponse() -> pd.DataFrame:
    # PSU p1: 6 eligible (codes 1,1,1,1,1,5), 1 vacant (6); PSU p2: 2 respondents, 1 refusal.
    return pd.DataFrame(
        {
            "hh_id": [f"h{i}" for i in range(10)],
            "stratum_id": ["A"] * 7 + ["A"] * 3,
            "psu_id": ["p1"] * 7 + ["p2"] * 3,
            "weight_base": [10.0] * 7 + [30.0] * 3,
            "result_code": [1, 1, 1, 1, 1, 5, 6, 1, 2, 5],
        }
    )


def test_nonresponse_adjustment_within_psu_excludes_ineligible():
    out, classes = nonresponse_adjust(households_for_nonresponse(), by="psu", min_respondents=2)
    # p1: eligible base weight 6*10 = 60, respondents 5*10 = 50 -> factor 1.2 -> w1 = 12;
    # the vacant dwelling (code 6) is neither eligible nor weighted.
    # p2: eligible 3*30 = 90, respondents 2*30 = 60 -> factor 1.5 -> w1 = 45.
    by_id = out.set_index("hh_id")["weight_nr"]
    assert by_id["h0"] == pytest.approx(12.0)
    assert by_id["h7"] == pytest.approx(45.0)
    assert pd.isna(by_id["h5"]) and pd.isna(by_id["h6"])
    assert classes.set_index("nr_class").loc["PSU A/p1", "factor"] == pytest.approx(1.2)
    # the eligible weight is preserved: 60 + 90 = 5*12 + 2*45
    assert out["weight_nr"].sum() == pytest.approx(150.0)


def test_interview_set_aside_by_cleaning_is_an_eligible_non_response():
    households = households_for_nonresponse()
    households["interview_set_aside"] = [True] + [False] * 9  # h0: a member's record failed
    out, classes = nonresponse_adjust(households, by="psu", min_respondents=2)
    # p1: eligible 60 as before, respondents now 4*10 = 40 -> factor 1.5 -> w1 = 15 (hand).
    assert pd.isna(out.set_index("hh_id").loc["h0", "weight_nr"])
    assert classes.set_index("nr_class").loc["PSU A/p1", "factor"] == pytest.approx(1.5)
    assert out["weight_nr"].sum() == pytest.approx(150.0)


def test_small_psu_class_is_collapsed_into_its_stratum():
    out, classes = nonresponse_adjust(households_for_nonresponse(), by="psu", min_respondents=5)
    # p2 has 2 < 5 respondents; pooled alone it is still < 5, so the stratum is one class:
    # eligible 60 + 90 = 150, respondents 50 + 60 = 110 -> factor 150/110.
    assert len(classes) == 1 and bool(classes["collapsed"].iloc[0])
    assert classes["factor"].iloc[0] == pytest.approx(150 / 110)
    assert out.set_index("hh_id").loc["h7", "weight_nr"] == pytest.approx(30 * 150 / 110)


def test_census_five_year_groups_sum_into_report_groups():
    census = pd.DataFrame(
        {
            "stratum_id": ["A"] * 4,
            "sex": [1] * 4,
            "age_group": ["0-4", "5-9", "10-14", "85+"],
            "population": [1, 2, 4, 8],
        }
    )
    out = census_by_report_age(census, [0, 10])
    assert out["age_group"].astype(str).tolist() == ["0-9", "10+"]
    assert out["population"].tolist() == [3, 12]  # 1+2, 4+8
    with pytest.raises(WeightingError, match="multiples of 5"):
        census_by_report_age(census, [0, 12])


def test_sparse_cells_merge_with_the_smaller_neighbouring_age_group():
    counts = pd.DataFrame(
        {
            "stratum_id": ["A"] * 4,
            "sex": [1] * 4,
            "age_group": pd.Categorical(["0-14", "15-44", "45-64", "65+"], ordered=True),
            "respondents": [30, 40, 5, 25],
        }
    )
    labels = collapse_cells(counts, 20).tolist()
    # 45-64 (5) merges with its smaller neighbour 65+ (25), giving 30 >= 20.
    assert labels == ["A|1|0-14", "A|1|15-44", "A|1|45-64+65+", "A|1|45-64+65+"]


def test_kish_weighting_effect_by_hand():
    # w = 1, 1, 2, 4: n Σw² / (Σw)² = 4 * 22 / 64 = 1.375
    assert kish_weighting_effect(pd.Series([1, 1, 2, 4])) == pytest.approx(1.375)


def small_survey():
    """Two strata x two PSUs x 3 households x 2 persons; census in 5-year groups."""
    rows, persons, sample = [], [], []
    for stratum in ("A", "B"):
        for psu in ("1", "2"):
            for k in range(3):
                hh = f"{stratum}{psu}-{k}"
                sample.append((hh, stratum, psu, 0.5, 0.2))
                rows.append((hh, psu, 1))
                for line, (sex, age) in enumerate(((1, 30), (2, 8 + 20 * k))):
                    persons.append((f"{hh}-{line}", hh, sex, age, 0, 0, 1.0))
    households = pd.DataFrame(rows, columns=["hh_id", "psu_id", "result_code"])
    sample = pd.DataFrame(sample, columns=["hh_id", "stratum_id", "psu_id", "pi_psu", "pi_hh"])
    persons = pd.DataFrame(
        persons,
        columns=["person_id", "hh_id", "sex", "age_years", "injured", "n_episodes", "person_years"],
    )
    census = pd.DataFrame(
        [
            (s, sex, f"{a}-{a + 4}", 100)
            for s in ("A", "B")
            for sex in (1, 2)
            for a in range(0, 85, 5)
        ]
        + [(s, sex, "85+", 100) for s in ("A", "B") for sex in (1, 2)],
        columns=["stratum_id", "sex", "age_group", "population"],
    )
    return households, persons, sample, census


def test_poststratified_weights_hit_census_cells():
    households, persons, sample, census = small_survey()
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "poststratify", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    )
    weights = result.persons
    # base weight 1/(0.5*0.2) = 10, everyone responded.
    assert (weights["weight_base"] == 10).all()
    # Women in stratum A: two each aged 8, 28 and 48 (one per PSU). Census women of A:
    # 0-14 = 3 five-year groups x 100 = 300 -> 300 / 2 = 150 each; 15-44 = 6 x 100 -> 300 each;
    # 45+ = 45-49 ... 80-84 (8 groups) + 85+ = 900 -> 450 each.
    women = weights[(weights["stratum_id"] == "A") & (weights["sex"] == 2)]
    by_group = women.groupby("age_group")["weight"].unique()
    assert by_group["0-14"] == pytest.approx([150.0])
    assert by_group["15-44"] == pytest.approx([300.0])
    assert by_group["45+"] == pytest.approx([450.0])
    # Stratum and sex margins are pinned; the age margin is not, because the men's empty age
    # cells were merged (their census is carried by the 30-year-olds).
    check = result.totals_check
    assert check.loc[check["margin"] != "age_group", "difference"].abs().max() < 1e-6
    assert check.loc[check["margin"] == "age_group", "difference"].abs().max() > 1
    assert {"person_years", "injured", "n_episodes"} <= set(weights.columns)


def test_empty_cells_collapse_and_are_reported():
    households, persons, sample, census = small_survey()
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "poststratify", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    )
    # Men are all 30: their 0-14 and 45+ cells are empty and merge into 15-44, so the men's
    # weights carry the whole male census: 0-4 ... 80-84 and 85+ = 18 groups x 100 = 1800 / 6.
    men = result.persons[(result.persons["stratum_id"] == "A") & (result.persons["sex"] == 1)]
    # With min 1 the merge happens because 0 < 1.
    assert men["calibration_cell"].iloc[0] == "A|1|0-14+15-44+45+"
    assert men["weight"].iloc[0] == pytest.approx(1800 / 6)
    assert any("merged" in note for note in result.notes)


def test_households_rejected_by_cleaning_count_as_eligible_non_respondents():
    households, persons, sample, census = small_survey()
    rejected = households[households["hh_id"] == "A1-0"]
    kept = households[households["hh_id"] != "A1-0"]
    result = compute_weights(
        kept,
        persons[persons["hh_id"] != "A1-0"],
        sample,
        census,
        settings={"nonresponse_class": "psu", "min_class_respondents": 1, "calibration": "none"},
        age_groups=[0, 15, 45, 65],
        rejected_households=rejected,
    )
    # PSU A/1: 3 eligible households of base weight 1/(0.5*0.2) = 10, 2 usable -> factor 30/20.
    classes = result.nonresponse_classes.set_index("nr_class")
    assert classes.loc["PSU A/1", "factor"] == pytest.approx(1.5)
    assert any("rejected by the cleaning rules" in note for note in result.notes)


def test_person_in_unknown_household_is_an_error():
    households, persons, sample, census = small_survey()
    persons.loc[0, "hh_id"] = "nope"
    with pytest.raises(WeightingError, match="belong to no household"):
        compute_weights(households, persons, sample, census, settings={}, age_groups=[0, 15, 45])


def test_raked_weights_hit_every_margin():
    households, persons, sample, census = small_survey()
    men = persons["sex"] == 1
    persons.loc[men, "age_years"] = [10, 30, 50] * (int(men.sum()) // 3)
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "rake", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    )
    # Margins from the census: each stratum 2 sexes x 18 groups x 100 = 3600; each sex 3600;
    # age 0-14 = 2 strata x 2 sexes x 3 groups x 100 = 1200.
    check = result.totals_check.set_index(["margin", "level"])
    assert check.loc[("stratum_id", "A"), "census"] == 3600
    assert check.loc[("age_group", "0-14"), "census"] == 1200
    assert check["difference"].abs().max() < 1e-4
    assert result.calibration.method == "rake"


def test_raking_that_cannot_converge_says_so():
    # Men are all 30 and women fill the age margins, so the margins cannot all be met.
    households, persons, sample, census = small_survey()
    with pytest.raises(ValueError, match="Calibration \\(rake\\) failed"):
        compute_weights(
            households,
            persons,
            sample,
            census,
            settings={"calibration": "rake", "min_cell_respondents": 1},
            age_groups=[0, 15, 45],
        )


# --------------------------------------------------------------------------------------------
# Person-level non-response (docs/methods.md "Person-level non-response", "Item non-response").


def members() -> pd.DataFrame:
    """Stratum A. Men 15-44: weights 10, 10, 20, 20, the last answering "don't know" (8).
    Women 15-44: 5, 5, 10, the last with no answer. Men 0-14: 10, 10 screened and a 20 "don't
    know"."""
    return pd.DataFrame(
        {
            "person_id": [f"m{i}" for i in range(4)] + ["w0", "w1", "w2", "c0", "c1", "c2"],
            "stratum_id": "A",
            "sex": [1, 1, 1, 1, 2, 2, 2, 1, 1, 1],
            "age_group": ["15-44"] * 7 + ["0-14"] * 3,
            "weight_nr": [10.0, 10.0, 20.0, 20.0, 5.0, 5.0, 10.0, 10.0, 10.0, 20.0],
            "injured_12m": pd.array([1, 2, 2, 8, 2, 2, pd.NA, 2, 2, 8], dtype="Int64"),
        }
    )


def test_person_nonresponse_factor_by_hand():
    kept, classes = person_nonresponse_adjust(members(), min_respondents=1)
    weights = kept.set_index("person_id")["weight_pnr"]
    # Men 15-44: all members 60, screened 40 -> factor 1.5. Women: 20 / 10 = 2. Boys: 40 / 20.
    assert weights[["m0", "m1", "m2"]].tolist() == pytest.approx([15.0, 15.0, 30.0])
    assert weights[["w0", "w1"]].tolist() == pytest.approx([10.0, 10.0])
    assert weights[["c0", "c1"]].tolist() == pytest.approx([20.0, 20.0])
    assert "m3" not in weights.index and "w2" not in weights.index and "c2" not in weights.index
    # The weight of every class is kept: 60 + 20 + 40.
    assert weights.sum() == pytest.approx(120.0)
    by_class = classes.set_index("person_nr_class")
    assert by_class.loc["A|1|15-44", ["members", "screened", "dont_know"]].tolist() == [4, 3, 1]
    assert by_class.loc["A|2|15-44", ["not_answered", "factor"]].tolist() == [1, 2.0]
    assert not by_class["collapsed"].any()


def test_sparse_person_class_merges_with_neighbouring_age_group():
    # Boys 0-14 have 2 screened < 3: merged with men 15-44 (3 screened): all members
    # 60 + 40 = 100, screened 40 + 20 = 60 (apart, the boys' factor would be 2).
    kept, classes = person_nonresponse_adjust(members(), min_respondents=3)
    merged = classes.set_index("person_nr_class").loc["A|1|0-14+15-44"]
    assert merged["factor"] == pytest.approx(100 / 60) and merged["collapsed"]
    boys = kept[kept["person_id"].isin(["c0", "c1"])]
    assert boys["weight_pnr"].tolist() == pytest.approx([10 * 100 / 60] * 2)
    adjustments = person_nonresponse_adjustments(
        classes,
        wave="baseline",
        settings={"min_person_class_respondents": 3},
        screening_dont_know="exclude",
    )
    kinds = [a.kind for a in adjustments]
    assert kinds == ["item_nonresponse", "person_class_collapsed"]
    assert '2 of 10 members of responding households answered "don\'t know"' in (
        adjustments[0].detail_en
    )
    assert "1 did not answer" in adjustments[0].detail_en


def test_dont_know_counted_as_not_injured_or_not_redistributed():
    kept, _ = person_nonresponse_adjust(members(), min_respondents=1, dont_know="not_injured")
    weights = kept.set_index("person_id")["weight_pnr"]
    # "Don't know" now answers: men 15-44 and boys keep their weights; women still lose w2.
    assert weights[["m0", "m3", "c2"]].tolist() == pytest.approx([10.0, 20.0, 20.0])
    assert weights[["w0"]].tolist() == pytest.approx([10.0])
    kept, classes = person_nonresponse_adjust(members(), by="none")
    assert len(kept) == 7 and (kept["weight_pnr"] == kept["weight_nr"]).all()
    assert (classes["factor"] == 1).all() and not classes["collapsed"].any()
    assert classes["dont_know"].sum() == 2 and classes["not_answered"].sum() == 1


def test_class_without_any_screened_member_is_an_error():
    people = members()
    people.loc[people["sex"] == 2, "injured_12m"] = 8
    with pytest.raises(WeightingError, match="stratum A, sex 2"):
        person_nonresponse_adjust(people, min_respondents=1)


def test_dont_know_is_left_out_and_its_weight_carried_before_calibration():
    households, persons, sample, census = small_survey()
    persons["injured_12m"] = 2
    persons.loc[persons["person_id"] == "A1-0-0", "injured_12m"] = 8  # a man of stratum A
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "none", "min_person_class_respondents": 1},
        age_groups=[0, 15, 45],
    )
    weights = result.persons.set_index("person_id")
    assert "A1-0-0" not in weights.index
    # 6 men of stratum A aged 30, weight 10 each; 5 screened carry 60: 12 each.
    men_a = weights[(weights["stratum_id"] == "A") & (weights["sex"] == 1)]
    assert men_a["weight"].tolist() == pytest.approx([12.0] * 5)
    assert any("don't know" in note for note in result.notes)


def test_members_who_left_are_not_calibrated_to_the_census():
    households, persons, sample, census = small_survey()
    persons["residence_status"] = 1
    # The 8-year-old girl of household A1-0 left: the census women 0-14 of A (300) are the
    # one remaining 8-year-old girl's alone, 300 / 10 = factor 30; the leaver carries it too.
    persons.loc[persons["person_id"] == "A1-0-1", "residence_status"] = 3
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "poststratify", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    )
    weights = result.persons.set_index("person_id")["weight"]
    assert weights["A2-0-1"] == pytest.approx(300.0)
    assert weights["A1-0-1"] == pytest.approx(300.0)
    # The census margins hold for the residents; the leaver's 300 is on top of them.
    check = result.totals_check
    assert check.loc[check["margin"] != "age_group", "difference"].abs().max() < 1e-6
    women_a = result.persons[(result.persons["stratum_id"] == "A") & (result.persons["sex"] == 2)]
    assert women_a["weight"].sum() == pytest.approx(100 * 18 + 300)
    assert any("left or died" in note for note in result.notes)


def test_an_open_age_group_alone_is_not_a_merged_class():
    # "65+" carries a "+" but is no merger: nothing is reported as collapsed.
    people = members().assign(age_group=["65+"] * 7 + ["45-64"] * 3)
    _, classes = person_nonresponse_adjust(people, min_respondents=1)
    assert not classes["collapsed"].any()


def test_open_age_group_calibration_cell_is_not_reported_as_merged():
    households, persons, sample, census = small_survey()
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "poststratify", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    )
    cells = result.calibration_cells.set_index("calibration_cell")["collapsed"]
    # Women have respondents in every group; men only in 15-44 (their cells are merged).
    assert not cells["A|2|45+"]
    assert cells["A|1|0-14+15-44+45+"].all()


def test_who_is_counted_in_incidence_and_person_years():
    """Leavers and joiners are counted with their partial person-time; "don't know" is not."""
    from injury_survey.estimation import estimate_indicators

    households, persons, sample, census = small_survey()
    persons["injured_12m"] = 2
    persons["residence_status"] = 1
    persons.loc[persons["person_id"] == "A1-0-1", ["residence_status", "person_years"]] = [3, 0.25]
    persons.loc[persons["person_id"] == "B1-0-1", ["residence_status", "person_years"]] = [2, 0.5]
    persons.loc[persons["person_id"] == "A1-1-0", "injured_12m"] = 8
    for person_id in ("A1-0-1", "B2-2-0"):
        persons.loc[persons["person_id"] == person_id, ["injured", "n_episodes"]] = [1, 1]
    result = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "none", "person_nonresponse": "none"},
        age_groups=[0, 15, 45],
    )
    # (Without sex: the men, all aged 30, cannot be age-standardised by sex.)
    estimates = estimate_indicators(
        result.persons.drop(columns="sex"),
        settings={"domains": []},
        age_groups=[0, 15, 45],
        calibration="none",
    ).set_index("indicator")
    # Equal weights (10): 2 injured of 24 - 1 "don't know" = 23 persons; 2 episodes over
    # 21 whole years + 0.25 (left) + 0.5 (joined) = 21.75 person-years.
    assert estimates.loc["injury_incidence", "estimate"] == pytest.approx(2 / 23)
    assert estimates.loc["injury_incidence", "n"] == 23
    assert estimates.loc["episode_rate_per_1000py", "estimate"] == pytest.approx(2000 / 21.75)


def test_person_classes_merge_with_neighbours_by_age_not_by_label():
    # 5-year groups: "5-9" (1 screened) lies between "0-4" and "10-14" (20 each); the tie goes
    # to the younger neighbour. Sorted as text, "5-9" would come after "10-14".
    people = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(41)],
            "stratum_id": "A",
            "sex": 1,
            "age_group": ["0-4"] * 20 + ["5-9"] + ["10-14"] * 20,
            "weight_nr": 10.0,
            "injured_12m": 2,
        }
    )
    _, classes = person_nonresponse_adjust(people, min_respondents=5)
    assert classes["person_nr_class"].tolist() == ["A|1|0-4+5-9", "A|1|10-14"]


def test_household_weight_is_the_mean_of_its_members_final_weights():
    from injury_survey.weighting import WeightingError, household_weight

    people = pd.DataFrame(
        {"hh_id": ["a", "a", "b"], "weight_nr": [10.0, 10.0, 12.0], "weight": [150.0, 300.0, 40.0]}
    )
    assert household_weight(people).tolist() == [225.0, 225.0, 40.0]  # (150 + 300) / 2
    assert household_weight(people, "nonresponse").tolist() == [10.0, 10.0, 12.0]
    with pytest.raises(WeightingError, match="household_weight"):
        household_weight(people, "sum")
    households, persons, sample, census = small_survey()
    weights = compute_weights(
        households,
        persons,
        sample,
        census,
        settings={"calibration": "poststratify", "min_cell_respondents": 1},
        age_groups=[0, 15, 45],
    ).persons
    per_household = weights.groupby("hh_id").agg(
        w=("weight_hh", "first"), spread=("weight_hh", "nunique"), members=("weight", "size")
    )
    assert (per_household["spread"] == 1).all()
    # integrated weight: households x their members add up to the calibrated person total
    total = (per_household["w"] * per_household["members"]).sum()
    assert total == pytest.approx(weights["weight"].sum())
