"""The engine: rejection cascade, row accounting, intake issues, summary, and the QC tables.

The small survey below is built so that each household tests one path of the cascade; the
expected counts are read off the table by hand (see the comments).
"""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.cleaning import engine
from injury_survey.cleaning.engine import RowAccountingError, clean_survey
from injury_survey.cleaning.qc import (
    interviewer_table,
    item_nonresponse,
    other_share,
    questionnaire_revisions,
    response_rates,
    skip_violations_by_household,
)
from injury_survey.issues import ISSUE_COLUMNS, issues_for

NA = pd.NA


class MiniCodebook:
    CODES = {
        "result_code": [1, 2, 3, 4, 5, 6, 7, 8, 96],
        "sex": [1, 2],
        "care_level": [0, 1, 2, 3, 4],
    }
    OTHER = {"cause": 13}
    DK_REFUSED = {"injured_12m": {8}}

    def codes(self, variable):
        return self.CODES[variable]

    def other_code(self, variable):
        return self.OTHER.get(variable)

    def is_missing_code(self, variable, code):
        return code in self.DK_REFUSED.get(variable, set())


def _int(values):
    return pd.array(values, dtype="Int64")


def survey() -> dict[str, pd.DataFrame]:
    """Seven households, one path each.

    H1 completed, clean: P11 (episodes E11 out of window, E12 meets no case definition — both
       warnings, kept), P12 (E14: lay care and half a day off).
    H2 completed but reports 3 members for 2 rows (K2): rejected with P21, P22 and E21.
    H3 completed; P31's age is 130 (R_AGE): P31 rejected, P32 and E32 go with the household's
       interview, which is set aside (household kept, responded = False).
    H4 refused, H5 vacant: kept for response rates, no persons.
    H6 completed; E61 happened after the interview (D1): E61 rejected, P61 and the interview set
       aside.
    H7 refused yet lists P71 (S14): P71 rejected, H7 stays a non-respondent.
    """
    households = pd.DataFrame(
        {
            "hh_id": ["H1", "H2", "H3", "H4", "H5", "H6", "H7"],
            "psu_id": ["A", "A", "A", "B", "B", "B", "B"],
            "interviewer_id": ["I1", "I1", "I1", "I2", "I2", "I2", "I2"],
            "interview_date": pd.to_datetime(
                pd.Series(
                    ["2024-06-15", "2024-06-15", "2024-06-16", None, None, "2024-06-17", None]
                )
            ),
            "result_code": _int([1, 1, 1, 5, 6, 1, 5]),
            "hh_size_reported": _int([2, 3, 2, NA, NA, 1, NA]),
            "interview_minutes": pd.array([30, 40, 50, NA, NA, 20, NA], dtype="Float64"),
        }
    )
    persons = pd.DataFrame(
        {
            "person_id": ["P11", "P12", "P21", "P22", "P31", "P32", "P61", "P71"],
            "hh_id": ["H1", "H1", "H2", "H2", "H3", "H3", "H6", "H7"],
            "relation": _int([1, 2, 1, 2, 1, 2, 1, 1]),
            "sex": _int([1, 2, 1, 2, 1, 2, 1, 2]),
            "age_years": _int([40, 38, 50, 49, 130, 60, 30, 70]),
            "months_present_12m": _int([12] * 8),
            "respondent_type": _int([1, 2, 1, 2, 1, 2, 1, 1]),
            "injured_12m": _int([1, 1, 1, 2, 2, 1, 1, 2]),
            "n_episodes_12m": _int([2, 1, 1, 0, 0, 1, 1, 0]),
        }
    )
    episodes = pd.DataFrame(
        {
            "episode_id": ["E11", "E12", "E14", "E21", "E32", "E61"],
            "person_id": ["P11", "P11", "P12", "P21", "P32", "P61"],
            "injury_date": pd.to_datetime(
                pd.Series(
                    [
                        "2023-05-01",
                        "2024-01-10",
                        "2024-02-01",
                        "2024-03-01",
                        "2024-04-01",
                        "2024-07-01",
                    ]
                )
            ),
            "injury_date_precision": ["day", "day", "month", "day", "day", "day"],
            "cause": _int([4, 4, 4, 4, 4, 4]),
            "nature_1": _int([2, 2, 4, 2, 2, 2]),
            "care_level": _int([2, 0, 1, 2, 2, 2]),
            "days_off": pd.array([1.0, 0.0, 0.5, 1.0, 1.0, 1.0], dtype="Float64"),
            "outcome": _int([1, 1, 1, 1, 1, 1]),
        }
    )
    for name, df in (("households", households), ("persons", persons), ("episodes", episodes)):
        df["source_file"] = f"{name}.csv"
        df["source_row"] = _int(range(2, len(df) + 2))
    return {"households": households, "persons": persons, "episodes": episodes}


