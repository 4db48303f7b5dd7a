"""The programme part of the evaluation: the simulated shift, the design-based MDC, T24 and the
sentences worded from the intervals (hand-made comparison rows; the numbers themselves are checked
against R in tests/reference/test_programme_evaluation_r.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.evaluation import EvaluationSettings
from injury_survey.programme_evaluation import design_based_mdc, evaluate_programme
from injury_survey.programme_evaluation_report import (
    change_sentence,
    followup_paragraph,
    programme_sentences,
    t24_table,
)
from injury_survey.programme_indicators import ProgrammeSettings, programme_items
from injury_survey.simulate.programme import ProgrammeShift, simulate_programme
from injury_survey.simulate.programme_waves import expected_rates

WAVES = ["baseline", "followup", "comparison_baseline", "comparison_followup"]
CONFIG = {
    "survey": {"waves": WAVES},
    "evaluation": {
        "baseline": "baseline",
        "followup": "followup",
        "comparison": {"baseline": "comparison_baseline", "followup": "comparison_followup"},
    },
}


def survey(n_households: int = 400) -> dict[str, pd.DataFrame]:
    hh = [f"h{i}" for i in range(n_households)]
    households = pd.DataFrame({"hh_id": hh, "result_code": 1})
    persons = pd.DataFrame(
        {
            "hh_id": np.repeat(hh, 2),
            "person_id": [f"{h}-{k}" for h in hh for k in (1, 2)],
            "age_years": np.tile([30, 70], n_households),
            "sex": np.tile([1, 2], n_households),
        }
    )
    episodes = pd.DataFrame(columns=["person_id", "cause"])
    return {"households": households, "persons": persons, "episodes": episodes}


def test_a_shift_moves_only_the_named_items_and_keeps_the_draws():
    tables = survey()
    plain_k, plain_h = simulate_programme(**tables, seed=7)
    again_k, again_h = simulate_programme(**tables, seed=7, shift=ProgrammeShift())
    pd.testing.assert_frame_equal(plain_k, again_k)
    pd.testing.assert_frame_equal(plain_h, again_h)
    moved_k, moved_h = simulate_programme(
        **tables, seed=7, shift=ProgrammeShift(aware=0.3, home_safety={"smoke_alarm": 0.4})
    )
    assert (moved_k["aware_programme"] == 1).sum() > (plain_k["aware_programme"] == 1).sum()
    assert (moved_h["smoke_alarm"] == 1).sum() > (plain_h["smoke_alarm"] == 1).sum()
    # a higher probability only turns "no" into "yes": the same random numbers are used
    became_no = (plain_k["aware_programme"] == 1) & (moved_k["aware_programme"] == 2)
    assert not became_no.any()
    pd.testing.assert_series_equal(plain_h["fire_extinguisher"], moved_h["fire_extinguisher"])
    pd.testing.assert_series_equal(plain_k["k_fire_call"], moved_k["k_fire_call"])


def test_expected_rates_by_hand():
    # one census cell of 15-44 year-old men: P(aware) 0.50 (+0.1), don't know 3 %, refused 1 %
    census = pd.DataFrame(
        {
            "stratum_id": "S1",
            "sex": [1, 1],
            "age_group": ["10-14", "20-24"],
            "population": [50, 100],
        }
    )
    rates = expected_rates(census, ProgrammeShift(aware=0.1, home_safety={"smoke_alarm": 0.05}))
    assert rates["aware"] == pytest.approx(0.6 * 0.96 / 0.99, abs=1e-6)
    assert rates["smoke_alarm"] == pytest.approx(0.40 * 0.97, abs=1e-6)
    assert rates["k_fire_call"] == pytest.approx(0.90 * 0.92 / 0.98, abs=1e-6)


def test_design_based_mdc_by_hand():
    # (1.959964 + 0.841621) * sqrt(0.01^2 + 0.02^2) = 2.801585 * 0.0223607
    base, follow = pd.Series({"se": 0.01}), pd.Series({"se": 0.02})
    assert design_based_mdc(base, follow, confidence=0.95, power=0.8) == pytest.approx(
        0.0626453, abs=1e-6
    )


def test_no_programme_tables_give_an_empty_table():
    settings = EvaluationSettings.from_config(CONFIG)
    table = evaluate_programme(
        dict.fromkeys(WAVES, (None, None)),
        settings,
        load_codebook(),
        estimation={},
        calibration=None,
        programme=ProgrammeSettings(),
    )
    assert table.empty and "indicator" in table.columns


def comparisons(aware_change=(0.12, 0.10, 0.14), smoke_change=(0.01, -0.02, 0.04)):
    rows = []
    for item, section, (d, lo, hi), base in (
        ("aware", "awareness", aware_change, 0.55),
        ("smoke_alarm", "home_safety", smoke_change, 0.35),
    ):
        common = {"section": section, "statistic": "proportion", "indicator": item}
        common |= {"by": "all", "level": "all", "baseline": base, "followup": base + d}
        rows += [
            {**common, "area": "intervention", "contrast": "difference", "estimate": d,
             "ci_lower": lo, "ci_upper": hi, "mdc": 0.03},
            {**common, "area": "intervention", "contrast": "ratio", "estimate": 1 + d / base,
             "ci_lower": 1 + lo / base, "ci_upper": 1 + hi / base, "mdc": 0.03},
            {**common, "area": "comparison", "contrast": "difference", "estimate": 0.02,
             "ci_lower": -0.01, "ci_upper": 0.05, "mdc": 0.04},
            {**common, "area": "between", "contrast": "difference_in_differences",
             "estimate": d - 0.02, "ci_lower": lo - 0.04, "ci_upper": hi, "mdc": math.nan},
        ]  # fmt: skip
    return pd.DataFrame(rows)


def test_a_change_is_stated_only_when_its_interval_excludes_none():
    items = programme_items(load_codebook())
    table = comparisons()
    aware = table[table["indicator"] == "aware"].set_index(["area", "contrast"])
    text = change_sentence(aware, "Awareness rate", lang="en", confidence=0.95)
    assert text.startswith("Awareness rate rose from 55.0 % at baseline to 67.0 % at follow-up")
    assert "+12.0 percentage points, 95 % CI +10.0 to +14.0" in text
    assert "beyond the comparison area's change, +10.0 percentage points" in text
    zh = change_sentence(aware, "知晓率", lang="zh", confidence=0.95)
    assert zh.startswith("知晓率从基线的55.0%上升至随访的67.0%") and zh.endswith("。")
    sentences = programme_sentences(table, items, lang="en", confidence=0.95)
    assert sentences[-1] == (
        "In the intervention area no change was detectable in the other items: "
        f"{items.label('smoke_alarm', 'en')} (see the table)."
    )
    quiet = table[table["indicator"] == "smoke_alarm"].set_index(["area", "contrast"])
    text = change_sentence(quiet, "Smoke alarm", lang="en", confidence=0.95)
    assert "no change detectable" in text and "smallest detectable change was 3.0" in text


def test_t24_has_the_comparison_columns_only_with_a_comparison_area():
    items = programme_items(load_codebook())
    with_area = t24_table(comparisons(), EvaluationSettings.from_config(CONFIG), items, lang="en")
    assert list(with_area.columns)[-2:] == [
        "Comparison area change (CI)",
        "Difference in differences (CI)",
    ]
    assert with_area.iloc[0]["Change (CI)"] == "12.0 (10.0, 14.0)"
    single = {**CONFIG, "evaluation": {"baseline": "baseline", "followup": "followup"}}
    alone = t24_table(comparisons(), EvaluationSettings.from_config(single), items, lang="zh")
    assert "差值之差（CI）" not in alone.columns and len(alone) == 2


def test_the_programme_paragraph_gets_the_awareness_change():
    items = programme_items(load_codebook())
    text = followup_paragraph(comparisons(), items, lang="en", confidence=0.95)
    assert text.startswith("Compared with the baseline, awareness rate rose from 55.0 %")
    zh = followup_paragraph(comparisons(), items, lang="zh", confidence=0.95)
    assert zh.startswith("与基线相比，知晓率从基线的55.0%上升")


def test_the_report_section_carries_the_programme_part_only_with_its_results(tmp_path):
    from injury_survey.report_document.evaluation_section import evaluation_section

    config = {**CONFIG, "survey": {"waves": WAVES, "area_zh": "镇", "area_en": "Town"}}
    folder = tmp_path / "evaluation"
    (folder / "figures").mkdir(parents=True)
    comparisons().assign(n_baseline=100, n_followup=100, df=40).to_csv(
        folder / "comparisons.csv", index=False
    )
    assert evaluation_section(tmp_path, config, load_codebook(), ("en",))["programme"] is None
    comparisons().to_csv(folder / "programme_comparisons.csv", index=False)
    for stem in ("f09_evaluation", "f09b_programme"):
        (folder / "figures" / f"{stem}_en.png").write_bytes(b"png")
    section = evaluation_section(tmp_path, config, load_codebook(), ("en",))
    programme = section["programme"]
    assert [f.stem for f in section["figures"]] == ["f09_evaluation"]
    assert [f.stem for f in programme["figures"]] == ["f09b_programme"]
    assert programme["findings"][0]["en"].startswith("Awareness rate rose from 55.0 %")
    assert [row["labels"][1]["en"] for row in programme["rows"]] == [
        "awareness rate",
        programme_items(load_codebook()).label("smoke_alarm", "en"),
    ]
    assert programme["rows"][0]["cells"][2] == "12.0 (10.0, 14.0)"
