"""PPS systematic PSU selection, systematic household selection and the sample list (§5.3 step 7).

Expected inclusion probabilities are hand calculations of ``pi = n·x/X`` (with the certainty rule)
shown beside each test; the simulation tests compare observed selection frequencies with them
within four binomial standard errors.
"""

import math

import numpy as np
import pandas as pd
import pytest

from injury_survey.sampling import (
    SAMPLE_COLUMNS,
    compare_samples,
    draw_sample,
    pps_inclusion_probabilities,
    select_households_systematic,
    select_psus_pps_systematic,
    validate_frame,
)

# Eight PSUs, total 1 000 households; with n = 3 the interval is 333.3 and no PSU reaches it, so
# pi = 3·x/1000: 0.36, 0.24, 0.60, 0.18, 0.45, 0.27, 0.12, 0.78 (sum 3.00).
EIGHT_SIZES = [120, 80, 200, 60, 150, 90, 40, 260]
EIGHT_PI = [0.36, 0.24, 0.60, 0.18, 0.45, 0.27, 0.12, 0.78]


def frame_of(sizes_by_stratum: dict[str, list[int]]) -> pd.DataFrame:
    rows = [
        {"stratum_id": stratum, "psu_id": f"{stratum}-{i + 1:02d}", "households": size}
        for stratum, sizes in sizes_by_stratum.items()
        for i, size in enumerate(sizes)
    ]
    return pd.DataFrame(rows)


def test_pi_without_certainty_units_is_n_x_over_total():
    pi = pps_inclusion_probabilities(frame_of({"S": EIGHT_SIZES}), {"S": 3})
    assert pi["pi_psu"].tolist() == pytest.approx(EIGHT_PI)
    assert not pi["certainty"].any()


def test_certainty_units_cascade():
    # Sizes 400, 300, 100, 100, 100 (total 1000), n = 3: interval 333.3 → 400 is certain;
    # then n = 2, total 600, interval 300 → 300 is certain (size ≥ interval);
    # then n = 1, total 300, interval 300 → each 100 has pi = 1 × 100/300 = 1/3.
    frame = frame_of({"S": [400, 300, 100, 100, 100]})
    pi = pps_inclusion_probabilities(frame, {"S": 3})
    assert pi["pi_psu"].tolist() == pytest.approx([1, 1, 1 / 3, 1 / 3, 1 / 3])
    assert pi["certainty"].tolist() == [True, True, False, False, False]
    for seed in range(20):
        chosen = select_psus_pps_systematic(frame, {"S": 3}, seed=seed)
        assert {"S-01", "S-02"} <= set(chosen["psu_id"])
        assert len(chosen) == 3
        assert chosen.loc[chosen["psu_id"] == "S-01", "pi_psu"].item() == 1


def test_pi_sums_to_n_per_stratum():
    frame = frame_of({"A": EIGHT_SIZES, "B": [500, 20, 30, 40, 50, 60], "C": [7, 9, 11]})
    wanted = {"A": 3, "B": 4, "C": 3}
    pi = pps_inclusion_probabilities(frame, wanted)
    assert pi.groupby("stratum_id")["pi_psu"].sum().to_dict() == pytest.approx(wanted)
    # Every PSU of C is taken (n = number of PSUs), whatever their sizes.
    assert (pi.loc[pi["stratum_id"] == "C", "pi_psu"] == 1).all()
    chosen = select_psus_pps_systematic(frame, wanted, seed=7)
    assert chosen.groupby("stratum_id").size().to_dict() == wanted
    assert chosen["psu_id"].is_unique


def test_selection_frequency_matches_pi():
    # 50 identical strata × 40 seeds = 2 000 independent draws of 3 from the eight PSUs (each
    # stratum draws from its own stream). Binomial SE of a frequency = √(pi(1 − pi)/2000), at most
    # √(0.25/2000) = 0.0112; allow 4 SE per PSU.
    replicates = 50
    frame = frame_of({f"R{r:02d}": EIGHT_SIZES for r in range(replicates)})
    frame["position"] = list(range(len(EIGHT_SIZES))) * replicates
    counts = np.zeros(len(EIGHT_SIZES))
    seeds = range(40)
    for seed in seeds:
        chosen = select_psus_pps_systematic(frame, dict.fromkeys(frame["stratum_id"], 3), seed=seed)
        assert len(chosen) == 3 * replicates
        positions = frame.set_index("psu_id").loc[chosen["psu_id"], "position"]
        counts += np.bincount(positions, minlength=len(EIGHT_SIZES))
    draws = replicates * len(seeds)
    for observed, pi in zip(counts / draws, EIGHT_PI, strict=True):
        assert abs(observed - pi) < 4 * math.sqrt(pi * (1 - pi) / draws)


