"""Tests of injury_survey.report_document (the final HTML report).

Every input is hand-made in ``tmp_path``; every expected string is the input value rounded by
hand (shown beside it), never the output of the package's own formatting.
"""

from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from injury_survey.adjustments import Adjustment, write_adjustments
from injury_survey.codebook import load_codebook
from injury_survey.config import load_config
from injury_survey.report_document import build_report, write_report
from injury_survey.report_document.__main__ import main
from injury_survey.report_document.audit import (
    audit_report,
    audit_reports,
    disagreeing_repeats,
    printed_forms,
    visible_text,
)
from injury_survey.report_document.document import css_string
from injury_survey.report_document.tables import html_table
from injury_survey.report_document.text import half_width_punctuation
from injury_survey.report_tables import Table, write_tables
from injury_survey.report_tables.core import Words

# A valid 1×1 PNG (the smallest complete file: signature, IHDR, IDAT, IEND).
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
SOFTWARE = {"python": "3.11.9", "injury-survey": "0.1.0", "svy": "0.35.0", "papermill": None}
GENERATED = "2026-11-29"

ESTIMATE_COLUMNS = ["indicator", "by", "level", "estimate", "se", "ci_lower", "ci_upper"]
ESTIMATE_COLUMNS += ["deff", "df", "n", "flag", "method"]
ESTIMATES = [
    # indicator, by, level, estimate, se, ci_lower, ci_upper, deff, df, n, flag
    ("injury_incidence", "all", "all", 0.044131, 0.0037, 0.037355, 0.052069, 1.9589, 120, 5696, ""),
    ("injury_incidence", "sex", "1", 0.052429, 0.0049, 0.043492, 0.063080, 1.45, 120, 2815, ""),
    ("injury_incidence", "sex", "2", 0.035992, 0.0041, 0.028664, 0.045106, 1.49, 120, 3, ""),
    (
        "injury_incidence_std",
        "all",
        "all",
        0.042592,
        0.0035,
        0.036107,
        0.050182,
        None,
        120,
        5696,
        "",
    ),
    ("injury_incidence_std", "sex", "1", 0.052711, 0.0048, 0.043927, 0.063136, None, 120, 2815, ""),
    ("episode_rate_per_1000py", "all", "all", 54.878, 5.43, 45.110, 66.762, 2.21, 120, 5696, ""),
    (
        "episode_rate_per_1000py",
        "sex",
        "1",
        65.208,
        7.6,
        51.741,
        82.181,
        1.8,
        120,
        2815,
        "unstable",
    ),
    ("episode_rate_per_1000py_std", "all", "all", 52.580, 5.2, 43.233, 63.948, None, 120, 5696, ""),
    ("episodes_per_injured", "all", "all", 1.20815, 0.038, 1.13471, 1.28634, 1.19, 120, 253, ""),
]


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def make_config(language: str = "both", **report) -> dict:
    return load_config(
        {
            "survey": {
                "name_zh": "测试镇伤害调查",
                "name_en": "Test Town injury survey",
                "area_zh": "测试镇",
                "area_en": "Test Town",
                "waves": ["baseline"],
            },
            "tables": {
                "frame": "f.csv",
                "census": "c.csv",
                "pilot": {"households": "h.csv", "persons": "p.csv", "episodes": "e.csv"},
                "waves": {
                    "baseline": {"households": "h.csv", "persons": "p.csv", "episodes": "e.csv"}
                },
            },
            "report": {"language": language, **report},
        }
    )


def write_estimates(folder: Path) -> None:
    rows = [(*row, "Taylor") for row in ESTIMATES]
    pd.DataFrame(rows, columns=ESTIMATE_COLUMNS).to_csv(folder / "estimates.csv", index=False)


