"""A fielded survey is never blocked by its plan; an unfielded impossible plan names the setting.

The town: 7 strata of 4 PSUs (28 in the frame). The §5.3 worked example asks for 2 627 households,
132 PSUs of 20, so the plan cannot be drawn; the survey was fielded at 95 households per PSU in
2 PSUs of 6 of the strata.
"""

import math

import pandas as pd
import pytest
import yaml

from injury_survey import plan

STRATA = [f"11010500{i}" for i in range(1, 8)]


def inputs():
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
    pilot = {
        "response_rate_household": 0.9,
        "response_rate_person": 1.0,
        "mean_household_size": 2.6,
        "persons_listed": 130,
        "households_responded": 50,
        "incidence": {"case_cn_halfday": {"estimate": 0.05, "ci_lower": 0.02, "ci_upper": 0.1}},
        "icc": {"estimate": None, "clusters": 5},
    }
    frame = pd.DataFrame(
        {
            "stratum_id": [s for s in STRATA for _ in range(4)],
            "psu_id": [f"{s}-{k}" for s in STRATA for k in range(4)],
            "households": [300 + 10 * i for i in range(28)],
        }
    )
    fielded = pd.DataFrame(
        [
            {"hh_id": f"{s}-{k}-{h}", "stratum_id": s, "psu_id": f"{s}-{k}", "pi_psu": 0.5}
            for s in STRATA[:6]
            for k in range(2)
            for h in range(95)
        ]
    ).assign(pi_hh=0.3)
    return settings, pilot, frame, fielded


def test_an_impossible_plan_without_a_fielded_sample_names_the_setting_and_its_value():
    settings, pilot, frame, _ = inputs()
    with pytest.raises(plan.PlanError) as error:
        plan.plan_survey(settings, pilot, frame, wave="baseline")
    message = str(error.value)
    # 2 627 households over the frame's 28 PSUs need ⌈2627/28⌉ = 94 households per PSU.
    assert "132 PSUs" in message and "only 28 PSUs" in message
    assert "plan.households_per_psu (now 20) to at least 94" in message
    assert "plan.households_per_psu（当前 20）" in message


def test_a_plan_larger_than_the_whole_frame_says_so_and_names_precision_and_fpc():
    settings, pilot, frame, _ = inputs()
    frame["households"] = 20  # 28 PSUs × 20 = 560 dwellings, fewer than the 2 627 households
    with pytest.raises(plan.PlanError) as error:
        plan.plan_survey(settings, pilot, frame, wave="baseline")
    message = str(error.value)
    assert "needs 2627 households but the frame lists only 560 in all" in message
    assert "plan.precision (now 0.15, relative)" in message and "plan.fpc (now false)" in message


def test_a_fielded_survey_gets_an_advisory_plan_and_a_comparison(tmp_path):
    settings, pilot, frame, fielded = inputs()
    survey_plan = plan.plan_survey(settings, pilot, frame, wave="baseline", fielded=fielded)
    assert survey_plan.not_drawn and "plan.households_per_psu" in survey_plan.not_drawn
    assert survey_plan.sample.empty
    table = survey_plan.fielded.set_index("stratum_id")
    assert table.loc["all", "psus_in_frame"] == 28
    assert table.loc["all", "psus_fielded"] == 12
    assert table.loc["all", "households_fielded"] == 12 * 95
    assert table.loc[STRATA[0], "households_per_psu_fielded"] == 95
    assert pd.isna(table.loc[STRATA[6], "psus_fielded"])

    text = "\n".join(plan.fielded_differences(survey_plan, settings))
    assert "95 households per PSU instead of 20" in text
    assert f"no fielded PSU: {STRATA[6]}" in text
    # Expected half-width at the fielded size, by hand: 1 140 households × 2.6 persons × RR 0.9.
    persons = 1140 * 2.6 * 0.9
    half_width = 1.959963985 * math.sqrt(1.5 * 0.04 * 0.96 / persons)
    assert f"±{half_width:.4f}" in text

    # The detectable change is for a follow-up of the fielded size, not of the plan's.
    detectable = survey_plan.detectable_change
    assert detectable["households_from"] == "fielded sample list"
    assert detectable["persons_per_survey"] == pytest.approx(persons)

    plan.write_plan_yaml(survey_plan, tmp_path / "plan.yaml")
    record = yaml.safe_load((tmp_path / "plan.yaml").read_text(encoding="utf-8"))
    assert record["sample"]["households"] == 0
    assert record["fielded"][-1]["households_fielded"] == 1140
    assert record["allocation"][0]["psus_sampled"] is None
    plan.write_fieldwork_workbook(survey_plan.sample, frame, tmp_path / "list.xlsx")
    assert list(pd.read_excel(tmp_path / "list.xlsx", sheet_name=None)) == ["Note"]


def test_a_drawable_plan_is_still_drawn_and_compared_when_a_sample_is_fielded():
    settings, pilot, frame, fielded = inputs()
    settings["households_per_psu"] = 95
    survey_plan = plan.plan_survey(settings, pilot, frame, wave="baseline", fielded=fielded)
    assert survey_plan.not_drawn is None
    # ⌈2627/95⌉ = 28 PSUs: the whole frame.
    assert survey_plan.sample["psu_id"].nunique() == 28
    assert survey_plan.fielded.set_index("stratum_id").loc["all", "psus_planned"] == 28
