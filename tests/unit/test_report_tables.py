"""Tests of injury_survey.report_tables.

Expected values come from outside the package: R survey 4.1.1 (``svyglm``, ``svychisq``,
``svyciprop``, ``svyratio``) on the committed data of ``tests/reference/tables`` (see
``reference_tables.R``), published exact Poisson limits, and hand calculations shown beside
each test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from scipy import stats

from injury_survey.codebook import load_codebook
from injury_survey.design_spec import CalibrationSpec
from injury_survey.report_tables import (
    ReportData,
    ReportSettings,
    ReportTablesError,
    Table,
    build_report_tables,
    format_cell,
    garwood_ci,
    weighted_median,
    write_tables,
)
from injury_survey.report_tables.burden import deaths_table, injury_pyramid, recall_decay
from injury_survey.report_tables.core import Words, complementary_suppression, finish
from injury_survey.report_tables.profile import cause_table, leading_causes_by_age
from injury_survey.report_tables.quality import quality_table
from injury_survey.report_tables.risk import rao_scott_tests, risk_model

REFERENCE = Path(__file__).parents[1] / "reference" / "tables"
ESTIMATE_RTOL = 1e-8
CI_RTOL = 1e-6


# ------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture(scope="module")
def words(codebook):
    return Words(codebook)


@pytest.fixture(scope="module")
def expected() -> dict[tuple[str, str], float]:
    table = pd.read_csv(REFERENCE / "expected_tables.csv", comment="#", dtype={"key": str})
    return {(q, k): float(v) for q, k, v in table.itertuples(index=False)}


@pytest.fixture(scope="module")
def golden_persons() -> pd.DataFrame:
    persons = pd.read_csv(
        REFERENCE / "tables_persons.csv",
        dtype={"person_id": str, "stratum_id": str, "psu_id": str, "age_group": str},
    )
    episodes = pd.read_csv(REFERENCE / "tables_episodes.csv", dtype={"person_id": str})
    counts = episodes["person_id"].value_counts()
    persons["n_episodes"] = persons["person_id"].map(counts).fillna(0).astype(int)
    return persons


@pytest.fixture(scope="module")
def golden_episodes() -> pd.DataFrame:
    episodes = pd.read_csv(
        REFERENCE / "tables_episodes.csv",
        dtype={"person_id": str, "stratum_id": str, "psu_id": str},
    )
    return episodes.assign(is_case=True, in_window=True)


@pytest.fixture(scope="module")
def golden(golden_persons, golden_episodes) -> ReportData:
    return ReportData(
        golden_persons, {"episodes": golden_episodes}, settings=ReportSettings(lonely_psu="fail")
    )


# ------------------------------------------------------------------------------- against R


def _r_term(variable: str, level: str) -> str:
    """R's coefficient name for a factor level: factor name pasted to the level."""
    return f"{variable}{level}"


def test_logistic_model_matches_r_svyglm(golden, words, expected):
    table = risk_model(golden, words).data
    fitted = table[~table["reference"]]
    assert len(fitted) == 12  # 1 sex + 3 age + 3 occupation + 3 education + 2 strata
    for row in fitted.itertuples():
        term = _r_term(row.variable, row.level)
        assert row.coefficient == pytest.approx(
            expected[("logit_estimate", term)], rel=ESTIMATE_RTOL
        )
        assert row.se == pytest.approx(expected[("logit_se", term)], rel=ESTIMATE_RTOL)
        assert row.estimate == pytest.approx(
            math.exp(expected[("logit_estimate", term)]), rel=ESTIMATE_RTOL
        )
        assert row.ci_lower == pytest.approx(
            math.exp(expected[("logit_ci_lower", term)]), rel=CI_RTOL
        )
        assert row.ci_upper == pytest.approx(
            math.exp(expected[("logit_ci_upper", term)]), rel=CI_RTOL
        )
        assert row.p_value == pytest.approx(expected[("logit_p_value", term)], rel=CI_RTOL)
        assert row.df == expected[("logit_df", "residual")]
    references = table[table["reference"]]
    assert references["estimate"].eq(1.0).all()
    assert set(references["level"]) == {"1", "0-14", "2", "3", "S1"}


# Population totals by sex × age group of reference_tables.R section 1b.
POSTSTRATA = {
    (1, "0-14"): 2800,
    (1, "15-44"): 5000,
    (1, "45-64"): 3000,
    (1, "65+"): 2100,
    (2, "0-14"): 2600,
    (2, "15-44"): 6000,
    (2, "45-64"): 4000,
    (2, "65+"): 1900,
}