def test_same_seed_same_sample_and_seeds_differ():
    frame = frame_of({"A": EIGHT_SIZES, "B": [50, 60, 70, 80, 90]})
    wanted = {"A": 3, "B": 2}
    first = select_psus_pps_systematic(frame, wanted, seed=20261129)
    again = select_psus_pps_systematic(frame, wanted, seed=20261129)
    pd.testing.assert_frame_equal(first, again)
    draws = {tuple(select_psus_pps_systematic(frame, wanted, seed=s)["psu_id"]) for s in range(20)}
    assert len(draws) > 1


def test_adding_a_stratum_leaves_the_others_draw_unchanged():
    wanted = {"A": 3}
    alone = select_psus_pps_systematic(frame_of({"A": EIGHT_SIZES}), wanted, seed=5)
    frame = frame_of({"A": EIGHT_SIZES, "Z": [10, 20, 30]})
    with_z = select_psus_pps_systematic(frame, {**wanted, "Z": 1}, seed=5)
    assert with_z.loc[with_z["stratum_id"] == "A", "psu_id"].tolist() == alone["psu_id"].tolist()


def test_selected_rows_have_the_promised_columns():
    chosen = select_psus_pps_systematic(frame_of({"S": EIGHT_SIZES}), {"S": 3}, seed=1)
    assert list(chosen.columns) == ["stratum_id", "psu_id", "households", "pi_psu", "certainty"]
    expected = dict(zip([f"S-{i + 1:02d}" for i in range(8)], EIGHT_PI, strict=True))
    for row in chosen.itertuples():
        assert row.pi_psu == pytest.approx(expected[row.psu_id])


def test_frame_problems_name_the_file_row():
    frame = frame_of({"A": [10, 0, 12], "B": [5, 6]})
    frame.loc[3, "psu_id"] = "A-01"  # duplicate
    frame["source_file"] = "frame/psus.csv"
    frame["source_row"] = range(2, 7)  # header is row 1
    with pytest.raises(ValueError) as error:
        validate_frame(frame)
    message = str(error.value)
    assert "frame/psus.csv, row 3" in message and "column 'households' value '0'" in message
    assert "frame/psus.csv, row 2" in message and "frame/psus.csv, row 5" in message
    assert "more than once" in message


def test_frame_problems_name_the_psu_without_provenance():
    frame = frame_of({"A": [10, 12.5, 8]})
    with pytest.raises(ValueError, match="PSU 'A-02'.*12.5"):
        select_psus_pps_systematic(frame, {"A": 1}, seed=1)
    with pytest.raises(ValueError, match="lacks required column"):
        select_psus_pps_systematic(frame.drop(columns="households"), {"A": 1}, seed=1)


def test_psu_counts_must_fit_the_frame():
    frame = frame_of({"A": [10, 20], "B": [5, 6, 7]})
    with pytest.raises(ValueError, match="'A': 3 PSUs asked for but the frame lists only 2"):
        select_psus_pps_systematic(frame, {"A": 3, "B": 1}, seed=1)
    with pytest.raises(ValueError, match="'B' is in the frame but has no PSU count"):
        select_psus_pps_systematic(frame, {"A": 1}, seed=1)
    with pytest.raises(ValueError, match="seed"):
        select_psus_pps_systematic(frame, {"A": 1, "B": 1}, seed=-3)


@pytest.mark.parametrize(("n_listed", "n_take"), [(100, 20), (57, 20), (21, 20), (7, 3)])
def test_households_systematic_count_range_and_no_duplicates(n_listed, n_take):
    rng = np.random.default_rng(11)
    for _ in range(200):
        positions = select_households_systematic(n_listed, n_take, rng)
        assert len(positions) == n_take
        assert len(set(positions.tolist())) == n_take
        assert positions.min() >= 1 and positions.max() <= n_listed


def test_households_all_taken_when_the_list_is_short():
    rng = np.random.default_rng(1)
    assert select_households_systematic(12, 20, rng).tolist() == list(range(1, 13))
    assert select_households_systematic(20, 20, rng).tolist() == list(range(1, 21))


def test_households_each_position_has_probability_take_over_listed():
    # 3 of 7 with interval 7/3: every position has probability 3/7 = 0.4286; over 4 000 draws
    # SE = √(0.4286 × 0.5714 / 4000) = 0.0078; allow 4 SE.
    rng = np.random.default_rng(2026)
    draws = 4000
    counts = np.zeros(8)
    for _ in range(draws):
        counts[select_households_systematic(7, 3, rng)] += 1
    frequency = counts[1:] / draws
    assert np.all(np.abs(frequency - 3 / 7) < 4 * math.sqrt((3 / 7) * (4 / 7) / draws))


