"""Scoring rules of the programme module (docs/input-tables-programme.md), by hand calculation,
and the simulator's known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from injury_survey.codebook import load_codebook
from injury_survey.programme_indicators import (
    SCORE,
    ProgrammeError,
    ProgrammeSettings,
    absent_items,
    estimate_programme,
    household_weights,
    item_nonresponse,
    programme_items,
    score_home_safety,
    score_knowledge,
)
from injury_survey.programme_wave import run_programme
from injury_survey.simulate.programme import (
    ANTISLIP_IF_ELDERLY_FALL,
    ANTISLIP_OTHERWISE,
    AWARENESS,
    simulate_programme,
)

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def items(codebook):
    return programme_items(codebook)


def _persons():
    return pd.DataFrame(
        {"person_id": ["p1", "p2", "p3", "p4", "p5"], "age_years": [30, 70, 12, 45, 50]}
    )


def _knowledge():
    # k_fire_call key 1, k_falls_elderly key 4 (codebook). p3 is 12, p9 is not in persons.
    return pd.DataFrame(
        {
            "person_id": ["p1", "p2", "p3", "p4", "p5", "p9"],
            "aware_programme": [1, 2, 1, 8, 9, 1],
            "src_notice": [1, pd.NA, 1, pd.NA, pd.NA, 2],
            "k_fire_call": [1, 2, 1, 8, pd.NA, 1],
            "k_falls_elderly": [4, 4, 4, pd.NA, 9, 4],
        }
    ).astype({"src_notice": "Int64", "k_fire_call": "Int64", "k_falls_elderly": "Int64"})


def test_scoring_by_hand(codebook, items):
    settings = ProgrammeSettings(knowledge_pass_mark=0.6, dont_know="as_no")
    scored, aside = score_knowledge(_knowledge(), _persons(), items, codebook, settings)
    assert sorted(aside["record_id"]) == ["p3", "p9"]
    assert aside.set_index("record_id").loc["p3", "reason"].startswith("younger than")
    s = scored.set_index("person_id")
    # aware: 1 -> 1, 2 -> 0, don't know (8) -> 0 under as_no, refused (9) -> not answered
    assert s["aware"].tolist()[:3] == [1, 0, 0]
    assert pd.isna(s.loc["p5", "aware"]) and s.loc["p5", "answered_aware"] == 0
    # sources only among the aware
    assert s.loc["p1", "src_notice"] == 1 and pd.isna(s.loc["p2", "src_notice"])
    # p1 2/2 right; p2 1/2; p4 don't know on the one answered item -> 0 %; p5 none answered
    assert s[SCORE].tolist()[:3] == [100.0, 50.0, 0.0]
    assert pd.isna(s.loc["p5", SCORE]) and s.loc["p5", f"answered_{SCORE}"] == 0
    assert s["knowledge_passed"].tolist()[:3] == [1.0, 0.0, 0.0]


def test_dont_know_as_missing_leaves_the_denominator(codebook, items):
    settings = ProgrammeSettings(dont_know="missing")
    scored, _ = score_knowledge(_knowledge(), _persons(), items, codebook, settings)
    s = scored.set_index("person_id")
    assert pd.isna(s.loc["p4", "aware"]) and pd.isna(s.loc["p4", SCORE])
    assert s.loc["p2", SCORE] == 50.0


def test_pass_mark_is_honoured(codebook, items):
    scored, _ = score_knowledge(
        _knowledge(), _persons(), items, codebook, ProgrammeSettings(knowledge_pass_mark=0.5)
    )
    assert scored.set_index("person_id").loc["p2", "knowledge_passed"] == 1.0


def test_partial_item_set_and_absent_items(codebook, items):
    knowledge = _knowledge()
    scored, _ = score_knowledge(knowledge, _persons(), items, codebook, ProgrammeSettings())
    assert "k_fire_exit" not in scored and "k_fire_call" in scored
    assert "k_fire_exit" in absent_items(knowledge, items.knowledge)
    assert absent_items(None, items.home_safety) == list(items.home_safety)


def test_home_safety_not_applicable_and_dont_know(codebook, items):
    home = pd.DataFrame(
        {"hh_id": ["h1", "h2", "h3", "h4", "h5"], "antislip_grabbars": [1, 2, 7, 8, 9]}
    )
    scored = score_home_safety(home, items, codebook, ProgrammeSettings())
    assert scored["antislip_grabbars"].tolist()[:2] == [1, 0]
    assert pd.isna(scored.loc[2, "antislip_grabbars"]) and scored.loc[3, "antislip_grabbars"] == 0
    assert scored["answered_antislip_grabbars"].tolist() == [1, 1, 0, 1, 0]


def test_item_nonresponse_by_hand(codebook):
    home = pd.DataFrame({"antislip_grabbars": [1, 2, 7, 8, 9, None, 1, 7]})
    table = item_nonresponse(home, ["antislip_grabbars", "smoke_alarm"], codebook)
    row = table.set_index("item").loc["antislip_grabbars"]
    # 8 rows, 2 not applicable -> 6 in scope; blank + refused = 2; one don't know
    assert (row["n_asked"], row["n_not_applicable"], row["n_nonresponse"], row["n_dont_know"]) == (
        8,
        2,
        2,
        1,
    )
    assert row["nonresponse_share"] == pytest.approx(2 / 6)
    assert row["dont_know_share"] == pytest.approx(1 / 6)
    assert "smoke_alarm" not in set(table["item"])


def test_codebook_without_programme_block_stops_with_the_fix(tmp_path):
    raw = yaml.safe_load((ROOT / "src/injury_survey/data/codebook.yaml").read_text("utf-8"))
    del raw["programme"]
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="no 'programme:' block"):
        programme_items(load_codebook(path))


def test_household_weight_is_the_weighting_stages_weight_hh():
    persons = pd.DataFrame(
        {
            "hh_id": ["a", "a", "b"],
            "stratum_id": ["S1"] * 3,
            "psu_id": ["P1", "P1", "P2"],
            "weight_nr": [10.0, 10.0, 12.0],
            "weight": [9.0, 11.5, 13.0],
            "weight_hh": [10.25, 10.25, 13.0],
        }
    )
    hh = household_weights(persons)
    assert hh["weight"].tolist() == [10.25, 13.0] and hh["hh_id"].tolist() == ["a", "b"]
    with pytest.raises(ProgrammeError, match="weight_hh"):
        household_weights(persons.drop(columns="weight_hh"))


@pytest.fixture(scope="module")
def demo_tables():
    raw = ROOT / "data/raw/baseline"
    read = {"dtype": {"hh_id": str, "person_id": str}}
    return {
        name: pd.read_csv(raw / f"{name}.csv", **read)
        for name in ("households", "persons", "episodes", "knowledge", "home_safety")
    }


def test_simulator_is_reproducible_and_matches_the_committed_demo(demo_tables):
    t = demo_tables
    knowledge, home = simulate_programme(
        t["households"], t["persons"], t["episodes"], seed=20261201
    )
    committed = t["knowledge"].astype({c: "Int64" for c in t["knowledge"].columns[1:]})
    pd.testing.assert_frame_equal(knowledge, committed, check_dtype=False)
    assert home["hh_id"].tolist() == t["home_safety"]["hh_id"].tolist()


def test_simulated_awareness_and_antislip_link_follow_the_truth(demo_tables):
    # Unweighted sample shares against the generating probabilities (binomial 4-SE bands).
    t = demo_tables
    people = t["knowledge"].merge(t["persons"][["person_id", "age_years", "sex"]], on="person_id")
    answered = people[people["aware_programme"].isin([1, 2])]
    young_women = answered[(answered["age_years"].between(15, 44)) & (answered["sex"] == 2)]
    p = AWARENESS[("15-44", 2)]
    share = (young_women["aware_programme"] == 1).mean()
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / len(young_women))
    elderly_fall = t["persons"].loc[
        (t["persons"]["age_years"] >= 65)
        & t["persons"]["person_id"].isin(
            t["episodes"].loc[t["episodes"]["cause"] == 3, "person_id"]
        ),
        "hh_id",
    ]
    home = t["home_safety"][t["home_safety"]["antislip_grabbars"].isin([1, 2])]
    with_fall = home[home["hh_id"].isin(elderly_fall)]
    without = home[~home["hh_id"].isin(elderly_fall)]
    for group, p in ((with_fall, ANTISLIP_IF_ELDERLY_FALL), (without, ANTISLIP_OTHERWISE)):
        share = (group["antislip_grabbars"] == 1).mean()
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / len(group))


def test_estimate_programme_flags_and_domains(codebook, items):
    rng = np.random.default_rng(1)
    n = 400
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "hh_id": [f"h{i // 2}" for i in range(n)],
            "stratum_id": np.where(np.arange(n) < 200, "S1", "S2"),
            "psu_id": [f"P{i // 40}" for i in range(n)],
            "weight_nr": 10.0,
            "weight_hh": 10.0,
            "weight": 10.0,
            "sex": rng.integers(1, 3, n),
            "age_years": rng.integers(15, 90, n),
        }
    )
    knowledge = pd.DataFrame(
        {
            "person_id": persons["person_id"],
            "aware_programme": rng.choice([1, 2], n),
            "k_fire_call": rng.choice([1, 2, 3], n),
        }
    )
    home = pd.DataFrame(
        {"hh_id": persons["hh_id"].unique(), "smoke_alarm": rng.choice([1, 2], n // 2)}
    )
    settings = ProgrammeSettings()
    scored, _ = score_knowledge(knowledge, persons, items, codebook, settings)
    home_scored = score_home_safety(home, items, codebook, settings)
    config = {"estimation": {"domains": ["sex", "education"]}, "weights": {"calibration": "none"}}
    table = estimate_programme(persons, scored, home_scored, items, config)
    aware = table[(table["item"] == "aware") & (table["by"] == "all")].iloc[0]
    assert aware["estimate"] == pytest.approx((knowledge["aware_programme"] == 1).mean())
    assert set(table.loc[table["item"] == "aware", "by"]) == {"all", "sex"}  # no education column
    assert set(table.loc[table["section"] == "home_safety", "by"]) == {"all", "stratum_id"}
    assert {"flag", "suppressed"} <= set(table.columns)


def _wave_inputs(tmp_path, knowledge_csv: str | None, home_csv: str | None):
    rng = np.random.default_rng(7)
    n = 240
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "hh_id": [f"h{i // 2}" for i in range(n)],
            "stratum_id": np.where(np.arange(n) < 120, "S1", "S2"),
            "psu_id": [f"P{i // 30}" for i in range(n)],
            "weight_nr": 10.0,
            "weight_hh": 10.0,
            "weight": 10.0,
            "sex": rng.integers(1, 3, n),
            "age_years": np.where(np.arange(n) % 2 == 0, 70, 8),
        }
    )
    tables = {}
    for name, text in (("knowledge", knowledge_csv), ("home_safety", home_csv)):
        if text is not None:
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
            tables[name] = f"{name}.csv"
    config = {
        "tables": {"waves": {"w1": {"households": "h.csv", **tables}}},
        "estimation": {"domains": ["sex"]},
        "weights": {"calibration": "none"},
    }
    episodes = pd.DataFrame({"person_id": ["p0", "p2"], "cause": [3, 3], "is_case": [True, True]})
    return config, persons, episodes


def test_wave_without_programme_tables_has_no_section(tmp_path, codebook):
    config, persons, episodes = _wave_inputs(tmp_path, None, None)
    assert run_programme(config, "w1", persons, episodes, codebook, survey_dir=tmp_path) is None


def test_wave_with_a_partial_home_table_and_bad_rows(tmp_path, codebook):
    rows = ["hh_id,smoke_alarm,antislip_grabbars"]
    rows += [f"h{i},{1 + i % 2},{1 if i % 3 else 2}" for i in range(120)]
    rows += ["h999,1,1", "h5,x,1"]  # unknown household; unreadable smoke_alarm in a duplicate id
    home = "\n".join(rows[:-1]) + "\n"
    knowledge = "person_id,aware_programme\np0,1\np2,5\np4,2\np1,1\n"
    config, persons, episodes = _wave_inputs(tmp_path, knowledge, home)
    result = run_programme(config, "w1", persons, episodes, codebook, survey_dir=tmp_path)
    aside = result.set_aside.set_index("record_id")
    assert "h999" in aside.index and "p1" in aside.index  # unknown household, child aged 8
    assert aside.loc["p2", "source_row"] == 3  # aware code 5 is not a code: row set aside
    assert any("smoke_alarm" not in n and "fire_extinguisher" in n for n in result.notes)
    assert not any("No knowledge table" in n for n in result.notes)
    smoke = result.estimates.query("item == 'smoke_alarm' and by == 'all'").iloc[0]
    assert smoke["estimate"] == pytest.approx(0.5)  # 60 of 120 households, equal weights
    aware = result.estimates.query("item == 'aware' and by == 'all'").iloc[0]
    assert aware["estimate"] == pytest.approx(0.5) and aware["n"] == 2
    link = result.link_tests.set_index(["link", "test"])
    assert ("falls_elderly_antislip", "F") in link.index
    kinds = {a.kind for a in result.adjustments}
    assert kinds == {"rows_set_aside"}
    assert result.settings_text.startswith("programme: min_age 15")


def test_report_table_formats_percentages_and_hides_suppressed_cells(items):
    from injury_survey.figures.programme_chart import programme_figure
    from injury_survey.programme_report import programme_table

    estimates = pd.DataFrame(
        {
            "section": ["awareness", "knowledge_score", "home_safety"],
            "item": ["aware", SCORE, "smoke_alarm"],
            "statistic": ["proportion", "mean", "proportion"],
            "by": "all",
            "level": "all",
            "estimate": [0.5634, 63.27, 0.3],
            "ci_lower": [0.549, 62.71, 0.1],
            "ci_upper": [0.5768, 63.77, 0.6],
            "n": [4781, 4828, 4],
            "flag": ["", "", "unstable;suppressed"],
            "suppressed": [False, False, True],
        }
    )
    zh = programme_table(estimates, items, "zh")
    assert zh.iloc[0].tolist() == ["安全社区知晓", "知晓率", "56.3 (54.9–57.7)", 4781, ""]
    assert zh.iloc[1, 2] == "63.3 (62.7–63.8)"
    assert zh.iloc[2, 2] == "—" and zh.iloc[2, 4] == "估计不稳定；样本过少，不予发布"
    en = programme_table(estimates, items, "en")
    assert en.iloc[2, 1] == "smoke alarm"
    figure = programme_figure(estimates, items, "en")
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels == ["awareness: awareness rate"]  # the score is no share, suppressed not drawn


def test_skip_logic_breaks_are_visible_warnings(tmp_path, codebook):
    home = "hh_id,antislip_grabbars\n" + "".join(f"h{i},{1 + i % 2}\n" for i in range(120))
    knowledge = "person_id,aware_programme,src_notice\np2,1,1\np4,2,1\np6,2,\n"
    config, persons, episodes = _wave_inputs(tmp_path, knowledge, home)
    persons.loc[persons["person_id"] == "p0", "age_years"] = 30  # h0: no one aged 65+ now
    result = run_programme(config, "w1", persons, episodes, codebook, survey_dir=tmp_path)
    warnings = [n for n in result.notes if n.startswith("Warning")]
    assert len(warnings) == 2
    assert "1 person(s) not aware" in warnings[0] and "[3]" in warnings[0]
    assert "1 household(s) without a person aged 65+" in warnings[1]
    source = result.estimates.query("item == 'src_notice' and by == 'all'").iloc[0]
    assert source["estimate"] == 1.0 and source["n"] == 1  # p4's answer is not counted


def test_pilot_item_quality_by_hand(tmp_path, codebook):
    from injury_survey.programme_wave import pilot_item_quality

    (tmp_path / "k.csv").write_text(
        "person_id,aware_programme,src_school,k_fire_call\na,1,1,8\nb,1,,1\nc,2,,9\nd,8,,\n",
        encoding="utf-8",
    )
    assert pilot_item_quality({}, codebook, survey_dir=tmp_path) is None
    table = pilot_item_quality({"knowledge": "k.csv"}, codebook, survey_dir=tmp_path)
    rows = table.set_index("item")
    # aware: 4 asked, 1 don't know; school asked of the 2 aware, 1 blank; fire call: 8, 1, 9, blank
    assert rows.loc["aware_programme", "dont_know_share"] == pytest.approx(0.25)
    assert rows.loc["src_school", ["n_asked", "n_nonresponse"]].tolist() == [2, 1]
    assert rows.loc["k_fire_call", ["n_nonresponse", "n_dont_know"]].tolist() == [2, 1]
    assert "k_fire_exit" not in rows.index  # absent item: not asked, not reported


def test_suppression_counts_the_cell_numerator(codebook, items):
    # 40 persons in two PSUs per stratum; 3 aware men: the men's cell is suppressed (3 < 5)
    n = 80
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "hh_id": [f"h{i}" for i in range(n)],
            "stratum_id": np.where(np.arange(n) < 40, "S1", "S2"),
            "psu_id": [f"P{i // 20}" for i in range(n)],
            "weight_nr": 5.0,
            "weight_hh": 5.0,
            "weight": 5.0,
            "sex": np.where(np.arange(n) % 2 == 0, 1, 2),
            "age_years": 40,
        }
    )
    aware = np.where(persons["sex"] == 2, 1, 2)
    aware[[0, 2, 4]] = 1
    knowledge = pd.DataFrame({"person_id": persons["person_id"], "aware_programme": aware})
    scored, _ = score_knowledge(knowledge, persons, items, codebook, ProgrammeSettings())
    config = {"estimation": {"domains": ["sex"]}, "weights": {"calibration": "none"}}
    table = estimate_programme(persons, scored, None, items, config).set_index("level")
    assert table.loc["1", "n_cases"] == 3 and bool(table.loc["1", "suppressed"])
    assert table.loc["2", "n_cases"] == 40 and not bool(table.loc["2", "suppressed"])
    assert table.loc["all", "n_cases"] == 43


def test_outputs_of_a_wave_without_programme_tables_are_readable_notes(tmp_path):
    from injury_survey.programme_wave import PROGRAMME_OUTPUTS, write_programme_outputs

    write_programme_outputs(None, tmp_path)
    for name in PROGRAMME_OUTPUTS:
        table = pd.read_csv(tmp_path / f"{name}.csv")
        assert table.columns.tolist() == ["note"] and "no programme tables" in table.iloc[0, 0]


def test_a_knowledge_item_without_codes_stops_with_the_fix(tmp_path):
    raw = yaml.safe_load((ROOT / "src/injury_survey/data/codebook.yaml").read_text("utf-8"))
    raw["programme"]["knowledge"]["k_own_question"] = {
        "topic": "fire",
        "label_zh": "自编题",
        "label_en": "own question",
        "correct": 2,
    }
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="k_own_question.*aliases of knowledge_answer"):
        programme_items(load_codebook(path))
    raw["variables"]["knowledge_answer"]["aliases"].append("k_own_question")
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert "k_own_question" in programme_items(load_codebook(path)).knowledge


def test_a_towns_own_item_is_read_with_its_codes_and_bad_values_listed(tmp_path):
    from injury_survey.programme_wave import load_programme_tables

    raw = yaml.safe_load((ROOT / "src/injury_survey/data/codebook.yaml").read_text("utf-8"))
    raw["programme"]["knowledge"]["k_own_question"] = {
        "topic": "fire",
        "label_zh": "自编题",
        "label_en": "own question",
        "correct": 2,
    }
    raw["variables"]["knowledge_answer"]["aliases"].append("k_own_question")
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    own = load_codebook(path)
    (tmp_path / "k.csv").write_text(
        "person_id,aware_programme,k_own_question\na,1,B\nb,1,2\nc,2,Z\n", encoding="utf-8"
    )
    tables, _, issues = load_programme_tables({"knowledge": "k.csv"}, own, survey_dir=tmp_path)
    assert tables["knowledge"]["k_own_question"].tolist()[:2] == [2, 2]
    assert pd.isna(tables["knowledge"]["k_own_question"].iloc[2])
    bad = issues[issues["column"] == "k_own_question"].iloc[0]
    assert (bad["value"], int(bad["source_row"]), bad["record_id"]) == ("Z", 4, "c")


def test_report_block_reads_the_written_estimates(tmp_path, codebook):
    from injury_survey.programme_report import report_block

    assert report_block(tmp_path, codebook) is None  # no programme outputs: no section
    (tmp_path / "programme").mkdir()
    pd.DataFrame(
        {
            "section": ["awareness"],
            "item": ["aware"],
            "statistic": ["proportion"],
            "by": ["all"],
            "level": ["all"],
            "estimate": [0.25],
            "ci_lower": [0.2],
            "ci_upper": [0.3],
            "n": [400],
            "flag": [None],  # written as an empty cell, read back as NaN
            "suppressed": [False],
        }
    ).to_csv(tmp_path / "programme" / "estimates.csv", index=False)
    block = report_block(tmp_path, codebook)
    assert block["rows"][0][2] == {"zh": "25.0 (20.0–30.0)", "en": "25.0 (20.0–30.0)"}
    assert block["rows"][0][4] == {"zh": "", "en": ""}
    assert block["paragraph"]["zh"].startswith("居民安全社区知晓率为25.0%")


def test_household_items_by_the_respondents_sex_age_group_and_education(items, codebook):
    from injury_survey.programme_indicators import estimate_programme, respondent_attributes

    # 60 households of 2 members in 6 PSUs; the respondent is line 2 in even households (a
    # woman, 65+, education 3), line 1 in odd ones (a man, 15-44, education 5); h59 names a
    # line that is not on the roster.
    n = 60
    persons = pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(2 * n)],
            "hh_id": [f"h{i // 2}" for i in range(2 * n)],
            "line": [1 + i % 2 for i in range(2 * n)],
            "sex": [1 + i % 2 for i in range(2 * n)],
            "age_group": ["15-44" if i % 2 == 0 else "65+" for i in range(2 * n)],
            "education": [5 if i % 2 == 0 else 3 for i in range(2 * n)],
            "stratum_id": ["S1" if i < n else "S2" for i in range(2 * n)],
            "psu_id": [f"P{i // 20}" for i in range(2 * n)],
            "weight_hh": 10.0,
            "weight": 10.0,
            "age_years": 40,
        }
    )
    households = pd.DataFrame(
        {"hh_id": [f"h{i}" for i in range(n)], "respondent_line": [2 - i % 2 for i in range(n)]}
    )
    households.loc[n - 1, "respondent_line"] = 7
    respondents = respondent_attributes(households, persons).set_index("hh_id")
    assert respondents.loc["h0"].tolist() == ["2", "65+", "3"]
    assert respondents.loc["h1"].tolist() == ["1", "15-44", "5"]
    assert respondents.loc["h59"].isna().all()
    # smoke alarm present in every fourth household: among even households 1 in 2
    home = pd.DataFrame(
        {"hh_id": households["hh_id"], "smoke_alarm": [1 if i % 4 == 0 else 2 for i in range(n)]}
    )
    scored = score_home_safety(home, items, codebook, ProgrammeSettings())
    config = {"estimation": {"domains": ["sex", "age_group", "education"]}}
    estimates = estimate_programme(
        persons, None, scored, items, config, respondent_attributes(households, persons)
    )
    by = estimates.set_index(["by", "level"])["estimate"]
    assert by[("respondent_sex", "2")] == pytest.approx(15 / 30)  # h0, h4, ... of 30 even
    assert by[("respondent_sex", "1")] == pytest.approx(0.0)
    assert by[("respondent_age_group", "65+")] == pytest.approx(0.5)
    assert by[("respondent_education", "3")] == pytest.approx(0.5)
    assert by[("respondent_sex", "unknown")] == pytest.approx(0.0)  # h59 alone
    assert ("respondent_education", "5") in by.index and ("stratum_id", "S1") in by.index
    assert by[("all", "all")] == pytest.approx(15 / 60)


def test_programme_sheet_in_the_workbook_both_languages_with_flags(items, codebook, tmp_path):
    from openpyxl import load_workbook

    from injury_survey.programme_report import workbook_table
    from injury_survey.report_tables import write_workbook

    estimates = pd.DataFrame(
        {
            "section": ["awareness", "awareness", "knowledge_score", "home_safety", "home_safety"],
            "item": ["aware", "aware", SCORE, "smoke_alarm", "smoke_alarm"],
            "statistic": ["proportion", "proportion", "mean", "proportion", "proportion"],
            "by": ["all", "sex", "all", "all", "respondent_education"],
            "level": ["all", "2", "all", "all", "3"],
            "estimate": [0.5634, 0.6, 63.27, 0.3, 0.25],
            "se": [0.007, 0.01, 0.27, 0.05, 0.2],
            "ci_lower": [0.549, 0.58, 62.71, 0.21, 0.03],
            "ci_upper": [0.5768, 0.62, 63.77, 0.41, 0.78],
            "n": [4781, 2400, 4828, 400, 4],
            "flag": ["", "", "", "unstable", "unstable;suppressed"],
            "suppressed": [False, False, False, False, True],
        }
    )
    table = workbook_table(estimates, items, codebook, notes="programme: min_age 15")
    path = write_workbook({table.id: table}, tmp_path / "book.xlsx", codebook=codebook)
    sheet = load_workbook(path)["T23"]
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["T23 安全社区知晓、安全知识与家庭安全措施"]
    assert rows[3][:4] == ["类别 Section", "项目 Item", "变量 Variable", "类别 Category"]
    assert rows[4] == ["安全社区知晓 Programme awareness", "知晓率 Awareness rate", "合计 All", "合计 All",
                       "56.3 (54.9–57.7)", 4781]  # fmt: skip
    assert rows[5][2:] == ["性别 Sex", "女 Female", "60.0 (58.0–62.0)", 2400]
    assert rows[6][-2:] == ["63.3 (62.7–63.8)", 4828]  # the mean score, % of items right
    assert rows[7][-2:] == ["30.0 (21.0–41.0) *", 400]  # unstable
    assert rows[8][2:] == ["应答者文化程度 Respondent's education", "小学 Primary", "—", "—"]
    notes = [r[0] for r in rows[10:]]
    assert any(n.startswith("—") for n in notes) and any(n.startswith("*") for n in notes)
    assert any("programme: min_age 15" in n for n in notes)


def test_t23_joins_the_wave_tables_after_t22_only_with_programme_estimates(tmp_path, codebook):
    from injury_survey.programme_report import with_programme_table

    tables = {"T22": "quality", "pyramid": "pyramid"}
    assert with_programme_table(tables, tmp_path, codebook, {}) == tables  # no programme/
    (tmp_path / "programme").mkdir()
    note = pd.DataFrame({"note": ["no programme tables in this wave / 本轮无安全社区模块"]})
    note.to_csv(tmp_path / "programme" / "estimates.csv", index=False)
    assert with_programme_table(tables, tmp_path, codebook, {}) == tables
    pd.DataFrame(
        {
            "section": ["awareness"],
            "item": ["aware"],
            "statistic": ["proportion"],
            "by": ["all"],
            "level": ["all"],
            "estimate": [0.5],
            "ci_lower": [0.4],
            "ci_upper": [0.6],
            "n": [100],
            "flag": [""],
            "suppressed": [False],
        }
    ).to_csv(tmp_path / "programme" / "estimates.csv", index=False)
    merged = with_programme_table(tables, tmp_path, codebook, {})
    assert list(merged) == ["T22", "T23", "pyramid"]
    assert "weights.household_weight person_mean" in merged["T23"].notes_en
