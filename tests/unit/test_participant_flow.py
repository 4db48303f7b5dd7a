"""F1's table: the persons left out of the incidence denominator appear as a step of their own,
so the flow chart meets the headline's denominator (counts by hand)."""

import pandas as pd

from injury_survey.report_figures import participant_flow_table


def tables():
    households = pd.DataFrame(
        {"eligible": [True, True, True, False], "responded": [True, True, False, False]}
    )
    # 7 usual residents: 4 answered (2 yes, 2 no), 2 "don't know" (8), 1 blank
    persons = pd.DataFrame(
        {
            "injured_12m": [1, 1, 2, 2, 8, 8, None],
            "injured": [1, 1, 0, 0, 0, 0, 0],
        }
    )
    episodes = pd.DataFrame({"is_case": [True, True, True], "in_window": [True, True, True]})
    return households, persons, episodes


def test_persons_without_a_screening_answer_are_a_step_with_their_reasons():
    flow = participant_flow_table(*tables()).set_index("step")
    assert list(flow.index) == [
        "households_sampled",
        "households_eligible",
        "households_responded",
        "persons",
        "persons_screened",
        "persons_injured",
        "case_episodes",
    ]
    assert flow.loc["persons", "count"] == 7
    assert flow.loc["persons_screened", "count"] == 4
    assert flow.loc["persons_screened", "note_en"] == (
        'Not in the incidence denominator: "don\'t know" to screening 2, no screening answer 1'
    )
    assert flow.loc["persons_screened", "note_zh"] == (
        "未计入发生率分母：筛查回答“不知道” 2，筛查无回答 1"
    )


def test_dont_know_counted_as_not_injured_leaves_only_the_blank_out():
    flow = participant_flow_table(*tables(), screening_dont_know="not_injured").set_index("step")
    assert flow.loc["persons_screened", "count"] == 6
    assert flow.loc["persons_screened", "note_en"] == (
        "Not in the incidence denominator: no screening answer 1"
    )


def test_no_step_when_everyone_answered():
    households, persons, episodes = tables()
    persons = persons[persons["injured_12m"].isin([1, 2])]
    flow = participant_flow_table(households, persons, episodes)
    assert "persons_screened" not in set(flow["step"])


def test_episodes_not_counted_are_noted_with_their_reasons():
    households, persons, _ = tables()
    episodes = pd.DataFrame(
        {"is_case": [True, False, False, False], "in_window": [True, True, False, False]}
    )
    flow = participant_flow_table(households, persons, episodes).set_index("step")
    assert flow.loc["case_episodes", "note_en"] == (
        "Not counted: failing the case definition 1, outside the recall window 2"
    )
    assert flow.loc["case_episodes", "note_zh"] == "未计入：不符合病例定义 1，不在回忆期内 2"
