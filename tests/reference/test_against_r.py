"""Our design-based estimates against R's survey package (Lumley), the reference implementation.

Expected values come from outside our code:
- ``expected_survey.csv``: ``reference_survey.R`` run with R 4.2.2 / survey 4.1.1 (versions are
  the file's "meta" rows) on ``data/survey_persons.csv`` (generated once by
  ``make_reference_data.py``);
- the R package's published api examples (tooling-notes; R's own printout in export_api_data.R);
- live tests (marker ``r_live``) run the R script on a freshly generated data set.

Tolerances: 1e-8 relative for estimates, SEs and deffs; 1e-6 for CIs (R's logit CI comes from an
iteratively fitted svyglm).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.standardize import standard_weights, standardized_estimates
from injury_survey.survey_design import (
    CalibrationSpec,
    LonelyPsuError,
    SurveyDesign,
    calibrate_weights,
)

HERE = Path(__file__).parent
DATA = HERE / "data"
TIGHT = 1e-8
CI_TOL = 1e-6
AGE_GROUPS = [0, 15, 45, 65]
sys.path.insert(0, str(HERE))
from make_reference_data import make_reference_data, poststratification_cell  # noqa: E402


def read_persons(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"stratum_id": str, "psu_id": str})


def read_expected(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table = table[table["block"] != "meta"].copy()
    for column in ["estimate", "se", "ci_lower", "ci_upper", "deff", "df"]:
        table[column] = pd.to_numeric(table[column].replace("", np.nan))
    return table


def designs(persons: pd.DataFrame, population: pd.DataFrame) -> dict[str, SurveyDesign]:
    """The three designs of reference_survey.R: as sampled, post-stratified, raked."""
    frame = persons.copy()
    frame["cell"] = poststratification_cell(frame)
    cells = population.assign(cell=poststratification_cell(population))
    frame["weight_ps"] = calibrate_weights(
        frame, weight="weight_nr", method="poststratify", cells=["cell"], population=cells
    )
    frame["weight_rk"] = calibrate_weights(
        frame,
        weight="weight_nr",
        method="rake",
        cells=["stratum_id", "sex", "age_group"],
        population=population,
    )
    return {
        "uncalibrated": SurveyDesign(frame, weight="weight_nr"),
        "poststratified": SurveyDesign(
            frame,
            weight="weight_ps",
            calibration=CalibrationSpec("poststratify", "weight_nr", ("cell",)),
        ),
        "raked": SurveyDesign(
            frame,
            weight="weight_rk",
            calibration=CalibrationSpec("rake", "weight_nr", ("stratum_id", "sex", "age_group")),
        ),
    }


def ours(design: SurveyDesign, indicator: str, by: str) -> pd.DataFrame:
    """Our estimate table for one of R's (indicator, by) rows, with a 'level' column."""
    by_arg = None if by == "all" else (["sex", "age_group"] if by == "sex|age_group" else by)
    if indicator.startswith("incidence_"):
        method = indicator.removeprefix("incidence_")
        table = design.proportion("injured", by=by_arg, ci_method=method)
    elif indicator == "episode_rate":
        table = design.ratio("n_episodes", "person_years", by=by_arg)
    elif indicator == "episodes_per_injured":
        table = design.ratio("n_episodes", "injured", by=by_arg)
    elif indicator == "injured_total":
        table = design.total("injured", by=by_arg)
    else:
        raise KeyError(indicator)
    if by_arg is None:
        table["level"] = "all"
    elif by == "sex|age_group":
        table["level"] = table["sex"].astype(str) + "|" + table["age_group"].astype(str)
    else:
        table["level"] = table[by].astype(str)
    return table


