"""Wall and CPU time of the whole demo pipeline from an empty results/ and of the no-op rerun.

Copies the repository's demo survey folder (config and data/raw) to a temporary folder and runs
the real Snakefile there, so the repository's own results/ is left alone. The no-op rerun is timed
twice: Snakemake alone, and through run.py (what a user types: the environment check, Snakemake,
the end-of-run summary). CPU seconds are those of every process the step started; on a machine
shared with other work they move far less than wall seconds.

    .venv/bin/python benchmarks/bench_pipeline.py
"""

from __future__ import annotations

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


def timed(command: list[str]) -> tuple[float, float]:
    """Run ``command`` (output discarded); its wall seconds and its processes' CPU seconds."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
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


def main() -> None:
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