def test_logistic_model_on_a_domain_keeps_the_calibration_like_r(
    golden_persons, golden_episodes, words, expected
):
    # Education unknown for the 0-14-year-olds in occupation 2: they leave the model's domain but
    # not the post-stratified design (R svyglm(..., design = subset(cal, known_education))).
    persons = golden_persons.rename(columns={"weight": "weight_before"})
    cell = pd.Series(list(zip(persons["sex"], persons["age_group"], strict=True)))
    cell_sum = persons.groupby(["sex", "age_group"])["weight_before"].transform("sum")
    persons["weight"] = persons["weight_before"] * cell.map(POSTSTRATA) / cell_sum
    unknown = (persons["age_group"] == "0-14") & (persons["occupation"] == 2)
    persons["education"] = persons["education"].where(~unknown)
    data = ReportData(
        persons,
        {"episodes": golden_episodes},
        settings=ReportSettings(lonely_psu="fail"),
        calibration=CalibrationSpec("poststratify", "weight_before", ("sex", "age_group")),
    )
    table = risk_model(data, words).data
    fitted = table[~table["reference"]]
    assert len(fitted) == 12
    for row in fitted.itertuples():
        term = _r_term(row.variable, row.level)
        assert row.coefficient == pytest.approx(
            expected[("domain_logit_estimate", term)], rel=ESTIMATE_RTOL
        )
        assert row.se == pytest.approx(expected[("domain_logit_se", term)], rel=ESTIMATE_RTOL)
        assert row.ci_lower == pytest.approx(
            math.exp(expected[("domain_logit_ci_lower", term)]), rel=CI_RTOL
        )
        assert row.p_value == pytest.approx(expected[("domain_logit_p_value", term)], rel=CI_RTOL)
        assert row.df == expected[("domain_logit_df", "residual")]
    assert int(table.loc[table["variable"] == "sex", "n"].sum()) == len(persons) - int(
        unknown.sum()
    )


def test_logistic_model_leaves_out_aliased_levels(golden_persons, golden_episodes, words):
    # A copy of sex under another name is exactly collinear with sex: R's svyglm reports its
    # coefficient as NA; the table keeps the row with no estimate and the flag "aliased".
    persons = golden_persons.assign(marital=golden_persons["sex"])
    data = ReportData(persons, {"episodes": golden_episodes}, settings=ReportSettings())
    table = risk_model(data, words, covariates=("sex", "marital", "age_group")).data
    aliased = table[(table["variable"] == "marital") & (table["level"] == "2")].iloc[0]
    assert aliased["flag"] == "aliased" and math.isnan(aliased["estimate"])


@pytest.mark.parametrize(
    ("table_id", "row", "column", "key"),
    [
        ("T9", "cause", "place", "cause_place"),
        ("T4", "injured", "age_group", "injured_age_group"),
        ("T4", "injured", "sex", "injured_sex"),
    ],
)
def test_rao_scott_tests_match_r_svychisq(golden, words, expected, table_id, row, column, key):
    tests = rao_scott_tests(golden, words).data
    rows = tests[(tests["table"] == table_id) & (tests["row"] == row) & (tests["column"] == column)]
    second = rows[rows["test"] == "F"].iloc[0]
    first = rows[rows["test"] == "Chisq"].iloc[0]
    assert second["estimate"] == pytest.approx(
        expected[("rao_scott_f_statistic", key)], rel=ESTIMATE_RTOL
    )
    assert second["df_num"] == pytest.approx(expected[("rao_scott_f_ndf", key)], rel=CI_RTOL)
    assert second["df_den"] == pytest.approx(expected[("rao_scott_f_ddf", key)], rel=CI_RTOL)
    assert second["p_value"] == pytest.approx(expected[("rao_scott_f_p_value", key)], rel=CI_RTOL)
    assert first["estimate"] == pytest.approx(
        expected[("rao_scott_chisq_statistic", key)], rel=ESTIMATE_RTOL
    )
    assert first["df_num"] == expected[("rao_scott_chisq_df", key)]
    assert first["p_value"] == pytest.approx(
        expected[("rao_scott_chisq_p_value", key)], rel=CI_RTOL
    )


def test_survey_design_rao_scott_matches_r(golden, expected):
    # The episode cross-table as a domain of the design over every PSU, as in the R script.
    episodes = golden.episodes
    design = golden.episode_design(
        {
            "cause": episodes["cause"],
            "place": episodes["place"],
            "_known": episodes["cause"] * 0 + 1,
        }
    )
    result = design.rao_scott("cause", "place", where=("_known", 1)).set_index("test")
    assert result.loc["F", "statistic"] == pytest.approx(
        expected[("rao_scott_f_statistic", "cause_place")], rel=ESTIMATE_RTOL
    )
    assert result.loc["Chisq", "p_value"] == pytest.approx(
        expected[("rao_scott_chisq_p_value", "cause_place")], rel=CI_RTOL
    )


