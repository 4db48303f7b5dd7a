"""What a user gets for each defect of the bad-input corpus (one defect per case).

Every case runs the tiny survey, mutated, through the package functions notebooks 01/03/04 call
and asserts the outcome: fatal with a message naming file and column, the row set aside with its
rule, a warning kept, or an adjustment recorded; and, wherever cleaning ran, that every raw row
of every table is either clean or rejected. Expected outcomes come from the data contract and the
rule table, not from a previous run.
"""

from __future__ import annotations

import pandas as pd
import pytest
from bad_input_cases import (
    CENSUS,
    EPISODES,
    FRAME,
    HH,
    HOME,
    KNOWLEDGE,
    PERSONS,
    PILOT_HH,
    SAMPLE,
    TINY,
    Case,
    data_rows,
    delimiter,
    drop_column,
    drop_where,
    duplicate_column,
    duplicate_row,
    encode,
    header_only,
    make_survey,
    raw_bytes,
    read_rows,
    refuse_psu,
    run_survey,
    set_cell,
    set_config,
    set_where,
    with_programme_tables,
    xlsx_second_sheet,
)

PSU = "S1-P005"  # first PSU of the sample list (rows 2-6), stratum S1
NOT_A_TABLE = bytes(range(256)) * 8  # a binary file saved under a .csv name

