"""The programme module's scoring and estimates against R's survey package.

Expected values: ``programme/expected_programme.csv``, written by ``programme/reference_programme.R``
(R 4.2.2, survey 4.1.1; versions in its "meta" rows), which scores the raw answer codes in R on its
own, on the data of ``programme/make_programme_data.py`` (demo baseline, fixed base weights).
A live test re-runs the R script when R is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.programme_indicators import (
    SCORE,
    ProgrammeSettings,
    analysis_frame,
    estimate_items,
    household_weights,
    injury_link,
    programme_items,
    score_home_safety,
    score_knowledge,
)
from injury_survey.survey_design import SurveyDesign
from injury_survey.weighting import household_weight

HERE = Path(__file__).parent / "programme"
TIGHT = 1e-8
CI_TOL = 1e-6
IDS = {"stratum_id": str, "psu_id": str, "hh_id": str, "person_id": str}


def read_expected(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = table[~table["quantity"].str.startswith("meta")].copy()
    for column in ["estimate", "se", "ci_lower", "ci_upper", "df", "extra"]:
        table[column] = pd.to_numeric(table[column].str.strip().replace({"NA": np.nan}))
    return table.set_index(["quantity", "level"])


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return read_expected(HERE / "expected_programme.csv")


@pytest.fixture(scope="module")
def ours() -> dict:
    """Our scoring and estimates on the same data as the R script."""
    codebook = load_codebook()
    items = programme_items(codebook)
    settings = ProgrammeSettings(min_age=15, knowledge_pass_mark=0.6, dont_know="as_no")
    persons = pd.read_csv(HERE / "programme_persons.csv", dtype=IDS)
    households = pd.read_csv(HERE / "programme_households.csv", dtype=IDS)
    knowledge_columns = ["person_id", "aware_programme", *items.sources, *items.knowledge]
    knowledge = persons.loc[persons["has_knowledge"] == 1, knowledge_columns]
    scored, set_aside = score_knowledge(knowledge, persons, items, codebook, settings)
    frame = analysis_frame(
        persons[["person_id", "stratum_id", "psu_id", "weight", "sex"]], scored, "person_id"
    )
    person_design = SurveyDesign(frame, weight="weight")
    home = score_home_safety(households, items, codebook, settings)
    hh_frame = analysis_frame(
        households[["hh_id", "stratum_id", "psu_id", "weight"]], home, "hh_id"
    )
    household_design = SurveyDesign(hh_frame, weight="weight")
    # weights.household_weight: person_mean, from the person weights by our weighting stage
    people = persons.assign(weight=persons["weight_final"], weight_nr=persons["weight"])
    people["weight_hh"] = household_weight(people, "person_mean")
    mean_frame = analysis_frame(household_weights(people), home, "hh_id")
    mean_design = SurveyDesign(mean_frame, weight="weight")

    link = persons[["person_id", "stratum_id", "psu_id", "weight", "age_years", "fell"]].copy()
    antislip = pd.to_numeric(persons["antislip_grabbars"], errors="coerce")
    link["antislip"] = (antislip == 1).astype(int)
    link["elderly_antislip"] = ((link["age_years"] >= 65) & antislip.isin([1, 2, 8])).astype(int)
    shares, tests = injury_link(
        SurveyDesign(link, weight="weight"), "fell", "antislip", domain="elderly_antislip"
    )
    return {
        "set_aside": set_aside,
        "awareness": estimate_items(person_design, "awareness", ["aware"], domains=["sex"]),
        "score": estimate_items(person_design, "knowledge_score", [SCORE, "knowledge_passed"]),
        "smoke": estimate_items(household_design, "home_safety", ["smoke_alarm"]),
        "smoke_person_mean": estimate_items(mean_design, "home_safety", ["smoke_alarm"]),
        "shares": shares,
        "tests": tests,
    }


def _row(table: pd.DataFrame, item: str, by: str = "all", level: str = "all") -> pd.Series:
    hit = table[(table["item"] == item) & (table["by"] == by) & (table["level"] == level)]
    assert len(hit) == 1, (item, by, level)
    return hit.iloc[0]


def test_awareness_rate_matches_r(ours, expected):
    row, ref = _row(ours["awareness"], "aware"), expected.loc[("awareness", "all")]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)
    assert row["ci_lower"] == pytest.approx(ref["ci_lower"], rel=CI_TOL)
    assert row["ci_upper"] == pytest.approx(ref["ci_upper"], rel=CI_TOL)
    assert row["df"] == ref["df"]
    for sex in ("1", "2"):
        row = _row(ours["awareness"], "aware", "sex", sex)
        ref = expected.loc[("awareness_by_sex", sex)]
        assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
        assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)


def test_knowledge_score_mean_and_pass_share_match_r(ours, expected):
    row, ref = _row(ours["score"], SCORE), expected.loc[("score_mean", "all")]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)
    assert row["ci_lower"] == pytest.approx(ref["ci_lower"], rel=CI_TOL)
    assert row["ci_upper"] == pytest.approx(ref["ci_upper"], rel=CI_TOL)
    row, ref = _row(ours["score"], "knowledge_passed"), expected.loc[("pass_share", "all")]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)


def test_household_item_on_household_weights_matches_r(ours, expected):
    row, ref = _row(ours["smoke"], "smoke_alarm"), expected.loc[("smoke_alarm", "all")]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)
    assert row["ci_lower"] == pytest.approx(ref["ci_lower"], rel=CI_TOL)
    assert row["ci_upper"] == pytest.approx(ref["ci_upper"], rel=CI_TOL)


def test_household_item_on_the_person_mean_household_weight_matches_r(ours, expected):
    row = _row(ours["smoke_person_mean"], "smoke_alarm")
    ref = expected.loc[("smoke_alarm_person_mean_weight", "all")]
    assert row["estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(ref["se"], rel=TIGHT)
    assert row["ci_lower"] == pytest.approx(ref["ci_lower"], rel=CI_TOL)
    assert row["ci_upper"] == pytest.approx(ref["ci_upper"], rel=CI_TOL)
    assert row["df"] == ref["df"]
    # not the same number as on the base weight: the weight matters
    assert abs(ref["estimate"] - expected.loc[("smoke_alarm", "all"), "estimate"]) > 1e-3


def test_rao_scott_falls_by_antislip_matches_r(ours, expected):
    f = ours["tests"].set_index("test").loc["F"]
    ref = expected.loc[("rao_scott_F", "fell_x_antislip")]
    assert f["statistic"] == pytest.approx(ref["estimate"], rel=1e-6)
    assert f["df_num"] == pytest.approx(ref["extra"], rel=1e-6)
    assert f["df_den"] == pytest.approx(ref["df"], rel=1e-6)
    p = expected.loc[("rao_scott_p", "fell_x_antislip"), "estimate"]
    assert f["p_value"] == pytest.approx(p, rel=1e-6)
    shares = ours["shares"].set_index("antislip")
    for level in (0, 1):
        ref = expected.loc[("fell_share_by_antislip", str(level))]
        assert shares.loc[level, "estimate"] == pytest.approx(ref["estimate"], rel=TIGHT)
        assert shares.loc[level, "se"] == pytest.approx(ref["se"], rel=TIGHT)


def test_nobody_in_the_reference_data_is_set_aside(ours):
    # The demo's knowledge table holds residents aged 15+ of the persons table only.
    assert ours["set_aside"].empty


@pytest.mark.r_live
def test_reference_script_reproduces_the_committed_values(tmp_path, expected):
    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed")
    out = tmp_path / "expected.csv"
    subprocess.run(
        [
            "Rscript",
            str(HERE / "reference_programme.R"),
            str(HERE / "programme_persons.csv"),
            str(HERE / "programme_households.csv"),
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    fresh = read_expected(out)
    pd.testing.assert_frame_equal(fresh, expected, rtol=1e-12)
