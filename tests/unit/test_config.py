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


def test_stratum_ids_written_as_numbers_become_the_frames_text_ids(tmp_path):
    # `110105001: {...}` is a YAML integer; the frame's stratum_id is read as text.
    config = minimal_config()
    config["survey"]["strata"] = {
        110105001: {"zh": "东城", "en": "Dongcheng"},
        "S2": {"zh": "西", "en": "W"},
    }
    assert set(validate_config(config)["survey"]["strata"]) == {"110105001", "S2"}
    # From a file, a number keeps the digits as written: 0123 is "0123", not octal 83.
    text = yaml.safe_dump(minimal_config(), allow_unicode=True).replace(
        "survey:\n",
        "survey:\n  strata:\n    0123: {zh: 东城, en: Dongcheng}\n    110105001: {zh: 西城, en: Xicheng}\n",
    )
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    assert set(load_config(tmp_path / "config.yaml")["survey"]["strata"]) == {"0123", "110105001"}


def test_stratum_ids_as_numbers_label_the_strata_in_the_codebook():
    from injury_survey.codebook import survey_codebook

    config = minimal_config()
    config["survey"]["strata"] = {110105001: {"zh": "东城社区", "en": "Dongcheng"}}
    codebook = survey_codebook(validate_config(config))
    assert codebook.label("stratum_id", "110105001", "zh") == "东城社区"


def test_unknown_key_names_its_dotted_path_and_the_allowed_keys():
    config = minimal_config() | {"estimation": {"lonely_psus": "adjust"}}
    with pytest.raises(ConfigError) as err:
        validate_config(config)
    message = str(err.value)
    assert "estimation: Additional properties are not allowed ('lonely_psus'" in message
    assert "allowed keys: " in message and "lonely_psu" in message.split("allowed keys: ")[1]


def test_the_settings_digest_changes_with_any_setting_and_only_then():
    from injury_survey.config import config_digest

    base = validate_config(minimal_config())
    assert config_digest(base) == config_digest(validate_config(minimal_config()))
    changed = validate_config(minimal_config() | {"plan": {"deff": 2.0}})
    assert config_digest(changed) != config_digest(base)


def test_unquoted_recall_dates_are_accepted_as_iso_dates():
    import datetime as dt

    recall = {
        "mode": "fixed",
        "fixed_start": dt.date(2025, 1, 1),
        "fixed_end": dt.date(2025, 12, 31),
    }
    config = validate_config(minimal_config() | {"recall": recall})
    assert config["recall"]["fixed_start"] == "2025-01-01"
    assert config["recall"]["fixed_end"] == "2025-12-31"


def test_every_schema_entry_parses_whole():
    """An unquoted description with a comma inside a YAML flow mapping ({..., description: a, b})
    is cut at the comma, and the rest becomes a key with no value: the settings table then shows
    half a sentence."""
    from injury_survey.config import SCHEMA_PATH

    def stray_keys(node, path="schema"):
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None and key != "default":
                    yield f"{path}/{key}"
                yield from stray_keys(value, f"{path}/{key}")
        elif isinstance(node, list):
            for item in node:
                yield from stray_keys(item, path)

    assert list(stray_keys(yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8")))) == []


def test_settings_table_shows_key_names_in_angle_brackets():
    from injury_survey.config import describe_settings

    html = describe_settings(load_config(REPO / "config" / "config.yaml"), "survey").to_html()
    assert "tables.waves.&lt;wave&gt;" in html