CASES = [
    # --- whole files: stop at intake, one message naming the file
    Case("zero_byte_households", (raw_bytes(HH, b""),), "fatal", HH, text="file is empty"),
    Case("zero_byte_episodes", (raw_bytes(EPISODES, b""),), "fatal", EPISODES, text="is empty"),
    Case("header_only_households", (header_only(HH),), "fatal", HH, text="no data rows"),
    Case("header_only_persons", (header_only(PERSONS),), "fatal", PERSONS, text="no data rows"),
    Case("header_only_sample", (header_only(SAMPLE),), "fatal", SAMPLE, text="no data rows"),
    Case("header_only_frame", (header_only(FRAME),), "fatal", FRAME, text="no data rows"),
    Case("header_only_census", (header_only(CENSUS),), "fatal", CENSUS, text="no data rows"),
    Case(
        "header_only_pilot_households",
        (header_only(PILOT_HH),),
        "fatal",
        PILOT_HH,
        text="no data rows",
        stage="pilot",
    ),
    Case("header_only_episodes_is_allowed", (header_only(EPISODES),), "ok"),
    Case(
        "wrong_delimiter_pipe",
        (delimiter(PERSONS, "|"),),
        "fatal",
        PERSONS,
        "person_id",
        text="required column",
    ),
    Case("semicolon_delimiter_is_read", (delimiter(PERSONS, ";"),), "ok"),
    Case("missing_column", (drop_column(PERSONS, "sex"),), "fatal", PERSONS, "sex"),
    Case(
        "duplicated_column",
        (duplicate_column(HH, "result_code"),),
        "fatal",
        HH,
        "result_code",
        text="same name",
    ),
    Case("binary_file_named_csv", (raw_bytes(HH, NOT_A_TABLE),), "fatal", HH, text="neither"),
    Case(
        "data_on_second_sheet_of_xlsx",
        (xlsx_second_sheet(HH, ("tables", "waves", "baseline", "households")),),
        "fatal",
        "households.xlsx",
        "hh_id",
        text="#<sheet>",
    ),
    Case("gbk_with_crlf_is_read", (encode(HH, "gbk", newline="\r\n"),), "ok"),
    Case("utf8_bom_is_read", (encode(PERSONS, "utf-8-sig"),), "ok"),
    # --- values: the row is set aside with its rule (spreadsheet row named)
    Case(
        "age_with_unit",
        (set_cell(PERSONS, 2, "age_years", "45岁"),),
        "set_aside",
        rule="V1",
        table="persons",
        row=2,
    ),
    Case(
        "unknown_code",
        (set_cell(PERSONS, 2, "injured_12m", "7"),),
        "set_aside",
        rule="V2",
        table="persons",
        row=2,
    ),
    Case("chinese_label_in_coded_field", (set_cell(PERSONS, 2, "sex", "男"),), "ok"),
    Case(
        "chinese_label_unknown",
        (set_cell(PERSONS, 2, "sex", "男的"),),
        "set_aside",
        rule="V2",
        table="persons",
        row=2,
    ),
    Case("date_chinese_style", (set_cell(HH, 2, "interview_date", "2026年4月7日"),), "ok"),
    Case("date_with_slashes", (set_cell(HH, 2, "interview_date", "2026/4/7"),), "ok"),
    Case(
        "duplicate_person_id",
        (duplicate_row(PERSONS, 2),),
        "set_aside",
        rule="K1",
        table="persons",
        row=142,  # header + 140 rows: the copy is appended as row 142
    ),
    Case(
        "duplicate_household_id",
        (duplicate_row(HH, 2),),
        "set_aside",
        rule="K1",
        table="households",
        row=62,
    ),
    Case(
        "episode_of_unknown_person",
        (set_cell(EPISODES, 2, "person_id", "nobody-01"),),
        "set_aside",
        rule="K1",
        table="episodes",
        row=2,
    ),
    Case(
        "household_not_in_sample_list",
        (drop_where(SAMPLE, "hh_id", lambda v: v == "baseline-S1-P005-0002"),),
        "set_aside",
        rule="K1",
        table="households",
        row=2,
    ),
    Case(
        "negative_days_off",
        (set_cell(EPISODES, 2, "days_off", "-1"),),
        "set_aside",
        rule="R_",
        table="episodes",
        row=2,
    ),
    Case(
        "injury_after_interview",
        (set_cell(EPISODES, 2, "injury_date", "2026-05-01"),),
        "set_aside",
        rule="D1",
        table="episodes",
        row=2,
    ),
    Case(
        "not_injured_but_episode",
        (set_cell(PERSONS, 4, "injured_12m", "2"),),
        "set_aside",
        rule="S1",
        table="persons",
        row=4,
    ),
    # --- design files: stop before any weight, naming file, row, column and rule
    Case("pi_hh_zero", (set_cell(SAMPLE, 2, "pi_hh", "0"),), "fatal", SAMPLE, "pi_hh", "SL5"),
    Case(
        "pi_psu_above_one",
        (set_where(SAMPLE, {"psu_id": PSU}, "pi_psu", "1.5"),),
        "fatal",
        SAMPLE,
        "pi_psu",
        "SL4",
    ),
    Case(
        "pi_hh_blank_for_one_psu",
        (set_where(SAMPLE, {"psu_id": PSU}, "pi_hh", ""),),
        "fatal",
        SAMPLE,
        "pi_hh",
        "V3",
    ),
    Case(
        "pi_psu_varies_within_psu",
        (set_cell(SAMPLE, 3, "pi_psu", "0.3"),),
        "fatal",
        SAMPLE,
        "pi_psu",
        "SL6",
    ),
    Case(
        "sample_duplicate_household", (duplicate_row(SAMPLE, 2),), "fatal", SAMPLE, "hh_id", "SL1"
    ),
    Case(
        "stratum_disagrees_with_frame",
        (set_where(SAMPLE, {"psu_id": PSU}, "stratum_id", "S2"),),
        "fatal",
        SAMPLE,
        "stratum_id",
        "SL3",
    ),
    Case(
        "sampled_psu_absent_from_frame",
        (drop_where(FRAME, "psu_id", lambda v: v == PSU),),
        "fatal",
        SAMPLE,
        "psu_id",
        "SL2",
    ),
    Case("frame_duplicate_psu", (duplicate_row(FRAME, 2),), "fatal", FRAME, "psu_id", "FR1"),
    Case(
        "frame_size_zero",
        (set_cell(FRAME, 2, "households", "0"),),
        "fatal",
        FRAME,
        "households",
        "FR2",
    ),
    Case(
        "frame_stratum_not_configured",
        (
            set_config(
                ("survey", "strata"), {s: {"zh": s, "en": s} for s in ("S1", "S2", "S3", "S4")}
            ),
        ),
        "fatal",
        FRAME,
        "stratum_id",
        "FR3",
    ),
    Case(
        "frame_size_disagrees_with_pi",
        (set_where(FRAME, {"psu_id": PSU}, "households", "20"),),
        "warning",
        rule="XC2",
    ),
    Case(
        "sampled_household_without_a_row",
        (drop_where(HH, "hh_id", lambda v: v == "baseline-S1-P005-0010"),),
        "warning",
        rule="SL7",
    ),
    Case(
        "census_cell_abc",
        (set_cell(CENSUS, 2, "population", "abc"),),
        "fatal",
        CENSUS,
        "population",
        "V1",
    ),
    Case(
        "census_negative",
        (set_cell(CENSUS, 2, "population", "-4"),),
        "fatal",
        CENSUS,
        "population",
        "CN1",
    ),
    Case(
        "census_missing_age_group",
        (drop_where(CENSUS, "age_group", lambda v: v == "80-84"),),
        "fatal",
        CENSUS,
        "80-84",
        "CN3",
        text="census_missing",
    ),
    Case(
        "census_missing_age_group_collapsed",
        (
            drop_where(CENSUS, "age_group", lambda v: v == "80-84"),
            set_config(("weights", "census_missing"), "collapse"),
        ),
        "adjustment",
        rule="census_cells_collapsed",
        text="80-84",
    ),
    Case(
        "census_missing_at_report_group_boundary_collapsed",
        (
            drop_where(CENSUS, "age_group", lambda v: v == "60-64"),
            set_config(("weights", "census_missing"), "collapse"),
            set_config(("weights", "min_cell_respondents"), 1),
        ),
        "adjustment",
        rule="census_cells_collapsed",
        text="report age groups 45-64 and 65+ calibrated together",
    ),
    # --- the optional programme tables (docs/input-tables-programme.md): rules K1, P0-P5
    Case("programme_tables_are_read", (with_programme_tables,), "ok"),
    Case(
        "programme_person_unknown",
        (with_programme_tables, set_cell(KNOWLEDGE, 2, "person_id", "baseline-S9-P999-0001-01")),
        "set_aside",
        rule="K1",
        table="knowledge",
        row=2,
    ),
    Case(
        "programme_respondent_is_a_child",
        (with_programme_tables, set_cell(KNOWLEDGE, 2, "person_id", "baseline-S2-P021-0003-03")),
        "set_aside",
        rule="P1",
        table="knowledge",
        row=2,
    ),
    Case(
        "programme_unreadable_awareness",
        (with_programme_tables, set_cell(KNOWLEDGE, 3, "aware_programme", "maybe")),
        "set_aside",
        rule="V2",
        table="knowledge",
        row=3,
    ),
    Case(
        "programme_household_listed_twice",
        (with_programme_tables, duplicate_row(HOME, 2)),
        "set_aside",
        rule="P0",
        table="home_safety",
        row=2,
    ),
    Case(
        "programme_household_not_interviewed",
        (with_programme_tables, set_cell(HOME, 2, "hh_id", "baseline-S1-P005-0004")),
        "set_aside",
        rule="P2",
        table="home_safety",
        row=2,
    ),
    Case(
        "programme_unreadable_item_is_item_nonresponse",
        (with_programme_tables, set_cell(KNOWLEDGE, 6, "k_fire_call", "Z")),
        "warning",
        rule="V2",
        table="knowledge",
        row=6,
    ),
    Case(
        "programme_source_answered_by_unaware",
        (with_programme_tables, set_cell(KNOWLEDGE, 6, "src_notice", "1")),
        "warning",
        rule="P3",
        table="knowledge",
        row=6,
    ),
    Case(
        "programme_antislip_without_elderly",
        (with_programme_tables, set_cell(HOME, 3, "antislip_grabbars", "2")),
        "warning",
        rule="P4",
        table="home_safety",
        row=3,
    ),
    Case(
        "programme_antislip_not_applicable_with_elderly",
        (
            with_programme_tables,
            set_where(HOME, {"hh_id": "baseline-S1-P016-0003"}, "antislip_grabbars", "7"),
        ),
        "warning",
        rule="P5",
        table="home_safety",
    ),
    Case(
        "programme_knowledge_without_person_id",
        (with_programme_tables, drop_column(KNOWLEDGE, "person_id")),
        "fatal",
        KNOWLEDGE,
        "person_id",
    ),
    # --- what the data forced on the weights: recorded as adjustments
    Case(
        "all_households_of_a_psu_refused",
        (refuse_psu(PSU),),
        "adjustment",
        rule="nonresponse_class_collapsed",
        text=PSU,
    ),
]


