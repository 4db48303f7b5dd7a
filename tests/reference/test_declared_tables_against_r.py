"""Report tables on the declared design (certainty PSUs, fpc) against R's survey package.

Expected values: ``expected_episodes.csv``, written by ``reference_episodes.R`` (R 4.2.2 / survey
4.1.1, the file's "meta" rows) on the certainty survey of ``make_reference_data.py``
(``data/fpc_persons.csv``, ``fpc_population.csv``, ``fpc_episodes.csv``). The R script declares
each design from the raw columns itself; our code builds it in ``injury_survey.variance_design``
through :class:`~injury_survey.report_tables.ReportData`.

- Episode compositions (``composition``): R ``svymean`` on a subset of
  ``svydesign(ids = ~psu + hh, fpc = ~N_h + M_i)`` over the episodes and one placeholder per
  episode-free household — the episode design must carry the same declaration as the persons.
- The risk model (``risk_model``): R ``svyglm(family = quasibinomial)`` on a domain of the same
  declared design, uncalibrated and post-stratified.
- Rao–Scott tests (``SurveyDesign.rao_scott``): R ``svychisq(statistic = "F")`` of cause × sex on
  the episode design and of injured × age group / sex on the person design.

Tolerance 1e-8 relative for estimates, SEs and deffs; df exact.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.report_tables import ReportData, ReportSettings
from injury_survey.report_tables.core import Words
from injury_survey.report_tables.estimators import composition
from injury_survey.report_tables.risk import risk_model
from injury_survey.survey_design import CalibrationSpec, calibrate_weights

HERE = Path(__file__).parent
TIGHT = 1e-8
sys.path.insert(0, str(HERE))
from make_reference_data import (  # noqa: E402
    EPISODE_CAUSES,
    make_fpc_episodes,
    make_fpc_reference_data,
    poststratification_cell,
)
from test_against_r import _r_available  # noqa: E402
from test_variance_against_r import DECLARATIONS, read_expected  # noqa: E402

COVARIATES = ("sex", "age_group", "education", "stratum_id")


def read_inputs(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    persons = pd.read_csv(
        directory / "fpc_persons.csv",
        dtype={"stratum_id": str, "psu_id": str, "hh_id": str, "person_id": str},
    )
    population = pd.read_csv(directory / "fpc_population.csv", dtype={"stratum_id": str})
    episodes = pd.read_csv(directory / "fpc_episodes.csv", dtype={"person_id": str})
    return persons, population, episodes


def report_data(
    persons: pd.DataFrame,
    population: pd.DataFrame,
    episodes: pd.DataFrame,
    declaration: str,
    calibration: str = "uncalibrated",
) -> ReportData:
    """The ReportData of one of the R script's blocks (``declaration``/``calibration``)."""
    certainty_psus, fpc = DECLARATIONS[declaration]
    frame = persons.copy()
    # the R script's made-up education: unknown under age 6, else 1 + age %% 3
    frame["education"] = (1 + frame["age_years"] % 3).where(frame["age_years"] >= 6)
    spec = None
    if calibration == "poststratified":
        frame["cell"] = poststratification_cell(frame)
        cells = population.assign(cell=poststratification_cell(population))
        frame["weight"] = calibrate_weights(
            frame, weight="weight_nr", method="poststratify", cells=["cell"], population=cells
        )
        spec = CalibrationSpec("poststratify", "weight_nr", ("cell",))
    else:
        frame["weight"] = frame["weight_nr"]
    settings = ReportSettings(lonely_psu="center", certainty_psus=certainty_psus, fpc=fpc)
    tables = {"episodes": episodes.assign(is_case=True, in_window=True)}
    return ReportData(frame, tables, settings=settings, calibration=spec)


@pytest.fixture(scope="module")
def words():
    return Words(load_codebook())


def check_compositions(expected: pd.DataFrame, persons, population, episodes) -> int:
    compared = 0
    shares = expected[expected["quantity"] == "share"]
    for declaration, rows in shares.groupby("block", sort=False):
        data = report_data(persons, population, episodes, declaration)
        for by, expected_rows in rows.groupby("by", sort=False):
            table = composition(
                data, "cause", codes=EPISODE_CAUSES, by=None if by == "all" else "sex"
            )
            table["level"] = (
                table["level"].astype(str)
                if by == "all"
                else table["sex"].astype(str) + "|" + table["level"].astype(str)
            )
            merged = expected_rows.merge(table, on="level", suffixes=("_r", ""))
            assert len(merged) == len(expected_rows), (declaration, by)
            for column in ("estimate", "se", "deff", "df"):
                np.testing.assert_allclose(
                    merged[column].to_numpy(dtype=float),
                    merged[f"{column}_r"].to_numpy(dtype=float),
                    rtol=TIGHT,
                    err_msg=f"{declaration} share by {by}: {column}",
                )
            compared += len(merged)
    return compared


