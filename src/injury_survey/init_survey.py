"""Write a starting ``config.yaml`` for a survey folder laid out as in the data contract.

``python3 run.py init FOLDER`` (or ``python -m injury_survey.init_survey FOLDER``) looks at the
tables under ``FOLDER/data/raw/``, recognises each by its required columns (a table of the
contract is recognised by its file name or, failing that, by its headers; a workbook's sheet is
named with ``file.xlsx#Sheet`` when the data is not on its first sheet), takes the waves (folders
holding a sample list), the strata and their names from the frame, and the households per PSU
from the first wave's frozen sample list. Every methodological setting is written at its default
with its meaning, generated from ``workflow/schemas/config.schema.yaml`` so the two never drift.
The written file is validated before it is kept; what was inferred and what the user should check
is printed.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import yaml

from injury_survey.config import load_schema, validate_config
from injury_survey.intake import IntakeError, TableSpec, load_table_specs, read_table

# Folders of the contract layout under data/raw/ that are not formal survey waves.
FIXED_FOLDERS = {"frame": "frame", "census": "census", "pilot": "pilot"}
SURVEY_TABLES = ("sample", "households", "persons", "episodes", "deaths")
PILOT_TABLES = ("households", "persons", "episodes")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
WAVE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Frame columns that name the strata (optional columns of the frame's contract).
STRATUM_NAME_COLUMNS = {"zh": "stratum_name_zh", "en": "stratum_name_en"}


class InitError(ValueError):
    """The folder cannot be turned into a config; the message says what to fix."""


@dataclass
class Inference:
    """What ``init`` read from the folder: the config's inferred parts and notes for the user."""

    folder: Path
    tables: dict = field(default_factory=dict)
    waves: list[str] = field(default_factory=list)
    strata: dict = field(default_factory=dict)
    households_per_psu: int | None = None
    design: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- finding tables


def _header_words(cells) -> set[str]:
    return {str(c).strip().lower() for c in cells if c is not None and str(c).strip()}


def _candidates(file: Path, relative: str) -> list[tuple[str, set[str]]]:
    """(config path, header) of each table in ``file``: one per non-empty sheet of a workbook."""
    if file.suffix.lower() in {".xlsx", ".xlsm"}:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
        try:
            out = []
            for index, sheet in enumerate(book.worksheets):
                header = next((row for row in sheet.iter_rows(values_only=True) if any(row)), None)
                if header is not None:
                    path = relative if index == 0 else f"{relative}#{sheet.title}"
                    out.append((path, _header_words(header)))
            return out
        finally:
            book.close()
    try:
        frame = read_table(file)
    except IntakeError:
        return []
    return [(relative, _header_words(frame.columns))]


def _find_table(
    folder: Path, survey: Path, table: str, spec: TableSpec, taken: set[str]
) -> tuple[str | None, str]:
    """The config path of ``table`` in ``folder`` and how it was recognised (or why not).

    A table has all the required columns of its contract (a column's aliases count); one whose
    file is named after it is preferred, so a workbook holding several tables also works.
    """
    required = [{c.name, *c.aliases} for c in spec.columns.values() if c.req == "R"]
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TABLE_SUFFIXES)
    named = [p for p in files if p.stem.lower() == table]
    others = [p for p in files if p not in named]
    for group, how in ((named, "by file name"), (others, "by its columns")):
        matches = []
        for file in group:
            relative = file.relative_to(survey).as_posix()
            for path, header in _candidates(file, relative):
                if path not in taken and all(names & header for names in required):
                    matches.append(path)
        if len(matches) == 1:
            return matches[0], how
        if len(matches) > 1:
            return None, f"several tables look like it ({', '.join(matches)})"
    return None, "no file with its required columns " + ", ".join(spec.required)


def _wave_folders(raw: Path) -> list[Path]:
    folders = [p for p in sorted(raw.iterdir()) if p.is_dir() and p.name not in FIXED_FOLDERS]
    # The baseline comes first when it is there; the others in name order.
    return sorted(folders, key=lambda p: (p.name != "baseline", p.name))


# --------------------------------------------------------------------------- inference


