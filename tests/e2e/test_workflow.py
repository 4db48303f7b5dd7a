"""The tiny test survey through the real Snakefile, in a temporary survey folder.

Runs the way a survey team runs the pipeline on its own data:
``snakemake --snakefile <repo>/Snakefile --directory <folder> --configfile <folder>/config.yaml``.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest
import yaml

from injury_survey.code_inputs import module_code, notebook_code

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).resolve().parent / "survey"
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

pytestmark = pytest.mark.slow


def snakemake_command(folder: Path, *args: str) -> list[str]:
    return [
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
    ]


def snakemake_env() -> dict[str, str]:
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        snakemake_command(folder, *args),
        capture_output=True,
        text=True,
        env=snakemake_env(),
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


def test_bad_input_stops_with_a_few_lines_naming_file_column_and_notebook(tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    persons = tmp_path / "data" / "raw" / "pilot" / "persons.csv"
    frame = pd.read_csv(persons, dtype=str)
    frame.drop(columns=["sex"]).to_csv(persons, index=False)
    # As run.py runs it: with the default profile.
    profile = ["--workflow-profile", str(REPO / "workflow" / "profiles" / "default")]
    result = snakemake(tmp_path, *profile, "results/pilot/persons.parquet")
    assert result.returncode != 0
    console = (result.stdout + result.stderr).strip().splitlines()
    assert len(console) <= 20, "\n".join(console)
    text = "\n".join(console)
    assert "01_clean_pilot stopped" in text
    assert "persons.csv: required column missing: 'sex'" in text
    assert "results/logs/clean_pilot/01_clean_pilot.ipynb" in text
    assert "Traceback" not in text and '"cell_type"' not in text
    # The details are kept: the traceback in the log, the executed notebook beside it.
    log = (tmp_path / "results" / "logs" / "clean_pilot" / "papermill.log").read_text()
    assert "persons.csv" in log and "sex" in log and "Traceback" in log
    assert (tmp_path / "results" / "logs" / "clean_pilot" / "01_clean_pilot.ipynb").exists()


def test_tables_on_named_sheets_of_one_workbook(tmp_path, survey_run):
    # The pilot's three tables as sheets of one workbook, after a cover sheet:
    # "pilot.xlsx#persons" is read by intake, the workbook is the rule's input.
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    pilot = tmp_path / "data" / "raw" / "pilot"
    with pd.ExcelWriter(pilot / "pilot.xlsx") as book:
        pd.DataFrame({"说明": ["预调查数据"]}).to_excel(book, sheet_name="说明", index=False)
        for table in ("households", "persons", "episodes"):
            pd.read_csv(pilot / f"{table}.csv", dtype=str).to_excel(
                book, sheet_name=table, index=False
            )
            (pilot / f"{table}.csv").unlink()
    config = yaml.safe_load((tmp_path / "config.yaml").read_text(encoding="utf-8"))
    config["tables"]["pilot"] = {
        t: f"data/raw/pilot/pilot.xlsx#{t}" for t in config["tables"]["pilot"]
    }
    (tmp_path / "config.yaml").write_text(
        yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
    )
    result = snakemake(tmp_path, "results/pilot/persons.parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    persons = pd.read_parquet(tmp_path / "results" / "pilot" / "persons.parquet")
    assert set(persons["source_file"]) == {"data/raw/pilot/pilot.xlsx#persons"}
    # The same rows as from the CSV files, cell for cell.
    from_csv = pd.read_parquet(survey_run / "results" / "pilot" / "persons.parquet")
    pd.testing.assert_frame_equal(
        persons.drop(columns="source_file"), from_csv.drop(columns="source_file")
    )


# What must come out byte for byte the same from the same inputs: every data file a stage hands
# on or reports (CSV, Parquet, YAML, workbooks, figure captions and figures). Executed notebooks,
# their HTML, the report and the logs record run times and dates and are left out.
BYTE_IDENTICAL = {".csv", ".parquet", ".yaml", ".xlsx", ".txt", ".png", ".svg"}


def result_files(folder: Path, suffixes: set[str]) -> dict[str, Path]:
    results = folder / "results"
    return {
        str(path.relative_to(results)): path
        for path in sorted(results.rglob("*"))
        if path.suffix in suffixes and "logs" not in path.relative_to(results).parts
    }


def kill_tree(process: subprocess.Popen) -> None:
    """Kill Snakemake and everything it started (jobs, kernels) at once, like a power cut."""
    parent = psutil.Process(process.pid)
    for child in [*parent.children(recursive=True), parent]:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    process.wait(timeout=60)


def test_a_run_killed_mid_notebook_reruns_to_the_same_tables(survey_run, tmp_path):
    folder = tmp_path / "survey"
    shutil.copytree(TINY, folder)
    profile = ["--workflow-profile", str(REPO / "workflow" / "profiles" / "default")]
    started = subprocess.Popen(
        snakemake_command(folder, *profile),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=snakemake_env(),
    )
    # Kill while 04_compute_weights is executing (its log appears when the notebook starts).
    running = folder / "results" / "logs" / "compute_weights" / "baseline.log"
    deadline = time.monotonic() + 900
    while not running.exists() and started.poll() is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert started.poll() is None, "the run ended before it could be interrupted"
    time.sleep(5)
    kill_tree(started)
    assert not (folder / "results" / "baseline" / "estimates.csv").exists()

    # Snakemake's lock survives a kill; --unlock is the documented way to clear it.
    assert snakemake(folder, "--unlock").returncode == 0
    rerun = snakemake(folder, *profile)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    again = snakemake(folder, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr

    first = result_files(survey_run, BYTE_IDENTICAL)
    second = result_files(folder, BYTE_IDENTICAL)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name].read_bytes() != second[name].read_bytes()]
    assert not differing, f"not byte-identical across runs: {differing}"
    assert any(name.endswith(".xlsx") for name in first)


def declared_inputs(folder: Path) -> dict[str, set[str]]:
    """Each rule's input files as Snakemake reports them (its --filegraph)."""
    graph = snakemake(folder, "--filegraph")
    assert graph.returncode == 0, graph.stderr[-3000:]
    rules = {}
    for node in graph.stdout.split("label=<<table")[1:]:
        name = re.search(r'<font point-size="18">(\w+)</font>', node).group(1)
        inputs = node.split("output &rarr;")[0]
        rules[name] = set(re.findall(r'<font face="monospace">([^<]+)</font>', inputs))
    return rules


