"""The tiny test survey through the real Snakefile, in a temporary survey folder.

Runs the way a survey team runs the pipeline on its own data:
``snakemake --snakefile <repo>/Snakefile --directory <folder> --configfile <folder>/config.yaml``.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).resolve().parent / "survey"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

pytestmark = pytest.mark.slow


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        [
            str(SNAKEMAKE),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(folder),
            "--configfile",
            str(folder / "config.yaml"),
            "--cores",
            "2",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )


@pytest.fixture(scope="module")
def survey_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("survey")
    shutil.copytree(TINY, folder, dirs_exist_ok=True)
    result = snakemake(folder)
    assert result.returncode == 0, result.stderr[-6000:]
    return folder


def test_every_stage_leaves_its_executed_notebook_and_html(survey_run):
    notebooks = survey_run / "results" / "notebooks"
    for stem in [
        "01_clean_pilot",
        "02_plan_survey",
        "03_clean_survey_baseline",
        "04_compute_weights_baseline",
        "05_estimate_indicators_baseline",
        "06_injury_profile_baseline",
        "07_injury_burden_baseline",
        "08_risk_factors_baseline",
        "09_report_figures",
        "10_final_report",
    ]:
        assert (notebooks / f"{stem}.ipynb").exists(), stem
        assert (notebooks / f"{stem}.html").stat().st_size > 10_000, stem
    index = (survey_run / "results" / "index.html").read_text(encoding="utf-8")
    assert index.index("01_clean_pilot") < index.index("05_estimate_indicators_baseline")


def test_estimates_follow_the_output_contract(survey_run):
    estimates = pd.read_csv(survey_run / "results" / "baseline" / "estimates.csv")
    assert list(estimates.columns) == [
        "indicator",
        "by",
        "level",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "deff",
        "df",
        "n",
        "flag",
        "method",
    ]
    overall = estimates.query("indicator == 'injury_incidence' and by == 'all'")
    assert len(overall) == 1 and 0 < overall["estimate"].iloc[0] < 1


def test_report_figures_and_workbook_in_both_languages(survey_run):
    figures = survey_run / "results" / "figures"
    for lang in ("zh", "en"):
        for suffix in ("png", "svg", "txt"):
            assert (figures / f"f03_incidence_age_sex_{lang}.{suffix}").exists()
    workbook = pd.read_excel(
        survey_run / "results" / "baseline" / "report_tables.xlsx", sheet_name=None
    )
    assert {"T1", "T3", "T6", "T22"} <= set(workbook)


def test_final_report_is_self_contained(survey_run):
    report = (survey_run / "results" / "report" / "report.html").read_text(encoding="utf-8")
    assert "测试镇社区伤害调查" in report and "data:image/png;base64," in report
    for external in ('src="http', 'href="http', "<link", "url(http"):
        assert external not in report


def test_report_numbers_come_from_the_results(survey_run):
    # report.language both: the Chinese report.html and the English report_en.html
    from injury_survey.config import load_config
    from injury_survey.report_document.audit import audit_report

    config = load_config(survey_run / "config.yaml")
    for name in ("report.html", "report_en.html"):
        html = (survey_run / "results" / "report" / name).read_text(encoding="utf-8")
        findings = audit_report(html, survey_run / "results", config)
        assert findings == [], f"{name}: " + "; ".join(map(str, findings))


def test_personal_data_never_reaches_results(survey_run):
    # The column names are reported (intake says what it dropped); the values never appear.
    raw = pd.read_csv(TINY / "data" / "raw" / "baseline" / "households.csv", dtype=str)
    secrets = set(raw["respondent_name"].dropna()) | set(raw["phone"].dropna())
    assert len(secrets) > 10
    for path in (survey_run / "results").rglob("*"):
        if path.suffix in {".csv", ".ipynb", ".html", ".yaml", ".log", ".txt"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            leaked = [value for value in secrets if value in text]
            assert not leaked, f"{path} contains {leaked[:3]}"


def test_second_run_has_nothing_to_do(survey_run):
    result = snakemake(survey_run, "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_bad_input_stops_with_a_message_naming_file_and_column(tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    persons = tmp_path / "data" / "raw" / "pilot" / "persons.csv"
    frame = pd.read_csv(persons, dtype=str)
    frame.drop(columns=["sex"]).to_csv(persons, index=False)
    result = snakemake(tmp_path, "results/pilot/persons.parquet")
    assert result.returncode != 0
    log = (tmp_path / "results" / "logs" / "clean_pilot" / "papermill.log").read_text()
    assert "persons.csv" in log and "sex" in log
    assert (tmp_path / "results" / "logs" / "clean_pilot" / "01_clean_pilot.ipynb").exists()
