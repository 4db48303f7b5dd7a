"""Time and peak memory of each analysis stage on a synthetic survey larger than the demo.

Simulates a town, draws a two-stage sample (``--psus`` PSUs × ``--households-per-psu``
households), fields it, writes it as CSV, then runs intake, cleaning, weights and the estimates
table exactly as the notebooks do, printing wall time and the process's peak resident memory after
each stage.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from injury_survey import cleaning, estimation, weighting
from injury_survey.codebook import load_codebook
from injury_survey.config import load_config
from injury_survey.intake import load_survey, load_table
from injury_survey.sample_size import allocate_psus
from injury_survey.sampling import draw_sample
from injury_survey.simulate import field_survey, simulate_population

REPO = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--psus", type=int, default=150)
    parser.add_argument("--households-per-psu", type=int, default=60)
    parser.add_argument("--scale", type=float, default=4.0, help="PSU size multiplier")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    config = load_config(REPO / "config" / "config.yaml")
    codebook = load_codebook()
    timings: list[tuple[str, float, float]] = []

    def stage(name: str, started: float) -> None:
        timings.append((name, time.perf_counter() - started, peak_mb()))
        print(f"{name:<28} {timings[-1][1]:8.1f} s   peak RSS {timings[-1][2]:8.0f} MB", flush=True)

    started = time.perf_counter()
    population = simulate_population(args.seed, scale=args.scale, psus_per_community=(30, 40))
    allocation = allocate_psus(population.frame, args.psus)
    sample = draw_sample(population.frame, allocation, args.households_per_psu, args.seed)
    tables = field_survey(population, sample, seed=args.seed + 1)
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, frame in {**tables, "sample": sample}.items():
            paths[name] = str(Path(folder) / f"{name}.csv")
            frame.to_csv(paths[name], index=False)
        population.census.to_csv(Path(folder) / "census.csv", index=False)
        population.frame.to_csv(Path(folder) / "frame.csv", index=False)
        stage(f"simulate ({len(sample)} hh)", started)

        started = time.perf_counter()
        raw = load_survey(paths, codebook)
        frame = load_table(str(Path(folder) / "frame.csv"), "frame", codebook).data
        census = load_table(str(Path(folder) / "census.csv"), "census", codebook).data
        stage(f"intake ({len(raw.tables['persons'])} persons)", started)

    started = time.perf_counter()
    clean = cleaning.clean_survey(
        {**raw.tables, "frame": frame},
        codebook,
        recall=config["recall"],
        case_definition=config["case_definition"],
        age_groups=config["age_groups"],
        prior_issues=raw.issues,
    )
    stage("cleaning", started)

    started = time.perf_counter()
    weights = weighting.compute_weights(
        clean.tables["households"],
        clean.tables["persons"],
        raw.tables["sample"],
        census,
        settings=config["weights"],
        age_groups=config["age_groups"],
    )
    stage("weights", started)

    started = time.perf_counter()
    estimates = estimation.estimate_indicators(
        weights.persons,
        settings=config["estimation"],
        age_groups=config["age_groups"],
        calibration=config["weights"]["calibration"],
    )
    stage(f"estimates ({len(estimates)} rows)", started)
    print(f"{'total':<28} {sum(t for _, t, _ in timings):8.1f} s")


if __name__ == "__main__":
    main()