def check_models(expected: pd.DataFrame, persons, population, episodes, words) -> int:
    compared = 0
    models = expected[expected["quantity"] == "logit"]
    for block, rows in models.groupby("block", sort=False):
        declaration, calibration = block.rsplit("/", 1)
        data = report_data(persons, population, episodes, declaration, calibration)
        table = risk_model(data, words, covariates=COVARIATES).data
        fitted = table[~table["reference"]].copy()
        fitted["term"] = fitted["variable"] + fitted["level"].astype(str)
        terms = rows[rows["level"] != "(Intercept)"]
        merged = terms.merge(fitted, left_on="level", right_on="term", suffixes=("_r", ""))
        assert len(merged) == len(terms) == len(fitted), block
        for ours, theirs in (("coefficient", "estimate_r"), ("se", "se_r"), ("df", "df_r")):
            np.testing.assert_allclose(
                merged[ours].to_numpy(dtype=float),
                merged[theirs].to_numpy(dtype=float),
                rtol=TIGHT,
                err_msg=f"{block}: {ours}",
            )
        compared += len(merged)
    return compared


def check_rao_scott(expected: pd.DataFrame, persons, population, episodes) -> dict:
    """Second-order Rao–Scott F of cause × sex (episodes) and injured × age group (persons);
    returns the relative differences from R by block, test and quantity."""
    differences = {}
    tests = expected[expected["quantity"] == "rao_scott_f"]
    for declaration, rows in tests.groupby("block", sort=False):
        data = report_data(persons, population, episodes, declaration)
        episode_rows = data.episodes
        design = data.episode_design(
            {
                "cause": episode_rows["cause"],
                "sex": episode_rows["sex"],
                "_known": episode_rows["cause"] * 0 + 1,
            }
        )
        calibrated = report_data(persons, population, episodes, declaration, "poststratified")
        ours = {
            "cause_sex": design.rao_scott("cause", "sex", where=("_known", 1)),
            "injured_age_group": data.person_design().rao_scott("injured", "age_group"),
            "injured_sex_poststratified": calibrated.person_design().rao_scott("injured", "sex"),
        }
        for row in rows.itertuples():
            result = ours[row.by].set_index("test").loc["F"]
            names = {"statistic": "statistic", "p_value": "p_value", "ndf": "df_num"}
            value = result[names.get(row.level, "df_den")]
            differences[(declaration, row.by, row.level)] = abs(value / row.estimate - 1)
    return differences


def test_rao_scott_tests_on_the_declared_designs_match_r_svychisq():
    """Statistic, p-value and both df of the second-order F, four declarations, episodes and
    persons (uncalibrated and post-stratified)."""
    expected = read_expected(HERE / "expected_episodes.csv")
    differences = check_rao_scott(expected, *read_inputs(HERE / "data"))
    assert len(differences) == 4 * 3 * 4
    worst = max(differences, key=differences.get)
    assert differences[worst] < TIGHT, (worst, differences[worst])


def test_episode_compositions_carry_the_declared_design_like_r():
    """Shares of four causes, overall and by sex, under four declarations."""
    expected = read_expected(HERE / "expected_episodes.csv")
    compared = check_compositions(expected, *read_inputs(HERE / "data"))
    assert compared == 4 * 4 * 3


def test_the_risk_model_on_the_declared_design_matches_r_svyglm(words):
    """Coefficients and SEs: fpc two-stage / first-stage / none, certainty strata, a domain,
    uncalibrated and post-stratified."""
    expected = read_expected(HERE / "expected_episodes.csv")
    assert check_models(expected, *read_inputs(HERE / "data"), words) == 6 * 9


def test_the_certainty_aware_episode_se_is_smaller_than_the_with_replacement_one():
    # the direction the declaration should move the composition SEs on this design (R's values)
    expected = read_expected(HERE / "expected_episodes.csv").query(
        "quantity == 'share' and by == 'all'"
    )
    se = expected.pivot(index="level", columns="block", values="se")
    assert (se["own_strata/two_stage"] < se["as_sampled/none"]).sum() >= 3


@pytest.mark.r_live
def test_live_r_on_a_fresh_certainty_data_set(tmp_path, words):
    if not _r_available():
        pytest.skip("Rscript or the R survey package is not installed")
    import subprocess

    persons, population = make_fpc_reference_data(seed=4243)
    persons.to_csv(tmp_path / "fpc_persons.csv", index=False)
    population.to_csv(tmp_path / "fpc_population.csv", index=False)
    make_fpc_episodes(persons, seed=4243).to_csv(tmp_path / "fpc_episodes.csv", index=False)
    paths = [tmp_path / f"fpc_{name}.csv" for name in ("persons", "population", "episodes")]
    result = subprocess.run(
        ["Rscript", str(HERE / "reference_episodes.R"), *map(str, paths), str(tmp_path / "e.csv")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    expected = read_expected(tmp_path / "e.csv")
    inputs = read_inputs(tmp_path)
    assert check_compositions(expected, *inputs) > 0
    assert check_models(expected, *inputs, words) > 0
    assert max(check_rao_scott(expected, *inputs).values()) < TIGHT
