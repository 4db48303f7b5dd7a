"""The estimation core against R's survey package: same persons, same run, time and agreement.

Builds a synthetic person table (one row a person, the columns and dtypes of ``weights.parquet``
that the indicators use) for a 7-stratum town and for a design with ~1,800 strata (2–4 PSUs
each), at each size of ``--sizes``; then computes the indicator table — incidence (proportion
injured, logit CI) and the episode rate per 1,000 person-years (ratio, log-scale CI), overall, by
sex and by age group, each with SE and deff — twice:

- ours: the design over the weights and the estimators exactly as
  ``estimation.estimate_indicators`` builds and calls them (``design_from_weights``,
  ``SurveyDesign.proportion``/``ratio``);
- R: ``benchmarks/bench_estimation.R`` (``svydesign`` + ``svymean``/``svyratio``/``svyby`` with
  ``deff = TRUE``) in a subprocess on the same rows written to a temporary CSV; R times only the
  estimation, not the reading of the file.

For each size and design it prints our seconds, R's, the ratio and the largest absolute
difference of the estimates and of the SEs (the target is ≤ 1e-8), and then the same for a
design whose weights were post-stratified on sex × age group cells (the weighting stage's
``weights.calibration: poststratify``, the calibration credited in the variance) against the
uncalibrated one. It asserts nothing. Figures and targets: benchmarks/README.md (B2).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from injury_survey.estimation import design_from_weights, variance_declaration
from injury_survey.survey_design import calibrate_weights

HERE = Path(__file__).resolve().parent
AGE_BOUNDS = [0, 15, 45, 65]
AGE_LABELS = ["0-14", "15-44", "45-64", "65+"]
DESIGNS = {"town": (7, (18, 24)), "many": (1800, (2, 4))}  # strata, PSUs per stratum (min, max)


def synthetic_persons(size: int, design: str, seed: int = 1) -> pd.DataFrame:
    """``size`` persons in PSUs nested in strata, with a PSU effect on injury so deff > 1."""
    rng = np.random.default_rng(seed)
    n_strata, (low, high) = DESIGNS[design]
    psus_per_stratum = rng.integers(low, high + 1, n_strata)
    psu_stratum = np.repeat(np.arange(n_strata), psus_per_stratum)
    n_psus = len(psu_stratum)
    if size < n_psus:
        raise SystemExit(f"{size} persons cannot fill the {n_psus} PSUs of the {design} design.")
    # every PSU gets a person, the rest fall at random
    psu = np.concatenate([np.arange(n_psus), rng.integers(0, n_psus, size - n_psus)])
    psu.sort()
    stratum = psu_stratum[psu]
    psu_within = psu - np.searchsorted(psu_stratum, psu_stratum)[psu]
    psu_weight = rng.uniform(50, 400, n_psus)
    age = rng.integers(0, 90, size)
    sex = rng.integers(1, 3, size)
    risk = 0.04 * np.exp(rng.normal(0, 0.4, n_psus))[psu] * np.where(sex == 1, 1.3, 0.8)
    injured = (rng.random(size) < risk).astype("int64")
    episodes = injured * (1 + rng.poisson(0.25, size))
    person_years = np.where(rng.random(size) < 0.9, 1.0, rng.uniform(0.1, 1.0, size))
    age_group = np.array(AGE_LABELS)[np.searchsorted(AGE_BOUNDS, age, side="right") - 1]
    stratum_id = np.char.add("S", np.char.zfill(stratum.astype(str), 4))
    psu_id = np.char.add(np.char.add(stratum_id, "-P"), np.char.zfill(psu_within.astype(str), 3))
    persons = pd.DataFrame(
        {
            "stratum_id": pd.Series(stratum_id, dtype="str"),
            "psu_id": pd.Series(psu_id, dtype="str"),
            "weight_pnr": psu_weight[psu] * rng.uniform(0.9, 1.1, size),
            "sex": sex.astype("int64"),
            "age_years": pd.array(age, dtype="Int64"),
            "age_group": pd.Series(age_group, dtype="str"),
            "injured": pd.array(injured, dtype="Int64"),
            "n_episodes": pd.array(episodes, dtype="Int64"),
            "person_years": pd.array(person_years, dtype="Float64"),
            "certainty": np.zeros(size, dtype="int64"),
        }
    )
    persons["calibration_cell"] = persons["sex"].astype(str) + "|" + persons["age_group"]
    return persons


def cell_population(persons: pd.DataFrame, seed: int = 2) -> pd.DataFrame:
    """Known totals of the sex × age cells: the sample's weighted count, off by up to ±15 %."""
    totals = persons.groupby(["sex", "age_group"], as_index=False)["weight_pnr"].sum()
    factor = np.random.default_rng(seed).uniform(0.85, 1.15, len(totals))
    return totals.assign(population=totals["weight_pnr"] * factor).drop(columns="weight_pnr")


def ours(persons: pd.DataFrame, calibration: str | None) -> tuple[float, float, pd.DataFrame]:
    """Design build seconds, estimation seconds and the indicator table, as
    ``estimation.estimate_indicators`` computes its incidence and rate rows."""
    started = time.perf_counter()
    design = design_from_weights(
        persons, lonely_psu="center", calibration=calibration, variance=variance_declaration({})
    )
    built = time.perf_counter()
    pieces = []
    for by in (None, "sex", "age_group"):
        incidence = design.proportion("injured", by=by, ci_method="logit")
        rate = design.ratio("n_episodes", "person_years", by=by, scale=1000.0)
        for statistic, table in (("incidence", incidence), ("rate", rate)):
            level = table[by].astype(str) if by else "all"
            pieces.append(table.assign(statistic=statistic, by=by or "all", level=level))
    finished = time.perf_counter()
    columns = ["statistic", "by", "level", "estimate", "se", "deff", "ci_lower", "ci_upper"]
    return built - started, finished - built, pd.concat(pieces)[columns]