def _expected_rows(folder, file: str) -> int:
    try:
        return data_rows(folder, file)
    except (UnicodeDecodeError, FileNotFoundError):
        return data_rows(TINY, file)  # re-encoded or moved: the same rows as the original


def _assert_ledger_balances(case: Case, folder, outcome) -> None:
    accounting = outcome.clean.accounting.set_index("table")
    assert (accounting["raw_rows"] == accounting["clean_rows"] + accounting["rejected_rows"]).all()
    files = {"households": HH, "persons": PERSONS, "episodes": EPISODES}
    files |= {
        t: f for t, f in (("knowledge", KNOWLEDGE), ("home_safety", HOME)) if t in accounting.index
    }
    if case.stage == "pilot":
        files = {t: f.replace("baseline", "pilot") for t, f in files.items()}
    if case.id == "data_on_second_sheet_of_xlsx":
        return
    for table, file in files.items():
        assert accounting.loc[table, "raw_rows"] == _expected_rows(folder, file), table


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_outcome(case: Case, tmp_path):
    folder = make_survey(tmp_path, case)
    outcome = run_survey(folder, case.stage)
    if case.expect == "fatal":
        assert outcome.error is not None, "the run went on"
        message = str(outcome.error)
        assert case.file in message
        assert case.column in message
        assert case.rule in message
        assert case.text in message
        assert "TypeError" not in message
        assert outcome.weights is None  # stopped before any weight exists
        return
    assert outcome.error is None, str(outcome.error)
    _assert_ledger_balances(case, folder, outcome)
    if case.expect == "set_aside":
        rejected = outcome.clean.rejected[case.table]
        mine = rejected[rejected["source_row"].astype(int) == case.row]
        assert len(mine) == 1, f"row {case.row} of {case.table} not set aside"
        assert case.rule in mine["rule_ids"].iloc[0]
        assert mine["reasons"].iloc[0] and mine["reasons_zh"].iloc[0]
        assert any(
            a.kind == "rows_set_aside" and a.where == case.table for a in outcome.adjustments
        )
    elif case.expect == "warning":
        warned = pd.concat([outcome.design_warnings, outcome.clean.issues], ignore_index=True)
        mine = warned[warned["rule_id"] == case.rule]
        if case.table:
            mine = mine[(mine["table"] == case.table) & (mine["severity"] == "warn")]
        if case.row:
            assert (mine["source_row"].astype(int) == case.row).any()
            kept = outcome.clean.tables[case.table]["source_row"].astype(int)
            assert (kept == case.row).any(), f"row {case.row} of {case.table} not kept"
        assert not mine.empty
        assert outcome.weights is not None
    elif case.expect == "adjustment":
        found = [a for a in outcome.adjustments if a.kind == case.rule]
        assert found and any(case.text in a.detail_en and a.detail_zh for a in found)
        assert outcome.weights is not None
    else:
        assert case.expect == "ok"
        assert outcome.weights is not None
        assert not outcome.clean.issues["rule_id"].isin(["V1", "V2", "V3"]).any()