def test_cause_composition_and_rate_match_r(golden, words, expected):
    data = cause_table(golden, words).data
    shares = data[data["indicator"] == "share"].set_index("level")
    for code in ("1", "3", "4", "6"):
        row = shares.loc[int(code)]
        assert row["estimate"] == pytest.approx(
            expected[("composition_estimate", code)], rel=ESTIMATE_RTOL
        )
        assert row["se"] == pytest.approx(expected[("composition_se", code)], rel=ESTIMATE_RTOL)
        assert row["ci_lower"] == pytest.approx(
            expected[("composition_ci_lower", code)], rel=CI_RTOL
        )
        assert row["ci_upper"] == pytest.approx(
            expected[("composition_ci_upper", code)], rel=CI_RTOL
        )
    # a cause without episodes is a 0 share with no interval, not a missing row
    assert shares.loc[2, "estimate"] == 0 and math.isnan(shares.loc[2, "ci_lower"])
    falls = data[(data["indicator"] == "rate_per_1000") & (data["level"] == 3)].iloc[0]
    assert falls["estimate"] == pytest.approx(
        expected[("fall_rate_per_1000", "estimate")], rel=ESTIMATE_RTOL
    )
    assert falls["se"] == pytest.approx(expected[("fall_rate_per_1000", "se")], rel=ESTIMATE_RTOL)
    # labels come from the codebook
    assert shares.loc[3, "level_zh"] == "跌倒/坠落" and shares.loc[3, "level_en"] == "fall"


def test_a_90_percent_run_changes_every_interval_and_its_wording(
    golden_persons, golden_episodes, words, expected
):
    # estimation.confidence 0.9 and ci_method beta: R svyciprop(method="beta", level=0.9) for the
    # compositions; for the odds ratios exp(b ± t(0.95, df)·se) from R's b and se.
    settings = ReportSettings(lonely_psu="fail", confidence=0.9, ci_method="beta")
    data = ReportData(golden_persons, {"episodes": golden_episodes}, settings=settings)
    causes = cause_table(data, words)
    shares = causes.data[causes.data["indicator"] == "share"].set_index("level")
    for code in ("1", "3", "4", "6"):
        row = shares.loc[int(code)]
        lower = expected[("composition_beta90_ci_lower", code)]
        upper = expected[("composition_beta90_ci_upper", code)]
        assert row["ci_lower"] == pytest.approx(lower, rel=CI_RTOL)
        assert row["ci_upper"] == pytest.approx(upper, rel=CI_RTOL)
    assert "90%CI（Korn–Graubard法）" in causes.notes_zh and "logit" not in causes.notes_zh
    assert "PSU-clustered 90 % CIs (Korn–Graubard" in causes.notes_en
    assert "95" not in causes.notes_zh + causes.notes_en
    model = risk_model(data, words)
    df = expected[("logit_df", "residual")]
    t = stats.t.ppf(0.95, df)
    sex = model.data[(model.data["variable"] == "sex") & (model.data["level"] == "2")].iloc[0]
    b, se = expected[("logit_estimate", "sex2")], expected[("logit_se", "sex2")]
    assert sex["ci_lower"] == pytest.approx(math.exp(b - t * se), rel=CI_RTOL)
    assert sex["ci_upper"] == pytest.approx(math.exp(b + t * se), rel=CI_RTOL)
    assert "OR的90%CI" in model.notes_zh and "90 % CIs of odds ratios" in model.notes_en


# ------------------------------------------------------------------------------- by hand


def test_garwood_interval_published_values():
    # Exact Poisson 95 % limits (Garwood 1936), as tabulated e.g. in Ulm (1990), Am J Epidemiol:
    # 0 → (0, 3.689); 1 → (0.0253, 5.572); 5 → (1.624, 11.668).
    assert garwood_ci(0) == (0.0, pytest.approx(3.6889, abs=1e-4))
    assert garwood_ci(1) == (pytest.approx(0.0253, abs=1e-4), pytest.approx(5.5716, abs=1e-4))
    assert garwood_ci(5) == (pytest.approx(1.6235, abs=1e-4), pytest.approx(11.6683, abs=1e-4))


def test_weighted_median_is_the_lower_weighted_median():
    # weights 1,1,1,5 on 1,2,3,10: cumulative 1,2,3,8; half the total is 4, first reached at 10.
    assert weighted_median(pd.Series([3, 1, 10, 2]), pd.Series([1, 1, 5, 1])) == 10
    # equal weights on 1..4: cumulative 1..4, half = 2 reached at 2 (R svyquantile qrule="math")
    assert weighted_median(pd.Series([4.0, 1.0, 3.0, 2.0]), pd.Series([1.0] * 4)) == 2


def test_suppression_and_instability_flags():
    settings = ReportSettings(suppress_below=5, unstable_min_n=30, unstable_max_rse=0.30)
    frame = pd.DataFrame(
        {
            "estimate": [0.0, 0.1, 0.1, 0.2, 0.2],
            "se": [0.0, 0.01, 0.01, 0.08, 0.02],
            "n": [100, 100, 100, 100, 29],
            "n_cases": [0, 1, 4, 5, 12],
        }
    )
    out = finish(frame, settings)
    # 0 is not disclosive; 1 and 4 are below 5; 5 is not.
    assert out["suppressed"].tolist() == [False, True, True, False, False]
    # RSE 0.08/0.2 = 0.4 > 0.3 → unstable; n = 29 < 30 → unstable.
    assert out["flag"].tolist() == ["", "suppressed", "suppressed", "unstable", "unstable"]


