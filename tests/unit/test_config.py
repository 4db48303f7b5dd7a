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
    # the demo: the town's baseline and follow-up, and a comparison area at the same two times
    assert config["survey"]["waves"] == [
        "baseline",
        "followup",
        "comparison_baseline",
        "comparison_followup",
    ]


def test_defaults_are_filled_from_the_schema():
    config = validate_config(minimal_config())
    assert config["case_definition"] == "case_cn_halfday"
    assert config["estimation"]["lonely_psu"] == "fail"
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


def test_a_wave_may_have_its_own_frame_and_census():
    from injury_survey.config import wave_survey_tables, wave_table

    config = minimal_config()
    config["survey"]["waves"] = ["baseline", "followup"]
    config["tables"]["waves"]["followup"] = {
        "households": "h2.csv",
        "persons": "p2.csv",
        "episodes": "e2.csv",
        "frame": "f2.csv",
    }
    config = validate_config(config)
    assert wave_table(config, "followup", "frame") == "f2.csv"
    assert wave_table(config, "followup", "census") == "c.csv"  # the survey-wide one
    assert wave_table(config, "baseline", "frame") == "f.csv"
    assert "frame" not in wave_survey_tables(config, "followup")


def test_age_groups_must_start_at_zero_and_increase():
    with pytest.raises(ConfigError, match="age_groups"):
        validate_config(minimal_config() | {"age_groups": [0, 45, 15]})


def test_fixed_recall_needs_its_dates():
    with pytest.raises(ConfigError, match="fixed_start"):
        validate_config(minimal_config() | {"recall": {"mode": "fixed"}})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
