"""Write a whole synthetic survey folder (docs/input-tables.md layout) and its truth file.

:func:`write_survey` builds the town, runs the pilot, draws the formal sample with the pipeline's
own sampling code (:func:`injury_survey.sampling.draw_sample` after
:func:`injury_survey.sample_size.allocate_psus`, with the same seed as the plan's, so the plan step
redraws exactly this ``sample.csv``), runs the baseline fieldwork, plants a few data problems, and
writes every table as UTF-8 CSV with a README that says the data are SYNTHETIC, how to regenerate
them and their checksums. The same seed and settings give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import injury_survey
from injury_survey.sample_size import allocate_psus
from injury_survey.sampling import draw_sample
from injury_survey.simulate.fieldwork import field_survey, make_pilot
from injury_survey.simulate.population import CASE_DEFINITIONS, Population, simulate_population
from injury_survey.simulate.problems import BASELINE_PROBLEMS, PILOT_PROBLEMS, plant_problems

PRESETS = {
    # The committed demo survey: ~160 PSUs, 125 sampled × 20 households ≈ 2 500 households.
    "demo": {"scale": 1.0, "psus_per_community": (25, 40), "n_psus": 125, "households_per_psu": 20},
    # The end-to-end test survey: 12 PSUs (2–3 per community) × 5 households.
    "tiny": {"scale": 0.05, "psus_per_community": (5, 8), "n_psus": 12, "households_per_psu": 5},
    # The base of the scale benchmarks (injury_survey.simulate.scaled): the demo town, 40
    # households per sampled PSU ≈ 5 000 households, replicated to reach 100k–1M persons.
    "scale_base": {
        "scale": 1.0,
        "psus_per_community": (25, 40),
        "n_psus": 125,
        "households_per_psu": 40,
    },
}

SURVEY_FILES = (
    "frame/psus.csv",
    "census/population.csv",
    "pilot/households.csv",
    "pilot/persons.csv",
    "pilot/episodes.csv",
    "baseline/sample.csv",
    "baseline/households.csv",
    "baseline/persons.csv",
    "baseline/episodes.csv",
)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _rounded(value):
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else round(float(value), 6)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _truth_of(population: Population) -> dict:
    out = {}
    for case_definition in CASE_DEFINITIONS:
        table = population.truth(case_definition)
        overall = table.loc[table["by"] == "all"].iloc[0]
        out[case_definition] = {
            "persons": int(overall["persons"]),
            "person_years": float(overall["person_years"]),
            "injured": int(overall["injured"]),
            "episodes": int(overall["episodes"]),
            "incidence": float(overall["incidence"]),
            "episodes_per_100": float(overall["episodes_per_100"]),
            "episodes_per_1000py": float(overall["episodes_per_1000py"]),
            "episodes_per_injured": float(overall["episodes_per_injured"]),
            "icc_psu": float(population.icc(case_definition)),
        }
        for by in ("sex", "age_group", "age_group_5y"):
            part = table.loc[table["by"] == by].set_index("level")
            out[case_definition][f"incidence_by_{by}"] = part["incidence"].astype(float).to_dict()
            out[case_definition][f"episodes_per_1000py_by_{by}"] = (
                part["episodes_per_1000py"].astype(float).to_dict()
            )
    return out


def _fieldwork_summary(tables: dict[str, pd.DataFrame]) -> dict:
    households, persons, episodes = tables["households"], tables["persons"], tables["episodes"]
    codes = households["result_code"]
    eligible = codes.isin([1, 2, 3, 4, 5, 96]).sum()
    return {
        "households": len(households),
        "result_codes": {str(k): int(v) for k, v in codes.value_counts().sort_index().items()},
        "response_rate": float((codes == 1).sum() / eligible) if eligible else None,
        "persons": len(persons),
        "mean_household_size": float(len(persons) / codes.isin([1, 2]).sum())
        if len(persons)
        else None,
        "proxy_share": float((persons["respondent_type"] == 2).mean()) if len(persons) else None,
        "injured_12m": {
            str(k): int(v) for k, v in persons["injured_12m"].value_counts().sort_index().items()
        },
        "episodes": len(episodes),
        "interviewers": int(households["interviewer_id"].nunique()),
        "first_interview": households["interview_date"].dropna().min(),
        "last_interview": households["interview_date"].dropna().max(),
    }


def write_survey(
    folder: str | Path,
    *,
    seed: int,
    preset: str = "demo",
    interview_start: str = "2026-04-07",
    pilot_start: str = "2026-03-09",
    reference_date: str = "2026-04-28",
    truth_path: str | Path | None = None,
    command: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the synthetic survey folder (frame, census, pilot, baseline) and return its truth.

    Parameters
    ----------
    folder
        The ``data/raw`` folder to write (created if needed; files in it are overwritten).
    seed
        One seed for everything: the town, the pilot (seed + 1), the sample draw (seed itself,
        as the plan's ``plan.seed``) and the baseline fieldwork (seed + 2).
    preset
        ``demo`` (≈ 2 500 households) or ``tiny`` (≈ 60 households, for end-to-end tests); see
        :data:`PRESETS`.
    interview_start, pilot_start, reference_date
        First day of baseline fieldwork (six weeks), of the pilot (two weeks), and the end of the
        nominal window of the truth (mid-fieldwork).
    truth_path
        Where to write the truth as JSON (optional).
    command
        The command line recorded in the README (default: the ``python -m`` form).
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {preset!r}")
    say = progress or (lambda message: None)
    settings = PRESETS[preset]
    folder = Path(folder)

    say(f"Building the town (seed {seed}, preset {preset}) ...")
    population = simulate_population(
        seed,
        psus_per_community=settings["psus_per_community"],
        scale=settings["scale"],
        reference_date=reference_date,
    )
    _write_csv(population.frame, folder / "frame" / "psus.csv")
    _write_csv(population.census, folder / "census" / "population.csv")
    say(f"  {len(population.frame)} PSUs, {int(population.frame['households'].sum())} dwellings, "
        f"{int(population.frame['population'].sum())} residents")  # fmt: skip

    say("Pilot fieldwork ...")
    pilot = make_pilot(population, seed + 1, interview_start=pilot_start)
    pilot_planted = plant_problems(pilot, PILOT_PROBLEMS, seed + 1, limit=3)
    for name in ("households", "persons", "episodes"):
        _write_csv(pilot[name], folder / "pilot" / f"{name}.csv")

    say("Drawing the baseline sample with injury_survey.sampling.draw_sample ...")
    n_by_stratum = allocate_psus(population.frame, settings["n_psus"])
    sample = draw_sample(
        population.frame, n_by_stratum, settings["households_per_psu"], seed, wave="baseline"
    )
    _write_csv(sample, folder / "baseline" / "sample.csv")

    say(f"Baseline fieldwork: {len(sample)} households in {sample['psu_id'].nunique()} PSUs ...")
    baseline = field_survey(
        population, sample, seed=seed + 2, interview_start=interview_start, wave="baseline"
    )
    baseline_planted = plant_problems(baseline, BASELINE_PROBLEMS, seed + 2)
    for name in ("households", "persons", "episodes"):
        _write_csv(baseline[name], folder / "baseline" / f"{name}.csv")

    command = command or (
        f"python -m injury_survey.simulate --out {folder.as_posix()} --seed {seed} --preset {preset}"
        + (f" --truth {Path(truth_path).as_posix()}" if truth_path else "")
    )
    pilot_episodes = pilot["episodes"]
    truth = _rounded(
        {
            "synthetic": True,
            "generator": "injury_survey.simulate",
            "package_version": injury_survey.__version__,
            "command": command,
            "seed": seed,
            "preset": preset,
            "settings": {
                **settings,
                "interview_start": interview_start,
                "pilot_start": pilot_start,
            },
            "reference_date": population.reference_date.strftime("%Y-%m-%d"),
            "window": [
                population.window_start.strftime("%Y-%m-%d"),
                population.reference_date.strftime("%Y-%m-%d"),
            ],
            "strata": population.strata.to_dict("records"),
            "population": {
                "psus": len(population.frame),
                "dwellings": int(population.frame["households"].sum()),
                "occupied_dwellings": int((population.dwellings["status"] == "occupied").sum()),
                "residents": int(population.frame["population"].sum()),
                "psus_by_stratum": population.frame.groupby("stratum_id")
                .size()
                .astype(int)
                .to_dict(),
            },
            "truth": _truth_of(population),
            "pilot": {
                **_fieldwork_summary(pilot),
                "planted_problems": pilot_planted,
                "questionnaire_findings": {
                    "cause_other_share": float((pilot_episodes["cause"] == 13).mean())
                    if len(pilot_episodes)
                    else None,
                    "alcohol_dont_know_share": (
                        float(
                            (pilot_episodes["alcohol"] == 3).sum()
                            / pilot_episodes["alcohol"].notna().sum()
                        )
                        if pilot_episodes["alcohol"].notna().any()
                        else None
                    ),
                },
            },
            "baseline": {
                **_fieldwork_summary(baseline),
                "psus_sampled": int(sample["psu_id"].nunique()),
                "psus_by_stratum": {str(k): int(v) for k, v in n_by_stratum.items()},
                "households_per_psu": settings["households_per_psu"],
                "planted_problems": baseline_planted,
            },
            "notes": [
                "Truth is over the nominal 12-month window ending on reference_date, for all residents "
                "a roster would list on that date (census and frame population count the same people).",
                "Reported episodes are fewer than true ones: minor injuries are forgotten with time "
                "(recall decay), proxies and one interviewer under-report, and a few episodes from just "
                "before the window are telescoped into the interview (D2 sets them out of window).",
                "Names and phone numbers in households.csv are fake; the intake must drop them.",
            ],
        }
    )
    if truth_path is not None:
        truth_path = Path(truth_path)
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth_path.write_text(
            json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    (folder / "README.md").write_text(_readme(folder, truth, population), encoding="utf-8")
    say(f"Wrote {folder} (and its README.md){' and ' + str(truth_path) if truth_path else ''}.")
    return truth


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _readme(folder: Path, truth: dict, population: Population) -> str:
    lines = [
        "# SYNTHETIC survey data — not real people, not a real town",
        "",
        "Every file in this folder was generated by a simulation "
        f"(`injury_survey.simulate`, package version {truth['package_version']}, seed {truth['seed']}, "
        f"preset `{truth['preset']}`). No record describes a real person; names and phone numbers are "
        "random fakes put there to exercise the removal of personal data.",
        "",
        "Regenerate it (byte-identical) from the repository root with:",
        "",
        "```",
        truth["command"],
        "```",
        "",
        "## What it simulates",
        "",
        f"A town (示范镇) of {len(population.strata)} communities (社区居委会, the strata) made of "
        f"{truth['population']['psus']} residential blocks (小区, the PSUs) with "
        f"{truth['population']['dwellings']} listed dwellings and {truth['population']['residents']} "
        "residents; a pilot of 50 households in one purposively chosen block per community "
        f"(interviewed from {truth['pilot']['first_interview']} to {truth['pilot']['last_interview']}); "
        f"a formal two-stage sample of {truth['baseline']['households']} households in "
        f"{truth['baseline']['psus_sampled']} blocks drawn with the pipeline's own "
        "`injury_survey.sampling.draw_sample` (PPS systematic, then systematic households), interviewed "
        f"from {truth['baseline']['first_interview']} to {truth['baseline']['last_interview']}.",
        "",
        "| stratum_id | community | English |",
        "|---|---|---|",
        *[f"| {s['stratum_id']} | {s['name_zh']} | {s['name_en']} |" for s in truth["strata"]],
        "",
        "The true values the survey estimates (incidence and episode rates under each case "
        "definition, overall and by sex and age group) and the list of deliberately planted data "
        "problems (rule id, record, column, value) are in the truth file written with `--truth`.",
        "",
        "## Files",
        "",
        "| file | rows | sha256 |",
        "|---|---|---|",
    ]
    for name in SURVEY_FILES:
        path = folder / name
        rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
        lines.append(f"| {name} | {rows} | `{_sha256(path)}` |")
    lines.append("")
    return "\n".join(lines)