def test_format_cell():
    row = {"estimate": 0.1234, "ci_lower": 0.1012, "ci_upper": 0.1478, "unit": "proportion"}
    assert format_cell(row) == "12.3 (10.1–14.8)"
    assert format_cell({**row, "flag": "unstable"}) == "12.3 (10.1–14.8) *"
    assert format_cell({**row, "suppressed": True}) == "—"
    rate = {"estimate": 86.466, "ci_lower": 70.1, "ci_upper": 106.7, "unit": "per_1000"}
    assert format_cell(rate) == "86.5 (70.1–106.7)"


def _tiny_survey() -> tuple[pd.DataFrame, pd.DataFrame]:
    """2 strata × 2 PSUs × 10 persons, weights 1 (PSU a) or 2 (PSU b)."""
    persons = []
    for stratum in ("A", "B"):
        for psu, weight in (("a", 1.0), ("b", 2.0)):
            for i in range(10):
                persons.append(
                    {
                        "person_id": f"{stratum}{psu}{i}",
                        "stratum_id": stratum,
                        "psu_id": f"{stratum}{psu}",
                        "weight": weight,
                        "sex": 1 + i % 2,
                        "age_group": "0-14" if i < 5 else "15+",
                        "injured": 0,
                        "n_episodes": 0,
                        "person_years": 1.0,
                    }
                )
    return pd.DataFrame(persons), pd.DataFrame(
        columns=["episode_id", "person_id", "cause", "care_level"]
    )


def _with_episodes(persons: pd.DataFrame, spec: list[tuple[str, int, int]]):
    """Episodes (person_id, cause, care_level) and the persons' injured/n_episodes."""
    episodes = pd.DataFrame(
        [
            {"episode_id": f"E{k}", "person_id": p, "cause": c, "care_level": care}
            for k, (p, c, care) in enumerate(spec)
        ]
    ).assign(is_case=True, in_window=True)
    counts = episodes["person_id"].value_counts()
    persons = persons.assign(n_episodes=persons["person_id"].map(counts).fillna(0).astype(int))
    persons["injured"] = (persons["n_episodes"] > 0).astype(int)
    return persons, episodes


def test_leading_causes_rank_by_weighted_episodes_with_ties(words):
    persons, _ = _tiny_survey()
    # Age 0-14 (persons i < 5). Weighted episodes by cause (weight 1 in PSU a, 2 in PSU b):
    #   cause 3: Aa0, Ab0, Bb0 → 1 + 2 + 2 = 5   → rank 1
    #   cause 4: Ab1, Bb1     → 2 + 2     = 4   → rank 2
    #   cause 6: Aa1 ×4 (one person, 4 episodes) → 4 → ties with cause 4: rank 2 ("min")
    #   cause 1: Ba0, Ba1, Ba2 → 3                → rank 4
    #   cause 7: Aa2, Ba3      → 2                → rank 5
    #   cause 11: Aa3          → 1                → rank 6, not shown
    spec = [
        ("Aa0", 3, 2), ("Ab0", 3, 2), ("Bb0", 3, 2),
        ("Ab1", 4, 2), ("Bb1", 4, 2),
        ("Aa1", 6, 1), ("Aa1", 6, 1), ("Aa1", 6, 1), ("Aa1", 6, 1),
        ("Ba0", 1, 2), ("Ba1", 1, 2), ("Ba2", 1, 2),
        ("Aa2", 7, 2), ("Ba3", 7, 2),
        ("Aa3", 11, 1),
    ]  # fmt: skip
    persons, episodes = _with_episodes(persons, spec)
    # suppress_below 1: no cell is suppressed, so every cause takes part in the ranking
    data = ReportData(persons, {"episodes": episodes}, settings=ReportSettings(suppress_below=1))
    table = leading_causes_by_age(data, words).data
    young = table[(table["age_group"] == "0-14") & (table["indicator"] == "share_within_age")]
    ranks = dict(zip(young["level"], young["rank"], strict=True))
    assert ranks == {3: 1, 4: 2, 6: 2, 1: 4, 7: 5}
    # share of cause 3 among the age group's weighted episodes: 5 / (5+4+4+3+2+1) = 5/19
    share = young[young["level"] == 3]["estimate"].iloc[0]
    assert share == pytest.approx(5 / 19, rel=1e-12)
    # rate per 1000 persons aged 0-14: Σw·falls / Σw = 5 / (5·1 + 5·2 + 5·1 + 5·2) × 1000
    rates = table[(table["age_group"] == "0-14") & (table["indicator"] == "rate_per_1000")]
    assert rates[rates["level"] == 3]["estimate"].iloc[0] == pytest.approx(5 / 30 * 1000)


def test_complementary_suppression_by_hand():
    # A composition of four causes (k = 5): cause B has 3 cases, so it is suppressed; from the
    # 100 % total its share could be recovered, so the next-smallest positive cell (D, 7 cases;
    # not the zero cell C) is hidden too. A has 20 and stays.
    settings = ReportSettings(suppress_below=5)
    shares = pd.DataFrame(
        {"level": ["A", "B", "C", "D"], "estimate": [0.6, 0.1, 0.0, 0.3], "n_cases": [20, 3, 0, 7]}
    )
    shares = finish(shares, settings, indicator="share", unit="proportion")
    assert shares["suppressed"].tolist() == [False, True, False, False]
    hidden = complementary_suppression(shares, [["indicator"]])
    assert hidden["suppressed"].tolist() == [False, True, False, True]
    assert "suppressed" in hidden.loc[3, "flag"]
    # Two suppressed cells already protect each other: nothing more is hidden.
    two = finish(shares.assign(n_cases=[20, 3, 0, 2]), settings)
    assert complementary_suppression(two, [["indicator"]])["suppressed"].tolist() == [
        False,
        True,
        False,
        True,
    ]