def test_notebook_rules_declare_the_code_their_notebooks_import(survey_run):
    package = str(REPO / "src" / "injury_survey")
    runner = set(module_code("injury_survey.run_notebook"))
    checked = 0
    for rule, inputs in declared_inputs(survey_run).items():
        notebooks = [f for f in inputs if f.endswith(".ipynb") and "/notebooks/" in f]
        if not notebooks or not notebooks[0].startswith(str(REPO)):
            continue
        code = {f for f in inputs if f.startswith(package)}
        assert code == set(notebook_code(notebooks[0])) | runner, rule
        checked += 1
    assert checked == 11  # notebooks 01-10 and 12 (the evaluation, 11, needs two waves)


def planned_jobs(folder: Path) -> set[str]:
    """The rules a dry run would run, from its job table."""
    result = snakemake(folder, "--dry-run", "--quiet", "rules")
    assert result.returncode == 0, result.stderr[-3000:]
    return set(re.findall(r"^(\w+)\s+\d+$", result.stdout, re.M)) - {"total"}


def test_changing_a_setting_reruns_the_notebooks_and_a_comment_does_not(survey_run, tmp_path):
    # The notebooks get the config file's path; the settings' digest is what Snakemake tracks.
    folder = tmp_path / "survey"
    shutil.copytree(survey_run, folder, symlinks=True)
    config = folder / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    # A comment changes the file's checksum in the manifest (and the report that cites it) only.
    assert planned_jobs(folder) == {"manifest", "final_report", "index", "all"}
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings.setdefault("report", {})["suppress_below"] = 3
    config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    assert {"clean_pilot", "estimate_indicators", "injury_profile", "report_figures"} <= (
        planned_jobs(folder)
    )
