"""A district: several towns' survey folders run as one, with a pooled estimate (docs/methods.md
§6.9).

The district config (``workflow/schemas/district.schema.yaml``) names the district and maps town
ids to survey folders, each with its own ``config.yaml``. :func:`load_district` validates it,
loads every town's config with the single-town schema, and checks that the towns agree on the
settings that make a pooled estimate meaningful (:data:`MUST_AGREE`): the same case definition
and recall window (else the numerators count different things), the same age groups, and the
same estimation choices (confidence, CI method, variance declaration, calibration, stability
flags), since the
pooled design applies one set of them to every town's strata.
"""

from __future__ import annotations

import copy
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from injury_survey.config import REPO_ROOT, ConfigError, _fill_defaults, load_config
from injury_survey.run_summary import adjustments_summary
from injury_survey.yaml_files import YAML_LOADER, parse_yaml

DISTRICT_SCHEMA = REPO_ROOT / "workflow" / "schemas" / "district.schema.yaml"

# Dotted config keys every town must share for the pooled estimate.
MUST_AGREE = (
    "case_definition",
    "recall",
    "screening_dont_know",
    "age_groups",
    "estimation.confidence",
    "estimation.ci_method",
    "estimation.lonely_psu",
    "estimation.certainty_psus",
    "estimation.fpc",
    "estimation.unstable_min_n",
    "estimation.unstable_max_rse",
    "weights.calibration",
)


class DistrictError(ValueError):
    """The district config or its towns cannot be pooled; the message says what to fix."""


@dataclass(frozen=True)
class Town:
    """One town of a district: its id, survey folder (absolute), validated config and the wave
    that is pooled."""

    id: str
    folder: Path
    config: dict
    wave: str

    def label(self, lang: str) -> str:
        """The town's name in tables (the config's ``survey.area_zh`` / ``area_en``), else its id."""
        return self.config["survey"].get(f"area_{lang}") or self.id

    @property
    def weights_file(self) -> Path:
        """The analysis-ready weighted persons of the pooled wave (what notebook 05 reads)."""
        return self.folder / "results" / self.wave / "weights.parquet"


@dataclass(frozen=True)
class District:
    name_zh: str
    name_en: str
    folder: Path
    towns: tuple[Town, ...]
    domains: tuple[str, ...]
    settings: dict  # the agreed settings, MUST_AGREE keys -> value


def setting(config: dict, dotted: str):
    """The value of a dotted key (``estimation.fpc``) in a validated config."""
    value = config
    for part in dotted.split("."):
        value = value[part]
    return value