def test_complementary_suppression_of_a_cross_table_closes_rows_and_columns():
    # 3 × 3 counts (k = 5), rows r and columns c both published as margins:
    #        c1  c2  c3
    #   r1    2  10  30      r1c1 suppressed (2); row r1 partner: r1c2 (10)
    #   r2   12   9  40      column c1 partner: r2c1 (12); column c2 partner: r2c2 (9)
    #   r3   50  60  70      then row r2 has r2c1 and r2c2 hidden: closed. By hand: 4 hidden.
    counts = [[2, 10, 30], [12, 9, 40], [50, 60, 70]]
    cells = pd.DataFrame(
        [
            {"row": f"r{i + 1}", "column": f"c{j + 1}", "n_cases": counts[i][j], "estimate": 0.1}
            for i in range(3)
            for j in range(3)
        ]
    )
    cells = finish(cells, ReportSettings(suppress_below=5), indicator="share")
    hidden = complementary_suppression(cells, [["indicator", "row"], ["indicator", "column"]])
    shown = hidden[hidden["suppressed"]][["row", "column"]].apply(tuple, axis=1).tolist()
    assert sorted(shown) == [("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2")]
    for margin in ("row", "column"):
        assert (hidden.groupby(margin)["suppressed"].sum() != 1).all()


def test_a_suppressed_cause_is_not_ranked(words):
    persons, _ = _tiny_survey()
    # Age 0-14, k = 3: cause 3 has 4 episodes, cause 4 has 3, cause 6 has 2 (suppressed: it is
    # not ranked even though its weighted count, 4, would tie cause 4's), cause 1 has 3.
    spec = [
        ("Aa0", 3, 2), ("Ab0", 3, 2), ("Ba0", 3, 2), ("Bb0", 3, 2),
        ("Aa1", 4, 2), ("Ba1", 4, 2), ("Ba2", 4, 2),
        ("Ab1", 6, 1), ("Bb1", 6, 1),
        ("Aa2", 1, 2), ("Aa3", 1, 2), ("Ba3", 1, 2),
    ]  # fmt: skip
    persons, episodes = _with_episodes(persons, spec)
    data = ReportData(persons, {"episodes": episodes}, settings=ReportSettings(suppress_below=3))
    table = leading_causes_by_age(data, words).data
    young = table[(table["age_group"] == "0-14") & (table["indicator"] == "share_within_age")]
    # weighted: cause 3 = 1+2+1+2 = 6, cause 4 = 1+1+1 = 3, cause 1 = 1+1+1 = 3 → ranks 1, 2, 2
    assert dict(zip(young["level"], young["rank"], strict=True)) == {3: 1, 4: 2, 1: 2}
    assert 6 not in set(young["level"])


def test_leading_causes_rank_named_causes_only_unless_asked(words):
    persons, _ = _tiny_survey()
    # Age 0-14: cause 13 ("other", residual): Aa0, Ab0, Bb0 → 1 + 2 + 2 = 5, the largest;
    # cause 3: Ab1, Bb1 → 4; cause 14 (unknown, residual): Bb2 → 2; cause 4: Aa1 → 1
    spec = [("Aa0", 13, 2), ("Ab0", 13, 2), ("Bb0", 13, 2), ("Ab1", 3, 2), ("Bb1", 3, 2)]
    spec += [("Bb2", 14, 2), ("Aa1", 4, 2)]
    persons, episodes = _with_episodes(persons, spec)

    def ranks(settings):
        data = ReportData(persons, {"episodes": episodes}, settings=settings)
        table = leading_causes_by_age(data, words)
        young = table.data[
            (table.data["age_group"] == "0-14") & (table.data["indicator"] == "share_within_age")
        ]
        return dict(zip(young["level"], young["rank"], strict=True)), table.notes_en

    # suppress_below=1: these few episodes would otherwise be suppressed, and so unranked
    named, note = ranks(ReportSettings(suppress_below=1))
    assert named == {3: 1, 4: 2}
    assert "residual categories and are not ranked" in note
    every, note = ranks(ReportSettings(rank_residual_causes=True, suppress_below=1))
    assert every == {13: 1, 3: 2, 14: 3, 4: 4}
    assert "not ranked" not in note