def make_results(root: Path, *, tables: bool = True, figures: bool = True) -> Path:
    """A results folder as the pipeline writes it, with small hand-made contents."""
    results = root / "results"
    wave = results / "baseline"
    (wave / "clean").mkdir(parents=True)
    write_estimates(wave)
    pd.DataFrame(
        {
            "step": ["base", "non-response adjusted", "final (poststratify)"],
            "n": [5696, 5696, 5696],
            "sum": [90773.9, 101137.4, 102411.0],
            "min": [13.45, 13.45, 11.4986],
            "median": [14.77, 16.51, 17.0034],
            "max": [30.0, 39.23, 44.6598],
            "max_to_min": [2.23, 2.92, 3.8839],
            "kish_weighting_effect": [1.042, 1.045, 1.0499788],
        }
    ).to_csv(wave / "weights_diagnostics.csv", index=False)
    pd.DataFrame(
        {
            "table": ["households", "persons"],
            "raw_rows": [2500, 5705],
            "clean_rows": [2499, 5696],
            "rejected_rows": [1, 9],
        }
    ).to_csv(wave / "clean" / "accounting.csv", index=False)
    # 5 households: 4 eligible (result 6 = vacant is not), 3 completed (code 1), 1 refused.
    pd.DataFrame(
        {
            "hh_id": ["h1", "h2", "h3", "h4", "h5"],
            "result_code": pd.array([1, 1, 1, 5, 6], dtype="Int64"),
            "eligible": [True, True, True, True, False],
            "responded": [True, True, True, False, False],
            "interview_date": pd.to_datetime(
                ["2026-04-07", "2026-05-18", "2026-04-20", None, None]
            ),
        }
    ).to_parquet(wave / "clean" / "households.parquet")
    plan = {
        "sample_size": {
            "p": 0.04,
            "precision": 0.15,
            "precision_type": "relative",
            "confidence": 0.95,
            "n0": 4097.556,
            "deff": 1.5,
            "n2": 6146.334,
            "response_rate": 0.84882,
            "n3": 7241.02,
            "hh_size": 2.45238,
            "households": 2953,
            "households_per_psu": 20,
            "psus": 148,
            "min_psus_per_stratum": 2,
        },
        "inputs": [{"parameter": "deff", "value": 1.5, "source": "config plan.deff"}],
        "allocation": [{"stratum_id": "S1"}, {"stratum_id": "S2"}],
        "minimum_detectable_change": {
            "persons_per_survey": 6147.06,
            "baseline_incidence": 0.04,
            "detectable_followup_incidence": 0.028727,
            "detectable_relative_fall": 0.281816,
            "alpha": 0.05,
            "power": 0.8,
            "deff": 1.5,
        },
        "sample": {"households": 2960, "psus": 148, "seed": 20261129},
    }
    (results / "plan").mkdir()
    (results / "plan" / "plan.yaml").write_text(yaml.safe_dump(plan), encoding="utf-8")
    if figures:
        (results / "figures").mkdir()
        for lang, caption in (("zh", "不同年龄组的伤害发生率。"), ("en", "Incidence by age.")):
            (results / "figures" / f"f03_incidence_{lang}.png").write_bytes(PNG_1X1)
            (results / "figures" / f"f03_incidence_{lang}.txt").write_text(
                caption + "\n", encoding="utf-8"
            )
    if tables:
        tables_dir = wave / "tables"
        tables_dir.mkdir()
        t3 = pd.DataFrame(
            {
                "sex": [0, 1],
                "sex_zh": ["合计", "男"],
                "sex_en": ["All", "male"],
                "indicator": ["injury_incidence", "injury_incidence"],
                "unit": ["proportion", "proportion"],
                "estimate": [0.044131, 0.052429],
                "se": [0.0037, 0.0049],
                "ci_lower": [0.037355, 0.043492],
                "ci_upper": [0.052069, 0.063080],
                "n": [5696, 2815],
                "n_cases": [253, 147],
                "flag": ["", ""],
                "suppressed": [False, False],
            }
        )
        t3.to_csv(tables_dir / "T03_incidence_by_sex.csv", index=False, encoding="utf-8-sig")
    return results


def render(results: Path, language: str = "both", **report) -> str:
    """The documents of the ``report.language`` setting, one after the other."""
    config = make_config(language, **report)
    languages = ("zh", "en") if language == "both" else (language,)
    return "\n".join(
        build_report(results, config, generated_on=GENERATED, software=SOFTWARE, language=lang)
        for lang in languages
    )


# ------------------------------------------------------------------------------ numbers