def test_the_corpus_covers_enough_defects():
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)


def test_header_only_households_never_reach_weighting(tmp_path):
    """The observed failure: every person rejected as an orphan, then a TypeError in notebook 04."""
    case = next(c for c in CASES if c.id == "header_only_households")
    outcome = run_survey(make_survey(tmp_path, case))
    assert outcome.clean is None and outcome.weights is None


def test_refused_psu_is_pooled_with_its_stratum(tmp_path):
    case = next(c for c in CASES if c.id == "all_households_of_a_psu_refused")
    folder = make_survey(tmp_path, case)
    outcome = run_survey(folder)
    classes = outcome.weights.nonresponse_classes
    pooled = classes[classes["psus"].str.contains(PSU)]
    assert pooled["collapsed"].all()
    # The refused PSU's eligible households are in the pooled class (hand count from the file).
    rows = read_rows(folder / HH)
    header = rows[0]
    eligible_refused = sum(
        1
        for r in rows[1:]
        if r[header.index("psu_id")] == PSU and r[header.index("result_code")] == "5"
    )
    assert eligible_refused == 5
    assert int(pooled["eligible"].sum()) >= eligible_refused


def test_census_collapse_at_a_boundary_calibrates_the_merged_cell_to_the_census_sum(tmp_path):
    case = next(c for c in CASES if c.id == "census_missing_at_report_group_boundary_collapsed")
    folder = make_survey(tmp_path, case)
    outcome = run_survey(folder)
    # Target: every census row of stratum S1, men, aged 45 and over, summed from the file.
    rows = read_rows(folder / CENSUS)
    header = rows[0]
    target = sum(
        int(r[header.index("population")])
        for r in rows[1:]
        if r[header.index("stratum_id")] == "S1"
        and r[header.index("sex")] == "1"
        and int(r[header.index("age_group")].split("-")[0].rstrip("+")) >= 45
    )
    people = outcome.weights.persons
    mine = people[
        (people["stratum_id"] == "S1")
        & (people["sex"] == 1)
        & people["age_group"].isin(["45-64", "65+"])
    ]
    assert mine["calibration_cell"].nunique() == 1
    assert mine["weight"].sum() == pytest.approx(target)


