"""Derived variables: case definitions, recall window, months before interview, ages, counts.

Expected values are worked out by hand from the definitions in docs/methods.md §1 and §4.5
(calendar arithmetic shown in the comments).
"""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.cleaning.derive import (
    age_at_injury,
    age_group_5y,
    case_flags,
    derive_episodes,
    derive_households,
    derive_persons,
    exposure_years,
    in_recall_window,
    months_before_interview,
    period_bounds,
    recall_window,
    report_age_group,
    report_age_labels,
)

NA = pd.NA


def dates(*values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


def same_day(n, value):
    return dates(*[value] * n)


# --------------------------------------------------------------------------------------------
# Case definitions (§1): halfday = care ≥ 2 or ≥ 0.5 day off; 1day = care ≥ 2 or ≥ 1 day off;
# medical = care ≥ 2, where care 2 = outpatient/ER, 3 = inpatient, 4 = died ("diagnosed").


@pytest.mark.parametrize(
    "care, days_off, halfday, one_day, medical",
    [
        (1, 0.5, True, False, False),  # lay care, half a day off
        (0, 0.0, False, False, False),  # nothing
        (1, 1.0, True, True, False),  # lay care, one day off
        (0, 0.49, False, False, False),  # under half a day
        (2, 0.0, True, True, True),  # outpatient/ER, no day off
        (3, 0.0, True, True, True),  # inpatient
        (4, 0.0, True, True, True),  # died
        (NA, 2.0, True, True, False),  # care unknown, 2 days off
        (1, NA, False, False, False),  # lay care, days unknown
    ],
)
def test_case_flags(care, days_off, halfday, one_day, medical):
    flags = case_flags(pd.Series([care], dtype="Int64"), pd.Series([days_off], dtype="Float64"))
    assert flags.iloc[0].tolist() == [halfday, one_day, medical]


def test_case_flags_columns_are_the_three_definitions():
    flags = case_flags(pd.Series([2], dtype="Int64"), pd.Series([0.0], dtype="Float64"))
    assert list(flags.columns) == ["case_cn_halfday", "case_1day", "case_medical"]


# --------------------------------------------------------------------------------------------
# Recall window (§1, rule D2)


def test_rolling_window_is_365_days_back_both_ends_included():
    # 2024-06-15 minus 365 days: 2023-06-15 → 2024-06-15 spans 366 days (29 Feb 2024), so the
    # window starts on 2023-06-16.
    start, end = recall_window(dates("2024-06-15"), {"mode": "rolling", "days": 365})
    assert start.iloc[0] == pd.Timestamp("2023-06-16")
    assert end.iloc[0] == pd.Timestamp("2024-06-15")


def test_fixed_window_ignores_interview_date():
    recall = {"mode": "fixed", "fixed_start": "2023-01-01", "fixed_end": "2023-12-31"}
    start, end = recall_window(dates("2024-03-01", "2024-05-01"), recall)
    assert list(start) == [pd.Timestamp("2023-01-01")] * 2
    assert list(end) == [pd.Timestamp("2023-12-31")] * 2


def test_period_bounds_of_partial_dates():
    first, last = period_bounds(
        dates("2024-02-01", "2023-01-01", "2024-03-07", None),
        pd.Series(["month", "year", "day", "unknown"]),
    )
    assert list(first[:3]) == list(dates("2024-02-01", "2023-01-01", "2024-03-07"))
    assert list(last[:3]) == list(dates("2024-02-29", "2023-12-31", "2024-03-07"))  # leap year
    assert pd.isna(first.iloc[3]) and pd.isna(last.iloc[3])


@pytest.mark.parametrize(
    "injury, precision, expected",
    [
        ("2023-06-16", "day", True),  # first day of the window
        ("2023-06-15", "day", False),  # the day before
        ("2023-06-01", "month", True),  # June 2023 overlaps the window start (16–30 June)
        ("2023-05-01", "month", False),  # May 2023 ends before the window
        ("2023-01-01", "year", True),  # 2023 overlaps
        (None, "unknown", True),  # unknown date: in window (screening bounded it)
        ("2024-06-15", "day", True),  # interview day
        ("2024-06-16", "day", False),  # after the interview
        ("2024-06-01", "month", True),
    ],
)
def test_in_window_with_partial_dates(injury, precision, expected):
    start, end = recall_window(dates("2024-06-15"), {"mode": "rolling", "days": 365})
    flag = in_recall_window(dates(injury), pd.Series([precision]), start, end)
    assert bool(flag.iloc[0]) is expected


def test_in_window_unknown_without_interview_date():
    start, end = recall_window(dates(None), {"mode": "rolling", "days": 365})
    assert in_recall_window(dates("2024-01-01"), None, start, end).isna().all()


@pytest.mark.parametrize(
    "injury, precision, expected",
    [("2024-01-01", "day", False), ("2023-12-01", "month", True), ("2022-12-31", "day", False)],
)
def test_fixed_window_membership(injury, precision, expected):
    recall = {"mode": "fixed", "fixed_start": "2023-01-01", "fixed_end": "2023-12-31"}
    start, end = recall_window(dates("2024-03-01"), recall)
    assert (
        bool(in_recall_window(dates(injury), pd.Series([precision]), start, end).iloc[0])
        is expected
    )


# --------------------------------------------------------------------------------------------
# Months before interview (figure F10): floor(elapsed days / 30.4375)


@pytest.mark.parametrize(
    "injury, precision, expected",
    [
        ("2024-06-15", "day", 0),  # interview day
        ("2024-05-16", "day", 0),  # 30 days: 0.986
        ("2024-05-15", "day", 1),  # 31 days: 1.018
        ("2023-06-16", "day", 11),  # 365 days: 11.99, first day of the window
        ("2024-03-01", "month", 3),  # placed on 15 March: 16 + 30 + 31 + 15 = 92 days → 3.02
        (None, "unknown", None),
        ("2024-06-20", "day", None),  # after the interview
    ],
)
def test_months_before_interview(injury, precision, expected):
    months = months_before_interview(dates(injury), pd.Series([precision]), dates("2024-06-15"))
    if expected is None:
        assert pd.isna(months.iloc[0])
    else:
        assert months.iloc[0] == expected


# --------------------------------------------------------------------------------------------
# Age at injury


def test_age_at_injury_from_birth_date_turns_on_the_birthday():
    injury = dates("2020-06-14", "2020-06-15")
    age = age_at_injury(
        injury,
        pd.Series(["day", "day"]),
        same_day(2, "2021-01-01"),
        pd.array([20, 20], dtype="Int64"),
        same_day(2, "2000-06-15"),
        pd.Series(["day", "day"]),
    )
    assert list(age) == [19, 20]


def test_age_at_injury_from_age_at_interview():
    # Age 30 at interview on 2024-06-15, taken as exact age 30.5.
    # 2023-09-15 is 274 days earlier (0.750 y): 30.5 - 0.750 = 29.75 → 29.
    # 2024-03-15 is 92 days earlier (0.252 y): 30.248 → 30. Unknown date: age at interview.
    age = age_at_injury(
        dates("2023-09-15", "2024-03-15", None),
        pd.Series(["day", "day", "unknown"]),
        same_day(3, "2024-06-15"),
        pd.array([30, 30, 30], dtype="Int64"),
    )
    assert list(age) == [29, 30, 30]


# --------------------------------------------------------------------------------------------
# Age groups


def test_report_age_groups_at_boundaries():
    ages = pd.array([0, 14, 15, 44, 45, 64, 65, 110], dtype="Int64")
    groups = report_age_group(pd.Series(ages), [0, 15, 45, 65])
    assert list(groups.astype(str)) == [
        "0-14",
        "0-14",
        "15-44",
        "15-44",
        "45-64",
        "45-64",
        "65+",
        "65+",
    ]
    assert report_age_labels([0, 15, 45, 65]) == ["0-14", "15-44", "45-64", "65+"]


def test_census_five_year_groups_at_boundaries():
    ages = pd.Series(pd.array([0, 4, 5, 84, 85, 110, NA], dtype="Int64"))
    groups = age_group_5y(ages)
    assert list(groups.astype(str)[:6]) == ["0-4", "0-4", "5-9", "80-84", "85+", "85+"]
    assert pd.isna(groups.iloc[6])
    assert len(groups.cat.categories) == 18  # 0-4 … 80-84 (17 groups) and 85+


# --------------------------------------------------------------------------------------------
# Households and persons


def test_household_response_and_eligibility():
    codes = [1, 2, 3, 4, 5, 6, 7, 8, 96, NA]
    hh = pd.DataFrame(
        {
            "hh_id": [f"H{i}" for i in range(10)],
            "psu_id": "A",
            "result_code": pd.array(codes, dtype="Int64"),
        }
    )
    out = derive_households(hh)
    assert list(out["responded"]) == [True, True] + [False] * 8
    assert list(out["eligible"]) == [True] * 5 + [False] * 3 + [True, False]


def test_set_aside_interview_is_not_a_response():
    hh = pd.DataFrame(
        {
            "hh_id": ["H1", "H2"],
            "psu_id": "A",
            "result_code": pd.array([1, 1], dtype="Int64"),
            "interview_set_aside": pd.array([True, False], dtype="boolean"),
        }
    )
    assert list(derive_households(hh)["responded"]) == [False, True]


def test_person_counts_under_each_definition():
    households = pd.DataFrame(
        {
            "hh_id": ["H1"],
            "psu_id": ["A"],
            "stratum_id": ["S1"],
            "interviewer_id": ["I7"],
            "interview_date": dates("2024-06-15"),
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": ["A", "B", "C"],
            "hh_id": ["H1"] * 3,
            "age_years": pd.array([14, 15, 65], dtype="Int64"),
            "months_present_12m": pd.array([12, 6, 3], dtype="Int64"),
            "respondent_type": pd.array([2, 1, NA], dtype="Int64"),
        }
    )
    # A: a1 lay care + half a day (halfday only), a2 outpatient (all three), a3 inpatient but
    # outside the window (none). B: b1 no care, 1 day off (halfday and 1day). C: no episode.
    episodes = pd.DataFrame(
        {
            "episode_id": ["a1", "a2", "a3", "b1"],
            "person_id": ["A", "A", "A", "B"],
            "in_window": pd.array([True, True, False, True], dtype="boolean"),
            "case_cn_halfday": pd.array([True, True, True, True], dtype="boolean"),
            "case_1day": pd.array([False, True, True, True], dtype="boolean"),
            "case_medical": pd.array([False, True, True, False], dtype="boolean"),
        }
    )
    out = derive_persons(
        persons, households, episodes, case_definition="case_1day", age_groups=[0, 15, 45, 65]
    )
    assert list(out["n_episodes_case_cn_halfday"]) == [2, 1, 0]
    assert list(out["n_episodes_case_1day"]) == [1, 1, 0]
    assert list(out["n_episodes_case_medical"]) == [1, 0, 0]
    assert list(out["injured_case_medical"]) == [1, 0, 0]
    assert list(out["n_episodes"]) == [1, 1, 0]  # primary = case_1day here
    assert list(out["injured"]) == [1, 1, 0]
    assert list(out["person_years"]) == [1.0, 0.5, 0.25]
    assert list(out["proxy"].fillna(False)) == [True, False, False]
    assert list(out["age_group"].astype(str)) == ["0-14", "15-44", "65+"]
    assert set(out["stratum_id"]) == {"S1"} and set(out["interviewer_id"]) == {"I7"}


def test_unknown_case_definition_is_a_clear_error():
    with pytest.raises(ValueError, match="case_definition must be one of"):
        derive_persons(
            pd.DataFrame({"person_id": [], "hh_id": [], "age_years": []}),
            pd.DataFrame({"hh_id": []}),
            pd.DataFrame({"person_id": [], "in_window": []}),
            case_definition="case_2day",
            age_groups=[0, 15],
        )


# --------------------------------------------------------------------------------------------
# Exposure (docs/methods.md "Exposure and recall window"): days present inside the recall window
# / 365. Presence is placed by residence status within the 365 days before the interview: usual
# residents m/12 of the time throughout, joiners the last m·365/12 days, leavers everything up to
# 365 − m·365/12 days before the interview. Interview 2024-06-15 throughout.

INTERVIEW = "2024-06-15"


def exposure(recall, status, months):
    n = len(status)
    return exposure_years(
        same_day(n, INTERVIEW),
        pd.Series(status, dtype="Int64"),
        pd.Series(months, dtype="Int64"),
        recall,
    )


def test_exposure_with_a_12_month_window_is_months_present_over_12():
    out = exposure({"mode": "rolling", "days": 365}, [1, 1, 2, 2, 3, 3], [12, 7, 3, 9, 3, 9])
    assert out.tolist() == pytest.approx([1.0, 7 / 12, 0.25, 0.75, 0.25, 0.75])


def test_exposure_over_a_6_month_rolling_window():
    # Window = the 182 days before the interview.
    out = exposure({"mode": "rolling", "days": 182}, [1, 1, 2, 2, 3, 3], [12, 6, 3, 9, 3, 9])
    assert out.tolist() == pytest.approx(
        [
            182 / 365,  # resident all year: the whole window
            91 / 365,  # resident half the time, spread evenly: half the window
            91.25 / 365,  # joined 3 months (91.25 d) ago: all of it inside the window
            182 / 365,  # joined 9 months (273.75 d) ago: present for the whole window
            0.0,  # left 3 months into the year = 273.75 d ago, before the window opened
            90.75 / 365,  # left 91.25 d ago: present from day 182 to day 91.25 before
        ]
    )


def test_exposure_over_a_fixed_window():
    # 2024-01-01..2024-03-31 = 91 days, lying 166 to 75 days before the interview.
    recall = {"mode": "fixed", "fixed_start": "2024-01-01", "fixed_end": "2024-03-31"}
    out = exposure(recall, [1, 1, 2, 3, 3], [12, 8, 4, 2, 10])
    assert out.tolist() == pytest.approx(
        [
            91 / 365,
            91 * 8 / 12 / 365,
            (4 * 365 / 12 - 75) / 365,  # joined 121.67 d ago: present for the last 46.67 d of it
            0.0,  # left 304.17 d ago, before the window
            91 / 365,  # left 60.83 d ago, after the window closed
        ]
    )


def test_fixed_window_before_the_12_months_and_after_the_interview():
    # Calendar 2023 lies 531 to 166 days before the interview; presence before the 365 days is
    # that of the first day of them (leavers present, joiners absent, residents m/12).
    recall = {"mode": "fixed", "fixed_start": "2023-01-01", "fixed_end": "2023-12-31"}
    out = exposure(recall, [1, 2, 3], [12, 6, 6])
    assert out.tolist() == pytest.approx([1.0, 16.5 / 365, 348.5 / 365])
    # A window still open at the interview stops there: 2024-05-01..06-15 = 45 days observed.
    recall = {"mode": "fixed", "fixed_start": "2024-05-01", "fixed_end": "2024-12-31"}
    assert exposure(recall, [1], [12]).tolist() == pytest.approx([45 / 365])


def test_missing_months_or_interview_give_no_exposure():
    out = exposure_years(
        dates(INTERVIEW, None),
        pd.Series([1, NA], dtype="Int64"),
        pd.Series([NA, 12], dtype="Int64"),
        {"mode": "rolling", "days": 365},
    )
    assert out.isna().tolist() == [True, True]


@pytest.mark.parametrize(
    "recall, injury_dates, expected_in",
    [
        # 6-month rolling window: [2023-12-16, 2024-06-15].
        ({"mode": "rolling", "days": 182}, ["2024-03-07", "2023-12-16", "2023-12-15"], [1, 1, 0]),
        (
            {"mode": "fixed", "fixed_start": "2024-01-01", "fixed_end": "2024-03-31"},
            ["2024-03-31", "2024-04-01", "2023-12-31"],
            [1, 0, 0],
        ),
    ],
)
def test_episode_numerator_uses_the_same_window(recall, injury_dates, expected_in):
    households = pd.DataFrame(
        {"hh_id": ["H1"], "psu_id": ["A"], "interview_date": dates(INTERVIEW)}
    )
    persons = pd.DataFrame(
        {
            "person_id": ["P1"],
            "hh_id": ["H1"],
            "age_years": pd.array([40], dtype="Int64"),
            "residence_status": pd.array([1], dtype="Int64"),
            "months_present_12m": pd.array([12], dtype="Int64"),
        }
    )
    episodes = pd.DataFrame(
        {
            "episode_id": ["e1", "e2", "e3"],
            "person_id": ["P1"] * 3,
            "injury_date": dates(*injury_dates),
            "care_level": pd.array([2, 2, 2], dtype="Int64"),
            "days_off": pd.array([1.0, 1.0, 1.0], dtype="Float64"),
        }
    )
    derived = derive_episodes(
        episodes, persons, households, recall=recall, case_definition="case_cn_halfday"
    )
    assert derived["in_window"].astype(int).tolist() == expected_in
    out = derive_persons(
        persons,
        households,
        derived,
        case_definition="case_cn_halfday",
        age_groups=[0, 15],
        recall=recall,
    )
    window_days = 182 if recall["mode"] == "rolling" else 91
    assert out["n_episodes"].tolist() == [sum(expected_in)]
    assert out["person_years"].tolist() == pytest.approx([window_days / 365])