def test_headline_numbers_are_the_csv_values_rounded(tmp_path):
    html = render(make_results(tmp_path))
    # injury incidence 0.044131 → 4.4131 % → "4.4"; CI 3.7355–5.2069 → "3.7–5.2"
    assert "4.4 (3.7–5.2)" in html
    # male 0.052429 → 5.2 (4.3492 → 4.3, 6.3080 → 6.3)
    assert "5.2 (4.3–6.3)" in html
    # standardised 0.042592 → 4.3 (3.6107 → 3.6, 5.0182 → 5.0)
    assert "4.3 (3.6–5.0)" in html
    # episode rate 54.878 per 1000 py → 54.9 (45.110 → 45.1, 66.762 → 66.8)
    assert "54.9 (45.1–66.8)" in html
    assert "52.6 (43.2–63.9)" in html  # 52.580, 43.233, 63.948
    # episodes per injured person 1.20815 → 1.21 (1.13471 → 1.13, 1.28634 → 1.29)
    assert "1.21 (1.13–1.29)" in html
    # unweighted persons 5696 → "5,696"
    assert "5,696" in html


def test_small_cells_are_suppressed_and_unstable_ones_marked(tmp_path):
    html = render(make_results(tmp_path), suppress_below=5)
    headline = re.search(r'<table class="headline">.*?</table>', html, re.S).group(0)
    female_incidence = re.search(r"<tr><th[^>]*>.*?伤害发生率（%）.*?</tr>", headline, re.S)
    # female n = 3 < 5 → "—", not 3.6 (0.035992)
    assert "<td>—</td>" in female_incidence.group(0)
    assert "3.6 (2.9–4.5)" not in html
    # male episode rate flagged unstable → 65.2 (51.7–82.2) *
    assert "65.2 (51.7–82.2) *" in html


def test_standard_population_is_named_beside_standardised_values(tmp_path):
    results = make_results(tmp_path)
    for lang, standard in (("zh", "2010年中国第六次人口普查人口"), ("en", "China 2010 census")):
        std_rows = re.findall(r'<tr class="std">.*?</tr>', render(results, lang), re.S)
        assert len(std_rows) == 2
        for row in std_rows:
            assert standard in row
        assert "4.3 (3.6–5.0)" in std_rows[0]


def test_methods_numbers_come_from_plan_weights_and_households(tmp_path):
    html = visible_text(render(make_results(tmp_path)))
    assert "n₀ = 4,098 persons" in html  # 4097.556 rounded
    assert "2,953 households" in html and "148 PSUs" in html
    assert "1.05" in html  # Kish 1.0499788 → 1.05
    # no table T1: no response rate (the document computes none of its own)
    assert "the household response rate RR1" not in html
    # fieldwork dates: first and last interview of responding households
    assert "2026-04-07 to 2026-05-18" in html
    # minimum detectable change: 0.028727 → 2.9 %, relative fall 0.281816 → 28.2 %
    assert "a fall to 2.9 %, a relative fall of 28.2 %" in html
    assert "degrees of freedom = first-stage units − variance strata = 120" in html
    # the variance declaration of the config
    assert (
        "(certainty PSUs as strata of their own with households as sampling units; finite "
        "population correction at both stages from the PSUs per stratum and the households "
        "listed per PSU)" in html
    )
    assert "确定入样的居委会/村各自作为一层，以其住户为抽样单位；按各层居委会/村总数" in html
    # case definition and recall window stated
    assert "diagnosed by a medical facility or ≥ half a day off" in html
    assert "the 365 days before the interview" in html
    assert (
        "—: suppressed: fewer than 5 unweighted cases (injured persons or episodes) in the cell"
        in html
    )


def test_response_rate_comes_from_table_t1_when_present(tmp_path):
    results = make_results(tmp_path)
    t1 = pd.DataFrame(
        {
            "stratum_id": ["all"] * 4,
            "indicator": [
                "households_selected",
                "households_eligible",
                "households_responded",
                "response_rate_rr1",
            ],
            "unit": ["count", "count", "count", "proportion"],
            "estimate": [2499, 2372, 2123, 0.888280],
        }
    )
    t1.to_csv(results / "baseline" / "tables" / "T01_sample.csv", index=False)
    html = visible_text(render(results, "en"))
    # 0.888280 → 88.8 %; counts with separators
    assert "of 2,499 households sampled, 2,372 were eligible and 2,123 were interviewed" in html
    assert "result codes 1–5 and 96) is 88.8 %" in html