def clean(tables, **kwargs):
    return clean_survey(
        tables,
        MiniCodebook(),
        recall={"mode": "rolling", "days": 365},
        case_definition="case_cn_halfday",
        age_groups=[0, 15, 45, 65],
        **kwargs,
    )


@pytest.fixture(scope="module")
def result():
    return clean(survey())


def ids(df, column):
    return sorted(df[column])


def test_row_accounting(result):
    acc = result.accounting.set_index("table")
    # households: 7 raw, H2 rejected → 6 clean; H3 and H6 set aside (kept).
    # persons: 8 raw; P21, P22 (H2), P31 (own), P32 (H3 set aside), P61 (H6), P71 (S14) → 2 clean.
    # episodes: 6 raw; E21 (P21), E32 (P32), E61 (own) → 3 clean.
    assert acc.loc["households", ["raw_rows", "clean_rows", "rejected_rows"]].tolist() == [7, 6, 1]
    assert acc.loc["persons", ["raw_rows", "clean_rows", "rejected_rows"]].tolist() == [8, 2, 6]
    assert acc.loc["episodes", ["raw_rows", "clean_rows", "rejected_rows"]].tolist() == [6, 3, 3]
    assert acc.loc["persons", "rejected_own_error"] == 2  # P31 (R_AGE), P71 (S14)
    assert acc.loc["households", "interviews_set_aside"] == 2


def test_clean_and_rejected_ids(result):
    assert ids(result.tables["households"], "hh_id") == ["H1", "H3", "H4", "H5", "H6", "H7"]
    assert ids(result.tables["persons"], "person_id") == ["P11", "P12"]
    assert ids(result.tables["episodes"], "episode_id") == ["E11", "E12", "E14"]
    assert ids(result.rejected["households"], "hh_id") == ["H2"]
    assert ids(result.rejected["persons"], "person_id") == [
        "P21",
        "P22",
        "P31",
        "P32",
        "P61",
        "P71",
    ]
    assert ids(result.rejected["episodes"], "episode_id") == ["E21", "E32", "E61"]


def test_rejected_rows_carry_raw_columns_and_reasons(result):
    persons = result.rejected["persons"].set_index("person_id")
    raw_columns = list(survey()["persons"].columns)
    assert list(result.rejected["persons"].columns[: len(raw_columns)]) == raw_columns
    assert persons.loc["P21", "reasons"] == "parent household rejected: H2"
    assert persons.loc["P31", "rule_ids"] == "R_AGE"
    assert "set aside" in persons.loc["P32", "reasons"]
    assert persons.loc["P71", "rule_ids"] == "S14"
    assert persons.loc["P71", "source_row"] == 9
    episodes = result.rejected["episodes"].set_index("episode_id")
    assert episodes.loc["E61", "rule_ids"] == "D1"
    assert "parent person rejected: P61" in episodes.loc["E61", "reasons"]
    assert episodes.loc["E32", "reasons"] == "parent person rejected: P32"
    assert result.rejected["households"]["rule_ids"].tolist() == ["K2"]
    assert result.rejected["households"]["reasons_zh"].str.contains("常住人口数").all()


