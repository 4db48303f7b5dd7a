"""Two towns in one run: the example district (examples/district/) through workflow/district.smk.

Both towns' pipelines are branches of one Snakemake DAG; each town's results equal those of its
own single-town run, byte for byte (executed notebooks aside: they carry run times); the pooled
estimate equals R's on the combined design (tests/reference/district/).
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

from injury_survey.pooled import POOLED_COLUMNS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "district"
REFERENCE = REPO / "tests" / "reference" / "district"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
TOWNS = ("town_a", "town_b")
sys.path.insert(0, str(REPO / "tests" / "reference"))
from test_pooled_against_r import read_expected  # noqa: E402


def district_command(folder: Path, *args: str) -> list[str]:
    return [
        str(SNAKEMAKE),
        "--snakefile",
        str(REPO / "workflow" / "district.smk"),
        "--directory",
        str(folder),
        "--configfile",
        str(folder / "district.yaml"),
        *args,
    ]


def run(command: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{SNAKEMAKE.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=2400)


def test_one_dag_holds_both_towns_and_the_pooled_rule(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    result = run(district_command(tmp_path, "--dry-run", "--quiet", "rules"))
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = result.stdout + result.stderr
    for rule in ["clean_survey", "compute_weights", "estimate_indicators", "final_report"]:
        assert f"town_a_{rule}" in jobs and f"town_b_{rule}" in jobs
    assert "pooled_estimate" in jobs


def test_towns_that_disagree_stop_the_run_before_any_job(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    config = tmp_path / "town_b" / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "case_definition: case_medical\n", encoding="utf-8"
    )
    result = run(district_command(tmp_path, "--dry-run"))
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "setting case_definition: 'case_cn_halfday' in" in said
    assert "'case_medical' in" in said and "合并估计" in said


@pytest.fixture(scope="module")
def district_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("district")
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    result = run(district_command(folder, "--cores", "2"))
    assert result.returncode == 0, result.stderr[-6000:]
    return folder


@pytest.fixture(scope="module")
def single_town_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("single") / "town_a"
    shutil.copytree(EXAMPLE / "town_a", folder)
    command = [str(SNAKEMAKE), "--snakefile", str(REPO / "Snakefile"), "--directory", str(folder)]
    result = run([*command, "--configfile", str(folder / "config.yaml"), "--cores", "2"])
    assert result.returncode == 0, result.stderr[-6000:]
    return folder


@pytest.mark.slow
def test_both_towns_have_their_whole_pipeline(district_run):
    for town in TOWNS:
        results = district_run / town / "results"
        for path in [
            "index.html",
            "report/report.html",
            "manifest.csv",
            "baseline/estimates.csv",
            "baseline/report_tables.xlsx",
        ]:
            assert (results / path).is_file(), f"{town}: {path}"
    # the manifest names the inputs as the town's own run does, relative to its folder
    manifest = pd.read_csv(district_run / "town_a" / "results" / "manifest.csv")
    assert "config.yaml" in set(manifest["path"])
    assert all(not p.startswith("/") for p in manifest["path"])


@pytest.mark.slow
def test_a_towns_results_equal_its_own_run_byte_for_byte(district_run, single_town_run):
    alone = single_town_run / "results"
    in_district = district_run / "town_a" / "results"

    def files(root: Path) -> set[str]:
        skip = ("logs/", "benchmarks/", "notebooks/")  # run times and timestamps
        paths = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        return {p for p in paths if not p.startswith(skip)}

    assert files(alone) == files(in_district)
    assert {"baseline/estimates.csv", "baseline/weights.parquet"} <= files(alone)
    differ = [
        p
        for p in sorted(files(alone))
        if (alone / p).read_bytes() != (in_district / p).read_bytes()
    ]
    assert not differ


@pytest.mark.slow
def test_the_pooled_estimate_equals_r_on_the_combined_design(district_run):
    out = district_run / "results" / "district"
    # R's inputs are this run's weighted persons
    ids = {c: str for c in ("stratum_id", "psu_id", "hh_id", "calibration_cell", "age_group")}
    for town in TOWNS:
        weights = pd.read_parquet(district_run / town / "results/baseline/weights.parquet")
        committed = pd.read_csv(REFERENCE / f"{town}.csv", dtype=ids)
        mine = weights[POOLED_COLUMNS].reset_index(drop=True)
        for column in ["injured", "n_episodes", "person_years", "weight", "weight_pnr"]:
            np.testing.assert_allclose(
                mine[column].astype(float), committed[column].astype(float), rtol=1e-12
            )
        assert mine["psu_id"].astype(str).tolist() == committed["psu_id"].tolist()
    pooled = pd.read_csv(out / "pooled_indicators.csv", dtype={"level": str})
    pooled = pooled.set_index(["indicator", "by", "level"])
    expected = read_expected(REFERENCE / "expected_district.csv")
    assert len(expected) == 18
    for key, row in expected.iterrows():
        for column in ["estimate", "se", "deff"]:
            if np.isnan(row[column]):
                assert np.isnan(pooled.loc[key, column]), (key, column)
            else:
                assert pooled.loc[key, column] == pytest.approx(row[column], rel=1e-8, abs=1e-12)
        assert pooled.loc[key, "df"] == row["df"]
    sheets = pd.read_excel(out / "pooled_indicators.xlsx", sheet_name=None)
    assert list(sheets) == ["合并估计", "pooled", "estimates"]
    assert len(sheets["pooled"]) == 9  # district, 2 towns, 2 sexes, 4 age groups
    assert (out / "13_district.html").is_file()
    assert (out / "adjustments" / "13.csv").is_file()