def test_software_versions_and_generated_date_are_printed(tmp_path):
    html = render(make_results(tmp_path), "en")
    assert "Python 3.11.9" in html and "svy 0.35.0" in html
    assert "papermill not installed" in html
    assert "Report generated on 2026-11-29" in html


def test_rebuilding_gives_identical_bytes(tmp_path):
    results = make_results(tmp_path)
    assert render(results) == render(results)


# ------------------------------------------------------------------------------ self-contained


def test_document_is_self_contained_with_the_figure_embedded(tmp_path):
    html = render(make_results(tmp_path))
    for external in ('src="http', 'href="http', "<link", "url(http"):
        assert external not in html
    encoded = base64.b64encode(PNG_1X1).decode("ascii")
    assert f'src="data:image/png;base64,{encoded}"' in html
    assert "不同年龄组的伤害发生率。" in html and "Incidence by age." in html
    assert "Figure 1" in html  # no plan figure here, so the age figure is the first


def test_running_title_cannot_break_out_of_the_style_element():
    assert css_string('a "b" </style>') == '"a \\22 b\\22  \\3C /style\\3E "'


# ------------------------------------------------------------------------------ languages


def test_chinese_report_has_no_english_headings(tmp_path):
    html = render(make_results(tmp_path), "zh")
    assert "主要结果" in html and "调查方法" in html
    for english in ("Key results", "Methods", "Figures", "Incidence by age."):
        assert english not in html
    assert "f03_incidence_en" not in html
    assert 'lang="en"' not in html


def test_english_report_has_no_chinese_headings(tmp_path):
    html = render(make_results(tmp_path), "en")
    assert "Key results" in html
    for chinese in ("主要结果", "调查方法", "不同年龄组的伤害发生率"):
        assert chinese not in html


def test_both_languages_write_one_document_per_language(tmp_path):
    results = make_results(tmp_path)
    out = tmp_path / "report" / "report.html"
    path = write_report(
        results, make_config("both"), out, generated_on=GENERATED, software=SOFTWARE
    )
    assert path == out
    chinese = out.read_text(encoding="utf-8")
    english = (tmp_path / "report" / "report_en.html").read_text(encoding="utf-8")
    assert re.search(r"<h2>1 (<span[^>]*>)?主要结果(</span>)?</h2>", chinese)
    assert re.search(r"<h2>1 (<span[^>]*>)?Key results(</span>)?</h2>", english)
    assert "Key results" not in chinese and "主要结果" not in english
    # each figure once per document
    assert chinese.count("data:image/png;base64,") == 1
    assert english.count("data:image/png;base64,") == 1


def test_one_language_writes_one_document(tmp_path):
    out = tmp_path / "report" / "report.html"
    write_report(make_results(tmp_path), make_config("en"), out, generated_on=GENERATED)
    assert "Key results" in out.read_text(encoding="utf-8")
    assert not (tmp_path / "report" / "report_en.html").exists()


# ------------------------------------------------------------------------------ absent inputs


def test_missing_optional_inputs_leave_sections_out_with_a_note(tmp_path):
    results = make_results(tmp_path, tables=False, figures=False)
    (results / "plan" / "plan.yaml").unlink()
    (results / "baseline" / "clean" / "households.parquet").unlink()
    html = render(results, "en")
    assert "Sampling design" not in html
    assert 'id="figures"' not in html
    assert "Survey plan (sample size): input not found (results/plan/plan.yaml)" in html
    assert "Report tables: input not found (results/baseline/tables)" in html
    assert "Figures: input not found (results/figures)" in html
    assert "4.4 (3.7–5.2)" in html  # the headline is still there


def test_missing_estimates_do_not_crash(tmp_path):
    results = make_results(tmp_path)
    (results / "baseline" / "estimates.csv").unlink()
    html = render(results, "en")
    assert "Injury estimates: input not found (results/baseline/estimates.csv)" in html


def test_absent_key_tables_are_listed(tmp_path):
    html = render(make_results(tmp_path), "en")
    assert "Table T9: input not found (results/baseline/tables/T09_place_by_cause.csv)" in html
    assert 'id="table-T3"' in html


# ------------------------------------------------------------------------------ tables


