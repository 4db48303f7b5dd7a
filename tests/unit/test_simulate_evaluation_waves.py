"""The evaluation waves of the synthetic demo: known effects, same blocks, demo files untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from injury_survey.simulate.evaluation_waves import write_evaluation_waves
from injury_survey.simulate.population import (
    CauseRateFactor,
    completed_years,
    simulate_population,
)

REPO = Path(__file__).resolve().parents[2]


def test_thinning_one_cause_at_some_ages_leaves_the_rest_of_the_town_alone():
    common = {"psus_per_community": (5, 6), "scale": 0.3}
    rule = CauseRateFactor(cause=3, age_low=65, age_high=120, factor=0.5)
    plain = simulate_population(7, **common)
    thinned = simulate_population(7, **common, cause_rate_factors=(rule,))
    pd.testing.assert_frame_equal(plain.frame, thinned.frame)
    pd.testing.assert_frame_equal(plain.residents, thinned.residents)
    birth = plain.residents.set_index("person_key")["birth_date"]
    age = completed_years(
        pd.Series(plain.injuries["person_key"].map(birth).to_numpy()),
        pd.Series(plain.injuries["injury_date"].to_numpy()),
    ).to_numpy()
    targeted = (plain.injuries["cause"] == 3).to_numpy() & (age >= 65)
    key = ["person_key", "injury_date", "cause", "care_level"]
    left = thinned.injuries[key].astype(str).agg("|".join, axis=1)
    before = plain.injuries[key].astype(str).agg("|".join, axis=1)
    # every episode outside the rule survives; some inside it are dropped, about half
    assert set(before[~targeted]) <= set(left)
    assert len(left) == (~targeted).sum() + (left.isin(before[targeted])).sum()
    share_kept = left.isin(before[targeted]).sum() / targeted.sum()
    assert targeted.sum() > 50
    assert 0.35 < share_kept < 0.65


def test_evaluation_waves_are_written_with_their_truth(tmp_path):
    truth = write_evaluation_waves(tmp_path, seed=4242, preset="tiny")
    for wave in ("followup", "comparison/baseline", "comparison/followup"):
        for name in ("frame/psus.csv", "census/population.csv", "sample.csv", "persons.csv"):
            assert (tmp_path / wave / name).is_file(), f"{wave}/{name}"
    town = pd.read_csv(tmp_path / "followup" / "frame" / "psus.csv")
    assert town["psu_id"].str.startswith("S").all()  # the town's blocks
    comparison = pd.read_csv(tmp_path / "comparison" / "baseline" / "frame" / "psus.csv")
    assert comparison["psu_id"].str.startswith("C").all()  # the comparison area's own
    waves = truth["waves"]
    assert waves["followup"]["truth"]["share_65_plus"] > waves["baseline"]["truth"]["share_65_plus"]
    assert set(truth["true_ratios"]) == {"town", "comparison"}


def test_the_committed_demo_baseline_is_unchanged():
    # the checksums the demo README recorded when the baseline was generated
    readme = (REPO / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        if line.startswith("| baseline/") or line.startswith("| frame/"):
            name, _, checksum = (cell.strip(" `") for cell in line.strip("|").split("|"))
            digest = hashlib.sha256((REPO / "data" / "raw" / name).read_bytes()).hexdigest()
            assert digest == checksum, name