def test_draw_sample_fieldwork_list():
    frame = frame_of({"A": [400, 300, 100, 100, 100], "B": [15, 60, 70, 80]})
    sample = draw_sample(frame, {"A": 3, "B": 2}, households_per_psu=20, seed=3)
    assert list(sample.columns) == SAMPLE_COLUMNS
    assert sample["hh_id"].is_unique
    per_psu = sample.groupby("psu_id")
    listed = frame.set_index("psu_id")["households"]
    for psu_id, rows in per_psu:
        taken = min(20, listed[psu_id])
        assert len(rows) == taken
        assert rows["hh_seq"].tolist() == list(range(1, taken + 1))
        assert rows["pi_hh"].unique().tolist() == pytest.approx([taken / listed[psu_id]])
        first = rows.iloc[0]
        assert first["hh_id"] == f"baseline-{psu_id}-{first['listing_position']:04d}"
    # A-01 (400) and A-02 (300) are certainty PSUs (see test_certainty_units_cascade).
    assert sample.loc[sample["psu_id"] == "A-01", "pi_hh"].iloc[0] == pytest.approx(20 / 400)
    assert set(sample.loc[sample["stratum_id"] == "A", "psu_id"]) >= {"A-01", "A-02"}
    ordered = sample.sort_values(["stratum_id", "psu_id", "hh_seq"], ignore_index=True)
    pd.testing.assert_frame_equal(sample, ordered)
    assert sample["hh_id"].map(type).eq(str).all()


def test_draw_sample_is_reproducible_and_wave_names_the_ids():
    frame = frame_of({"A": EIGHT_SIZES})
    first = draw_sample(frame, {"A": 3}, 10, seed=99, wave="followup")
    pd.testing.assert_frame_equal(first, draw_sample(frame, {"A": 3}, 10, seed=99, wave="followup"))
    assert first["hh_id"].str.startswith("followup-A-").all()


def test_compare_samples_empty_when_identical():
    frame = frame_of({"A": EIGHT_SIZES})
    sample = draw_sample(frame, {"A": 3}, 10, seed=4)
    assert compare_samples(sample, sample.copy()).empty


def test_compare_samples_lists_the_differences():
    frozen = pd.DataFrame(
        {
            "hh_id": ["b-P1-0001", "b-P1-0005", "b-P2-0002", "b-P3-0003"],
            "stratum_id": ["S"] * 4,
            "psu_id": ["P1", "P1", "P2", "P3"],
            "pi_psu": [0.5, 0.5, 0.4, 0.3],
            "pi_hh": [0.1, 0.1, 0.2, 0.25],
        }
    )
    redrawn = pd.DataFrame(
        {
            "hh_id": ["b-P1-0001", "b-P1-0005", "b-P2-0002", "b-P4-0001"],
            "stratum_id": ["S"] * 4,
            "psu_id": ["P1", "P1", "P2", "P4"],
            "pi_psu": [0.5, 0.5, 0.45, 0.2],
            "pi_hh": [0.1, 0.1, 0.2, 0.5],
        }
    )
    differences = compare_samples(frozen, redrawn).set_index("psu_id")
    # P1 is identical; P2 changed pi_psu; P3 dropped; P4 new.
    assert differences["status"].to_dict() == {
        "P2": "both",
        "P3": "frozen_only",
        "P4": "redrawn_only",
    }
    assert differences.loc["P2", "pi_psu_frozen"] == 0.4
    assert differences.loc["P2", "pi_psu_redrawn"] == 0.45
    assert differences.loc["P2", "n_hh_not_shared"] == 0
    assert differences.loc["P3", "n_hh_not_shared"] == 1


def test_draw_sample_by_population_lists_households():
    # PPS on residents (1 000 and 3 000, n = 1 → pi 0.25, 0.75); the second stage takes 20 of the
    # listed households (40 → 0.5, 100 → 0.2).
    frame = pd.DataFrame(
        {
            "stratum_id": ["S", "S"],
            "psu_id": ["P1", "P2"],
            "households": [40, 100],
            "population": [1000, 3000],
        }
    )
    expected = {"P1": (0.25, 0.5), "P2": (0.75, 0.2)}
    for seed in range(5):
        sample = draw_sample(frame, {"S": 1}, 20, seed, size_col="population")
        psu_id = sample["psu_id"].iloc[0]
        assert (sample["pi_psu"].iloc[0], sample["pi_hh"].iloc[0]) == pytest.approx(
            expected[psu_id]
        )
        assert len(sample) == 20