def test_tables_index_brings_titles_notes_and_layout(tmp_path, codebook):
    results = make_results(tmp_path)
    data = pd.read_csv(results / "baseline" / "tables" / "T03_incidence_by_sex.csv")
    table = Table(
        id="T3",
        title_zh="自定标题",
        title_en="Custom title",
        data=data,
        notes_zh="注释。",
        notes_en="A note with 120 df.",
        row_keys=("sex",),
        column_keys=("indicator",),
    )
    write_tables({"T3": table}, results / "baseline" / "tables", codebook=codebook)
    html = render(results, "en")
    assert "Custom title" in html and "A note with 120 df." in html


def test_tables_written_by_group_notebooks_are_found(tmp_path, codebook):
    # The pipeline writes each notebook's tables into its own subfolder (tables/burden, …).
    results = make_results(tmp_path)
    flat = results / "baseline" / "tables" / "T03_incidence_by_sex.csv"
    data = pd.read_csv(flat)
    flat.unlink()
    table = Table("T3", "分组标题", "Grouped title", data, "", "", ("sex",), ("indicator",))
    write_tables({"T3": table}, results / "baseline" / "tables" / "burden", codebook=codebook)
    html = render(results, "en")
    assert "Grouped title" in html and 'id="table-T3"' in html


def test_html_table_pivots_rows_and_columns(codebook):
    # T4 layout: age group rows, sex columns; n column beside each estimate with a CI.
    data = pd.DataFrame(
        {
            "age_group": ["0-14", "0-14", "15-44", "15-44"],
            "sex": [1, 2, 1, 2],
            "sex_zh": ["男", "女", "男", "女"],
            "sex_en": ["male", "female", "male", "female"],
            "indicator": ["injury_incidence"] * 4,
            "unit": ["proportion"] * 4,
            "estimate": [0.0444, 0.0234, 0.0562, 0.0270],
            "ci_lower": [0.0291, 0.0121, 0.0444, 0.0186],
            "ci_upper": [0.0673, 0.0446, 0.0710, 0.0391],
            "n": [431, 437, 1022, 1095],
            "n_cases": [20, 3, 57, 31],
            "flag": ["", "unstable;suppressed", "", ""],
            "suppressed": [False, True, False, False],
        }
    )
    table = Table("T4", "标题", "Title", data, "", "", ("age_group",), ("sex",))
    out = html_table(
        table,
        words=Words(codebook),
        standard_name={"zh": "标准", "en": "std"},
        compact_note={"zh": "", "en": ""},
    )
    assert [h["en"] for h in out.header[1:]] == [
        "Male",
        "n (unweighted)",
        "Female",
        "n (unweighted)",
    ]
    assert [c["en"] for c in out.rows[0]] == ["0–14", "4.4 (2.9–6.7)", "20", "—", "—"]
    assert [c["en"] for c in out.rows[1]] == ["15–44", "5.6 (4.4–7.1)", "57", "2.7 (1.9–3.9)", "31"]


def test_wide_cross_table_shows_estimates_only_without_empty_lines(codebook):
    # 2 causes × 8 places, cause 2 all zero, place 8 all zero → dropped.
    rows = []
    for cause in (1, 3):
        for place in range(1, 9):
            value = 0.0 if cause == 1 or place == 8 else 0.01 * place
            rows.append(
                {
                    "cause": cause,
                    "cause_zh": f"原因{cause}",
                    "cause_en": f"cause {cause}",
                    "place": place,
                    "place_zh": f"地点{place}",
                    "place_en": f"place {place}",
                    "indicator": "share",
                    "unit": "proportion",
                    "estimate": value,
                    "ci_lower": value / 2,
                    "ci_upper": value * 2,
                    "n_cases": 10,
                    "suppressed": False,
                    "flag": "",
                }
            )
    table = Table("T9", "t", "t", pd.DataFrame(rows), "", "", ("cause",), ("place",))
    out = html_table(
        table,
        words=Words(codebook),
        standard_name={"zh": "", "en": ""},
        compact_note={"zh": "只列估计值", "en": "estimates only"},
    )
    assert out.compact
    assert len(out.rows) == 1 and out.rows[0][0]["en"] == "Cause 3"
    assert len(out.header) == 1 + 7
    assert out.rows[0][1]["en"] == "1.0"  # 0.01 → 1.0 %, no CI
    assert out.notes[-1]["en"] == "estimates only"


