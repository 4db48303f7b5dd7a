"""The evaluation's settings, comparability check, minimum detectable change and wording.

Expected values are hand calculations (stated beside each) or the MDC formula evaluated by hand;
the design-based contrasts are checked against R in tests/reference/test_evaluation_r.py.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm

from injury_survey import evaluation, evaluation_report
from injury_survey.codebook import load_codebook


def _config(**block):
    return {
        "survey": {
            "waves": ["baseline", "followup", "cb", "cf"],
            "area_zh": "镇",
            "area_en": "Town",
        },
        "evaluation": block,
    }


def test_no_evaluation_block_means_no_evaluation():
    assert evaluation.EvaluationSettings.from_config({"survey": {"waves": ["baseline"]}}) is None


def test_settings_name_waves_and_target_groups():
    settings = evaluation.EvaluationSettings.from_config(
        _config(
            baseline="baseline",
            followup="followup",
            comparison={"baseline": "cb", "followup": "cf"},
            target_groups=[
                {"name": "g", "label_zh": "组", "label_en": "group", "ages": [0, 14], "causes": [7]}
            ],
        )
    )
    assert settings.waves == ["baseline", "followup", "cb", "cf"]
    assert settings.target_groups[0].causes == (7,)
    assert settings.area_en == "Town"


def test_an_unknown_wave_stops_with_the_setting_and_value():
    with pytest.raises(evaluation.EvaluationError, match=r"evaluation.followup = 'later'"):
        evaluation.EvaluationSettings.from_config(_config(baseline="baseline", followup="later"))


def _wave(injured_flag_matches=True, age_groups=("0-14", "65+"), window_days=365, cause=3):
    persons = pd.DataFrame(
        {
            "person_id": ["a", "b"],
            "injured": [1, 0],
            "injured_case_cn_halfday": [1 if injured_flag_matches else 0, 0],
            "age_group": list(age_groups),
        }
    )
    episodes = pd.DataFrame(
        {
            "person_id": ["a"],
            "cause": [cause],
            "window_start": [pd.Timestamp("2026-01-01")],
            "window_end": [pd.Timestamp("2026-01-01") + pd.Timedelta(days=window_days)],
        }
    )
    return persons, episodes


def _check(**followup):
    base, fu = _wave(), _wave(**followup)
    return evaluation.check_comparability(
        {"baseline": base[0], "followup": fu[0]},
        {"baseline": base[1], "followup": fu[1]},
        case_definition="case_cn_halfday",
        cause_codes=list(range(1, 15)),
    )


def test_comparable_waves_pass_and_are_shown():
    table = _check()
    assert set(table["check"]) == {
        "case_definition",
        "age_groups",
        "recall_days",
        "cause_codes_outside_code_list",
    }


@pytest.mark.parametrize(
    ("change", "setting", "values"),
    [
        ({"window_days": 182}, "recall_days", ("'365'", "'182'")),
        ({"age_groups": ("0-4", "65+")}, "age_groups", ("'0-14, 65+'", "'0-4, 65+'")),
        ({"injured_flag_matches": False}, "case_definition", ("'case_cn_halfday'", "'?'")),
        ({"cause": 99}, "cause_codes_outside_code_list", ("'none'", "'99'")),
    ],
)
def test_a_mismatch_stops_naming_the_setting_and_both_values(change, setting, values):
    with pytest.raises(evaluation.EvaluationError) as err:
        _check(**change)
    message = str(err.value)
    assert setting in message
    for value in values:
        assert value in message


def test_contrasts_of_independent_estimates_by_hand():
    # p_B = 0.05 (se 0.01), p_F = 0.04 (se 0.01), df = 100
    base = pd.Series({"estimate": 0.05, "se": 0.01, "n": 1000})
    follow = pd.Series({"estimate": 0.04, "se": 0.01, "n": 1000})
    difference, ratio = evaluation.wave_contrasts(follow, base, df=100, confidence=0.90)
    t = 1.6602343260657506  # qt(0.95, 100)
    assert difference["estimate"] == pytest.approx(-0.01)
    assert difference["se"] == pytest.approx(math.sqrt(2) * 0.01)
    assert difference["ci_upper"] == pytest.approx(-0.01 + t * math.sqrt(2) * 0.01)
    log_se = math.sqrt(0.2**2 + 0.25**2)
    assert ratio["estimate"] == pytest.approx(0.8)
    assert ratio["se"] == pytest.approx(log_se)
    assert ratio["ci_lower"] == pytest.approx(0.8 * math.exp(-t * log_se))


def test_detectable_change_solves_the_two_sample_formula():
    base = pd.Series({"estimate": 0.05, "n": 5000, "deff": 1.4})
    follow = pd.Series({"estimate": 0.045, "n": 6000, "deff": 1.6})
    mdc = evaluation.detectable_change(base, follow, confidence=0.95, power=0.8)
    # At p2 = p1 - mdc the Fleiss formula needs exactly the smaller n with the mean deff 1.5.
    p1, p2 = 0.05, 0.05 - mdc
    bar = (p1 + p2) / 2
    root = norm.ppf(0.975) * math.sqrt(2 * bar * (1 - bar)) + norm.ppf(0.8) * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    assert 1.5 * root**2 / (p1 - p2) ** 2 == pytest.approx(5000, rel=1e-8)


def _ratio(estimate, lower, upper, baseline=0.04):
    return {"estimate": estimate, "ci_lower": lower, "ci_upper": upper, "baseline": baseline}


def test_a_fall_is_stated_only_when_the_interval_excludes_no_change():
    text = evaluation_report.change_sentence(
        _ratio(0.76, 0.61, 0.95), 0.01, label="Falls at 65+", lang="en", confidence=0.95
    )
    assert text == "Falls at 65+ fell by 24 % (95 % CI 5 % to 39 %)."
    zh = evaluation_report.change_sentence(
        _ratio(0.76, 0.61, 0.95), 0.01, label="老年人跌倒", lang="zh", confidence=0.95
    )
    assert zh == "老年人跌倒下降了24%（95%置信区间：5%～39%）。"


def test_no_detectable_change_gives_the_minimum_detectable_change():
    text = evaluation_report.change_sentence(
        _ratio(0.90, 0.70, 1.15), 0.012, label="Injury incidence", lang="en", confidence=0.90
    )
    assert "no change detectable" in text
    assert "90 % CI 0.70 to 1.15" in text
    assert "1.20 percentage points (30 % of the baseline)" in text
    assert "fell" not in text.split(";")[0]


def test_table_t21_and_sentences_from_a_comparisons_table():
    rows = []
    for area, base, follow in (("intervention", 0.05, 0.04), ("comparison", 0.05, 0.048)):
        for contrast, estimate, low, high in (
            ("difference", follow - base, -0.02, 0.0),
            ("ratio", follow / base, 0.7, 0.99),
        ):
            rows.append(
                {
                    "area": area,
                    "indicator": "injury_incidence",
                    "by": "all",
                    "level": "all",
                    "contrast": contrast,
                    "estimate": estimate,
                    "se": 0.01,
                    "ci_lower": low,
                    "ci_upper": high,
                    "baseline": base,
                    "followup": follow,
                    "mdc": 0.008,
                }
            )
    comparisons = pd.DataFrame(rows)
    settings = evaluation.EvaluationSettings(baseline="b", followup="f")
    codebook = load_codebook()
    table = evaluation_report.t21_table(comparisons, settings, codebook, lang="en")
    assert table.iloc[0]["Baseline (%)"] == "5.00"
    assert table.iloc[0]["Follow-up/baseline (CI)"] == "0.80 (0.70, 0.99)"
    sentences = evaluation_report.evaluation_sentences(
        comparisons, settings, codebook, lang="en", confidence=0.95
    )
    assert sentences[0].endswith("fell by 20 % (95 % CI 1 % to 30 %).")
    assert sentences[-1] == evaluation.MULTIPLICITY_NOTE["en"]


def test_follow_up_costs_are_deflated_to_baseline_prices():
    settings = evaluation.EvaluationSettings(baseline="b", followup="f", cpi_factor=1.25)
    persons = pd.DataFrame(
        {
            "person_id": ["p1", "p2"],
            "stratum_id": "S1",
            "psu_id": ["1", "2"],
            "age_years": [30, 70],
        }
    )
    episodes = pd.DataFrame(
        {
            "person_id": ["p1", "p1", "p2"],
            "is_case": [True, True, True],
            "in_window": [True, True, True],
            "cause": [3, 3, 7],
            "cost_medical": [100.0, 150.0, None],  # p2's cost unknown: left out, not 0
        }
    )
    stacked = evaluation.stack_waves(
        {"b": persons, "f": persons},
        {"b": episodes, "f": episodes},
        price_deflators=settings.price_deflators,
    ).set_index(["wave", "person_id"])
    assert stacked.loc[("b", "p1"), "cost_medical_known"] == 250.0
    assert stacked.loc[("f", "p1"), "cost_medical_known"] == 200.0  # 250 / 1.25
    assert stacked.loc[("f", "p1"), "episodes_cost_known"] == 2
    assert stacked.loc[("f", "p2"), "episodes_cost_known"] == 0
