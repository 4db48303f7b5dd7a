"""B3: the whole pipeline on 100k and 1M persons — wall time, peak memory per job, growth per stage.

Writes (or reuses) scale-benchmark survey folders with the demo generator's size option
(``python -m injury_survey.simulate --persons N``: the demo town replicated), runs the real
Snakefile on each from an empty ``results/`` (``snakemake --cores 2`` with the default profile),
and prints, from the Snakemake ``benchmark:`` files, each job's wall time and peak resident memory
at every size, the growth from the smallest to the largest size (linear growth is the size ratio;
less is better), the total wall time, and intake + cleaning timed on their own in this process
(the notebook job also pays for starting a kernel and writing its outputs).

    .venv/bin/python benchmarks/bench_scale.py                    # 100k and 1M, folders in /tmp
    .venv/bin/python benchmarks/bench_scale.py --persons 250000   # one size
    .venv/bin/python benchmarks/bench_scale.py --reuse            # reuse generated folders
    .venv/bin/python benchmarks/bench_scale.py --reuse --no-run   # figures of the last runs

Targets (issue #13, B3): 1M persons ≤ 3 min on 2 cores, peak ≤ 3 GB per job, intake + cleaning
≤ 20 s. The script prints the figures and whether each target is met; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from stage_times import stage_times  # noqa: E402

TARGET_SECONDS, TARGET_PEAK_MB, TARGET_INTAKE_CLEANING = 180, 3000, 20


def survey_folder(root: Path, persons: int, seed: int, reuse: bool) -> Path:
    folder = root / f"scale_{persons}"
    if reuse and (folder / "config.yaml").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "injury_survey.simulate", "--out", str(folder), "--seed", str(seed)]
        + ["--persons", str(persons)],
        check=True,
    )
    print(f"generated {folder} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def run_pipeline(folder: Path, cores: int) -> float:
    """Wall seconds of ``snakemake`` from an empty results/ (the same command run.py demo uses)."""
    shutil.rmtree(folder / "results", ignore_errors=True)
    shutil.rmtree(folder / ".snakemake", ignore_errors=True)
    snakemake = Path(sys.executable).parent / "snakemake"
    command = [
        str(snakemake),
        "--snakefile",
        str(REPO / "Snakefile"),
        "--workflow-profile",
        str(REPO / "workflow" / "profiles" / "default"),
        "--directory",
        str(folder),
        "--configfile",
        str(folder / "config.yaml"),
        "--cores",
        str(cores),
        "--benchmark-extended",  # adds each job's input_size_mb, which memory_mb scales with
    ]
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env)
    return time.perf_counter() - started


def intake_and_cleaning(folder: Path) -> tuple[int, float, float, float]:
    """Persons, wall seconds of intake and of cleaning as notebook 03 runs them, and the CPU
    seconds of both (on a shared machine the CPU time is the steadier figure)."""
    from injury_survey import cleaning
    from injury_survey.codebook import survey_codebook
    from injury_survey.config import load_config, wave_survey_tables, wave_table
    from injury_survey.intake import load_survey, load_table

    config = load_config(folder / "config.yaml")
    codebook = survey_codebook(config, folder)
    cpu = time.process_time()
    started = time.perf_counter()
    raw = load_survey(wave_survey_tables(config, "baseline"), codebook, survey_dir=folder)
    frame = load_table(
        wave_table(config, "baseline", "frame"), "frame", codebook, survey_dir=folder
    )
    intake = time.perf_counter() - started
    started = time.perf_counter()
    design = cleaning.check_design_files(
        {"frame": frame.data, **raw.tables},
        strata=config["survey"]["strata"],
        intake_issues=pd.concat([raw.issues, frame.issues], ignore_index=True),
    )
    warnings = cleaning.raise_design_errors(design, stage="weights")
    cleaning.clean_survey(
        {**raw.tables, "frame": frame.data},
        codebook,
        recall=config["recall"],
        case_definition=config["case_definition"],
        age_groups=config["age_groups"],
        prior_issues=pd.concat([raw.issues, warnings], ignore_index=True),
    )
    clean = time.perf_counter() - started
    return len(raw.tables["persons"]), intake, clean, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--root", type=Path, default=Path("/tmp/injury_survey_scale"))
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="reuse generated survey folders")
    parser.add_argument(
        "--no-run", action="store_true", help="print the figures of the last runs, run nothing"
    )
    args = parser.parse_args()

    sizes = sorted(args.persons)
    jobs, totals, in_process = {}, {}, {}
    for persons in sizes:
        folder = survey_folder(args.root, persons, args.seed, args.reuse)
        if not args.no_run:
            totals[persons] = run_pipeline(folder, args.cores)
        jobs[persons] = stage_times(folder).set_index("job")
        in_process[persons] = intake_and_cleaning(folder)

    table = pd.concat(
        {f"{p // 1000}k": jobs[p] for p in sizes}, axis=1, names=["size", "figure"]
    ).swaplevel(axis=1)
    table = table.sort_index(axis=1, level=0, sort_remaining=False)
    small, large = sizes[0], sizes[-1]
    if small != large:
        table[("seconds", "growth")] = (
            jobs[large]["seconds"] / jobs[small]["seconds"].where(jobs[small]["seconds"] > 0)
        ).round(1)
        table[("peak_mb", "growth")] = (jobs[large]["peak_mb"] / jobs[small]["peak_mb"]).round(1)
    print(f"\nEach job's wall time (s) and peak memory (MB); growth = {large // 1000}k / "
          f"{small // 1000}k, linear = {in_process[large][0] / in_process[small][0]:.1f}")  # fmt: skip
    print(table.to_string())
    print()
    for persons in sizes:
        n, intake, clean, cpu = in_process[persons]
        total = totals.get(persons)
        peak = int(jobs[persons]["peak_mb"].max())
        shown = f"{total:.0f} s" if total is not None else "(reused, not rerun)"
        print(
            f"{n} persons: whole pipeline {shown}; largest job peak {peak} MB; "
            f"intake {intake:.1f} s + cleaning {clean:.1f} s = {intake + clean:.1f} s "
            f"(CPU {cpu:.1f} s)"
        )
    n, intake, clean, cpu = in_process[large]
    if large >= 900_000:
        checks = [
            ("whole pipeline ≤ 3 min", totals.get(large), TARGET_SECONDS),
            ("peak ≤ 3 GB per job", jobs[large]["peak_mb"].max(), TARGET_PEAK_MB),
            ("intake + cleaning ≤ 20 s", intake + clean, TARGET_INTAKE_CLEANING),
            ("intake + cleaning ≤ 20 s of CPU", cpu, TARGET_INTAKE_CLEANING),
        ]
        for name, value, target in checks:
            verdict = "not run" if value is None else ("met" if value <= target else "NOT met")
            print(f"target {name}: {verdict}")


if __name__ == "__main__":
    main()
