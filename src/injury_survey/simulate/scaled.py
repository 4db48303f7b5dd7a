"""A large synthetic survey folder for scale benchmarks: ~100k to ~1M persons in minutes.

Simulating a town person by person costs tens of microseconds a resident, so a million
interviewed persons would take the generator longer than the pipeline. :func:`write_scaled_survey`
instead simulates one base town and its survey (the ``scale_base`` preset: the demo town, 40
households per sampled PSU) and then *replicates the town* ``copies`` times: every copy of a PSU is
a new PSU of the same stratum (``S1-P006`` → ``S1-P006x002``), with its sampled households,
persons and episodes under ids that carry the new PSU id. The pilot stays the base pilot.

Replicating the whole town leaves every selection probability unchanged (a stratum has ``copies``
times the PSUs, the dwellings and the sampled PSUs, so ``n · M_i / Σ M`` is the same), multiplies
the census by ``copies`` and keeps each PSU's population: the folder is a valid survey of a town
``copies`` times as large. Its estimates equal the base survey's; their standard errors are about
``1/√copies`` of the base's (identical copies are not independent samples). Planted data problems
are replicated with the data, as a larger survey would have more of them. It is meant for timing
and memory, not for checking estimators (use :func:`~injury_survey.simulate.write_survey` and its
truth for that).

``python -m injury_survey.simulate --out FOLDER --seed 1 --persons 1000000`` writes ``FOLDER/
config.yaml`` and ``FOLDER/data/raw/`` (frame, census, pilot, baseline); run it with
``snakemake --snakefile <repo>/Snakefile --directory FOLDER --configfile FOLDER/config.yaml``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from injury_survey.simulate.survey_folder import PRESETS, write_survey

BASE_PRESET = "scale_base"
# Id columns of each replicated table; every id of a baseline record contains its PSU id.
_ID_COLUMNS = {
    "sample": ("hh_id", "psu_id"),
    "households": ("hh_id", "psu_id"),
    "persons": ("person_id", "hh_id"),
    "episodes": ("episode_id", "person_id"),
}
_PSU_IN_ID = r"(S\d+-P\d+)"

CONFIG = """\
# SYNTHETIC scale-benchmark survey: the demo town replicated {copies} times ({persons} persons in
# the baseline), written by `{command}`.
# Timing and memory only: the copies are identical, so standard errors are too small.
survey:
  name_zh: 示范镇社区伤害调查（规模测试，{copies}倍）
  name_en: Demo Town community injury survey (scale benchmark, {copies} copies)
  waves: [baseline]
tables:
  frame: data/raw/frame/psus.csv
  census: data/raw/census/population.csv
  pilot:
    households: data/raw/pilot/households.csv
    persons: data/raw/pilot/persons.csv
    episodes: data/raw/pilot/episodes.csv
  waves:
    baseline:
      sample: data/raw/baseline/sample.csv
      households: data/raw/baseline/households.csv
      persons: data/raw/baseline/persons.csv
      episodes: data/raw/baseline/episodes.csv
plan:
  households_per_psu: {households_per_psu}
"""


def _read(path: Path) -> pd.DataFrame:
    """A table as written, every cell a string (blanks stay blank), so it is rewritten unchanged."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _tagged(ids: pd.Series, tag: str) -> pd.Series:
    """Each id with ``tag`` appended to the PSU id inside it (the first ``S<n>-P<n>``)."""
    return ids.str.replace(_PSU_IN_ID, rf"\1{tag}", n=1, regex=True)


def replicate(table: pd.DataFrame, columns: tuple[str, ...], copies: int) -> pd.DataFrame:
    """``copies`` copies of ``table``; copy ``r`` ≥ 2 has the PSU id in ``columns`` tagged ``x<r>``.

    Copy 1 keeps the base ids, so the base survey is part of the replicated one.
    """
    parts = [table]
    for r in range(2, copies + 1):
        part = table.copy()
        for column in columns:
            part[column] = _tagged(table[column], f"x{r:03d}")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def replicate_frame(frame: pd.DataFrame, copies: int) -> pd.DataFrame:
    """The frame's PSUs ``copies`` times, copy ``r`` ≥ 2 as new PSUs (ids and names tagged)."""
    parts = [frame]
    for r in range(2, copies + 1):
        part = frame.copy()
        part["psu_id"] = _tagged(frame["psu_id"], f"x{r:03d}")
        if "psu_name" in part:
            part["psu_name"] = frame["psu_name"] + f"（{r}）"
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def copies_for(persons: int, base_persons: int) -> int:
    """How many copies of a base survey of ``base_persons`` persons give about ``persons``."""
    if persons < 1:
        raise ValueError(f"persons must be a positive number, got {persons!r}")
    return max(1, round(persons / base_persons))


def write_scaled_survey(
    folder: str | Path,
    *,
    seed: int,
    persons: int,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write ``folder/config.yaml`` and ``folder/data/raw/`` for a survey of about ``persons``.

    Returns ``copies``, ``persons``, ``households``, ``episodes`` and ``psus`` of the written
    baseline and the frame's PSU count.
    """
    say = progress or (lambda message: None)
    folder = Path(folder)
    raw = folder / "data" / "raw"
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        write_survey(base, seed=seed, preset=BASE_PRESET, progress=say)
        base_persons = len(_read(base / "baseline" / "persons.csv"))
        copies = copies_for(persons, base_persons)
        say(f"Replicating the base survey ({base_persons} persons) {copies} times ...")
        for name in ("households", "persons", "episodes"):
            (raw / "pilot").mkdir(parents=True, exist_ok=True)
            (raw / "pilot" / f"{name}.csv").write_bytes(
                (base / "pilot" / f"{name}.csv").read_bytes()
            )
        (raw / "frame").mkdir(parents=True, exist_ok=True)
        frame = replicate_frame(_read(base / "frame" / "psus.csv"), copies)
        _write(frame, raw / "frame" / "psus.csv")
        census = _read(base / "census" / "population.csv")
        census["population"] = (census["population"].astype(int) * copies).astype(str)
        (raw / "census").mkdir(parents=True, exist_ok=True)
        _write(census, raw / "census" / "population.csv")
        (raw / "baseline").mkdir(parents=True, exist_ok=True)
        counts = {}
        for name, columns in _ID_COLUMNS.items():
            table = replicate(_read(base / "baseline" / f"{name}.csv"), columns, copies)
            _write(table, raw / "baseline" / f"{name}.csv")
            counts[name] = len(table)
            if name == "sample":
                counts["psus"] = table["psu_id"].nunique()
    command = f"python -m injury_survey.simulate --out {folder.as_posix()} --seed {seed} --persons {persons}"
    (folder / "config.yaml").write_text(
        CONFIG.format(
            copies=copies,
            persons=counts["persons"],
            command=command,
            households_per_psu=PRESETS[BASE_PRESET]["households_per_psu"],
        ),
        encoding="utf-8",
    )
    (raw / "README.md").write_text(
        "# SYNTHETIC scale-benchmark survey — not real people, not a real town\n\n"
        f"The demo town (seed {seed}, preset `{BASE_PRESET}`) replicated {copies} times; see "
        "`injury_survey.simulate.scaled` for what that keeps and what it does not. Regenerate "
        f"with:\n\n```\n{command}\n```\n",
        encoding="utf-8",
    )
    say(f"Wrote {folder}: {counts['persons']} persons in {counts['households']} households.")
    return {
        "copies": copies,
        "persons": counts["persons"],
        "households": counts["households"],
        "episodes": counts["episodes"],
        "psus": int(counts["psus"]),
        "frame_psus": len(frame),
    }
