"""Sample size chain, ICC, evaluation formula and PSU allocation (docs/methods.md §5.2–§5.3).

Expected values are the worked example and sensitivity line printed in docs/methods.md §5.3, or
hand calculations shown next to each test (z quantiles from a normal table: Φ⁻¹(0.975) =
1.959964, Φ⁻¹(0.8) = 0.841621).
"""

import math

import pandas as pd
import pytest

from injury_survey.sample_size import (
    allocate_psus,
    design_effect,
    fpc_adjust,
    icc_anova,
    minimum_detectable_change,
    persons_srs,
    persons_to_detect_change,
    plan_sample_size,
    sensitivity_grid,
)

# The settings of the worked example: relative precision 15 %, deff 1.5, response 90 %,
# 2.6 persons per household, 20 households per PSU.
EXAMPLE = dict(
    precision=0.15,
    precision_type="relative",
    confidence=0.95,
    deff=1.5,
    response_rate=0.90,
    hh_size=2.6,
    households_per_psu=20,
)


def test_worked_example_reproduces_the_five_published_numbers():
    # docs/methods.md §5.3: p = 4 %, ε = 0.15 → 4 098 persons; deff 1.5 → 6 146; RR 0.90 → 6 829;
    # m̄ = 2.6 → 2 627 households; b = 20 → 132 PSUs. By hand, with z = 1.959964, z² = 3.841459:
    #   d  = 0.15 × 0.04 = 0.006, d² = 3.6e-5
    #   n0 = 3.841459 × 0.04 × 0.96 / 3.6e-5 = 3.841459 × 1066.667 = 4097.56 → 4 098
    #   n2 = 4097.56 × 1.5 = 6146.33 → 6 146
    #   n3 = 6146.33 / 0.9 = 6829.26 → 6 829
    #   H  = 6829.26 / 2.6 = 2626.64 → 2 627
    #   k  = ⌈2627 / 20⌉ = ⌈131.35⌉ = 132
    # With z = 1.96 exactly, z² = 3.8416, n0 = 4097.71 and n2 = 6146.56 → 6 147, not 6 146: the
    # example used the exact quantile and rounded persons only for display.
    plan = plan_sample_size(p=0.04, **EXAMPLE)
    assert plan.z == pytest.approx(1.959964, abs=1e-6)
    assert plan.d == pytest.approx(0.006)
    assert plan.n0 == pytest.approx(4097.56, abs=0.01)
    assert round(plan.n0) == 4098
    assert plan.n1 == plan.n0  # no finite population correction
    assert round(plan.n2) == 6146
    assert round(plan.n3) == 6829
    assert plan.households == 2627
    assert plan.psus == 132


def test_rounded_z_changes_the_deff_step():
    # z = 1.96: n0 = 3.8416 × 0.0384 / 3.6e-5 = 0.14751744 / 3.6e-5 = 4097.7067; × 1.5 = 6146.56.
    plan = plan_sample_size(p=0.04, z=1.96, **EXAMPLE)
    assert plan.n0 == pytest.approx(4097.7067, abs=1e-4)
    assert round(plan.n2) == 6147


@pytest.mark.parametrize(
    ("p", "households"),
    [
        # H = z²(1 − p)/(ε² p) × 1.5 / 0.9 / 2.6 = n0 × 0.641026, z² = 3.841459, ε² = 0.0225:
        (0.03, 3539),  # n0 = 3.841459 × 0.97 / 0.000675  = 5520.32 → H = 3538.67
        (0.05, 2079),  # n0 = 3.841459 × 0.95 / 0.001125  = 3243.90 → H = 2079.42
        (0.10, 985),  # n0 = 3.841459 × 0.90 / 0.00225   = 1536.58 → H =  984.99
        (0.15, 620),  # n0 = 3.841459 × 0.85 / 0.003375  =  967.48 → H =  620.18
    ],
)
def test_sensitivity_line_of_the_worked_example(p, households):
    assert plan_sample_size(p=p, **EXAMPLE).households == households


def test_twelve_percent_precision_gives_about_4100_households():
    # n0 = 3.841459 × 0.96 / (0.0144 × 0.04) = 3.841459 × 1666.667 = 6402.43; × 0.641026 = 4104.12
    settings = {**EXAMPLE, "precision": 0.12}
    assert plan_sample_size(p=0.04, **settings).households == 4104


def test_households_rounded_up_on_request():
    # The ceiling of §5.3's ⌈n3/m̄⌉ differs from the printed line where the fraction is below .5:
    # 2079.42 → 2 080 and 620.18 → 621 (values from the sensitivity test above).
    assert plan_sample_size(p=0.05, households_rounding="up", **EXAMPLE).households == 2080
    assert plan_sample_size(p=0.15, households_rounding="up", **EXAMPLE).households == 621


def test_psus_at_least_two_per_stratum():
    # 80 strata × 2 = 160 > the 132 PSUs the households need.
    plan = plan_sample_size(p=0.04, n_strata=80, **EXAMPLE)
    assert plan.psus_for_households == 132
    assert plan.psus == 160


