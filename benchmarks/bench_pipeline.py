"""Wall time of the whole demo pipeline from an empty results/ and of the no-op rerun.

Copies the repository's demo survey folder (config and data/raw) to a temporary folder and runs
the real Snakefile there, so the repository's own results/ is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def snakemake(folder: Path, *extra: str) -> float:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "snakemake"),
            "--snakefile",
            str(REPO / "Snakefile"),
            "--directory",
            str(folder),
            "--configfile",
            str(folder / "config" / "config.yaml"),
            "--cores",
            "all",
            "--workflow-profile",
            str(REPO / "workflow" / "profiles" / "default"),
            "--quiet",
            *extra,
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(REPO / "config", folder / "config")
        shutil.copytree(REPO / "data", folder / "data")
        print(f"full demo run   {snakemake(folder):6.1f} s", flush=True)
        print(f"no-op rerun     {snakemake(folder):6.1f} s", flush=True)


if __name__ == "__main__":
    main()