def test_a_question_without_any_answer_is_not_collected_not_100_percent_missing(words):
    persons, _ = _tiny_survey()
    spec = [("Aa0", 3, 2), ("Ab0", 3, 2), ("Bb0", 4, 2), ("Ab1", 1, 2)]
    persons, episodes = _with_episodes(persons, spec)
    # the delivery had no place column: every episode asked, none answered
    episodes = episodes.assign(place=pd.array([pd.NA] * 4, dtype="Int64"))
    # intent answered for 3 of 4 episodes: item non-response 1 / 4 = 25 %
    episodes = episodes.assign(intent=pd.array([1, 1, 1, pd.NA], dtype="Int64"))
    data = ReportData(persons, {"episodes": episodes}, settings=ReportSettings())
    table = quality_table(data, words, {"episodes": episodes}).data
    place = table[table["item"] == "episodes.place"]
    assert list(place["indicator"]) == ["not_collected"]
    assert place["estimate"].isna().all() and list(place["n"]) == [4]
    intent = table[
        (table["item"] == "episodes.intent") & (table["indicator"] == "item_missing_share")
    ]
    assert intent["estimate"].tolist() == [0.25]


def test_pyramid_and_recall_decay_by_hand(words):
    persons, _ = _tiny_survey()
    spec = [("Aa0", 3, 3), ("Ab0", 3, 2), ("Bb0", 4, 1), ("Ba1", 1, 0), ("Bb2", 6, 2)]
    persons, episodes = _with_episodes(persons, spec)
    episodes["months_before_interview"] = [0, 0, 1, 11, 13]
    # Two reported minor injuries that are not cases (below the case definition), one of them
    # outside the recall window: the pyramid counts the first, the case-based tables neither.
    minor = pd.DataFrame(
        {
            "episode_id": ["M1", "M2"],
            "person_id": ["Aa4", "Ab4"],
            "cause": [3, 3],
            "care_level": [1, 1],
            "is_case": [False, False],
            "in_window": [True, False],
            "months_before_interview": [2, 14],
        }
    )
    data = ReportData(
        persons, {"episodes": pd.concat([episodes, minor])}, settings=ReportSettings()
    )
    table = injury_pyramid(data, words)
    pyramid = table.data.set_index("tier")
    # Σw over all persons = 10·1 + 10·2 + 10·1 + 10·2 = 60
    # not treated (care 0, 1): Bb0 (w 2) + Ba1 (w 1) + non-case Aa4 (w 1) = 4 → 66.67 per 1000
    # outpatient (care 2): Ab0 (2) + Bb2 (2) = 4 → 66.67; inpatient: Aa0 (1) → 16.67
    assert pyramid.loc["not_treated", "estimate"] == pytest.approx(4 / 60 * 1000)
    assert pyramid.loc["outpatient", "estimate"] == pytest.approx(4 / 60 * 1000)
    assert pyramid.loc["inpatient", "estimate"] == pytest.approx(1 / 60 * 1000)
    # no deaths module and no episode ending in death: no death tier, and the note says so
    assert list(pyramid.index) == ["not_treated", "outpatient", "inpatient"]
    assert "no death tier" in table.notes_en and "无死亡层" in table.notes_zh
    assert "not only those meeting the case definition" in table.notes_en
    decay = recall_decay(data, words).data.set_index("months_before")
    # month 0: Aa0 (1) + Ab0 (2) = 3; month 1: Bb0 (2); month 11: Ba1 (1); 13 is out of 0–11
    assert decay.loc[0, "episodes"] == 3 and decay.loc[0, "n"] == 2
    assert decay.loc[1, "episodes"] == 2 and decay.loc[11, "episodes"] == 1
    assert decay["episodes"].sum() == 6 and len(decay) == 12


def test_deaths_table_rates_with_garwood_intervals(words):
    persons, _ = _tiny_survey()
    persons, episodes = _with_episodes(persons, [("Aa0", 3, 2)])
    deaths = pd.DataFrame(
        {"death_id": ["D1", "D2"], "sex": [1, 2], "cause": [1, 1], "months_present_12m": [6, 12]}
    )
    data = ReportData(persons, {"episodes": episodes, "deaths": deaths}, settings=ReportSettings())
    table = deaths_table(data, words).data
    overall = table[(table["by"] == "sex") & (table["level"] == 0)].iloc[0]
    # person-years: 40 persons × 1 + 6/12 + 12/12 = 41.5; 2 deaths → 2/41.5 × 100 000
    assert overall["person_years"] == pytest.approx(41.5)
    assert overall["estimate"] == pytest.approx(2 / 41.5 * 1e5)
    # Garwood limits for 2 events: 0.2422, 7.2247 (published tables)
    assert overall["ci_lower"] == pytest.approx(0.2422 / 41.5 * 1e5, rel=1e-3)
    assert overall["ci_upper"] == pytest.approx(7.2247 / 41.5 * 1e5, rel=1e-4)
    assert bool(overall["suppressed"])  # 2 deaths < 5: not published
    no_deaths = ReportData(persons, {"episodes": episodes}, settings=ReportSettings())
    assert deaths_table(no_deaths, words) is None


def test_missing_weight_columns_give_a_clear_message(golden_persons, golden_episodes):
    with pytest.raises(ReportTablesError, match="weight"):
        ReportData(
            golden_persons.drop(columns="weight"),
            {"episodes": golden_episodes},
            settings=ReportSettings(),
        )


# ------------------------------------------------------------------------------- whole build


