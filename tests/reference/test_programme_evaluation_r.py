"""The programme evaluation's contrasts against R's survey package.

Expected values: ``programme/expected_programme_evaluation.csv``, written by
``programme/reference_programme_evaluation.R`` (R 4.2.2, survey 4.1.1; versions in its ``meta``
column), which scores the raw answer codes in R on its own and forms the contrasts with
``svycontrast`` on the stacked design, on the data of
``programme/make_programme_evaluation_data.py`` (the demo's waves, fixed base weights): the town's
change in awareness (difference, ratio) and the difference-in-differences and ratio of ratios of
smoke alarms against the comparison area. A live test re-runs the R script when R is installed.
Both under PSUs as sampled with replacement (``fpc: none``) and under the declared design
(``certainty_psus: own_strata``, ``fpc: two_stage``, each wave's own frame; R's ``declared/``
quantities).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.evaluation import EvaluationSettings
from injury_survey.programme_evaluation import evaluate_programme
from injury_survey.programme_indicators import (
    ProgrammeSettings,
    analysis_frame,
    programme_items,
    score_home_safety,
    score_knowledge,
)

HERE = Path(__file__).parent / "programme"
IDS = {"stratum_id": str, "psu_id": str, "hh_id": str, "person_id": str, "wave": str}
WAVES = ["baseline", "followup", "comparison_baseline", "comparison_followup"]
TIGHT = 1e-8
FRAME = ["certainty", "psus_in_frame", "households_listed"]
# declaration -> (estimation.certainty_psus, estimation.fpc, prefix of R's quantities)
DECLARATIONS = {
    "with_replacement": ("as_sampled", "none", ""),
    "declared": ("own_strata", "two_stage", "declared/"),
}


def read_expected(path: Path, prefix: str | None = None) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ["estimate", "se", "ci_lower", "ci_upper", "df"]:
        table[column] = pd.to_numeric(table[column].str.strip().replace({"NA": np.nan}))
    if prefix is not None:  # one declaration's rows, without the prefix
        table = table[table["quantity"].str.startswith("declared/") == bool(prefix)]
        table = table.assign(quantity=table["quantity"].str.removeprefix(prefix))
    return table.set_index("quantity")


def our_comparisons(declaration: str) -> pd.DataFrame:
    codebook = load_codebook()
    items = programme_items(codebook)
    programme = ProgrammeSettings(min_age=15, knowledge_pass_mark=0.6, dont_know="as_no")
    persons = pd.read_csv(HERE / "evaluation_persons.csv", dtype=IDS)
    households = pd.read_csv(HERE / "evaluation_households.csv", dtype=IDS)
    frames = {}
    for wave in WAVES:
        people = persons[persons["wave"] == wave].assign(weight_nr=lambda d: d["weight"])
        person_frame = None
        if not people.empty:
            knowledge = people.loc[people["has_knowledge"] == 1, ["person_id", "aware_programme"]]
            scored, _ = score_knowledge(knowledge, people, items, codebook, programme)
            person_frame = analysis_frame(
                people[["person_id", "hh_id", "stratum_id", "psu_id", "weight", *FRAME]],
                scored,
                "person_id",
            )
        homes = households[households["wave"] == wave]
        hh_frame = analysis_frame(
            homes[["hh_id", "stratum_id", "psu_id", "weight", *FRAME]],
            score_home_safety(homes[["hh_id", "smoke_alarm"]], items, codebook, programme),
            "hh_id",
        )
        frames[wave] = (person_frame, hh_frame)
    config = {
        "survey": {"waves": WAVES},
        "evaluation": {
            "baseline": "baseline",
            "followup": "followup",
            "comparison": {"baseline": "comparison_baseline", "followup": "comparison_followup"},
        },
    }
    certainty, fpc, _ = DECLARATIONS[declaration]
    return evaluate_programme(
        frames,
        EvaluationSettings.from_config(config),
        codebook,
        estimation={
            "confidence": 0.95,
            "ci_method": "logit",
            "lonely_psu": "fail",
            "certainty_psus": certainty,
            "fpc": fpc,
        },
        calibration=None,
        programme=programme,
    )


@pytest.fixture(scope="module", params=list(DECLARATIONS))
def declaration(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def ours(declaration) -> pd.DataFrame:
    return our_comparisons(declaration).set_index(["indicator", "area", "contrast"])


@pytest.fixture(scope="module")
def expected(declaration) -> pd.DataFrame:
    prefix = DECLARATIONS[declaration][2]
    return read_expected(HERE / "expected_programme_evaluation.csv", prefix)


def check(row: pd.Series, want: pd.Series) -> None:
    for column in ("estimate", "se", "ci_lower", "ci_upper", "df"):
        assert row[column] == pytest.approx(want[column], rel=TIGHT, abs=TIGHT), column


def test_awareness_change_matches_svycontrast(ours, expected):
    check(ours.loc[("aware", "intervention", "difference")], expected.loc["aware_difference"])
    check(ours.loc[("aware", "intervention", "ratio")], expected.loc["aware_ratio"])
    row = ours.loc[("aware", "intervention", "difference")]
    assert row["baseline"] == pytest.approx(expected.loc["aware_baseline", "estimate"], rel=TIGHT)
    assert row["followup"] == pytest.approx(expected.loc["aware_followup", "estimate"], rel=TIGHT)


def test_smoke_alarm_difference_in_differences_matches_svycontrast(ours, expected):
    check(
        ours.loc[("smoke_alarm", "between", "difference_in_differences")],
        expected.loc["smoke_did"],
    )
    check(
        ours.loc[("smoke_alarm", "between", "ratio_of_ratios")],
        expected.loc["smoke_ratio_of_ratios"],
    )


def test_the_method_names_the_declaration(ours, declaration):
    method = ours["method"].iloc[0]
    wanted = "two-stage fpc" if declaration == "declared" else "PSUs with replacement (no fpc)"
    assert wanted in method


def test_no_comparison_area_without_its_person_tables(ours):
    # the golden persons hold the town's waves only: awareness has no between-area rows
    assert ("aware", "between", "difference_in_differences") not in ours.index
    assert ("aware", "comparison", "difference") not in ours.index


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_the_r_script_still_gives_the_committed_values(tmp_path):
    out = tmp_path / "expected.csv"
    subprocess.run(
        [
            "Rscript",
            str(HERE / "reference_programme_evaluation.R"),
            str(HERE / "evaluation_persons.csv"),
            str(HERE / "evaluation_households.csv"),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    fresh, committed = read_expected(out), read_expected(HERE / "expected_programme_evaluation.csv")
    pd.testing.assert_frame_equal(
        fresh.drop(columns="meta"), committed.drop(columns="meta"), rtol=1e-12
    )