def test_programme_rules_change_the_answers_as_documented(tmp_path):
    """P3-P5 and an unreadable item keep the row and change only the answer
    (docs/input-tables-programme.md); a rejected knowledge row leaves the injury data alone."""
    case = Case(
        "programme_rules_applied",
        (
            with_programme_tables,
            set_cell(KNOWLEDGE, 6, "src_notice", "1"),  # not aware (code 2)
            set_cell(KNOWLEDGE, 7, "k_fire_call", "Z"),
            set_cell(KNOWLEDGE, 8, "person_id", "baseline-S2-P021-0003-03"),  # aged 9
            set_cell(HOME, 3, "antislip_grabbars", "2"),  # no member aged 65+
            set_where(HOME, {"hh_id": "baseline-S1-P016-0003"}, "antislip_grabbars", "7"),
        ),
        "warning",
    )
    outcome = run_survey(make_survey(tmp_path, case))
    knowledge = outcome.clean.tables["knowledge"].set_index("source_row")
    home = outcome.clean.tables["home_safety"].set_index("hh_id")
    assert pd.isna(knowledge.loc[6, "src_notice"])  # P3: not counted
    assert pd.isna(knowledge.loc[7, "k_fire_call"]) and knowledge.loc[7, "aware_programme"] == 1
    assert 8 not in knowledge.index  # P1
    assert home.loc["baseline-S1-P005-0006", "antislip_grabbars"] == 7  # P4: not applicable
    assert pd.isna(home.loc["baseline-S1-P016-0003", "antislip_grabbars"])  # P5: non-response
    persons = outcome.clean.tables["persons"]["person_id"]
    rejected = outcome.clean.rejected["knowledge"]
    assert (rejected["rule_ids"] == "P1").sum() == 1
    assert "baseline-S2-P021-0003-03" in set(persons)  # the child's injury record stays
    recoded = {a.setting: a for a in outcome.adjustments if a.kind == "answers_recoded"}
    assert set(recoded) == {"P3", "P4", "P5"}
    assert recoded["P4"].where == "home_safety" and "1 " in recoded["P4"].detail_en