def test_set_aside_and_nonresponding_households_are_kept(result):
    hh = result.tables["households"].set_index("hh_id")
    assert hh["interview_set_aside"].tolist() == [False, True, False, False, True, False]
    assert hh["responded"].tolist() == [True, False, False, False, False, False]
    assert hh["eligible"].tolist() == [True, True, True, False, True, True]


def test_warnings_keep_episodes_with_flags(result):
    ep = result.tables["episodes"].set_index("episode_id")
    # E11 2023-05-01 is before the window start 2023-06-16 (D2); E12 no care and no day off (E1);
    # E14 February 2024, lay care and half a day off: a case under the half-day definition only.
    assert ep["in_window"].tolist() == [False, True, True]
    assert ep["is_case"].tolist() == [False, False, True]
    assert ep.loc["E14", ["case_cn_halfday", "case_1day", "case_medical"]].tolist() == [
        True,
        False,
        False,
    ]
    warn = result.issues[result.issues["severity"] == "warn"]
    assert sorted(zip(warn["rule_id"], warn["record_id"], strict=True)) == [
        ("D2", "E11"),
        ("D2", "E61"),
        ("E1", "E12"),
    ]
    persons = result.tables["persons"].set_index("person_id")
    assert persons["injured"].tolist() == [0, 1]
    assert persons["injured_case_1day"].tolist() == [0, 0]


def test_issues_name_household_and_summary_counts(result):
    issues = result.issues
    assert list(issues.columns) == [*ISSUE_COLUMNS, "hh_id"]
    assert set(issues.loc[issues["record_id"] == "E61", "hh_id"]) == {"H6"}  # D1 and D2
    summary = result.summary.set_index(["rule_id", "table", "column"])
    assert summary.loc[("R_AGE", "persons", "age_years"), "n_rows"] == 1
    assert summary.loc[("K2", "households", "hh_size_reported"), "n_rows"] == 1
    # No birth dates, no address, no second entry pass: K4 and K7 say they were skipped.
    assert summary.loc[("K4", "households", "roster"), "status"].startswith("skipped")
    assert summary.loc[("K7", "persons", "(fields)"), "status"].startswith("skipped")


def test_messages_name_file_row_column_and_value(result):
    lines = result.messages("error")
    assert "persons.csv, row 6, column 'age_years', value '130': [R_AGE error]" in "\n".join(lines)


def test_intake_errors_reject_their_rows_and_warnings_do_not():
    tables = survey()
    persons = tables["persons"]
    p12 = persons["person_id"] == "P12"
    prior = pd.concat(
        [
            issues_for(
                persons,
                p12,
                table="persons",
                column="sex",
                rule_id="V2",
                severity="error",
                message_en="Unknown code",
                message_zh="未知代码",
                id_column="person_id",
            ),
            issues_for(
                persons,
                persons["person_id"] == "P11",
                table="persons",
                column="sex",
                rule_id="V3",
                severity="warn",
                message_en="Label",
                message_zh="标签",
                id_column="person_id",
            ),
        ],
        ignore_index=True,
    )
    out = clean(tables, prior_issues=prior)
    rejected = out.rejected["persons"].set_index("person_id")
    assert rejected.loc["P12", "rule_ids"] == "V2"
    assert "household interview set aside" in rejected.loc["P11", "reasons"]  # H1 set aside
    assert set(out.tables["persons"]["person_id"]) == set()
    assert {"V2", "V3"} <= set(out.issues["rule_id"])
    intake = out.summary[out.summary["status"] == "intake"]
    assert intake["rule_id"].tolist() == ["V2", "V3"]


def test_accounting_is_asserted(monkeypatch):
    real = engine._clean_tables

    def lose_a_household(*args, **kwargs):
        out = real(*args, **kwargs)
        out["households"] = out["households"].iloc[1:]
        return out

    monkeypatch.setattr(engine, "_clean_tables", lose_a_household)
    with pytest.raises(RowAccountingError, match="households: 7 raw rows but 5 clean"):
        clean(survey())