def inspect_folder(folder: str | Path) -> Inference:
    """Read ``folder/data/raw/`` and infer the tables, waves, strata and design facts."""
    survey = Path(folder).resolve()
    raw = survey / "data" / "raw"
    if not raw.is_dir():
        raise InitError(
            f"{raw} not found. Put the survey's tables in FOLDER/data/raw/ as in the data contract "
            "(frame/, census/, pilot/, baseline/). / 未找到 data/raw/ 文件夹：请按数据约定放置调查数据表。"
        )
    specs = load_table_specs()
    found = Inference(folder=survey)
    taken: set[str] = set()

    def locate(sub: str, table: str, *, required: bool = True) -> str | None:
        where = raw / sub
        if not where.is_dir():
            if required:
                raise InitError(
                    f"{where} not found: the {table} table is expected there (data contract). / "
                    f"未找到 {where}：{table} 表应放在此处。"
                )
            return None
        path, how = _find_table(where, survey, table, specs[table], taken)
        if path is None:
            if required:
                raise InitError(
                    f"{where}: no {table} table found ({how}). Put it there as CSV or XLSX with "
                    f"the data contract's column names. / {where}：未找到 {table} 表。"
                )
            return None
        taken.add(path)
        found.found.append(f"{table:<10} {path}  (recognised {how})")
        if "#" in path:
            found.check.append(
                f"{path}: the data is not on the workbook's first sheet; the sheet is named after "
                "'#'. Check that it is the right one."
            )
        return path

    found.tables["frame"] = locate("frame", "frame")
    found.tables["census"] = locate("census", "census")
    found.tables["pilot"] = {t: locate("pilot", t) for t in PILOT_TABLES}
    found.tables["waves"] = {}
    for wave_folder in _wave_folders(raw):
        wave = wave_folder.name
        sample = locate(wave, "sample", required=False)
        if sample is None:
            found.check.append(
                f"{wave_folder}: no sample list (sample.csv with pi_psu, pi_hh), so it is not "
                "taken as a wave. Add the frozen sample list to analyse it."
            )
            continue
        if not WAVE_NAME.match(wave):
            raise InitError(
                f"{wave_folder}: a wave's folder name must be lower-case letters, digits and '_' "
                f"starting with a letter (it names results/<wave>/); rename it, e.g. to "
                f"'{re.sub(r'[^a-z0-9_]', '_', wave.lower()).lstrip('_0123456789') or 'baseline'}'. "
                "/ 调查轮次文件夹名只能含小写字母、数字和下划线，并以字母开头。"
            )
        tables = {"sample": sample}
        for table in SURVEY_TABLES[1:]:
            path = locate(wave, table, required=table != "deaths")
            if path is not None:
                tables[table] = path
        found.tables["waves"][wave] = tables
        found.waves.append(wave)
    if not found.waves:
        raise InitError(
            f"{raw}: no wave folder with a sample list (e.g. baseline/sample.csv). / "
            "未找到含样本清单的调查轮次文件夹（如 baseline/sample.csv）。"
        )
    if len(found.waves) > 1:
        found.check.append(
            f"waves {found.waves}: the first is analysed as the baseline; reorder survey.waves if "
            "another is."
        )
    _infer_strata(found, survey)
    _infer_design(found, survey)
    return found


def _infer_strata(found: Inference, survey: Path) -> None:
    frame = read_table(found.tables["frame"], survey_dir=survey)
    if "stratum_id" not in frame:
        raise InitError(
            f"{found.tables['frame']}: no stratum_id column; the frame needs stratum_id, psu_id "
            "and households. / 抽样框缺少 stratum_id 列。"
        )
    ids = frame["stratum_id"].dropna().drop_duplicates()
    present = {lang: col for lang, col in STRATUM_NAME_COLUMNS.items() if col in frame}
    for stratum in ids:
        rows = frame[frame["stratum_id"] == stratum]
        names = {
            lang: rows[col].dropna().iloc[0]
            for lang, col in present.items()
            if rows[col].notna().any()
        }
        # One language missing: the other stands in, then the id.
        zh = names.get("zh", names.get("en", stratum))
        found.strata[str(stratum)] = {"zh": str(zh), "en": str(names.get("en", zh))}
    found.found.append(
        f"strata     {len(found.strata)} from the frame ({', '.join(found.strata)})"
        + (f", names from its {' and '.join(present.values())}" if present else "")
    )
    if len(present) < 2:
        missing = [col for col in STRATUM_NAME_COLUMNS.values() if col not in present]
        found.check.append(
            f"survey.strata: the frame has no {' or '.join(missing)} column, so "
            + ("each stratum is named by its id" if not present else "one name stands for both")
            + "; write the communities' names (or add the columns to the frame and run init "
            "again with --force)."
        )


