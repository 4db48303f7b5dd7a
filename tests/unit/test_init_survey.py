"""`run.py init`: a config inferred from a survey folder, never overwriting one, never drifting
from the schema."""

import pandas as pd
import pytest
import yaml

from injury_survey import init_survey
from injury_survey.config import load_schema, validate_config

STRATA = ["110105001", "110105002", "110105003"]


def write_csv(path, rows, columns):
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)


@pytest.fixture
def folder(tmp_path):
    raw = tmp_path / "新城镇" / "data" / "raw"
    write_csv(
        raw / "frame" / "psus.csv",
        [
            [s, f"{s}-{k}", f"小区{k}", 40, 100, zh, en]
            for s, zh, en in zip(
                STRATA, ["东社区", "西社区", "南社区"], ["Dong", "Xi", "Nan"], strict=True
            )
            for k in "AB"
        ],
        ["stratum_id", "psu_id", "psu_name", "households", "population"]
        + ["stratum_name_zh", "stratum_name_en"],
    )
    write_csv(raw / "census" / "population.csv", [[STRATA[0], 1, "0-4", 10]],
              ["stratum_id", "sex", "age_group", "population"])  # fmt: skip
    households = ["hh_id", "psu_id", "interviewer_id", "result_code"]
    persons = ["person_id", "hh_id", "line", "relation", "sex", "age_years", "residence_status"]
    persons += ["months_present_12m", "occupation", "respondent_type", "injured_12m"]
    episodes = ["episode_id", "person_id", "injury_date", "cause", "intent", "place"]
    episodes += ["activity", "nature", "body_part", "care_level", "days_off", "outcome"]
    for wave in ("pilot", "baseline", "followup"):
        write_csv(raw / wave / "households.csv", [["h1", "p", "I1", 1]], households)
    write_csv(raw / "pilot" / "persons.csv", [["x"] * len(persons)], persons)
    write_csv(raw / "pilot" / "episodes.csv", [["x"] * len(episodes)], episodes)
    # Baseline: persons under another file name, episodes with an alias header ("nature"),
    # the sample list on the second sheet of a workbook.
    write_csv(raw / "baseline" / "成员.csv", [["x"] * len(persons)], persons)
    write_csv(raw / "baseline" / "episodes.csv", [["x"] * len(episodes)], episodes)
    sizes = {f"{STRATA[0]}-A": 4, f"{STRATA[0]}-B": 4, f"{STRATA[1]}-A": 4, f"{STRATA[1]}-B": 3}
    sample = pd.DataFrame(
        [
            {"hh_id": f"{psu}-{h}", "stratum_id": psu[:9], "psu_id": psu, "pi_psu": 0.5}
            for psu, n in sizes.items()
            for h in range(n)
        ]
    ).assign(pi_hh=0.1)
    with pd.ExcelWriter(raw / "baseline" / "sample.xlsx") as book:
        pd.DataFrame({"说明": ["样本清单见下一页"]}).to_excel(book, sheet_name="说明", index=False)
        sample.to_excel(book, sheet_name="样本", index=False)
    return tmp_path / "新城镇"


def test_init_infers_tables_waves_strata_and_design(folder, capsys):
    assert init_survey.main([str(folder)]) == 0
    text = (folder / "config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config["survey"]["waves"] == ["baseline"]  # followup/ has no sample list
    assert list(config["survey"]["strata"]) == STRATA  # strings, in frame order
    assert "'110105001':" in text
    assert config["survey"]["strata"]["110105002"] == {"zh": "西社区", "en": "Xi"}
    assert config["tables"]["frame"] == "data/raw/frame/psus.csv"
    baseline = config["tables"]["waves"]["baseline"]
    assert baseline["sample"] == "data/raw/baseline/sample.xlsx#样本"
    assert baseline["persons"] == "data/raw/baseline/成员.csv"
    assert baseline["episodes"] == "data/raw/baseline/episodes.csv"
    assert "deaths" not in baseline
    assert config["plan"]["households_per_psu"] == 4  # the most common take; one PSU gave 3
    assert "#   baseline: 15 households in 4 PSUs of 2 strata" in text
    validate_config(config)

    printed = capsys.readouterr().out
    assert "15 households in 4 PSUs of 2 strata, 4 households per PSU (3–4)" in printed
    assert "no sampled PSU in strata ['110105003']" in printed
    assert "followup" in printed and "not taken as a wave" in printed
    assert "sample.xlsx#样本: the data is not on the workbook's first sheet" in printed


def test_every_setting_is_written_at_the_schema_default_with_its_meaning(folder):
    init_survey.main([str(folder)])
    text = (folder / "config.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    schema = load_schema()["properties"]
    for section, sub in schema.items():
        if section in {"survey", "tables"}:
            continue
        if sub.get("type") != "object":
            assert config[section] == sub["default"], section
            continue
        for key, item in sub["properties"].items():
            if "default" not in item:
                assert key not in config[section]
            elif (section, key) != ("plan", "households_per_psu"):
                assert config[section][key] == item["default"], (section, key)
            if "description" in item:
                assert f"# {item['description'].strip().splitlines()[0]}" in text


def test_an_existing_config_is_kept_unless_forced(folder, capsys):
    (folder / "config.yaml").write_text("# mine\n", encoding="utf-8")
    assert init_survey.main([str(folder)]) == 1
    assert "--force" in capsys.readouterr().err
    assert (folder / "config.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert init_survey.main([str(folder), "--force"]) == 0
    assert "survey:" in (folder / "config.yaml").read_text(encoding="utf-8")


def test_without_name_columns_the_ids_name_the_strata_and_the_user_is_told(folder, capsys):
    frame_path = folder / "data" / "raw" / "frame" / "psus.csv"
    frame = pd.read_csv(frame_path, dtype=str)
    frame.drop(columns=["stratum_name_zh", "stratum_name_en"]).to_csv(frame_path, index=False)
    assert init_survey.main([str(folder)]) == 0
    config = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))
    assert config["survey"]["strata"]["110105001"] == {"zh": "110105001", "en": "110105001"}
    assert "the frame has no stratum_name_zh or stratum_name_en column" in capsys.readouterr().out


def test_a_folder_without_data_raw_is_refused_with_the_layout(tmp_path, capsys):
    assert init_survey.main([str(tmp_path)]) == 1
    assert "data/raw" in capsys.readouterr().err
    assert not (tmp_path / "config.yaml").exists()
