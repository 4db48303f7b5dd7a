"""YAML is parsed by libyaml when PyYAML has it, and an invalid file's error still shows the line."""

import pytest
import yaml

from injury_survey.codebook import CodebookError, load_codebook
from injury_survey.config import ConfigError, load_config
from injury_survey.yaml_files import YAML_LOADER, parse_yaml

BROKEN = "survey:\n  name_zh: 新城\n  strata: [1, 2\nweights: {}\n"


def test_the_c_parser_is_used_where_pyyaml_has_it():
    assert YAML_LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert parse_yaml("a: [1, 2]\nb: 新城\n") == {"a": [1, 2], "b": "新城"}


def test_an_invalid_document_is_reported_with_its_offending_line():
    with pytest.raises(yaml.YAMLError) as raised:
        parse_yaml(BROKEN)
    message = str(raised.value)
    assert "line 3, column 11" in message
    assert "  strata: [1, 2\n" in message  # the line itself, as the pure-Python parser shows it


def test_a_config_that_is_not_yaml_names_the_file_and_shows_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(path) in str(raised.value) and "strata: [1, 2" in str(raised.value)


def test_a_codebook_that_is_not_yaml_shows_the_line(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("variables:\n  sex: {codes: [1, 2}\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=r"codes: \[1, 2\}"):
        load_codebook(path)