def test_plan_with_finite_population_correction():
    # n1 = 4097.56 / (1 + 4096.56 / 20 000) = 4097.56 / 1.204828 = 3400.95
    plan = plan_sample_size(p=0.04, population=20_000, **EXAMPLE)
    assert plan.n1 == pytest.approx(3400.95, abs=0.01)
    assert plan.n2 == pytest.approx(3400.95 * 1.5, abs=0.02)


def test_steps_table_and_dict():
    plan = plan_sample_size(p=0.04, **EXAMPLE)
    steps = plan.steps()
    assert list(steps.columns) == ["step", "formula", "value"]
    assert steps["value"].iloc[-1] == 132
    assert plan.as_dict()["households"] == 2627


def test_persons_srs_absolute_precision():
    # n0 = 1.96² × 0.04 × 0.96 / 0.01² = 3.8416 × 0.0384 / 0.0001 = 1475.1744
    assert persons_srs(0.04, 0.01, "absolute", z=1.96) == pytest.approx(1475.1744)


def test_persons_srs_textbook_400_rule():
    # With z = 2 and ε = 0.1, n0 = 4(1 − p)/(0.01 p) = 400(1 − p)/p; p = 0.2 → 400 × 4 = 1 600.
    assert persons_srs(0.2, 0.1, "relative", z=2) == pytest.approx(1600)


def test_fpc_adjust():
    # 100 / (1 + 99/1000) = 100 / 1.099 = 90.9918
    assert fpc_adjust(100, 1000) == pytest.approx(90.9918, abs=1e-4)


def test_design_effect_check_of_the_worked_example():
    # §5.3: ρ = 0.01, M̄ = 20 × 2.6 = 52 → 1 + 51 × 0.01 = 1.51
    assert design_effect(52, 0.01) == pytest.approx(1.51)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="precision_type"):
        persons_srs(0.04, 0.15, "percent")
    with pytest.raises(ValueError, match="between 0 and 1"):
        persons_srs(4, 0.15)
    with pytest.raises(ValueError, match="response_rate"):
        plan_sample_size(p=0.04, **{**EXAMPLE, "response_rate": 90})


def test_icc_balanced_clusters():
    # Clusters A = [1, 1], B = [0, 0], C = [1, 0]; grand mean 0.5, cluster means 1, 0, 0.5.
    # SSB = 2(0.25 + 0.25 + 0) = 1, MSB = 1/2; SSW = 0 + 0 + 0.5, MSW = 0.5/3 = 1/6;
    # m0 = (6 − 12/6)/2 = 2; ρ = (1/2 − 1/6)/(1/2 + 1/6) = (1/3)/(2/3) = 0.5
    assert icc_anova(list("AABBCC"), [1, 1, 0, 0, 1, 0]) == pytest.approx(0.5)


def test_icc_unbalanced_clusters():
    # A = [1, 1, 1], B = [0, 0], C = [1, 0, 0, 0]; N = 9, k = 3, grand mean 4/9.
    # SSB = 3(5/9)² + 2(4/9)² + 4(1/4 − 4/9)² = 75/81 + 32/81 + 49/324 = 477/324, MSB = 477/648
    # SSW = 0 + 0 + (0.75² + 3 × 0.25²) = 0.75, MSW = 0.75/6 = 81/648
    # m0 = (9 − (9 + 4 + 16)/9)/2 = 26/9
    # ρ = (396/648) / (477/648 + (17/9)(81/648)) = (396/648)/(630/648) = 22/35
    cluster = ["A"] * 3 + ["B"] * 2 + ["C"] * 4
    y = [1, 1, 1, 0, 0, 1, 0, 0, 0]
    assert icc_anova(cluster, y) == pytest.approx(22 / 35)


def test_icc_negative_is_returned_raw_and_truncated_on_request():
    # A = [1, 0], B = [1, 0]: MSB = 0, MSW = 1/2, m0 = 2 → ρ = −0.5/0.5 = −1
    assert icc_anova(list("AABB"), [1, 0, 1, 0]) == pytest.approx(-1)
    assert icc_anova(list("AABB"), [1, 0, 1, 0], truncate=(0, 0.05)) == 0
    assert icc_anova(list("AABBCC"), [1, 1, 0, 0, 1, 0], truncate=(0, 0.05)) == 0.05


def test_icc_undefined_without_variation():
    # MSB = MSW = 0: ρ = 0/0.
    assert math.isnan(icc_anova(list("AABB"), [0, 0, 0, 0]))
    with pytest.raises(ValueError, match="at least 2 clusters"):
        icc_anova(list("AAA"), [1, 0, 0])


