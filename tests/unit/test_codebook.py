"""Tests of the codebook: the package edition against docs/methods.md §2, lookups, parsing.

Expected codes and labels are copied from docs/methods.md §2.2–§2.7 and the brief (the
code lists of the NISS card as found in public implementations), not from the YAML file.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from injury_survey.codebook import CodebookError, load_codebook, survey_codebook


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


# Every coded field of docs/input-tables.md (and the deaths module's died_where).
CONTRACT_CODED = [
    "result_code", "dwelling_type", "relation", "sex", "residence_status", "hukou", "education",
    "occupation", "marital", "respondent_type", "injured_12m", "cause", "intent", "place",
    "activity", "nature", "nature_1", "nature_2", "body_part", "care_level", "outcome",
    "traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device", "fall_type",
    "fall_reason", "alcohol", "died_where",
]  # fmt: skip


class TestDefaultEdition:
    def test_loads_with_version_and_edition(self, codebook):
        assert codebook.version == "1.0"
        assert "NISS" in codebook.edition
        assert codebook.source

    def test_default_and_none_are_the_package_file(self, codebook):
        assert load_codebook("default").path == codebook.path
        assert codebook.path.name == "codebook.yaml"
        assert codebook.path.parent.name == "data"

    @pytest.mark.parametrize("variable", CONTRACT_CODED)
    def test_every_contract_coded_field_has_a_list(self, codebook, variable):
        assert codebook.codes(variable)
        assert codebook.variable_label(variable, "zh")
        assert codebook.variable_label(variable, "en")

    @pytest.mark.parametrize(
        ("variable", "codes"),
        [
            # §2.2: 1–8 and 96 other
            ("result_code", [1, 2, 3, 4, 5, 6, 7, 8, 96]),
            ("relation", list(range(1, 10))),
            ("sex", [1, 2]),
            ("residence_status", [1, 2, 3]),
            ("hukou", [1, 2, 3, 4]),
            ("education", list(range(1, 8))),
            ("occupation", list(range(1, 13))),
            ("marital", [1, 2, 3, 4]),
            ("respondent_type", [1, 2]),
            ("injured_12m", [1, 2, 8]),
            # §2.7-A: 14 causes
            ("cause", list(range(1, 15))),
            ("intent", [1, 2, 3, 4, 5]),
            ("place", list(range(1, 11))),
            ("activity", list(range(1, 10))),
            ("nature", list(range(1, 10))),
            ("body_part", list(range(1, 9))),
            # CCDRFS H9 ladder starts at 0 (no care)
            ("care_level", [0, 1, 2, 3, 4]),
            ("outcome", [1, 2, 3, 4]),
            ("traffic_role", [1, 2, 3, 4]),
            # §2.4: 8 "no collision" is for the counterpart only
            ("traffic_vehicle", [1, 2, 3, 4, 5, 6, 7, 9]),
            ("traffic_counterpart", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("safety_device", [1, 2, 3, 4]),
            ("fall_type", list(range(1, 10))),
            ("fall_reason", list(range(1, 8))),
            ("alcohol", [1, 2, 3]),
            ("died_where", [1, 2, 3, 4]),
        ],
    )
    def test_code_lists_match_domain_reference(self, codebook, variable, codes):
        assert codebook.codes(variable) == codes

    @pytest.mark.parametrize(
        ("variable", "code", "zh", "en"),
        [
            ("result_code", 5, "拒绝", "refused"),
            ("cause", 1, "机动车车祸", "motor-vehicle traffic crash"),
            ("cause", 3, "跌倒/坠落", "fall"),
            ("cause", 14, "不清楚", "unknown"),
            ("place", 5, "公路/街道", "street or highway"),
            ("nature", 1, "骨折", "fracture"),
            ("body_part", 6, "全身广泛受伤", "whole body (systemic)"),
            ("care_level", 0, "未处理", "none"),
            ("care_level", 3, "住院", "inpatient"),
            ("occupation", 5, "离退休人员", "retired"),
            ("education", 1, "未上学儿童", "pre-school child"),
            ("safety_device", 2, "戴头盔", "helmet"),
        ],
    )
    def test_labels_match_domain_reference(self, codebook, variable, code, zh, en):
        assert codebook.label(variable, code, "zh") == zh
        assert codebook.label(variable, code, "en") == en

    def test_labels_dict(self, codebook):
        assert codebook.labels("sex", "zh") == {1: "男", 2: "女"}
        assert codebook.labels("sex", "en") == {1: "male", 2: "female"}

    @pytest.mark.parametrize(
        ("variable", "code", "missing"),
        [
            ("injured_12m", 8, True),  # §2.3: 8 don't know
            ("injured_12m", 1, False),
            ("cause", 14, True),  # 不清楚
            ("cause", 13, False),  # other is an answer, not missing
            ("place", 10, True),
            ("alcohol", 3, True),
            ("sex", 2, False),
            ("cause", pd.NA, False),
        ],
    )
    def test_missing_codes(self, codebook, variable, code, missing):
        assert codebook.is_missing_code(variable, code) is missing

    def test_other_codes(self, codebook):
        assert codebook.other_code("cause") == 13
        assert codebook.other_code("result_code") == 96
        assert codebook.other_code("nature_2") == 8
        assert codebook.other_code("sex") is None

    def test_groups(self, codebook):
        # §4.3 skip logic and §4.6 response rates
        assert codebook.group("cause", "traffic") == [1, 2]
        assert codebook.group("cause", "fall") == [3]
        assert codebook.group("result_code", "eligible") == [1, 2, 3, 4, 5, 96]
        assert codebook.group("result_code", "ineligible") == [6, 7, 8]
        assert codebook.group("care_level", "medical") == [2, 3, 4]
        with pytest.raises(KeyError, match="traffic"):
            codebook.group("sex", "traffic")

    def test_unknown_variable_suggests(self, codebook):
        with pytest.raises(KeyError, match="Did you mean 'cause'"):
            codebook.codes("casue")

    def test_unknown_code_label(self, codebook):
        with pytest.raises(KeyError, match="not a code of 'sex'"):
            codebook.label("sex", 3)

    def test_bad_language(self, codebook):
        with pytest.raises(ValueError, match="lang"):
            codebook.label("sex", 1, "fr")

    def test_to_frame(self, codebook):
        table = codebook.to_frame()
        row = table[(table["variable"] == "cause") & (table["code"] == 14)].iloc[0]
        assert (row["label_zh"], row["special"]) == ("不清楚", "dont_know")
        # 14 causes + 2 sexes, counted from docs/methods.md §2.7-A / §2.3
        assert (table["variable"] == "cause").sum() == 14
        assert (table["variable"] == "sex").sum() == 2


class TestText:
    @pytest.mark.parametrize(
        ("key", "zh"),
        [
            ("case_cn_halfday", "经医疗机构诊断或因伤休息≥半天"),
            ("injury_incidence", "伤害发生率"),
            ("episode_rate_per_1000py", "伤害人次发生率（每千人年）"),
            ("episodes_per_injured", "人均伤害次数"),
            ("stratum_id", "社区"),
            ("psu_id", "居委会/村"),
            ("columns.households", "户数"),
            ("tables.households", "户表"),
            # a coded variable falls back to its variable label (§2.7-A)
            ("cause", "伤害发生原因"),
        ],
    )
    def test_zh(self, codebook, key, zh):
        assert codebook.text(key, "zh") == zh

    def test_en(self, codebook):
        assert codebook.text("injury_incidence", "en") == "injury incidence"
        assert codebook.text("case_1day", "en") == "treated by a doctor or nurse or ≥ 1 day off"

    def test_ambiguous_key_asks_for_group(self, codebook):
        with pytest.raises(KeyError, match="columns.households"):
            codebook.text("households")

    def test_unknown_key(self, codebook):
        with pytest.raises(KeyError, match="injury_incidence"):
            codebook.text("injury_incidense")


class TestParse:
    def test_codes_strings_and_labels(self, codebook):
        values = pd.Series(
            ["1", " 2 ", "1.0", "男", "Female", "MALE", "２", "男性", None, "3", "女士", "1.5"],
            dtype="str",
        )
        codes, invalid = codebook.parse("sex", values)
        expected = [1, 2, 1, 1, 2, 1, 2, 1, None, None, None, None]
        assert codes.tolist() == [pd.NA if v is None else v for v in expected]
        assert str(codes.dtype) == "Int64"
        assert invalid.tolist() == [False] * 9 + [True, True, True]

    def test_integer_input(self, codebook):
        codes, invalid = codebook.parse("cause", pd.Series([3, 14, 15, None], dtype="Int64"))
        assert codes.tolist() == [3, 14, pd.NA, pd.NA]
        assert invalid.tolist() == [False, False, True, False]

    def test_zh_label_with_full_width_punctuation(self, codebook):
        # 故意(暴力、攻击) typed with full-width brackets as Chinese keyboards do
        codes, invalid = codebook.parse("intent", pd.Series(["故意（暴力、攻击）", "非故意"]))
        assert codes.tolist() == [3, 1]
        assert not invalid.any()

    def test_alias_column_name(self, codebook):
        codes, _ = codebook.parse("nature_2", pd.Series(["骨折", "9"]))
        assert codes.tolist() == [1, 9]

    def test_keeps_index(self, codebook):
        values = pd.Series(["1", "x"], index=[10, 20])
        codes, invalid = codebook.parse("sex", values)
        assert codes.index.tolist() == [10, 20]
        assert invalid.index.tolist() == [10, 20]


def write_codebook(tmp_path, body: str):
    path = tmp_path / "codebook.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


class TestCustomCodebook:
    def test_own_edition(self, tmp_path):
        path = write_codebook(
            tmp_path,
            """
            version: local-2
            edition: Shanghai card
            source: printed questionnaire
            variables:
              activity:
                label_zh: 伤害发生时活动
                label_en: activity
                codes:
                  1: {label_zh: 体育活动, label_en: sports}
                  7: {label_zh: 不清楚, label_en: unknown}
                dont_know: [7]
            labels:
              misc:
                hello: {zh: 你好, en: hello}
            """,
        )
        codebook = load_codebook(path)
        assert codebook.version == "local-2"
        assert codebook.codes("activity") == [1, 7]
        assert codebook.is_missing_code("activity", 7)
        assert codebook.other_code("activity") is None
        assert codebook.text("hello", "en") == "hello"

    def test_missing_file(self, tmp_path):
        with pytest.raises(CodebookError, match="nope.yaml not found"):
            load_codebook(tmp_path / "nope.yaml")

    def test_not_yaml(self, tmp_path):
        path = tmp_path / "codebook.yaml"
        path.write_text("version: [1\n", encoding="utf-8")
        with pytest.raises(CodebookError, match="not readable YAML"):
            load_codebook(path)

    def test_structure_problems_are_all_listed(self, tmp_path):
        path = write_codebook(
            tmp_path,
            """
            version: x
            variables:
              sex:
                label_zh: 性别
                codes:
                  1: {label_zh: 男, label_en: male}
                  2: {label_zh: 男, label_en: female}
                dont_know: [8]
                other: 9
              cause:
                label_zh: 原因
                label_en: cause
                codes:
                  one: {label_zh: a, label_en: b}
            """,
        )
        with pytest.raises(CodebookError) as info:
            load_codebook(path)
        message = str(info.value)
        assert "missing top-level key 'edition'" in message
        assert "variables.sex: missing 'label_en'" in message
        assert "label '男' is used by codes 1 and 2" in message
        assert "variables.sex.dont_know: 8 is not one of its codes" in message
        assert "variables.sex.other: 9 is not one of its codes" in message
        assert "code 'one' is not an integer" in message


def test_survey_codebook_names_the_communities_from_the_config():
    config = {
        "codebook": "default",
        "survey": {"strata": {"S1": {"zh": "东城社区", "en": "Dongcheng"}}},
    }
    codebook = survey_codebook(config)
    assert codebook.label("stratum_id", "S1", "zh") == "东城社区"
    assert codebook.label("stratum_id", "S1", "en") == "Dongcheng"
    assert codebook.has_labels("stratum_id") and not load_codebook().has_labels("stratum_id")
    assert codebook.label("sex", 1, "en") == load_codebook().label(
        "sex", 1, "en"
    )  # codes unchanged
    with pytest.raises(KeyError):
        codebook.label("stratum_id", "S9", "en")  # not named: the caller shows the id
