"""Pilot summary (§5.2) and the plan built from it (§5.3), against hand calculations and the
worked example of docs/methods.md §5.3."""

import math

import pandas as pd
import pytest
import yaml

from injury_survey import pilot, plan


def test_clopper_pearson_reproduces_the_spec_example():
    # docs/methods.md §5.1: "the exact 95 % CI for 5/130 is 1.3 %–8.7 %".
    lower, upper = pilot.clopper_pearson(5, 130)
    assert round(lower, 3) == 0.013 and round(upper, 3) == 0.087


def test_clopper_pearson_with_no_cases_is_one_sided_at_zero():
    # Upper limit for 0/n is 1 − (α/2)^(1/n): 0/10 → 1 − 0.025^(0.1) = 0.3085 (hand).
    lower, upper = pilot.clopper_pearson(0, 10)
    assert lower == 0 and upper == pytest.approx(1 - 0.025**0.1)


def small_pilot():
    # 4 households: 3 eligible (codes 1, 1, 5) of which 2 responded; 1 vacant (6, ineligible).
    households = pd.DataFrame(
        {
            "hh_id": ["h1", "h2", "h3", "h4"],
            "eligible": [True, True, True, False],
            "responded": [True, True, False, False],
            "interview_minutes": [20, 30, None, None],
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": ["p1", "p2", "p3", "p4", "p5"],
            "psu_id": ["A", "A", "A", "B", "B"],
            "injured_12m": [1, 2, 2, 8, 1],
            "proxy": [False, True, False, True, False],
            "injured_case_cn_halfday": [1, 0, 0, 0, 1],
            "injured_case_1day": [1, 0, 0, 0, 0],
            "injured_case_medical": [0, 0, 0, 0, 0],
            "n_episodes_case_cn_halfday": [2, 0, 0, 0, 1],
        }
    )
    episodes = pd.DataFrame(
        {
            "case_cn_halfday": [True, True, True, False],
            "case_1day": [True, False, False, False],
            "case_medical": [False, False, False, False],
        }
    )
    return households, persons, episodes


def test_pilot_summary_numbers_by_hand():
    summary = pilot.summarise_pilot(*small_pilot())
    assert summary["response_rate_household"] == pytest.approx(2 / 3)
    assert summary["response_rate_person"] == pytest.approx(4 / 5)  # code 8 is not an answer
    assert summary["mean_household_size"] == pytest.approx(5 / 2)
    assert summary["proxy_share"] == pytest.approx(2 / 5)
    assert summary["episodes_failing_all_case_definitions"] == 1
    assert summary["episodes_per_injured"] == pytest.approx(3 / 2)
    # p4 answered "don't know": left out of incidence by default (2 of 4), or counted as not
    # injured (2 of 5).
    assert summary["incidence"]["case_cn_halfday"]["estimate"] == pytest.approx(2 / 4)
    assert summary["incidence"]["case_cn_halfday"]["persons"] == 4
    counted_as_no = pilot.summarise_pilot(*small_pilot(), screening_dont_know="not_injured")
    assert counted_as_no["incidence"]["case_cn_halfday"]["estimate"] == pytest.approx(2 / 5)
    assert summary["incidence"]["case_medical"]["cases"] == 0
    assert summary["interview_minutes"]["median"] == 25
    yaml.safe_dump(summary)  # plain types only: it is written to pilot_summary.yaml


def test_icc_is_reported_as_not_estimable_when_nobody_is_injured():
    households, persons, episodes = small_pilot()
    persons["injured_case_cn_halfday"] = 0
    summary = pilot.summarise_pilot(households, persons, episodes)
    assert summary["icc"]["estimate"] is None


def worked_example_inputs():
    """The §5.3 worked example: p 4 %, ε 0.15, deff 1.5, RR 0.90, m̄ 2.6, b 20."""
    settings = {
        "incidence_prior": 0.04,
        "precision_type": "relative",
        "precision": 0.15,
        "confidence": 0.95,
        "deff": 1.5,
        "households_per_psu": 20,
        "fpc": False,
        "incidence_grid": [0.03, 0.05],
        "precision_grid": [0.15],
        "power": 0.8,
        "seed": 7,
    }
    summary = {
        "response_rate_household": 0.9,
        "response_rate_person": 1.0,
        "mean_household_size": 2.6,
        "persons_listed": 130,
        "households_responded": 50,
        "incidence": {"case_cn_halfday": {"estimate": 0.05, "ci_lower": 0.02, "ci_upper": 0.1}},
        "icc": {"estimate": None, "clusters": 5},
    }
    # 5 strata × 40 PSUs of 100–300 households: room for 132 PSUs.
    frame = pd.DataFrame(
        {
            "stratum_id": [f"S{i // 40 + 1}" for i in range(200)],
            "psu_id": [f"P{i:03d}" for i in range(200)],
            "households": [100 + (i * 37) % 200 for i in range(200)],
        }
    )
    return settings, summary, frame


