"""Wall and CPU time of the whole demo pipeline from an empty results/ and of the no-op rerun,
and the fixed cost of one notebook job (an empty two-cell notebook through run_notebook, with and
without its HTML copy; best of five).

Copies the repository's demo survey folder (config and data/raw) to a temporary folder and runs
the real Snakefile there, so the repository's own results/ is left alone. The no-op rerun is timed
twice: Snakemake alone, and through run.py (what a user types: the environment check, Snakemake,
the end-of-run summary). CPU seconds are those of every process the step started; on a machine
shared with other work they move far less than wall seconds.

    .venv/bin/python benchmarks/bench_pipeline.py [--job-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], quiet: bool = False) -> tuple[float, float]:
    """Run ``command`` (output discarded, and its console too if ``quiet``); its wall seconds and
    its processes' CPU seconds."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    console = subprocess.DEVNULL if quiet else None
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=console)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def snakemake(folder: Path) -> list[str]:
    return [
        str(BIN / "snakemake"),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(folder),
        "--configfile",
        str(folder / "config.yaml"),
        "--workflow-profile",
        str(REPO / "workflow" / "profiles" / "default"),
        "--quiet",
    ]


def report(label: str, measured: tuple[float, float]) -> None:
    wall, cpu = measured
    print(f"{label:<34} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)


EMPTY_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {"tags": ["parameters"]},
            "outputs": [],
            "source": ["survey_dir = 'DEFAULT'"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["print(survey_dir)"],
        },
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


def empty_notebook_job(repeat: int = 5) -> None:
    """The fixed cost of a notebook job: Python, the runner's imports, a kernel, (the HTML copy)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        notebook = folder / "empty.ipynb"
        notebook.write_text(json.dumps(EMPTY_NOTEBOOK), encoding="utf-8")
        base = [sys.executable, "-m", "injury_survey.run_notebook", str(notebook)]
        base += [
            str(folder / "out.ipynb"),
            "--log",
            str(folder / "out.log"),
            "-y",
            "{survey_dir: .}",
        ]
        for label, extra in [
            ("without --html", []),
            ("with --html", ["--html", str(folder / "o.html")]),
        ]:
            runs = [timed([*base, *extra], quiet=True) for _ in range(repeat)]
            wall = min(run[0] for run in runs)
            cpu = min(run[1] for run in runs)
            report(f"empty notebook job {label}", (wall, cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job-only", action="store_true", help="only the empty notebook job")
    args = parser.parse_args()
    empty_notebook_job()
    if args.job_only:
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(REPO / "config" / "config.yaml", folder / "config.yaml")
        shutil.copytree(REPO / "data", folder / "data")
        report("full demo run (snakemake)", timed(snakemake(folder)))
        run_py = [sys.executable, str(REPO / "run.py"), "run", str(folder)]
        report("report + summary (run.py, 1st)", timed(run_py))
        report("no-op rerun: snakemake alone", timed(snakemake(folder)))
        report("no-op rerun: python3 run.py run", timed(run_py))


if __name__ == "__main__":
    main()