# ------------------------------------------------------------------------------ command line


def test_command_line_writes_the_report(tmp_path):
    results = make_results(tmp_path)
    config_path = tmp_path / "config.yaml"
    config = make_config("en")
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "report" / "report.html"
    code = main(
        [
            "--results",
            str(results),
            "--config-yaml",
            str(config_path),
            "--out",
            str(out),
            "--generated-on",
            GENERATED,
        ]
    )
    assert code == 0
    assert "4.4 (3.7–5.2)" in out.read_text(encoding="utf-8")


def test_command_line_reports_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "config.yaml"
    bad.write_text("survey: {}\n", encoding="utf-8")
    code = main(["--config-yaml", str(bad), "--out", str(tmp_path / "r.html")])
    assert code == 1
    assert "report document:" in capsys.readouterr().err


def test_write_report_creates_the_folder(tmp_path):
    results = make_results(tmp_path)
    path = write_report(
        results,
        make_config("zh"),
        tmp_path / "deep" / "report.html",
        generated_on=GENERATED,
        software=SOFTWARE,
    )
    assert path.is_file()


def test_wide_table_of_counts_keeps_every_line(codebook):
    # T1 has 8 count columns and no CIs: nothing to shorten, so nothing is left out.
    indicators = [f"count_{k}" for k in range(8)]
    data = pd.DataFrame(
        {
            "stratum_id": ["S1"] * 8,
            "indicator": indicators,
            "unit": ["count"] * 8,
            "estimate": [0.0] * 8,
        }
    )
    table = Table("T1", "t", "t", data, "", "", ("stratum_id",), ("indicator",))
    out = html_table(
        table,
        words=Words(codebook),
        standard_name={"zh": "", "en": ""},
        compact_note={"zh": "x", "en": "x"},
    )
    assert not out.compact and len(out.rows) == 1 and out.notes == []


def test_plan_and_fielded_sample_are_both_given_when_they_differ(tmp_path):
    results = make_results(tmp_path)
    assert "plan and the sample as fielded differ" not in render(results, "en")
    # the frozen sample list (fieldwork had started): 125 PSUs, 2,499 households; the plan's
    # draw in plan.yaml: 148 PSUs, 2,960 households
    pd.DataFrame(
        {
            "stratum_id": ["all", "all"],
            "indicator": ["psus", "households_selected"],
            "unit": ["count", "count"],
            "estimate": [125, 2499],
        }
    ).to_csv(results / "baseline" / "tables" / "T01_sample.csv", index=False)
    english = visible_text(render(results, "en"))
    assert "the plan draws 148 PSUs and 2,960 households" in english
    assert "the survey as fielded has 125 PSUs and 2,499 households" in english
    assert "In all 125 PSUs and 2,499 households were sampled" in english
    chinese = visible_text(render(results, "zh"))
    assert "按方案应抽取148个居委会/村、2,960户" in chinese
    assert "实际调查样本为125个居委会/村、2,499户" in chinese


def test_chinese_report_uses_full_width_punctuation(tmp_path):
    html = render(make_results(tmp_path), "zh")
    text = visible_text(html)
    assert "：" in text and "（" in text  # the check sees Chinese prose
    assert half_width_punctuation(text) == []
    assert half_width_punctuation("伤害发生率(%)为4.4") and half_width_punctuation("定义:半天")
    assert half_width_punctuation("w₀ = 1/(π₁·π₂)；") == []  # a formula keeps its brackets


