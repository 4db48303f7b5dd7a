"""The estimates table, on a design small enough to compute by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from injury_survey.estimation import ESTIMATE_COLUMNS, estimate_indicators, stability_flag


def tiny_persons() -> pd.DataFrame:
    """One stratum, two PSUs of two persons each, all weights 10 (ratios do not depend on it)."""
    return pd.DataFrame(
        {
            "person_id": ["a1", "a2", "b1", "b2"],
            "hh_id": ["a", "a", "b", "b"],
            "stratum_id": ["S"] * 4,
            "psu_id": ["1", "1", "2", "2"],
            "weight": [10.0] * 4,
            "injured": [1, 0, 0, 0],
            "n_episodes": [2, 0, 0, 0],
            "person_years": [1.0, 0.5, 1.0, 0.5],
            "sex": [1, 2, 1, 2],
            "age_group": ["0+"] * 4,
            "age_years": [30, 31, 32, 33],
        }
    )


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return estimate_indicators(
        tiny_persons(),
        settings={"domains": ["sex"], "ci_method": "logit", "unstable_min_n": 3},
        age_groups=[0],
        standard_population="segi",
    )


def row(table, indicator, by="all", level="all"):
    hit = table[(table["indicator"] == indicator) & (table["by"] == by) & (table["level"] == level)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_and_indicators(table):
    assert list(table.columns) == ESTIMATE_COLUMNS
    assert set(table["indicator"]) == {
        "injury_incidence",
        "episode_rate_per_1000py",
        "episodes_per_injured",
        "injury_incidence_std",
        "episode_rate_per_1000py_std",
    }


def test_incidence_by_hand(table):
    # p = 1/4. z_i = (y_i - p)/4 summed by PSU: PSU1 (0.75 - 0.25)/4 = 0.125, PSU2 -0.125.
    # V = 2/(2-1) * (0.125^2 + 0.125^2) = 0.0625 -> se 0.25; df = 2 PSUs - 1 stratum = 1.
    incidence = row(table, "injury_incidence")
    assert incidence["estimate"] == pytest.approx(0.25)
    assert incidence["se"] == pytest.approx(0.25)
    assert incidence["df"] == 1 and incidence["n"] == 4
    t = stats.t.ppf(0.975, 1)
    half = t * 0.25 / (0.25 * 0.75)
    assert incidence["ci_lower"] == pytest.approx(1 / (1 + math.exp(-(math.log(1 / 3) - half))))
    assert "CI logit" in incidence["method"]


def test_episode_rate_by_hand(table):
    # R = 2 / 3 person-years. z_i = (y_i - R x_i)/3: PSU1 (2 - 2/3 - 1/3)/3 = 1/3, PSU2 -1/3.
    # V = 2 * (1/9 + 1/9) = 4/9 -> se 2/3; per 1000 person-years: 666.67 (se 666.67).
    rate = row(table, "episode_rate_per_1000py")
    assert rate["estimate"] == pytest.approx(2000 / 3)
    assert rate["se"] == pytest.approx(2000 / 3)
    factor = math.exp(stats.t.ppf(0.975, 1) * 1.0)  # t * se / est, se/est = 1
    assert rate["ci_upper"] == pytest.approx(2000 / 3 * factor)
    assert rate["ci_lower"] == pytest.approx(2000 / 3 / factor)


def test_episodes_per_injured_counts_injured_persons(table):
    per_injured = row(table, "episodes_per_injured")
    assert per_injured["estimate"] == pytest.approx(2.0)  # 2 episodes / 1 injured person
    assert per_injured["n"] == 1


def test_single_age_group_standardisation_equals_crude(table):
    crude, std = row(table, "injury_incidence"), row(table, "injury_incidence_std")
    assert std["estimate"] == pytest.approx(crude["estimate"])
    assert std["se"] == pytest.approx(crude["se"])
    assert "std: Segi 1960 world standard" in std["method"]


def test_domains_are_estimated_on_the_full_design(table):
    # Men: persons a1 (injured) and b1, one in each PSU: p = 1/2, and the domain keeps df = 1.
    men = row(table, "injury_incidence", "sex", "1")
    assert men["estimate"] == pytest.approx(0.5)
    assert men["df"] == 1 and men["n"] == 2


def test_flags(table):
    assert row(table, "injury_incidence")["flag"] == "unstable"  # RSE 1.0 > 0.3
    settings = {"unstable_min_n": 30, "unstable_max_rse": 0.3}
    assert stability_flag(29, 0.1, 0.001, settings) == "unstable"
    assert stability_flag(100, 0.1, 0.031, settings) == "unstable"
    assert stability_flag(100, 0.1, 0.029, settings) == ""
    assert stability_flag(100, 0.0, 0.0, settings) == "unstable"


def test_unknown_domain_is_a_clear_error():
    with pytest.raises(ValueError, match="estimation.domains names \\['hukou'\\]"):
        estimate_indicators(tiny_persons(), settings={"domains": ["hukou"]}, age_groups=[0])


def test_a_90_percent_run_changes_the_interval_and_says_so():
    # Same tiny design at confidence 0.90: logit CI with t(0.95, df=1) instead of t(0.975, 1).
    table = estimate_indicators(
        tiny_persons(),
        settings={"confidence": 0.90, "ci_method": "beta"},
        age_groups=[0],
        standard_population="segi",
    )
    rate = row(table, "episode_rate_per_1000py")
    factor = math.exp(stats.t.ppf(0.95, 1) * 1.0)  # se/est = 1, as in the 95 % test above
    assert rate["ci_upper"] == pytest.approx(2000 / 3 * factor)
    assert "90 % CI log scale" in rate["method"]
    assert "90 % CI Korn-Graubard" in row(table, "injury_incidence")["method"]