def test_missing_table_is_a_clear_error():
    tables = survey()
    del tables["episodes"]
    with pytest.raises(ValueError, match="missing: \\['episodes'\\]"):
        clean(tables)


# --------------------------------------------------------------------------------------------
# QC tables


def test_response_rates_hand_computed():
    codes = [1, 1, 2, 3, 4, 5, 6, 7, 8, 96, NA]
    hh = pd.DataFrame({"result_code": _int(codes), "psu_id": ["A"] * 6 + ["B"] * 5})
    overall = response_rates(hh).iloc[0]
    # eligible: 1, 1, 2, 3, 4, 5, 96 = 7; ineligible 6, 7, 8 = 3; unknown (NA) = 1
    assert overall[["n_selected", "n_eligible", "n_ineligible", "n_unknown"]].tolist() == [
        11,
        7,
        3,
        1,
    ]
    assert overall["rr1"] == pytest.approx(2 / 7)
    assert overall["rr2"] == pytest.approx(3 / 7)
    assert overall["refusal_rate"] == pytest.approx(1 / 7)
    by_psu = response_rates(hh, by="psu_id").set_index("psu_id")
    # A: 1, 1, 2, 3, 4, 5 → all eligible, rr1 = 2/6. B: 6, 7, 8, 96, NA → eligible 1, rr1 = 0.
    assert by_psu.loc["A", "rr1"] == pytest.approx(2 / 6)
    assert by_psu.loc["B", "n_eligible"] == 1 and by_psu.loc["B", "rr1"] == 0


def test_item_nonresponse_respects_skip_logic():
    persons = pd.DataFrame(
        {
            "age_years": _int([5, 30, 40, 50]),
            "education": _int([NA, NA, 3, 4]),
            "injured_12m": _int([1, 8, 2, 2]),
            "n_episodes_12m": _int([1, NA, 0, NA]),
        }
    )
    out = item_nonresponse({"persons": persons}, MiniCodebook()).set_index("question")
    # education asked from age 6: 3 asked, 1 empty. injured_12m: 4 asked, one "don't know" (8).
    # n_episodes_12m asked only of injured_12m = 1: 1 asked, answered.
    assert out.loc["education", ["n_asked", "n_missing"]].tolist() == [3, 1]
    assert out.loc["education", "missing_rate"] == pytest.approx(1 / 3)
    assert out.loc["injured_12m", ["n_asked", "n_dk_refused"]].tolist() == [4, 1]
    assert out.loc["injured_12m", "dk_refused_rate"] == pytest.approx(0.25)
    assert out.loc["n_episodes_12m", ["n_asked", "n_missing"]].tolist() == [1, 0]


def test_other_share():
    episodes = pd.DataFrame({"cause": _int([13, 13, 1, 3, NA])})
    out = other_share({"episodes": episodes}, MiniCodebook())
    assert out[["question", "n_answered", "n_other"]].values.tolist() == [["cause", 4, 2]]
    assert out["other_share"].item() == pytest.approx(0.5)


def _issue(rule_id, hh_id, row, table="persons"):
    return {
        "table": table,
        "source_file": f"{table}.csv",
        "source_row": row,
        "record_id": "x",
        "column": "c",
        "value": "",
        "rule_id": rule_id,
        "severity": "error",
        "message_en": f"{rule_id} message",
        "message_zh": "",
        "hh_id": hh_id,
    }


def test_skip_violations_count_households():
    issues = pd.DataFrame(
        [
            _issue("S1", "H1", 2),
            _issue("S1", "H1", 3),
            _issue("S1", "H2", 4),
            _issue("S4", "H1", 2, "episodes"),
            _issue("K2", "H3", 5, "households"),
        ]
    )
    out = skip_violations_by_household(issues)
    assert out[["rule_id", "n_households", "n_rows"]].values.tolist() == [
        ["S1", 2, 3],
        ["S4", 1, 1],
    ]