def validate_district(raw: dict, where: str = "district config") -> dict:
    """A validated copy of a district config, defaults filled in."""
    schema = yaml.load(DISTRICT_SCHEMA.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    config = copy.deepcopy(raw or {})
    _fill_defaults(config, schema, schema)
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(config),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        lines = [
            f"  {'.'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}"
            for e in errors
        ]
        raise DistrictError(
            f"{where} does not follow workflow/schemas/district.schema.yaml:\n"
            + "\n".join(lines)
            + "\nFix these keys (the schema gives each key's meaning and default)."
            + "\n请按上列键名修改区县配置文件；各键的含义与默认值见上述 schema 文件。"
        )
    return config


def load_district(path: str | Path) -> District:
    """The district of the config file ``path``: its towns with their validated configs, the
    wave each pools, and the settings they agree on. Stops with a :class:`DistrictError` naming
    the town, file and setting when something cannot be pooled."""
    path = Path(path).resolve()
    raw = parse_yaml(path.read_text(encoding="utf-8"))
    config = validate_district(raw, where=str(path))
    base = path.parent
    towns = []
    for town_id, folder_text in config["towns"].items():
        folder = (base / folder_text).resolve()
        town_config = folder / "config.yaml"
        if not town_config.is_file():
            raise DistrictError(
                f"{path}: towns.{town_id} is {folder_text!r}, but {town_config} does not exist. "
                f"Write it with `python3 run.py init {folder}` or fix the folder. / "
                f"{path}：towns.{town_id} 指向的文件夹中没有 config.yaml，请先运行 run.py init 或改正路径。"
            )
        try:
            loaded = load_config(town_config)
        except ConfigError as err:
            raise DistrictError(f"Town {town_id} ({town_config}):\n{err}") from None
        waves = loaded["survey"]["waves"]
        wave = config["wave"] or waves[0]
        if wave not in waves:
            raise DistrictError(
                f"{path}: wave is {wave!r}, but town {town_id} ({town_config}) has the waves "
                f"{waves}. Set wave to a wave every town has, or null for each town's first wave. "
                f"/ {path}：wave 为 {wave!r}，但镇 {town_id} 的调查轮次为 {waves}；请改为各镇都有的轮次，"
                "或设为 null（各镇第一轮）。"
            )
        towns.append(Town(town_id, folder, loaded, wave))
    _check_folders(path, towns)
    settings = agreed_settings(towns)
    return District(
        name_zh=config["district"]["name_zh"],
        name_en=config["district"]["name_en"],
        folder=base,
        towns=tuple(towns),
        domains=tuple(config["domains"]),
        settings=settings,
    )


def agreed_settings(towns: list[Town]) -> dict:
    """The :data:`MUST_AGREE` settings, which every town must share (else a DistrictError naming
    the setting and both towns' values)."""
    first = towns[0]
    agreed = {}
    for key in MUST_AGREE:
        value = setting(first.config, key)
        for town in towns[1:]:
            other = setting(town.config, key)
            if other != value:
                raise DistrictError(
                    f"Towns {first.id} and {town.id} differ in the setting {key}: {value!r} in "
                    f"{first.folder / 'config.yaml'}, {other!r} in {town.folder / 'config.yaml'}. "
                    "A pooled estimate needs the same setting in every town: make them equal "
                    f"(or leave {town.id} out of the district). / 镇 {first.id} 与 {town.id} 的设置 "
                    f"{key} 不同（{value!r}，{other!r}）；合并估计要求各镇此项设置一致。"
                )
        agreed[key] = value
    return agreed


def _check_folders(path: Path, towns: list[Town]) -> None:
    """Every town writes its own results/: town folders must differ and none may hold another,
    nor the district config's folder (which gets results/district/); towns inside the district's
    folder are the usual layout."""
    pairs = [(a, b) for i, a in enumerate(towns) for b in towns[i + 1 :]]
    clash = [
        (a.id, a.folder, b.id, b.folder)
        for a, b in pairs
        if a.folder == b.folder
        or a.folder.is_relative_to(b.folder)
        or b.folder.is_relative_to(a.folder)
    ]
    clash += [
        (t.id, t.folder, "the district config", path.parent)
        for t in towns
        if path.parent.is_relative_to(t.folder)
    ]
    if clash:
        name, folder, other_name, other = clash[0]
        raise DistrictError(
            f"{path}: {name} ({folder}) and {other_name} ({other}) are the same folder or one "
            "holds the other; give every town a folder of its own (subfolders of the district "
            "config's folder are fine). / 各镇须各用一个文件夹，互不包含，也不得包含区县配置文件所在的"
            "文件夹（可放在其子文件夹中）。"
        )


def relative_folder(town: Town, start: Path) -> str:
    """The town's folder relative to ``start`` (for messages and tables)."""
    return os.path.relpath(town.folder, start)


def main(argv: list[str] | None = None) -> int:
    """``python -m injury_survey.district DISTRICT.yaml``: after a district run, each town's
    summary of the adjustments its data forced (as ``run.py run`` prints for one town)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m injury_survey.district DISTRICT.yaml", file=sys.stderr)
        return 2
    for town in load_district(args[0]).towns:
        print(f"[{town.id}] {town.folder}")
        print("\n".join(adjustments_summary(town.folder / "results")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
