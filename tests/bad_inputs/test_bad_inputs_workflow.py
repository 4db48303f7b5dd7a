"""Representative fatal cases of the corpus through the real Snakefile: the run stops with the
message naming file, column and rule, and no weights file exists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bad_input_cases import make_survey
from test_bad_inputs import CASES

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# (case, log of the rule that stops, under results/logs/; the exception the notebook raises)
WORKFLOW_CASES = [
    ("stratum_disagrees_with_frame", "clean_survey/baseline.log", "DesignCheckError"),
    ("census_cell_abc", "compute_weights/baseline.log", "DesignCheckError"),
    ("header_only_households", "clean_survey/baseline.log", "IntakeError"),
]


@pytest.mark.parametrize(
    ("case_id", "log", "error"), WORKFLOW_CASES, ids=[c for c, _, _ in WORKFLOW_CASES]
)
def test_fatal_input_stops_the_pipeline_before_weights(case_id, log, error, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    folder = make_survey(tmp_path, case)
    result = snakemake(folder, "results/baseline/weights.parquet")
    assert result.returncode != 0
    text = (folder / "results" / "logs" / log).read_text(encoding="utf-8")
    assert case.file in text and case.column in text and case.rule in text and case.text in text
    assert error in text
    assert not (folder / "results" / "baseline" / "weights.parquet").exists()


def snakemake(folder: Path, *targets: str) -> subprocess.CompletedProcess:
    """Snakemake as a survey team runs it (as in tests/e2e/test_workflow.py)."""
    bin_dir = Path(sys.executable).parent
    return subprocess.run(
        [
            str(bin_dir / "snakemake"),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(folder),
            "--configfile",
            str(folder / "config.yaml"),
            "--cores",
            "1",
            *targets,
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),
        timeout=900,
    )
