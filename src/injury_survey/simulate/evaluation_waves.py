"""Evaluation waves of the synthetic demo (SYNTHETIC): a follow-up of the town two years later and
a comparison area surveyed at the same two times, each with a known change.

The town's follow-up is built from the demo seed with the same blocks (the frame's PSUs and
dwellings are drawn first, so they are the same), residents re-drawn two years older, and the
programmes' effects written into the injury process (:class:`CauseRateFactor`): falls among
residents aged 65+ down by a quarter, burns among children 0–14 down by a third, everything else
(traffic included) unchanged. The comparison area (three communities of another town, its own
seed) gets a smaller secular change of the same kind. Every wave has its own frame and census (the
population moved on), its own sample drawn with :func:`injury_survey.sampling.draw_sample` and its
own fieldwork (new non-response, proxies, recall). No data problems are planted: the baseline
already exercises the cleaning.

The truth file records, per wave, the true incidence (persons with at least one case episode in the
12-month window) overall, by sex, by age group and for the evaluation's target groups, and the true
follow-up/baseline ratios the evaluation should recover.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import injury_survey
from injury_survey.sample_size import allocate_psus
from injury_survey.sampling import draw_sample
from injury_survey.simulate.fieldwork import field_survey
from injury_survey.simulate.population import (
    CASE_DEFINITIONS,
    CauseRateFactor,
    Population,
    simulate_population,
)
from injury_survey.simulate.survey_folder import (
    PRESETS,
    _fieldwork_summary,
    _rounded,
    _sha256,
    _write_csv,
)

FALL, BURN = 3, 7
TRAFFIC = (1, 2)

# The known changes (factor on the episode rate of the cause at those ages).
TOWN_EFFECTS = (
    CauseRateFactor(cause=FALL, age_low=65, age_high=120, factor=0.75),
    CauseRateFactor(cause=BURN, age_low=0, age_high=14, factor=2 / 3),
)
COMPARISON_EFFECTS = (
    CauseRateFactor(cause=FALL, age_low=65, age_high=120, factor=0.95),
    CauseRateFactor(cause=BURN, age_low=0, age_high=14, factor=0.90),
)
COMPARISON_COMMUNITIES = [
    ("C1", "临江社区", "Linjiang"),
    ("C2", "枫林社区", "Fenglin"),
    ("C3", "石桥社区", "Shiqiao"),
]

# Target groups of the evaluation, as in config/config.yaml evaluation.target_groups.
TARGET_GROUPS = {
    "children_burns": {"age": (0, 14), "causes": (BURN,)},
    "children_falls": {"age": (0, 14), "causes": (FALL,)},
    "elderly_falls": {"age": (65, 120), "causes": (FALL,)},
    "all_burns": {"age": (0, 120), "causes": (BURN,)},
    "all_traffic": {"age": (0, 120), "causes": TRAFFIC},
}

FOLLOWUP_YEARS = 2


def _shift(date: str, years: int) -> str:
    return (pd.Timestamp(date) + pd.DateOffset(years=years)).strftime("%Y-%m-%d")


def target_truth(population: Population, case_definition: str) -> dict[str, float]:
    """True incidence of each target group: persons with ≥ 1 case episode of its causes in the
    window, among the listed residents of its ages."""
    persons = population.listed_residents()
    injuries = population.injuries
    in_window = (
        (injuries["injury_date"] >= population.window_start)
        & (injuries["injury_date"] <= population.reference_date)
        & injuries[case_definition]
    )
    out = {}
    for name, group in TARGET_GROUPS.items():
        low, high = group["age"]
        cause = pd.to_numeric(injuries["cause"], errors="coerce")
        hit = set(injuries.loc[in_window & cause.isin(group["causes"]), "person_key"])
        ages = persons[(persons["age_years"] >= low) & (persons["age_years"] <= high)]
        out[name] = float(ages["person_key"].isin(hit).mean())
    return out


def _wave_truth(population: Population) -> dict:
    out = {}
    for case_definition in CASE_DEFINITIONS:
        table = population.truth(case_definition)
        overall = table.loc[table["by"] == "all"].iloc[0]
        out[case_definition] = {
            "incidence": float(overall["incidence"]),
            "episodes_per_1000py": float(overall["episodes_per_1000py"]),
            **{
                f"incidence_by_{by}": table.loc[table["by"] == by]
                .set_index("level")["incidence"]
                .astype(float)
                .to_dict()
                for by in ("sex", "age_group")
            },
            "target_groups": target_truth(population, case_definition),
        }
    persons = population.listed_residents()
    out["share_65_plus"] = float((persons["age_years"] >= 65).mean())
    out["mean_age"] = float(persons["age_years"].mean())
    return out


def _ratios(baseline: dict, followup: dict) -> dict:
    out = {}
    for case_definition in CASE_DEFINITIONS:
        b, f = baseline[case_definition], followup[case_definition]
        out[case_definition] = {
            "incidence": f["incidence"] / b["incidence"],
            "target_groups": {
                name: (f["target_groups"][name] / value if value else None)
                for name, value in b["target_groups"].items()
            },
        }
    return out


def _field_wave(
    population: Population,
    folder: Path,
    *,
    wave: str,
    sample_seed: int,
    n_psus: int,
    households_per_psu: int,
    interview_start: str,
    with_frame: bool,
) -> dict:
    """Write frame/census (if ``with_frame``), sample and fieldwork of one wave into ``folder``."""
    if with_frame:
        _write_csv(population.frame, folder / "frame" / "psus.csv")
        _write_csv(population.census, folder / "census" / "population.csv")
    n_by_stratum = allocate_psus(population.frame, n_psus)
    sample = draw_sample(population.frame, n_by_stratum, households_per_psu, sample_seed, wave=wave)
    _write_csv(sample, folder / "sample.csv")
    tables = field_survey(
        population, sample, seed=sample_seed + 2, interview_start=interview_start, wave=wave
    )
    for name in ("households", "persons", "episodes"):
        _write_csv(tables[name], folder / f"{name}.csv")
    return {
        **_fieldwork_summary(tables),
        "psus_sampled": int(sample["psu_id"].nunique()),
        "sample_seed": sample_seed,
        "truth": _wave_truth(population),
    }


def write_evaluation_waves(
    folder: str | Path,
    *,
    seed: int,
    preset: str = "demo",
    truth_path: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write ``followup/`` (the town two years later) and ``comparison/`` (baseline and follow-up
    of the comparison area) under ``folder`` and return their truth.

    Seeds: the town's follow-up reuses ``seed`` (same blocks) and draws its sample with
    ``seed + 10``; the comparison area is built from ``seed + 100`` (samples ``seed + 110`` and
    ``seed + 120``). The baseline files written by :func:`write_survey` are not touched.
    """
    say = progress or (lambda message: None)
    settings = PRESETS[preset]
    folder = Path(folder)
    baseline_ref, baseline_start = "2026-04-28", "2026-04-07"
    followup_ref = _shift(baseline_ref, FOLLOWUP_YEARS)
    followup_start = _shift(baseline_start, FOLLOWUP_YEARS)
    common = {"psus_per_community": settings["psus_per_community"], "scale": settings["scale"]}
    n_psus, per_psu = settings["n_psus"], settings["households_per_psu"]
    comparison_psus = max(6, round(n_psus * 0.6))

    say("Town baseline (truth only; its files are the demo's) ...")
    town_baseline = simulate_population(seed, reference_date=baseline_ref, **common)
    say("Town follow-up, two years later ...")
    town_followup = simulate_population(
        seed,
        reference_date=followup_ref,
        years_older=6 + FOLLOWUP_YEARS,
        cause_rate_factors=TOWN_EFFECTS,
        **common,
    )
    town_fu = _field_wave(
        town_followup,
        folder / "followup",
        wave="followup",
        sample_seed=seed + 10,
        n_psus=n_psus,
        households_per_psu=per_psu,
        interview_start=followup_start,
        with_frame=True,
    )
    say("Comparison area, baseline and follow-up ...")
    comparison_baseline = simulate_population(
        seed + 100,
        reference_date=baseline_ref,
        n_communities=len(COMPARISON_COMMUNITIES),
        communities=COMPARISON_COMMUNITIES,
        psus_per_community=common["psus_per_community"],
        scale=common["scale"],
    )
    comparison_followup = simulate_population(
        seed + 100,
        reference_date=followup_ref,
        n_communities=len(COMPARISON_COMMUNITIES),
        communities=COMPARISON_COMMUNITIES,
        psus_per_community=common["psus_per_community"],
        scale=common["scale"],
        years_older=6 + FOLLOWUP_YEARS,
        cause_rate_factors=COMPARISON_EFFECTS,
    )
    comp_b = _field_wave(
        comparison_baseline,
        folder / "comparison" / "baseline",
        wave="comparison_baseline",
        sample_seed=seed + 110,
        n_psus=comparison_psus,
        households_per_psu=per_psu,
        interview_start=baseline_start,
        with_frame=True,
    )
    comp_f = _field_wave(
        comparison_followup,
        folder / "comparison" / "followup",
        wave="comparison_followup",
        sample_seed=seed + 120,
        n_psus=comparison_psus,
        households_per_psu=per_psu,
        interview_start=followup_start,
        with_frame=True,
    )
    town_b_truth = _wave_truth(town_baseline)
    truth = _rounded(
        {
            "synthetic": True,
            "generator": "injury_survey.simulate.evaluation_waves",
            "package_version": injury_survey.__version__,
            "seed": seed,
            "preset": preset,
            "effects": {
                "town": [vars(e) for e in TOWN_EFFECTS],
                "comparison": [vars(e) for e in COMPARISON_EFFECTS],
                "meaning": "factor on the episode rate of the cause at those ages (age at injury)",
            },
            "target_groups": {
                k: {"age": list(v["age"]), "causes": list(v["causes"])}
                for k, v in TARGET_GROUPS.items()
            },
            "waves": {
                "baseline": {"truth": town_b_truth},
                "followup": town_fu,
                "comparison_baseline": comp_b,
                "comparison_followup": comp_f,
            },
            "true_ratios": {
                "town": _ratios(town_b_truth, town_fu["truth"]),
                "comparison": _ratios(comp_b["truth"], comp_f["truth"]),
            },
            "notes": [
                "The town's follow-up keeps the baseline's blocks (same seed); its residents are "
                "re-drawn two years older, so the true change of a target group's incidence is the "
                "programme's effect plus the chance difference of two finite populations: compare "
                "estimates with true_ratios, not with the nominal factors.",
                "Incidence here is persons with at least one case episode of the group's causes in "
                "the 12-month window, among residents of the group's ages listed on the reference date.",
            ],
        }
    )
    if truth_path is not None:
        truth_path = Path(truth_path)
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        truth_path.write_text(
            json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    for sub in ("followup", "comparison"):
        (folder / sub / "README.md").write_text(
            _readme(folder / sub, seed, preset), encoding="utf-8"
        )
    return truth


def _readme(folder: Path, seed: int, preset: str) -> str:
    lines = [
        "# SYNTHETIC evaluation waves — not real people, not a real town",
        "",
        "Written by `injury_survey.simulate.evaluation_waves` (package version "
        f"{injury_survey.__version__}, seed {seed}, preset `{preset}`); regenerate (byte-identical) "
        "from the repository root with:",
        "",
        "```",
        f"python -m injury_survey.simulate --out data/raw --seed {seed} --preset {preset} "
        "--evaluation-waves --truth tests/fixtures/demo_evaluation_truth.json",
        "```",
        "",
        "`followup/` is the demo town two years after the baseline (falls among residents 65+ down "
        "by a quarter, burns among children 0–14 down by a third, traffic unchanged, the "
        "population two years older); `comparison/` is a comparison area of three communities "
        "surveyed at the same two times with a smaller secular change. The known changes are in "
        "the truth file.",
        "",
        "The programme module's `knowledge.csv` and `home_safety.csv` (awareness up at the town's "
        "follow-up, a few knowledge and home-safety items too; the comparison area moves less) are "
        "written afterwards by `python -m injury_survey.simulate.programme_waves --raw data/raw "
        "--seed 20261201 --truth tests/fixtures/demo_programme_truth.json`.",
        "",
        "| file | rows | sha256 |",
        "|---|---|---|",
    ]
    for path in sorted(folder.rglob("*.csv")):
        rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
        lines.append(f"| {path.relative_to(folder).as_posix()} | {rows} | `{_sha256(path)}` |")
    lines.append("")
    return "\n".join(lines)
