"""Proof on a real SLURM cluster: the demo survey through ``--executor slurm`` with the project's
profile gives the same tables as a local run.

The cluster is the single-node one that ``tests/cluster/slurm_cluster.sh start`` configures on this
machine (``.ci/run`` starts it). Without a reachable cluster the test is skipped, except in CI
(``CI=true``), where a missing cluster is a failure.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

# On a cluster without accounting (no slurmdbd): no account, squeue follows the jobs, and the first
# status check comes early because the demo's jobs take seconds, not hours.
LOCAL_CLUSTER_OPTIONS = [
    "--slurm-no-account",
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "5",
]


def cluster_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return states.returncode == 0 and any(s in states.stdout for s in ("idle", "mix", "alloc"))


@pytest.fixture(scope="module")
def cluster():
    if not cluster_is_up():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "CI=true but no SLURM cluster answers: run tests/cluster/slurm_cluster.sh start"
            )
        pytest.skip("no SLURM cluster (start one with: bash tests/cluster/slurm_cluster.sh start)")


def demo_folder(root: Path) -> Path:
    """A survey folder holding the demo's config and raw data, as a team's folder would."""
    root.mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", root / "config.yaml")
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    return root


def run_pipeline(folder: Path, profile: str, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{SNAKEMAKE.parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(
        [
            str(SNAKEMAKE),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(folder),
            "--configfile",
            str(folder / "config.yaml"),
            "--workflow-profile",
            str(REPO / "workflow" / "profiles" / profile),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )


def result_tables(folder: Path) -> dict[str, bytes]:
    """Every CSV the waves produced (estimates, weight diagnostics, report tables), by path."""
    results = folder / "results"
    return {
        str(p.relative_to(results)): p.read_bytes()
        for p in sorted(results.rglob("*.csv"))
        if "benchmarks" not in p.parts and "logs" not in p.parts
    }


def test_demo_on_slurm_gives_the_tables_of_a_local_run(cluster, tmp_path):
    on_slurm = demo_folder(tmp_path / "slurm")
    result = run_pipeline(on_slurm, "slurm", *LOCAL_CLUSTER_OPTIONS)
    assert result.returncode == 0, result.stderr[-6000:]
    # The notebook jobs really went through sbatch: Snakemake names each rule's SLURM job log.
    submitted = set(
        re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/(rule_\w+)/", result.stderr)
    )
    assert submitted >= {
        "rule_clean_survey",
        "rule_compute_weights",
        "rule_estimate_indicators",
        "rule_final_report",
    }, result.stderr[-3000:]

    local = demo_folder(tmp_path / "local")
    result = run_pipeline(local, "default", "--cores", "2")
    assert result.returncode == 0, result.stderr[-6000:]

    slurm_tables, local_tables = result_tables(on_slurm), result_tables(local)
    assert "baseline/estimates.csv" in local_tables
    assert slurm_tables.keys() == local_tables.keys()
    differing = [name for name in local_tables if slurm_tables[name] != local_tables[name]]
    assert not differing, f"tables differ between SLURM and local runs: {differing}"
