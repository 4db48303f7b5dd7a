"""Load and validate the pipeline configuration.

The schema (``workflow/schemas/config.schema.yaml``) is the single description of every setting:
the Snakefile validates against it when the DAG is built, and notebooks run on their own call
:func:`load_config`, so both see the same defaults.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from injury_survey.yaml_files import YAML_LOADER, parse_yaml

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """The configuration does not follow the schema; the message says where and what to do."""


def _fill_defaults(instance: Any, schema: dict, root: dict) -> None:
    """Insert schema defaults for missing object keys, recursively (like snakemake.utils.validate)."""
    if "$ref" in schema:
        schema = _resolve(schema["$ref"], root) | {k: v for k, v in schema.items() if k != "$ref"}
    if not isinstance(instance, dict):
        return
    for key, sub in schema.get("properties", {}).items():
        if "$ref" in sub:
            sub = _resolve(sub["$ref"], root) | {k: v for k, v in sub.items() if k != "$ref"}
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            _fill_defaults(instance[key], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in schema.get("properties", {}):
                _fill_defaults(value, extra, root)


def _resolve(ref: str, root: dict) -> dict:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def load_schema() -> dict:
    return yaml.load(SCHEMA_PATH.read_text(encoding="utf-8"), Loader=YAML_LOADER)


def validate_config(config: dict) -> dict:
    """Return a validated copy of ``config`` with every default filled in.

    Raises :class:`ConfigError` naming the offending key, its value and what the schema expects.
    """
    schema = load_schema()
    config = copy.deepcopy(config)
    _normalise(config)
    _fill_defaults(config, schema, schema)
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
            lines.append(f"  {where}: {err.message}{_allowed(err)}")
        raise ConfigError(
            "The configuration does not follow workflow/schemas/config.schema.yaml:\n"
            + "\n".join(lines)
            + "\nFix these keys in your config.yaml (the schema gives each key's meaning and default)."
            + "\n请按上列键名（点号分隔的路径）修改 config.yaml；各键的含义与默认值见上述 schema 文件。"
        )
    _check_cross_references(config)
    return config


def _normalise(config: dict) -> None:
    """Values as the schema expects them, however the YAML typed them: stratum ids as text
    (``110105001:`` is read as a number, but the frame's ``stratum_id`` is text and the names must
    match it), recall dates as ISO text."""
    survey = config.get("survey")
    if isinstance(survey, dict) and isinstance(survey.get("strata"), dict):
        survey["strata"] = {str(key): value for key, value in survey["strata"].items()}
    recall = config.get("recall")
    if isinstance(recall, dict):  # `fixed_start: 2025-01-01` unquoted is a YAML date
        for key in ("fixed_start", "fixed_end"):
            if isinstance(recall.get(key), dt.date):
                recall[key] = recall[key].isoformat()


def _allowed(err: jsonschema.ValidationError) -> str:
    """What the schema accepts where the value was refused, when the message does not say."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    if err.validator == "additionalProperties" and "properties" in schema:
        return f" (allowed keys: {', '.join(schema['properties'])})"
    if err.validator == "type" and "enum" in schema:
        return f" (allowed values: {', '.join(map(str, schema['enum']))})"
    return ""


def _check_cross_references(config: dict) -> None:
    missing = [w for w in config["survey"]["waves"] if w not in config["tables"]["waves"]]
    if missing:
        raise ConfigError(
            f"survey.waves lists {missing} but tables.waves has no entry for them: "
            "add tables.waves.<wave> with the paths of that wave's households, persons and episodes."
        )
    bounds = config["age_groups"]
    if bounds[0] != 0 or any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
        raise ConfigError(f"age_groups must start at 0 and increase strictly; got {bounds}.")
    recall = config["recall"]
    if recall["mode"] == "fixed" and not {"fixed_start", "fixed_end"} <= recall.keys():
        raise ConfigError("recall.mode is 'fixed': set recall.fixed_start and recall.fixed_end.")


# Keys of tables.waves.<wave> that override a survey-wide table rather than name a survey table.
WAVE_OVERRIDES = ("frame", "census")


def wave_table(config: dict, wave: str, name: str) -> str:
    """Path of ``frame`` or ``census`` for ``wave``: its own (``tables.waves.<wave>.<name>``, a
    later wave or a comparison area) or else the survey-wide ``tables.<name>``."""
    if name not in WAVE_OVERRIDES:
        raise ValueError(f"wave_table: name must be one of {WAVE_OVERRIDES}, got {name!r}")
    return config["tables"]["waves"][wave].get(name) or config["tables"][name]


def wave_survey_tables(config: dict, wave: str) -> dict[str, str]:
    """The survey tables of ``wave`` (households, persons, episodes, sample, deaths), without
    its frame and census overrides."""
    tables = config["tables"]["waves"][wave]
    return {name: path for name, path in tables.items() if name not in WAVE_OVERRIDES}


def load_config(config: str | Path | dict) -> dict:
    """Validated configuration from a YAML file path or an already-loaded dict.

    Under Snakemake the notebooks receive the validated dict; run on their own they receive the
    path of ``config/config.yaml``.
    """
    if isinstance(config, dict):
        return validate_config(config)
    path = Path(config)
    try:
        loaded = parse_yaml(path.read_text(encoding="utf-8"), _ConfigLoader, _ConfigLinesLoader)
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} not found.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Config file {path} is not valid YAML: {exc}") from None
    return validate_config(loaded or {})


class _KeysAsWritten:
    """YAML as usual, except that a number used as a key stays the text written: a stratum id
    ``0123:`` is "0123" (plain YAML would read the octal number 83)."""

    def construct_mapping(self, node, deep=False):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag.endswith((":int", ":float")):
                key_node.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep=deep)


class _ConfigLoader(_KeysAsWritten, YAML_LOADER):
    """The config's loader (libyaml's parser when PyYAML has it)."""


class _ConfigLinesLoader(_KeysAsWritten, yaml.SafeLoader):
    """The same on the pure-Python parser, whose errors show the offending line."""


def config_digest(config: dict) -> str:
    """A fingerprint of the validated settings: the Snakefile passes it as a rule parameter, so
    changing any setting reruns the notebooks (the notebooks themselves get the file's path)."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def describe_settings(config: dict, *sections: str) -> Styler:
    """The settings of ``sections`` as a table (setting, value, meaning) for a notebook to show;
    ``.data`` holds the plain DataFrame.

    Every methodological choice is shown beside the numbers it produced; the meaning comes from
    the schema's descriptions, so the notebook and the schema cannot disagree.
    """
    schema = load_schema()
    rows = []
    for section in sections:
        sub_schema = schema["properties"][section]
        value = config[section]
        if isinstance(value, dict):
            for key, item in value.items():
                meaning = sub_schema.get("properties", {}).get(key, {}).get("description", "")
                rows.append(
                    {"setting": f"{section}.{key}", "value": _show(item), "meaning": meaning}
                )
        else:
            rows.append(
                {
                    "setting": section,
                    "value": _show(value),
                    "meaning": sub_schema.get("description", ""),
                }
            )
    # A Styler, so that notebooks show the meanings in full (a DataFrame cuts them at 50 chars).
    # pandas is imported here, not at the top: the Snakefile imports this module on every run.
    import pandas as pd

    table = pd.DataFrame(rows)
    # Escaped: a meaning may name a key such as tables.waves.<wave>, which HTML would swallow.
    styled = table.style.format(escape="html").hide(axis="index")
    return styled.set_properties(**{"text-align": "left"})


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "—" if value is None else str(value)
