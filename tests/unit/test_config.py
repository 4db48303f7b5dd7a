"""The config schema: defaults, validation messages, cross-references."""

from pathlib import Path

import pytest
import yaml

from injury_survey.config import ConfigError, load_config, validate_config

REPO = Path(__file__).resolve().parents[2]


def minimal_config() -> dict:
    return {
        "survey": {"name_zh": "测试", "name_en": "Test", "waves": ["baseline"]},
        "tables": {
            "frame": "f.csv",
            "census": "c.csv",
            "pilot": {"households": "h.csv", "persons": "p.csv", "episodes": "e.csv"},
            "waves": {"baseline": {"households": "h.csv", "persons": "p.csv", "episodes": "e.csv"}},
        },
    }


def test_bundled_config_is_valid():
    config = load_config(REPO / "config" / "config.yaml")
    assert config["survey"]["waves"] == ["baseline"]


def test_defaults_are_filled_from_the_schema():
    config = validate_config(minimal_config())
    assert config["case_definition"] == "case_cn_halfday"
    assert config["estimation"]["lonely_psu"] == "center"
    assert config["estimation"]["certainty_psus"] == "own_strata"
    assert config["estimation"]["fpc"] == "two_stage"
    assert config["estimation"]["standard_population"] == "china2010"
    assert config["plan"]["deff"] == 1.5
    assert config["recall"] == {"mode": "rolling", "days": 365}


def test_every_schema_property_has_a_description_or_is_self_evident():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    for key, sub in schema["properties"].items():
        assert "description" in sub or "properties" in sub, key


def test_bad_value_names_the_key_and_the_allowed_values():
    config = minimal_config() | {"estimation": {"ci_method": "wald"}}
    with pytest.raises(ConfigError) as err:
        validate_config(config)
    assert "estimation.ci_method" in str(err.value)
    assert "logit" in str(err.value)


def test_wave_without_tables_is_refused():
    config = minimal_config()
    config["survey"]["waves"] = ["baseline", "followup"]
    with pytest.raises(ConfigError, match="followup"):
        validate_config(config)


def test_age_groups_must_start_at_zero_and_increase():
    with pytest.raises(ConfigError, match="age_groups"):
        validate_config(minimal_config() | {"age_groups": [0, 45, 15]})


def test_fixed_recall_needs_its_dates():
    with pytest.raises(ConfigError, match="fixed_start"):
        validate_config(minimal_config() | {"recall": {"mode": "fixed"}})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