def _infer_design(found: Inference, survey: Path) -> None:
    for wave in found.waves:
        sample = read_table(found.tables["waves"][wave]["sample"], survey_dir=survey)
        missing = [c for c in ("hh_id", "stratum_id", "psu_id") if c not in sample]
        if missing:
            continue  # the intake names the missing columns when the pipeline runs
        per_psu = sample.groupby("psu_id").size()
        per_stratum = sample.groupby("stratum_id")["psu_id"].nunique()
        take = per_psu.mode().iloc[0]
        spread = "" if per_psu.min() == per_psu.max() else f" ({per_psu.min()}–{per_psu.max()})"
        found.design.append(
            f"{wave}: {len(sample)} households in {len(per_psu)} PSUs of {len(per_stratum)} "
            f"strata, {take} households per PSU{spread}; PSUs per stratum "
            + ", ".join(f"{s} {n}" for s, n in per_stratum.items())
        )
        unsampled = [s for s in found.strata if s not in per_stratum.index]
        if unsampled:
            found.check.append(
                f"{wave}: no sampled PSU in strata {unsampled} of the frame; the estimates cover "
                "only the sampled strata."
            )
        if found.households_per_psu is None:
            found.households_per_psu = int(take)


# --------------------------------------------------------------------------- writing the config


def _flow(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in str(text).strip().splitlines()]


def _settings_lines(schema: dict, overrides: dict) -> list[str]:
    """Every schema section other than survey and tables, at its default, with its meaning."""
    lines = []
    for key, sub in schema["properties"].items():
        if key in {"survey", "tables"}:
            continue
        lines.append("")
        lines += _comment(sub.get("description", ""), "") if sub.get("description") else []
        if sub.get("type") != "object":
            lines.append(f"{key}: {_flow(overrides.get(key, sub.get('default')))}")
            continue
        lines.append(f"{key}:")
        for name, item in sub.get("properties", {}).items():
            if "description" in item:
                lines += _comment(item["description"], "  ")
            setting = f"{key}.{name}"
            if setting in overrides:
                value, why = overrides[setting]
                lines += _comment(why, "  ")
                lines.append(f"  {name}: {_flow(value)}")
            elif "default" in item:
                lines.append(f"  {name}: {_flow(item['default'])}")
            else:
                lines.append(f"  # {name}:")
    return lines


def render_config(found: Inference) -> str:
    """The text of ``config.yaml``: the inferred survey and tables, then every setting."""
    name = found.folder.name
    survey = {
        "name_zh": f"{name}社区伤害调查",
        "name_en": f"{name} community injury survey",
        "area_zh": name,
        "area_en": name,
        "strata": found.strata,
        "waves": found.waves,
    }
    dumped = yaml.safe_dump(
        {"survey": survey, "tables": found.tables}, allow_unicode=True, sort_keys=False, width=100
    )
    overrides = {}
    if found.households_per_psu is not None:
        overrides["plan.households_per_psu"] = (
            found.households_per_psu,
            f"Read from the {found.waves[0]} sample list (the households taken per PSU).",
        )
    lines = [
        f"# Configuration of the survey in {found.folder}, written by `run.py init`.",
        "# Check the survey names, the strata names and the tables below; every methodological",
        "# setting is at its default with its meaning (workflow/schemas/config.schema.yaml).",
        "# Paths are relative to this folder. Stratum ids are strings: keep the quotes.",
        "#",
        "# Design read from the sample lists:",
        *[f"#   {line}" for line in found.design],
        "",
        *dumped.rstrip("\n").splitlines(),
        *_settings_lines(load_schema(), overrides),
    ]
    return "\n".join(lines) + "\n"


def init_survey(folder: str | Path, *, force: bool = False) -> tuple[Path, Inference]:
    """Write ``folder/config.yaml`` (never over an existing one unless ``force``)."""
    target = Path(folder) / "config.yaml"
    if target.exists() and not force:
        raise InitError(
            f"{target} exists; it is left as it is. Pass --force to overwrite it. / "
            f"{target} 已存在，未覆盖；如需覆盖请加 --force。"
        )
    found = inspect_folder(folder)
    text = render_config(found)
    validate_config(yaml.safe_load(text))  # never leave a config the pipeline would reject
    target.write_text(text, encoding="utf-8")
    return target, found


def report_lines(target: Path, found: Inference) -> list[str]:
    """What was inferred and what to check, for the console."""
    lines = [f"Wrote {target}", "Found:"]
    lines += [f"  {line}" for line in found.found]
    lines += ["Design read from the sample lists:", *[f"  {line}" for line in found.design]]
    if found.households_per_psu is not None:
        lines.append(f"  plan.households_per_psu set to {found.households_per_psu}")
    lines.append("Check before running:")
    lines.append("  survey.name_zh / name_en / area_zh / area_en (taken from the folder's name)")
    lines += [f"  {line}" for line in found.check]
    lines.append("  the methodological settings (all at their defaults)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="run.py init",
        description="Write FOLDER/config.yaml from the tables in FOLDER/data/raw/.",
    )
    parser.add_argument("folder", help="survey folder (with data/raw/)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing config.yaml")
    args = parser.parse_args(argv)
    try:
        target, found = init_survey(args.folder, force=args.force)
    except (InitError, IntakeError) as exc:
        print(f"run.py init: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report_lines(target, found)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