def test_questionnaire_revisions_apply_the_four_pilot_rules():
    items = pd.DataFrame(
        {
            "table": ["persons", "persons"],
            "question": ["injured_12m", "sex"],
            "n_asked": [20, 20],
            "n_missing": [0, 0],
            "n_dk_refused": [3, 2],  # 15 % (> 10 %) and exactly 10 % (not above)
            "missing_rate": [0.0, 0.0],
            "dk_refused_rate": [0.15, 0.10],
        }
    )
    skips = pd.DataFrame(
        {
            "rule_id": ["S1", "S4"],
            "table": ["persons", "episodes"],
            "message_en": ["m1", "m4"],
            "n_households": [2, 1],
            "n_rows": [3, 1],
        }
    )
    others = pd.DataFrame(
        {
            "table": ["episodes", "episodes"],
            "question": ["cause", "place"],
            "other_code": [13, 9],
            "n_answered": [10, 10],
            "n_other": [2, 1],
            "other_share": [0.2, 0.1],
        }
    )
    issues = pd.DataFrame([_issue("E1", "H1", 2, "episodes")])
    out = questionnaire_revisions(
        item_nonresponse=items, skip_violations=skips, other_share=others, issues=issues
    )
    assert out["item"].tolist() == [
        "persons.injured_12m",
        "S1 (persons)",
        "episodes.cause",
        "persons.injured_12m (screening question)",
    ]
    assert out["suggestion_zh"].str.len().gt(0).all()


def test_interviewer_table(result):
    table = interviewer_table(result.tables).set_index("interviewer_id")
    # I1: H1, H2 rejected, H3 → 2 households in the clean table, 1 usable interview (H1, 30 min),
    # persons P11 (not injured), P12 (injured, proxy). I2: H4, H5, H6, H7, none usable.
    assert table.loc["I1", ["n_households", "n_responded", "n_persons", "n_injured"]].tolist() == [
        2,
        1,
        2,
        1,
    ]
    assert table.loc["I1", "incidence"] == pytest.approx(0.5)
    assert table.loc["I1", "proxy_share"] == pytest.approx(0.5)
    assert table.loc["I1", "median_minutes"] == 30
    assert table.loc["I2", "n_persons"] == 0 and pd.isna(table.loc["I2", "incidence"])


def test_survey_without_any_injury_cleans():
    # A pilot may record no injury at all: an empty episodes table must not break anything.
    tables = survey()
    tables["households"] = tables["households"].iloc[[0]]
    tables["persons"] = (
        tables["persons"].iloc[[0, 1]].assign(injured_12m=_int([2, 2]), n_episodes_12m=_int([0, 0]))
    )
    tables["episodes"] = tables["episodes"].iloc[0:0]
    out = clean(tables)
    assert out.issues.empty
    assert out.accounting["rejected_rows"].sum() == 0
    assert out.tables["persons"]["injured"].tolist() == [0, 0]


def test_cell_reported_by_intake_is_not_reported_again():
    # Intake could not read P12's sex (V3) and left it missing; R_REQUIRED would find it again.
    tables = survey()
    persons = tables["persons"]
    persons.loc[persons["person_id"] == "P12", "sex"] = NA
    prior = issues_for(
        persons,
        persons["person_id"] == "P12",
        table="persons",
        column="sex",
        rule_id="V3",
        severity="error",
        message_en="Required value missing",
        message_zh="必填项缺失",
        id_column="person_id",
    )
    out = clean(tables, prior_issues=prior)
    about_p12 = out.issues[out.issues["record_id"] == "P12"]
    assert about_p12["rule_id"].tolist() == ["V3"]
    summary = out.summary.set_index(["rule_id", "table", "column"])
    assert summary.loc[("R_REQUIRED", "persons", "sex"), "n_rows"] == 0
    assert out.rejected["persons"].set_index("person_id").loc["P12", "rule_ids"] == "V3"
