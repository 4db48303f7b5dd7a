"""Proof on a real SLURM cluster: the demo survey through ``--executor slurm`` with the project's
profile gives the same tables as a local run.

The cluster is the single-node one that ``tests/cluster/slurm_cluster.sh start`` configures on this
machine (``.ci/run`` starts it). Without a reachable cluster the test is skipped, except in CI
(``CI=true``), where a missing cluster is a failure. The two runs start in the background when the
tests are collected, and this test runs last (``conftest.py`` beside it says why).
"""

import re
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def result_tables(folder: Path) -> dict[str, bytes]:
    """Every CSV the waves produced (estimates, weight diagnostics, report tables), by path."""
    results = folder / "results"
    return {
        str(p.relative_to(results)): p.read_bytes()
        for p in sorted(results.rglob("*.csv"))
        if "benchmarks" not in p.parts and "logs" not in p.parts
    }


def test_demo_on_slurm_gives_the_tables_of_a_local_run(demo_runs):
    slurm_code, slurm_console = demo_runs.on_slurm.finish()
    local_code, local_console = demo_runs.local.finish()
    assert slurm_code == 0, f"{demo_runs.root}\n{slurm_console[-6000:]}"
    assert local_code == 0, f"{demo_runs.root}\n{local_console[-6000:]}"
    # The notebook jobs really went through sbatch: Snakemake names each rule's SLURM job log.
    submitted = set(
        re.findall(r"submitted with SLURM jobid \d+ \(log: \S*/(rule_\w+)/", slurm_console)
    )
    assert submitted >= {
        "rule_clean_survey",
        "rule_compute_weights",
        "rule_estimate_indicators",
        "rule_final_report",
    }, slurm_console[-3000:]
    assert "submitted with SLURM jobid" not in local_console

    on_slurm, local = demo_runs.on_slurm.folder, demo_runs.local.folder
    slurm_tables, local_tables = result_tables(on_slurm), result_tables(local)
    assert "baseline/estimates.csv" in local_tables
    assert slurm_tables.keys() == local_tables.keys()
    differing = [name for name in local_tables if slurm_tables[name] != local_tables[name]]
    assert not differing, (
        f"tables differ between SLURM and local runs ({demo_runs.root}): {differing}"
    )
    shutil.rmtree(demo_runs.root)  # kept for a look when the proof fails