# ------------------------------------------------------------------------------ audit
# The report's numbers traced to the results (injury_survey.report_document.audit): each test
# plants one defect a careful reader would find and expects the audit to name it.


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Hand-made results with a table T1 (125 PSUs, 2,499 households) and both documents."""
    results = make_results(tmp_path_factory.mktemp("audit"))
    pd.DataFrame(
        {
            "stratum_id": ["all"] * 5,
            "indicator": [
                "psus",
                "households_selected",
                "households_eligible",
                "households_responded",
                "response_rate_rr1",
            ],
            "unit": ["count"] * 4 + ["proportion"],
            "estimate": [125, 2499, 2372, 2123, 0.888280],
        }
    ).to_csv(results / "baseline" / "tables" / "T01_sample.csv", index=False)
    return results, {lang: render(results, lang) for lang in ("zh", "en")}


def audit(html, results, lang):
    return audit_report(html, results, make_config(lang), generated_on=GENERATED)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_built_from_the_results_passes(built, lang):
    results, documents = built
    assert audit(documents[lang], results, lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_number_no_result_gives_is_found(built, lang):
    results, documents = built
    # households responded 2,123 (T1) typed as 2,132 in the key facts box
    planted = documents[lang].replace(">2,123</span>", ">2,132</span>", 1)
    findings = audit(planted, results, lang)
    assert [f.text for f in findings if f.kind == "unknown number"] == ["2,132"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_repeated_quantity_that_disagrees_is_found(built, lang):
    results, documents = built
    # the households sampled (2,499) of section 2.1 shown as 2,372, which is a result (the
    # eligible households): only the repeat check can see it
    html = documents[lang]
    marked = '<span class="q" data-q="sample:households">'
    assert html.count(marked + "2,499</span>") >= 2  # design, plan vs fielded, response
    planted = html.replace(marked + "2,499</span>", marked + "2,372</span>", 1)
    findings = audit(planted, results, lang)
    assert [(f.kind, f.context) for f in findings] == [("repeat disagrees", "sample:households")]


def test_an_unknown_date_and_half_width_punctuation_are_found(built):
    results, documents = built
    planted = documents["zh"].replace("2026-05-18", "2026-05-19", 1)
    planted = planted.replace("主要结果</", "主要结果(基线):</", 1)
    findings = audit(planted, results, "zh")
    assert {f.kind for f in findings} == {"half-width punctuation", "unknown date"}
    assert [f.text for f in findings if f.kind == "unknown date"] == ["2026-05-19"]


def test_the_documents_of_a_run_are_audited_against_one_reading_of_the_results(built, tmp_path):
    results, documents = built
    planted = documents["zh"].replace(">2,123</span>", ">2,132</span>", 1)
    files = {"zh": tmp_path / "report.html", "en": tmp_path / "report_en.html"}
    files["zh"].write_text(planted, encoding="utf-8")
    files["en"].write_text(documents["en"], encoding="utf-8")
    found = audit_reports(files.values(), results, make_config("zh"))
    assert [f.text for f in found[files["zh"]] if f.kind == "unknown number"] == ["2,132"]
    assert found[files["en"]] == []


def test_printed_forms_follow_the_report_rounding():
    # 0.888280 → "88.8" (per cent, 1 decimal); 2123 → "2,123"; 1.0499788 → "1.05"
    forms = printed_forms([0.888280, 2123.0, 1.0499788])
    assert {"88.8", "2,123", "1.05"} <= forms
    assert "88.9" not in forms and "2,124" not in forms


def test_visible_text_joins_inline_marks_and_drops_heading_numbers():
    html = '<h3>2.1 设计</h3><p>共<span class="q" data-q="k">125</span>个</p>'
    assert visible_text(html) == "设计 共125个"
    assert disagreeing_repeats('<span class="q" data-q="k">1</span>') == []


def test_methods_list_every_adjustment_the_data_forced(tmp_path):
    results = make_results(tmp_path)
    assert "The data forced no adjustment" in visible_text(render(results, "en"))
    item = Adjustment(
        wave="baseline",
        stage="04",
        kind="nonresponse_class_collapsed",
        where="PSU S1-003",
        setting="weights.min_class_respondents=5",
        detail_en="PSU S1-003 had no responding household; its class was pooled with stratum S1.",
        detail_zh="S1-003号居委会/村无应答户，其调整类并入S1层。",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        write_adjustments([item], results / "baseline" / "adjustments" / "04.csv")
    en = visible_text(render(results, "en"))
    assert (
        "Baseline survey, notebook 04: PSU S1-003 had no responding household; its class was "
        "pooled with stratum S1. (setting: weights.min_class_respondents=5)"
    ) in en
    zh = visible_text(render(results, "zh"))
    assert "基线调查，笔记本04：S1-003号居委会/村无应答户，其调整类并入S1层。（设置：" in zh
