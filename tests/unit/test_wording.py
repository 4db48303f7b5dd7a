"""One term per concept and one spelling system in every text the project shows
(injury_survey.report_document.wording; README, "Writing the project's texts").

The word files (report document, report tables, codebook labels, table names, figure texts)
are checked whole: Chinese entries for half-width punctuation and synonyms, English entries
for American spellings. Messages in the code, notebooks and docs mix the languages, so there
only the marks that touch a Chinese character, the synonyms and (in the narrative) the
spellings are checked; English in the code is mostly identifiers (``color=``) and is not.
The rendered report is checked by the audit (tests/e2e/test_workflow.py, test_report_document).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from injury_survey.figures.style import FIGURE_TEXTS
from injury_survey.report_document.audit import wording_findings
from injury_survey.report_document.text import (
    half_width_in_mixed_text,
    half_width_punctuation,
)
from injury_survey.report_document.wording import american_spellings, chinese_synonyms

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "injury_survey"
WORD_FILES = [
    PACKAGE / "report_document" / "words.yaml",
    PACKAGE / "report_tables" / "words.yaml",
    PACKAGE / "data" / "codebook.yaml",
    PACKAGE / "data" / "tables.yaml",
]
PROSE_FILES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "workflow" / "report").glob("*.rst")),
    ROOT / "config" / "config.yaml",
    ROOT / "workflow" / "schemas" / "config.schema.yaml",
]
ZH_KEYS, EN_KEYS = {"zh", "label_zh"}, {"en", "label_en"}
CJK = re.compile(r"[\u4e00-\u9fff]")
REGEX = re.compile(r"\\d|\(\?[:P<!=]")  # a pattern, not a message


def yaml_words(tree: object, where: str = "") -> Iterator[tuple[str, str, str]]:
    """(where, language, text) of every zh / en entry of a word file (input aliases skipped:
    they are what questionnaires print, not what the project writes)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "aliases":
                continue
            if isinstance(value, str) and key in ZH_KEYS | EN_KEYS:
                yield f"{where}.{key}", "zh" if key in ZH_KEYS else "en", value
            else:
                yield from yaml_words(value, f"{where}.{key}")
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from yaml_words(value, f"{where}[{index}]")


def words() -> Iterator[tuple[str, str, str]]:
    for path in WORD_FILES:
        tree = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, lang, text in yaml_words(tree):
            yield f"{path.relative_to(ROOT)}:{where}", lang, text
    for key, texts in FIGURE_TEXTS.items():
        for lang, text in texts.items():
            yield f"figures/style.py FIGURE_TEXTS[{key!r}]", lang, text


def code_messages() -> Iterator[tuple[str, str]]:
    """The Chinese messages of the package's code: string constants with a Chinese character,
    docstrings, regular expressions, the simulated questionnaires' free text and the
    wording rules themselves left out."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "simulate" in path.parts or path.name == "wording.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and CJK.search(node.value)
                and not REGEX.search(node.value)
            ):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", node.value


def narrative() -> Iterator[tuple[str, str]]:
    """The notebooks' narrative (Markdown cells), in both languages."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for number, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                yield f"{path.relative_to(ROOT)} cell {number}", "".join(cell["source"])


def test_chinese_words_use_full_width_punctuation_and_one_term_per_concept():
    wrong = [
        (where, text, found)
        for where, lang, text in words()
        if lang == "zh"
        and (found := half_width_punctuation(text, all_chinese=True) + chinese_synonyms(text))
    ]
    assert wrong == []


def test_english_words_use_british_spelling():
    wrong = [
        (where, found)
        for where, lang, text in words()
        if lang == "en" and (found := american_spellings(text))
    ]
    assert wrong == []


def test_messages_in_the_code_keep_the_chinese_wording():
    wrong = [
        (where, found)
        for where, text in code_messages()
        if (found := half_width_in_mixed_text(text) + chinese_synonyms(text))
    ]
    assert wrong == []


def test_notebooks_keep_the_wording():
    wrong = [
        (where, found)
        for where, text in narrative()
        if (
            found := half_width_in_mixed_text(text)
            + chinese_synonyms(text)
            + american_spellings(text)
        )
    ]
    assert wrong == []


def test_docs_and_config_comments_keep_the_wording():
    # English prose that glosses Chinese terms ("a pilot (预调查, about 50 households"): its
    # punctuation is English
    wrong = [
        (path.name, found)
        for path in PROSE_FILES
        if (found := chinese_synonyms(text := path.read_text(encoding="utf-8")))
        or (found := american_spellings(text))
    ]
    assert wrong == []


# The checks themselves, on texts written by hand.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("表33 (T21) 基线与随访", ["表33 (T21) 基线与随访"]),
        ("伤害发生率 (%)", ["伤害发生率 (%)"] * 2),  # both brackets
        ("定义:半天", ["定义:半天"]),
        ("4.4 (3.7–5.2)", []),  # a confidence interval in a table cell
        ("w₀ = 1/(π₁·π₂)；", []),  # a formula keeps its brackets
        ("表33（T21）基线与随访", []),
    ],
)
def test_half_width_punctuation_in_all_chinese_text(text, expected):
    assert half_width_punctuation(text, all_chinese=True) == expected


def test_synonyms_and_spellings_are_named():
    assert chinese_synonyms("按加权伤害次数排序；可能重复的伤害事件") == [
        ("伤害次数", "伤害人次"),
        ("伤害事件", "伤害人次 / 伤害个案"),
    ]
    # terms that hold a synonym's characters but are other concepts pass
    assert chinese_synonyms("人均伤害次数；缺失比例均为0；居委会/村") == []
    assert american_spellings("age-standardized rates, hospitalizations, color, labeled") == [
        "standardized",
        "hospitalizations",
        "color",
        "labeled",
    ]
    # sizes, R's function names, config keys in code spans and published titles pass
    assert (
        american_spellings(
            "sample size; svystandardize; `standardization_top_age`; *Age standardization of rates*"
        )
        == []
    )


def test_the_audit_reads_the_document_language():
    chinese = '<html lang="zh-CN"><body><p>按加权伤害次数排序 (T21)</p></body></html>'
    english = '<html lang="en"><body><p>Age-standardized rate (T21)</p></body></html>'
    assert {f.kind for f in wording_findings(chinese)} == {"synonym", "half-width punctuation"}
    assert [(f.kind, f.text) for f in wording_findings(english)] == [("spelling", "standardized")]