def in_r(
    persons: pd.DataFrame, population: pd.DataFrame, calibration: str | None, timeout: float
) -> tuple[float | None, pd.DataFrame | None]:
    """R's estimation seconds and table, or (None, None) after ``timeout`` seconds."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "persons.csv"
        columns = ["stratum_id", "psu_id", "sex", "age_group", "injured", "n_episodes"]
        columns += ["person_years", "weight_pnr", "weight"]
        persons[columns].to_csv(data, index=False)
        cells = Path(folder) / "population.csv"
        population.rename(columns={"population": "Freq"}).to_csv(cells, index=False)
        out = Path(folder) / "r.csv"
        command = ["Rscript", str(HERE / "bench_estimation.R"), str(data), str(out)]
        command += [calibration or "none", str(cells)]
        try:
            subprocess.run(command, check=True, timeout=timeout, capture_output=True, text=True)
        except subprocess.TimeoutExpired:
            return None, None
        except subprocess.CalledProcessError as exc:
            raise SystemExit(f"R failed:\n{exc.stderr}") from exc
        table = pd.read_csv(out, dtype={"level": str})
    return float(table["seconds"].iloc[0]), table.drop(columns="seconds")


def differences(ours_table: pd.DataFrame, r_table: pd.DataFrame) -> dict[str, float]:
    """Largest absolute difference per column, rows matched on statistic, by and level."""
    keys = ["statistic", "by", "level"]
    merged = ours_table.merge(r_table, on=keys, suffixes=("", "_r"), how="outer", indicator=True)
    if (merged["_merge"] != "both").any():
        raise SystemExit(f"Rows differ between ours and R:\n{merged[merged['_merge'] != 'both']}")
    return {
        column: float((merged[column] - merged[f"{column}_r"]).abs().max())
        for column in ("estimate", "se", "deff")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="persons, comma-separated")
    parser.add_argument("--designs", default="town,many", help="town and/or many")
    parser.add_argument(
        "--skip-r-above",
        type=int,
        default=None,
        help="no R run for more persons than this in the many-strata design (R took > 600 s "
        "at 1M persons × 1,800 strata)",
    )
    parser.add_argument("--r-timeout", type=float, default=600, help="seconds before R is stopped")
    parser.add_argument("--no-r", action="store_true", help="ours only")
    parser.add_argument("--repeat", type=int, default=1, help="our runs; the fastest is printed")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        "Indicator table: incidence (logit CI) and episode rate per 1,000 person-years "
        "(log CI), overall + sex + 4 age groups; estimate, SE, deff, CI.\n"
        "R: survey's svydesign + svymean/svyratio/svyby (deff = TRUE), file reading not timed.\n"
        "Differences: largest |ours − R| over the 14 rows of estimate, SE and deff (CIs are not "
        "compared: R's here use the design's overall degf, ours a domain's own df)."
    )
    header = (
        f"{'design':<6} {'persons':>9} {'weights':<13} {'ours s':>8} {'(build':>7} "
        f"{'+ est)':>7} {'R s':>8} {'R/ours':>7} {'max|Δest|':>10} {'max|Δse|':>10} "
        f"{'max|Δdeff|':>10}"
    )
    print(header)
    for design in args.designs.split(","):
        for size in sizes:
            persons = synthetic_persons(size, design)
            population = cell_population(persons)
            started = time.perf_counter()
            persons["weight"] = calibrate_weights(
                persons,
                weight="weight_pnr",
                method="poststratify",
                cells=["sex", "age_group"],
                population=population,
            )
            calibrating = time.perf_counter() - started
            for calibration in (None, "poststratify"):
                runs = [ours(persons, calibration) for _ in range(args.repeat)]
                build, estimate, table = min(runs, key=lambda run: run[0] + run[1])
                skip = args.no_r or (
                    design == "many" and args.skip_r_above is not None and size > args.skip_r_above
                )
                r_seconds, r_table = (None, None)
                if not skip:
                    r_seconds, r_table = in_r(persons, population, calibration, args.r_timeout)
                total = build + estimate
                if skip:
                    r_text, ratio_text, diff = "skipped", "", {}
                elif r_seconds is None:
                    r_text, ratio_text, diff = (
                        f"> {args.r_timeout:g}",
                        f"> {args.r_timeout / total:.0f}",
                        {},
                    )
                else:
                    r_text, ratio_text = f"{r_seconds:.2f}", f"{r_seconds / total:.1f}"
                    diff = differences(table, r_table)
                print(
                    f"{design:<6} {size:>9,} {calibration or 'uncalibrated':<13} {total:8.2f} "
                    f"{build:7.2f} {estimate:7.2f} {r_text:>8} {ratio_text:>7} "
                    + " ".join(
                        f"{diff[c]:10.1e}" if c in diff else f"{'':>10}"
                        for c in ("estimate", "se", "deff")
                    ),
                    flush=True,
                )
            print(
                f"{'':<6} {'':>9} (post-stratifying the weights, the weighting stage: "
                f"{calibrating:.2f} s)",
                flush=True,
            )
    if args.skip_r_above is not None:
        print(
            f"R skipped for the many-strata design above {args.skip_r_above:,} persons (--skip-r-above)."
        )


if __name__ == "__main__":
    main()
