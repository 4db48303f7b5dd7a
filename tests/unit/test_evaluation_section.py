"""The report's evaluation section, from an evaluation's result files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from injury_survey import evaluation
from injury_survey.codebook import load_codebook
from injury_survey.report_document.evaluation_section import evaluation_section

WAVES = Path(__file__).resolve().parents[1] / "reference" / "evaluation" / "evaluation_waves.csv"


def test_section_words_every_finding_from_its_interval(tmp_path):
    waves = pd.read_csv(WAVES, dtype={"stratum_id": str, "psu_id": str})
    persons = {
        wave: part.drop(columns="wave").assign(person_id=np.arange(len(part)).astype(str))
        for wave, part in waves.groupby("wave", sort=False)
    }
    no_episodes = pd.DataFrame(columns=["person_id", "is_case", "in_window", "cause"])
    config = {
        "survey": {"waves": list(persons), "area_zh": "镇", "area_en": "Town"},
        "estimation": {"confidence": 0.95},
        "evaluation": {
            "baseline": "baseline",
            "followup": "followup",
            "comparison": {"baseline": "comparison_baseline", "followup": "comparison_followup"},
        },
    }
    settings = evaluation.EvaluationSettings.from_config(config)
    stacked = evaluation.stack_waves(persons, dict.fromkeys(persons, no_episodes))
    comparisons = evaluation.evaluate(
        stacked,
        settings,
        estimation=config["estimation"],
        age_groups=[0, 15, 45, 65],
        calibration=None,
    )
    (tmp_path / "evaluation").mkdir()
    comparisons.to_csv(tmp_path / "evaluation" / "comparisons.csv", index=False)

    section = evaluation_section(tmp_path, config, load_codebook(), ("zh", "en"))

    findings = [f["en"] for f in section["findings"]]
    ratio = comparisons[
        (comparisons["indicator"] == "injury_incidence")
        & (comparisons["by"] == "all")
        & (comparisons["area"] == "intervention")
        & (comparisons["contrast"] == "ratio")
    ].iloc[0]
    assert ratio["ci_lower"] < 1 < ratio["ci_upper"]  # these waves show no significant change
    assert findings[0].startswith("Injury incidence: no change detectable")
    assert not any(" fell by " in f or " rose by " in f for f in findings)
    assert findings[-1] == evaluation.MULTIPLICITY_NOTE["en"]
    assert all(f["zh"].endswith("。") for f in section["findings"])
    assert section["t21"]["rows"][0]["label"]["en"] == "injury incidence"
    assert section["figures"] == [] and section["trend"] is None
    assert section["model"] is None  # no logistic.csv written


def test_no_evaluation_block_no_section(tmp_path):
    config = {"survey": {"waves": ["baseline"]}}
    assert evaluation_section(tmp_path, config, load_codebook(), ("zh", "en")) is None