@pytest.fixture(scope="module")
def full_build(golden_persons, golden_episodes, codebook, tmp_path_factory):
    """All tables on the golden survey dressed with the remaining fields (seeded, structure
    only), written to a temporary folder."""
    rng = np.random.default_rng(7)
    episodes = golden_episodes.copy()
    n = len(episodes)
    episodes["intent"] = rng.choice([1, 1, 1, 3], n)
    episodes["activity"] = rng.choice([1, 2, 5, 8], n)
    episodes["nature_1"] = rng.choice([1, 2, 3, 4], n)
    episodes["body_part"] = rng.choice([1, 2, 3], n)
    episodes["outcome"] = rng.choice([1, 2, 3], n, p=[0.8, 0.15, 0.05])
    episodes["days_off"] = rng.integers(0, 30, n).astype(float)
    episodes["cost_medical"] = np.where(rng.random(n) < 0.9, rng.integers(0, 5000, n), np.nan)
    traffic = episodes["cause"].isin([1, 2])
    falls = episodes["cause"] == 3
    for column, codes in (
        ("traffic_role", [1, 2, 3]),
        ("traffic_vehicle", [1, 3, 5]),
        ("traffic_counterpart", [5, 6, 8]),
        ("safety_device", [1, 2, 3]),
    ):
        episodes[column] = pd.Series(rng.choice(codes, n)).where(traffic.to_numpy())
    episodes["fall_type"] = pd.Series(rng.choice([1, 4, 2], n)).where(falls.to_numpy())
    episodes["fall_reason"] = pd.Series(rng.choice([1, 2, 5], n)).where(falls.to_numpy())
    episodes["months_before_interview"] = rng.integers(0, 12, n)
    persons = golden_persons.copy()
    persons["hh_id"] = persons["person_id"]
    # completed ages within each age group, for the 5-year standardisation
    span = {"0-14": (0, 15), "15-44": (15, 30), "45-64": (45, 20), "65+": (65, 25)}
    persons["age_years"] = [
        span[group][0] + i % span[group][1] for i, group in enumerate(persons["age_group"])
    ]
    persons["marital"] = rng.choice([1, 2], len(persons))
    persons["proxy"] = rng.random(len(persons)) < 0.3
    households = persons[["hh_id", "psu_id", "stratum_id"]].assign(result_code=1, responded=True)
    refused = households.head(6).assign(hh_id=lambda d: d["hh_id"] + "x", result_code=5)
    households = pd.concat([households, refused], ignore_index=True)
    households["responded"] = households["result_code"].eq(1)
    census = (
        persons.groupby(["stratum_id", "sex", "age_group"]).size().rename("population") * 50
    ).reset_index()
    config = {
        "case_definition": "case_cn_halfday",
        "recall": {"mode": "rolling", "days": 365},
        "age_groups": [0, 15, 45, 65],
        "estimation": {"lonely_psu": "fail", "standard_population": "china2010"},
        "report": {"suppress_below": 5},
        "weights": {"calibration": "none"},
    }
    clean = {"households": households, "persons": persons, "episodes": episodes}
    tables = build_report_tables(persons, clean, census, config=config, codebook=codebook)
    out = tmp_path_factory.mktemp("tables")
    paths = write_tables(tables, out, codebook=codebook)
    return tables, paths


def test_build_makes_every_table_with_notes(full_build):
    tables, _ = full_build
    expected_ids = {f"T{i}" for i in (*range(1, 18), 19, 20, 22)} | {
        "pyramid",
        "recall_decay",
        "risk_model",
        "risk_tests",
    }
    assert set(tables) == expected_ids  # no deaths table: no T18
    for table in tables.values():
        assert isinstance(table, Table) and not table.data.empty
        assert {"estimate", "flag", "suppressed"} <= set(table.data.columns), table.id
        assert "365" in table.notes_en and "365" in table.notes_zh, table.id
        assert "half a day" in table.notes_en, table.id
    assert "China 2010 census" in tables["T3"].notes_en
    assert "2010年" in tables["T3"].notes_zh
    # T3 rows: all, male, female for each of the four indicators
    assert len(tables["T3"].data) == 12


def test_workbook_structure(full_build, codebook):
    tables, paths = full_build
    book = load_workbook(paths["workbook"])
    assert book.sheetnames == list(tables)
    sheet = book["T6"]
    assert sheet["A1"].value.startswith("T6 伤害原因构成")
    headers = [cell.value for cell in sheet[4]]
    assert headers[0] == "类别 Category"
    assert "构成比（%） Share (%)" in headers and "例数（未加权） N (unweighted)" in headers
    labels = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert "跌倒/坠落 Fall" in labels
    texts = [r[0] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]]
    assert any("Case definition" in str(t) for t in texts)
    # a cell with fewer than 5 episodes is "—", with its footnote below the table (T9)
    t9_data = tables["T9"].data
    small = t9_data[t9_data["suppressed"]].iloc[0]
    t9 = book["T9"]
    header = [cell.value for cell in t9[4]]
    column = header.index(f"{small['place_zh']} {small['place_en'].capitalize()}")
    label = f"{small['cause_zh']} {small['cause_en'].capitalize()}"
    row = next(r for r in t9.iter_rows(min_row=5, values_only=True) if r[0] == label)
    assert row[column] == "—"
    notes = [r[0] for r in t9.iter_rows(min_row=5, values_only=True) if r[0]]
    assert any(str(t).startswith(("—：", "—:")) for t in notes)
    # the CSV is tidy and unsuppressed, with codes and both labels
    csv = pd.read_csv(paths["T6"], encoding="utf-8-sig")
    assert paths["T6"].name == "T06_cause.csv"
    assert {"level", "level_zh", "level_en", "estimate", "suppressed"} <= set(csv.columns)
    assert csv.loc[csv["suppressed"], "estimate"].notna().all()
    # cross-table sheet: causes down, places across, bilingual headers from the codebook
    assert t9["A4"].value == "伤害发生原因 Cause (mechanism) of injury"
    assert "家中 Home" in [cell.value for cell in t9[4]]