def compare(expected: pd.DataFrame, actual: pd.DataFrame, columns: list[str], rtol: float) -> None:
    merged = expected.merge(actual, on="level", suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(expected), "a domain level is missing from our table"
    for column in columns:
        r_values = merged[f"{column}_r"].to_numpy(dtype=float)
        our_values = merged[column].to_numpy(dtype=float)
        finite = np.isfinite(r_values)
        np.testing.assert_allclose(
            our_values[finite], r_values[finite], rtol=rtol, atol=1e-13, err_msg=column
        )


def check_all_rows(expected: pd.DataFrame, persons: pd.DataFrame, population: pd.DataFrame):
    built = designs(persons, population)
    keys = expected[expected["block"].isin(built)][["block", "indicator", "by"]]
    keys = keys[~keys["indicator"].str.contains("std")].drop_duplicates()
    assert len(keys) >= 50  # 3 designs x 18 (indicator, grouping) pairs
    for block, indicator, by in keys.itertuples(index=False):
        rows = expected[
            (expected["block"] == block)
            & (expected["indicator"] == indicator)
            & (expected["by"] == by)
        ]
        actual = ours(built[block], indicator, by)
        compare(rows, actual, ["estimate", "se", "deff", "df"], TIGHT)
        compare(rows, actual, ["ci_lower", "ci_upper"], CI_TOL)


def check_standardised(expected: pd.DataFrame, persons: pd.DataFrame, population: pd.DataFrame):
    built = designs(persons, population)
    weights = standard_weights("china2010", AGE_GROUPS)
    for block, design in built.items():
        for indicator, (y, x) in {
            "incidence_std_contrast": ("injured", None),
            "episode_rate_std": ("n_episodes", "person_years"),
        }.items():
            rows = expected[(expected["block"] == block) & (expected["indicator"] == indicator)]
            actual = standardized_estimates(design, y, x, weights=weights, by=["sex"])
            compare(rows, actual, ["estimate", "se"], TIGHT)
    # R svystandardize itself (the NCHS post-stratification route) for the proportion
    rows = expected[expected["indicator"] == "incidence_std"]
    for block in rows["block"].unique():
        actual = standardized_estimates(
            built[block], "injured", weights=weights, by=["sex"] if block == "uncalibrated" else []
        )
        compare(rows[rows["block"] == block], actual, ["estimate", "se"], TIGHT)


# ---------------------------------------------------------------------- committed references


@pytest.fixture(scope="module")
def committed():
    return (
        read_expected(HERE / "expected_survey.csv"),
        read_persons(DATA / "survey_persons.csv"),
        pd.read_csv(DATA / "survey_population.csv", dtype={"stratum_id": str}),
    )


def test_reference_versions_are_recorded():
    table = pd.read_csv(HERE / "expected_survey.csv", dtype=str, keep_default_na=False)
    meta = table[table["block"] == "meta"].set_index("indicator")["estimate"]
    assert meta["R"].startswith("R version")
    assert meta["survey"] == "4.1.1"


def test_ratios_proportions_domains_deff_df_and_cis_match_r(committed):
    """svyratio, svymean, svyciprop logit/beta, svyby domains, deff, degf; as sampled,
    post-stratified (postStratify) and raked (rake): SEs after calibration included."""
    check_all_rows(*committed)


def test_calibrated_weights_match_r(committed):
    expected, persons, population = committed
    r_weights = pd.read_csv(HERE / "expected_survey_weights.csv")
    built = designs(persons, population)
    assert (r_weights["person_id"] == persons["person_id"]).all()
    np.testing.assert_allclose(
        built["poststratified"].data["weight_ps"], r_weights["weight_ps"], rtol=TIGHT
    )
    np.testing.assert_allclose(built["raked"].data["weight_rk"], r_weights["weight_rk"], rtol=TIGHT)


def test_standardisation_matches_r_svystandardize_and_svycontrast(committed):
    check_standardised(*committed)


def test_calibration_is_credited_in_the_standard_error(committed):
    """Without the calibration record the post-stratified SE is R's 'weights as fixed' SE,
    which is not R's postStratify SE: the record matters."""
    expected, persons, population = committed
    frame = designs(persons, population)["poststratified"].data
    naive = SurveyDesign(frame, weight="weight_ps").proportion("injured")
    r_se = expected.query(
        "block == 'poststratified' and indicator == 'incidence_logit' and by == 'all'"
    )["se"].iloc[0]
    assert abs(naive["se"].iloc[0] / r_se - 1) > 1e-3


@pytest.mark.parametrize(
    ("ours_setting", "r_option"),
    [("center", "adjust"), ("scale", "average"), ("skip", "remove")],
)
def test_lonely_psu_rules_match_r_options(committed, ours_setting, r_option):
    expected, persons, _ = committed
    lonely = persons[~((persons["stratum_id"] == "S3") & (persons["psu_id"] != "P01"))]
    design = SurveyDesign(lonely, weight="weight_nr", lonely_psu=ours_setting)
    rows = expected[expected["block"] == f"lonely_{r_option}"].set_index("indicator")
    mean = design.proportion("injured")
    rate = design.ratio("n_episodes", "person_years")
    for indicator, table in (("incidence", mean), ("episode_rate", rate)):
        for column in ("estimate", "se", "df"):
            assert table[column].iloc[0] == pytest.approx(rows.loc[indicator, column], rel=TIGHT)


def test_lonely_psu_fail_names_the_stratum_and_the_fix(committed):
    _, persons, _ = committed
    lonely = persons[~((persons["stratum_id"] == "S3") & (persons["psu_id"] != "P01"))]
    with pytest.raises(LonelyPsuError, match=r"\['S3'\].*estimation.lonely_psu.*center"):
        SurveyDesign(lonely, weight="weight_nr")


# ---------------------------------------------------------------------- published examples


def test_r_published_api_examples_reproduce():
    """Numbers printed by R for its api data (tooling-notes; survey package examples)."""
    apistrat = pd.read_csv(DATA / "apistrat.csv")
    apiclus1 = pd.read_csv(DATA / "apiclus1.csv")
    dstrat = SurveyDesign(apistrat, strata="stype", psu=None, weight="pw", fpc="fpc")
    dclus1 = SurveyDesign(apiclus1, strata=None, psu="dnum", weight="pw", fpc="fpc")
    mean = dstrat.mean("api00").iloc[0]
    assert round(mean["estimate"], 2) == 662.29
    assert round(mean["se"], 4) == 9.4089
    total = dstrat.total("enroll").iloc[0]
    assert round(total["estimate"]) == 3_687_178
    assert round(total["se"]) == 114_642
    clustered = dclus1.mean("api00").iloc[0]
    assert round(clustered["estimate"], 2) == 644.17
    assert round(clustered["se"], 3) == 23.542
    assert round(clustered["deff"], 4) == 9.3459
    ratio = dclus1.ratio("api.stu", "enroll").iloc[0]
    assert ratio["estimate"] == pytest.approx(0.8497087, abs=5e-8)
    assert ratio["se"] == pytest.approx(0.008386297, abs=5e-10)


# ---------------------------------------------------------------------- live R


def _r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def live_reference(tmp_path_factory):
    if not _r_available():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true but Rscript or R's survey package is missing: install r-base-core r-cran-survey."
            )
        pytest.skip(
            "Rscript or the R survey package is not installed (apt-get install r-base-core r-cran-survey)"
        )
    folder = tmp_path_factory.mktemp("live_r")
    persons, population = make_reference_data(seed=987654)
    persons.to_csv(folder / "persons.csv", index=False)
    population.to_csv(folder / "population.csv", index=False)
    result = subprocess.run(
        [
            "Rscript",
            str(HERE / "reference_survey.R"),
            str(folder / "persons.csv"),
            str(folder / "population.csv"),
            str(folder / "expected.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return (
        read_expected(folder / "expected.csv"),
        read_persons(folder / "persons.csv"),
        pd.read_csv(folder / "population.csv", dtype={"stratum_id": str}),
    )


@pytest.mark.r_live
def test_live_r_on_a_fresh_data_set(live_reference):
    check_all_rows(*live_reference)


@pytest.mark.r_live
def test_live_r_standardisation_on_a_fresh_data_set(live_reference):
    check_standardised(*live_reference)
