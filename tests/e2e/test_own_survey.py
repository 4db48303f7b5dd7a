"""A survey folder the project has never seen, from `run.py init` to the report with no hand edit.

The town has 7 communities with numeric stratum ids (110105001 …), its frame is a workbook on a
named sheet, its sample list and household table share one workbook (the households on its second
sheet, which `run.py init` must name), its census is a GBK CSV, and the survey was fielded at a
large take, 95 households per PSU in 14 PSUs (the case of the issue): the plan at that take
differs from the sample fielded, so the plan stage must be advisory and the analysis must run on
the frozen sample list.
"""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from injury_survey.sample_size import allocate_psus
from injury_survey.sampling import draw_sample
from injury_survey.simulate import field_survey, make_pilot, simulate_population

REPO = Path(__file__).resolve().parents[2]
SEED = 11
TAKE = 95  # households per PSU, as fielded
STRATUM_ID = re.compile(r"(?<![0-9A-Za-z])S([1-7])(?=-|$)")

pytestmark = pytest.mark.slow


def numeric_ids(table: pd.DataFrame) -> pd.DataFrame:
    """S3 → 110105003 in every id column (stratum, PSU, household, person and episode ids)."""
    out = table.copy()
    for column in [c for c in out if c.endswith("_id")]:
        out[column] = out[column].map(
            lambda v: STRATUM_ID.sub(lambda m: f"11010500{m[1]}", v) if isinstance(v, str) else v
        )
    return out


def write_unseen_survey(folder: Path) -> None:
    raw = folder / "data" / "raw"
    for sub in ("frame", "census", "pilot", "baseline"):
        (raw / sub).mkdir(parents=True)
    # PSUs of about 130 dwellings (51–223), so most sampled PSUs have 95 to give
    population = simulate_population(SEED, n_communities=7, psus_per_community=(3, 4), scale=0.5)
    sample = draw_sample(population.frame, allocate_psus(population.frame, 14), TAKE, SEED)
    baseline = field_survey(population, sample, seed=SEED + 2)
    pilot = make_pilot(population, SEED + 1)

    names = population.strata.set_index("stratum_id")
    frame = population.frame.assign(
        stratum_name_zh=population.frame["stratum_id"].map(names["name_zh"]),
        stratum_name_en=population.frame["stratum_id"].map(names["name_en"]),
    )
    numeric_ids(frame).to_excel(raw / "frame" / "town.xlsx", sheet_name="抽样框", index=False)
    numeric_ids(population.census).to_csv(
        raw / "census" / "census.csv", index=False, encoding="gb18030"
    )
    with pd.ExcelWriter(raw / "baseline" / "survey.xlsx") as book:
        numeric_ids(sample).to_excel(book, sheet_name="样本清单", index=False)
        numeric_ids(baseline["households"]).to_excel(book, sheet_name="住户", index=False)
    for name in ("persons", "episodes"):
        numeric_ids(baseline[name]).to_csv(raw / "baseline" / f"{name}.csv", index=False)
    for name, table in pilot.items():
        numeric_ids(table).to_csv(raw / "pilot" / f"{name}.csv", index=False)


def run_py(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    # a team folder as shared drives name them: Chinese, with spaces (every shell path is quoted)
    folder = tmp_path_factory.mktemp("own") / "新城 survey 2026"
    write_unseen_survey(folder)
    init = run_py("init", str(folder))
    assert init.returncode == 0, init.stdout + init.stderr
    run = run_py("run", str(folder))
    assert run.returncode == 0, (run.stdout + run.stderr)[-6000:]
    return folder, init.stdout, run.stdout


def test_init_wrote_string_ids_named_from_the_frame_and_the_fielded_take(survey):
    folder, printed, _ = survey
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    assert list(config["survey"]["strata"]) == [f"11010500{i}" for i in range(1, 8)]
    assert config["survey"]["strata"]["110105001"] == {"zh": "东城社区", "en": "Dongcheng"}
    assert config["tables"]["frame"] == "data/raw/frame/town.xlsx"
    baseline = config["tables"]["waves"]["baseline"]
    assert baseline["sample"] == "data/raw/baseline/survey.xlsx"
    assert baseline["households"] == "data/raw/baseline/survey.xlsx#住户"  # the second sheet
    assert "data/raw/baseline/survey.xlsx#住户" in printed
    assert config["plan"]["households_per_psu"] == TAKE
    assert f"14 PSUs of 7 strata, {TAKE} households per PSU" in printed


def test_the_plan_is_advisory_and_compared_with_the_fielded_sample(survey):
    folder, _, _ = survey
    plan = yaml.safe_load((folder / "results" / "plan" / "plan.yaml").read_text(encoding="utf-8"))
    # The plan at the fielded take needs more PSUs than the frame lists: it names the settings.
    assert "but the frame lists only" in plan["not_drawn"]
    assert "plan.households_per_psu (now 95)" in plan["not_drawn"]
    total = plan["fielded"][-1]
    assert total["stratum_id"] == "all" and total["psus_fielded"] == 14
    notebook = (folder / "results" / "notebooks" / "02_plan_survey.html").read_text(
        encoding="utf-8"
    )
    assert "the plan is advisory" in notebook


def test_the_analysis_ran_on_to_the_reports(survey):
    folder, _, printed = survey
    results = folder / "results"
    estimates = pd.read_csv(results / "baseline" / "estimates.csv", dtype={"level": str})
    overall = estimates.query("indicator == 'injury_incidence' and by == 'all'")
    assert len(overall) == 1 and 0 < overall["estimate"].iloc[0] < 1
    strata = set(estimates.query("by == 'stratum_id'")["level"])
    assert strata <= {f"11010500{i}" for i in range(1, 8)} and len(strata) == 7
    report = (results / "report" / "report.html").read_text(encoding="utf-8")
    assert f"{folder.name}社区伤害调查" in report and "东城社区" in report
    assert (results / "report" / "snakemake_report.html").stat().st_size > 10_000
    assert "Adjustments the data forced" in printed


def test_the_reports_pass_the_audit(survey):
    # every number from a result, repeats agree, and the wording rules (README, "Writing the
    # project's texts") hold in both documents of a survey the project has never seen
    from injury_survey.config import load_config
    from injury_survey.report_document.audit import audit_report

    folder, _, _ = survey
    config = load_config(folder / "config.yaml")
    reports = sorted((folder / "results" / "report").glob("report*.html"))
    assert [r.name for r in reports] == ["report.html", "report_en.html"]
    for report in reports:
        findings = audit_report(report.read_text(encoding="utf-8"), folder / "results", config)
        assert findings == [], f"{report.name}: " + "; ".join(map(str, findings))