def test_plan_reproduces_the_worked_example():
    settings, summary, frame = worked_example_inputs()
    survey_plan = plan.plan_survey(settings, summary, frame, wave="baseline")
    assert round(survey_plan.sample_size.n0) == 4098
    assert survey_plan.sample_size.households == 2627
    assert survey_plan.sample_size.psus == 132
    assert len(survey_plan.sample) == 132 * 20
    assert survey_plan.allocation["psus_sampled"].sum() == 132
    sources = dict(zip(survey_plan.inputs["parameter"], survey_plan.inputs["source"], strict=True))
    assert sources["response_rate"].startswith("pilot")
    assert sources["incidence_prior"].startswith("config")


def test_detectable_change_is_a_fall_that_the_formula_confirms():
    settings, summary, frame = worked_example_inputs()
    detect = plan.plan_survey(settings, summary, frame, wave="baseline").detectable_change
    p1, p2 = detect["baseline_incidence"], detect["detectable_followup_incidence"]
    # Re-evaluate the §5.3 evaluation formula by hand at the returned p2.
    z_a, z_b = 1.959963985, 0.841621234
    p_bar = (p1 + p2) / 2
    n = (
        1.5
        * (
            z_a * math.sqrt(2 * p_bar * (1 - p_bar))
            + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        )
        ** 2
        / (p1 - p2) ** 2
    )
    assert n == pytest.approx(detect["persons_per_survey"], rel=1e-6)
    assert 0 < p2 < p1


def test_plan_yaml_and_fieldwork_workbook(tmp_path):
    settings, summary, frame = worked_example_inputs()
    survey_plan = plan.plan_survey(settings, summary, frame, wave="baseline")
    plan.write_plan_yaml(survey_plan, tmp_path / "plan.yaml")
    record = yaml.safe_load((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    assert record["sample"]["households"] == 2640
    assert all("source" in row for row in record["inputs"])
    plan.write_fieldwork_workbook(survey_plan.sample, frame, tmp_path / "list.xlsx")
    sheets = pd.read_excel(tmp_path / "list.xlsx", sheet_name=None)
    assert sorted(sheets) == ["S1", "S2", "S3", "S4", "S5"]
    assert sum(len(s) for s in sheets.values()) == 2640


def test_plan_shows_the_pilot_incidence_of_the_configured_case_definition():
    settings, summary, frame = worked_example_inputs()
    summary = {
        **summary,
        "incidence": {
            "case_cn_halfday": {"estimate": 0.05, "ci_lower": 0.02, "ci_upper": 0.1},
            "case_medical": {"estimate": 0.031, "ci_lower": 0.011, "ci_upper": 0.072},
        },
    }
    survey_plan = plan.plan_survey(
        settings, summary, frame, wave="baseline", case_definition="case_medical"
    )
    source = survey_plan.inputs.set_index("parameter").loc["incidence_prior", "source"]
    assert "under case_medical 0.031" in source and "0.011–0.072" in source
    with pytest.raises(ValueError, match="case_1day"):
        plan.plan_survey(settings, summary, frame, wave="baseline", case_definition="case_1day")


def test_detectable_change_uses_the_configured_confidence():
    # plan.confidence 0.90: two-sided α = 0.10, z = 1.644853627 (normal table), by hand as above.
    settings, summary, frame = worked_example_inputs()
    settings = {**settings, "confidence": 0.90}
    detect = plan.plan_survey(settings, summary, frame, wave="baseline").detectable_change
    assert detect["alpha"] == pytest.approx(0.10)
    p1, p2 = detect["baseline_incidence"], detect["detectable_followup_incidence"]
    z_a, z_b = 1.644853627, 0.841621234
    p_bar = (p1 + p2) / 2
    n = (
        1.5
        * (
            z_a * math.sqrt(2 * p_bar * (1 - p_bar))
            + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        )
        ** 2
        / (p1 - p2) ** 2
    )
    assert n == pytest.approx(detect["persons_per_survey"], rel=1e-6)


def test_the_plan_shows_the_achieved_design_effect_beside_plan_deff():
    # An estimates.csv row as notebook 05 writes it: the achieved deff is its own value, and the
    # variance declaration it was computed under is the method up to the ratio's description.
    method = (
        "Taylor linearisation, certainty PSUs as own strata (households as units); two-stage fpc "
        "(N_h, M_i); lonely PSU center (R adjust); post-stratified weights; ratio injured/persons;"
        " 95 % CI logit"
    )
    estimates = pd.DataFrame(
        [
            ["injury_incidence", "sex", "1", 1.31, method],
            ["injury_incidence", "all", "all", 1.243, method],
            ["episode_rate_per_1000py", "all", "all", 1.27, method],
        ],
        columns=["indicator", "by", "level", "deff", "method"],
    )
    table = plan.achieved_design_effect(estimates, {"deff": 1.5}, wave="baseline")
    assert table["deff"].tolist() == [1.5, 1.243]
    assert table["source"].iloc[1] == (
        "results/baseline/estimates.csv: Taylor linearisation, certainty PSUs as own strata "
        "(households as units); two-stage fpc (N_h, M_i); lonely PSU center (R adjust); "
        "post-stratified weights"
    )
    # before the first wave is analysed, only the planning value
    alone = plan.achieved_design_effect(None, {"deff": 1.5}, wave="baseline")
    assert alone["deff"].tolist() == [1.5]