def test_persons_to_detect_a_fall_from_4_to_3_percent():
    # §5.3: ≈ 7 950 per survey. By hand: p̄ = 0.035, √(2 × 0.035 × 0.965) = √0.06755 = 0.259904,
    # √(0.04 × 0.96 + 0.03 × 0.97) = √0.0675 = 0.259808;
    # 1.959964 × 0.259904 + 0.841621 × 0.259808 = 0.509402 + 0.218660 = 0.728062;
    # 0.728062² = 0.530074; / 0.01² = 5300.74; × 1.5 = 7951.1
    n = persons_to_detect_change(0.04, 0.03, deff=1.5)
    assert n == pytest.approx(7951.1, abs=0.5)
    assert n == pytest.approx(7950, rel=0.001)


def test_minimum_detectable_change_inverts_the_sample_size_formula():
    # 7951.1 persons per survey detect a fall from 4 % to 3 % (test above).
    assert minimum_detectable_change(7951.1, 0.04, deff=1.5) == pytest.approx(0.03, abs=1e-5)
    p2 = minimum_detectable_change(3000, 0.10, deff=2.0, power=0.9)
    assert 0 < p2 < 0.10
    assert persons_to_detect_change(0.10, p2, deff=2.0, power=0.9) == pytest.approx(3000)
    # More persons detect a smaller fall.
    assert minimum_detectable_change(30_000, 0.10, deff=2.0) > p2


def test_minimum_detectable_change_refuses_a_hopeless_n():
    # Even 4 % → 0 needs 1.5 × (1.959964 √(2 × 0.02 × 0.98) + 0.841621 √0.0384)² / 0.04²
    # = 1.5 × (0.388055 + 0.164926)² / 0.0016 = 1.5 × 191.1 ≈ 287 persons per survey.
    with pytest.raises(ValueError, match="cannot detect"):
        minimum_detectable_change(20, 0.04, deff=1.5)


def _frame(sizes_by_stratum: dict[str, list[int]]) -> pd.DataFrame:
    rows = [
        {"stratum_id": stratum, "psu_id": f"{stratum}{i}", "households": size}
        for stratum, sizes in sizes_by_stratum.items()
        for i, size in enumerate(sizes)
    ]
    return pd.DataFrame(rows)


def test_allocate_proportional():
    # Stratum totals 5000, 3000, 2000 and 10 PSUs → 5, 3, 2.
    frame = _frame({"A": [1000] * 5, "B": [600] * 5, "C": [400] * 5})
    allocation = allocate_psus(frame, 10)
    assert allocation.to_dict() == {"A": 5, "B": 3, "C": 2}
    assert allocation.sum() == 10


def test_allocate_largest_remainder():
    # Totals 6000, 3000, 1000, 8 PSUs, no minimum: quotas 4.8, 2.4, 0.8 → floors 4, 2, 0 (6);
    # the two PSUs left go to the largest remainders .8 (A) and .8 (C) → 5, 2, 1.
    frame = _frame({"A": [1000] * 6, "B": [500] * 6, "C": [200] * 5})
    assert allocate_psus(frame, 8, min_per_stratum=0).to_dict() == {"A": 5, "B": 2, "C": 1}


def test_allocate_minimum_per_stratum():
    # Totals 8000, 1500, 500, 10 PSUs: proportional 8, 1.5, 0.5; B and C are raised to 2 and the
    # remaining 6 go to A (6 ≥ 2, so A is unconstrained).
    frame = _frame({"A": [1000] * 8, "B": [500] * 3, "C": [100] * 5})
    assert allocate_psus(frame, 10).to_dict() == {"A": 6, "B": 2, "C": 2}


def test_allocate_capped_by_psus_in_stratum():
    # A has 3 PSUs of 3000 households: its quota 9 × 0.9 = 8.1 is capped at 3; B and C share the
    # other 6 in proportion 500 : 500 → 3, 3.
    frame = _frame({"A": [3000] * 3, "B": [100] * 5, "C": [100] * 5})
    assert allocate_psus(frame, 9).to_dict() == {"A": 3, "B": 3, "C": 3}


def test_allocate_impossible_requests():
    frame = _frame({"A": [100] * 4, "B": [100] * 3})
    with pytest.raises(ValueError, match="at least 2"):
        allocate_psus(frame, 3)
    with pytest.raises(ValueError, match="lists only 7"):
        allocate_psus(frame, 8)
    with pytest.raises(ValueError, match="'B' \\(3 PSU\\)"):
        allocate_psus(frame, 5, min_per_stratum=4)


def test_sensitivity_grid_long_format():
    grid = sensitivity_grid(
        [0.03, 0.04], [0.12, 0.15], **{k: v for k, v in EXAMPLE.items() if k != "precision"}
    )
    assert list(grid.columns) == ["incidence", "precision", "persons", "households", "psus"]
    assert len(grid) == 4
    row = grid[(grid["incidence"] == 0.04) & (grid["precision"] == 0.15)].iloc[0]
    assert (row["households"], row["psus"]) == (2627, 132)
    assert math.isclose(row["persons"], 6829.26, abs_tol=0.01)
