"""The scale-benchmark survey: copies of the demo town under new PSU ids (expected values by hand)."""

import pandas as pd
import pytest

from injury_survey.simulate.scaled import copies_for, replicate, replicate_frame


def test_copies_round_to_the_nearest_whole_town():
    assert copies_for(1_000_000, 11_516) == 87  # 1e6 / 11 516 = 86.8
    assert copies_for(100_000, 11_516) == 9  # 8.7
    assert copies_for(5_000, 11_516) == 1  # never fewer than the base survey
    with pytest.raises(ValueError, match="positive"):
        copies_for(0, 11_516)


def test_every_id_of_a_copy_carries_the_copy_s_psu():
    persons = pd.DataFrame(
        {
            "person_id": ["baseline-S1-P006-0011-01", "baseline-S12-P103-0002-03"],
            "hh_id": ["baseline-S1-P006-0011", "baseline-S12-P103-0002"],
            "age_years": ["59", "7"],
        },
        dtype="str",
    )
    out = replicate(persons, ("person_id", "hh_id"), 3)
    assert out["person_id"].tolist() == [
        "baseline-S1-P006-0011-01",
        "baseline-S12-P103-0002-03",
        "baseline-S1-P006x002-0011-01",
        "baseline-S12-P103x002-0002-03",
        "baseline-S1-P006x003-0011-01",
        "baseline-S12-P103x003-0002-03",
    ]
    assert out["hh_id"].tolist()[2:4] == ["baseline-S1-P006x002-0011", "baseline-S12-P103x002-0002"]
    assert out["age_years"].tolist() == ["59", "7"] * 3


def test_frame_copies_are_new_psus_of_the_same_stratum():
    frame = pd.DataFrame(
        {"stratum_id": ["S1"], "psu_id": ["S1-P006"], "psu_name": ["东城社区梧桐小区"],
         "households": ["268"], "population": ["669"]},
        dtype="str",
    )  # fmt: skip
    out = replicate_frame(frame, 2)
    assert out["psu_id"].tolist() == ["S1-P006", "S1-P006x002"]
    assert out["psu_name"].tolist() == ["东城社区梧桐小区", "东城社区梧桐小区（2）"]
    assert out["stratum_id"].tolist() == ["S1", "S1"]
    assert out["households"].tolist() == ["268", "268"]