def test_tables_have_the_shapes_the_figures_take(full_build):
    tables, _ = full_build
    assert {"cause", "place", "estimate", "flag"} <= set(tables["T9"].data.columns)
    # no deaths module and no episode ending in death: no death tier
    assert set(tables["pyramid"].data["tier"]) == {"not_treated", "outpatient", "inpatient"}
    assert {"months_before", "episodes"} <= set(tables["recall_decay"].data.columns)
    assert {"age_group", "sex", "source", "share"} <= set(tables["T2"].data.columns)
    assert set(tables["T4"].data["sex"]) == {1, 2}
    shares = tables["T9"].data["estimate"].sum()
    assert shares == pytest.approx(1.0)  # cells are shares of all episodes


@pytest.mark.r_live
def test_committed_golden_values_reproduce_in_r(tmp_path, expected):
    """Rerun reference_tables.R on the committed data: the committed values must come back."""
    import shutil
    import subprocess

    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed (apt-get install -y r-base-core r-cran-survey)")
    for name in (
        "reference_tables.R",
        "episode_design.R",
        "tables_persons.csv",
        "tables_episodes.csv",
    ):
        shutil.copy(REFERENCE / name, tmp_path / name)
    result = subprocess.run(
        ["Rscript", str(tmp_path / "reference_tables.R")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    fresh = pd.read_csv(tmp_path / "expected_tables.csv", comment="#", dtype={"key": str})
    assert len(fresh) == len(expected)
    for quantity, key, value in fresh.itertuples(index=False):
        assert float(value) == pytest.approx(expected[(quantity, key)], rel=1e-12)


def test_report_inputs_read_only_what_the_tables_use(tmp_path):
    from injury_survey.report_tables import read_report_inputs
    from injury_survey.report_tables.designs import DESIGN_FRAME_COLUMNS, PERSON_COLUMNS

    clean = tmp_path / "clean"
    clean.mkdir()
    weights = pd.DataFrame(
        {
            "person_id": ["a", "b"],
            "source_file": ["x.csv", "x.csv"],  # not read by the tables
            "weight": [10.0, 20.0],
            "interview_date": ["2026-01-01", "2026-01-02"],  # not read
            "injured": [0, 1],
        }
    )
    weights.to_parquet(tmp_path / "weights.parquet")
    persons = pd.DataFrame({"person_id": ["a", "b"], "education": [3, 4], "line": [1, 2]})
    persons.to_parquet(clean / "persons.parquet")
    pd.DataFrame({"hh_id": ["h"]}).to_parquet(clean / "households.parquet")
    pd.DataFrame({"person_id": ["b"], "cause": [3]}).to_parquet(clean / "episodes.parquet")

    read, tables = read_report_inputs(tmp_path)
    assert list(read.columns) == ["person_id", "weight", "injured"]
    assert {"person_id", *DESIGN_FRAME_COLUMNS, *PERSON_COLUMNS} >= set(read.columns)
    assert sorted(tables) == ["episodes", "households", "persons"]  # no deaths file: skipped
    # the weights lack person columns the tables use: those (only) come from the clean persons
    assert list(tables["persons"].columns) == ["person_id", "education"]
    # the quality appendix reads every clean table whole
    _, every = read_report_inputs(tmp_path, clean=None)
    assert list(every["persons"].columns) == ["person_id", "education", "line"]


@pytest.mark.parametrize(("rows", "columns"), [(2000, 27), (300, 63), (50, 1), (400, 70)])
def test_distinct_dummy_rows_are_numpys(rows, columns):
    """The risk model's collinearity check reads the distinct dummy rows through binary keys;
    numpy's row-wise unique is the oracle (same rows, same order, same counts)."""
    from injury_survey.report_tables.risk import _distinct_rows

    rng = np.random.default_rng(columns)
    matrix = (rng.random((rows, columns)) < rng.random(columns)).astype("uint8")
    expected_rows, expected_counts = np.unique(matrix, axis=0, return_counts=True)
    found_rows, found_counts = _distinct_rows(matrix)
    assert np.array_equal(found_rows, expected_rows)
    assert np.array_equal(found_counts, expected_counts)
