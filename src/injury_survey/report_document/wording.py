"""One term per concept, one spelling system: the wording rules every text the project shows.

The rules (README, "Writing the project's texts") as data, so the report's audit
(:mod:`.audit`) and the unit test over every word file check the same thing:

- Chinese: one term per concept (:data:`CHINESE_TERMS` lists the synonyms that are not used and
  the term that is) and full-width punctuation (:func:`~.text.half_width_punctuation`);
- English: British spelling with -ise (standardised, linearisation, hospitalised), -our,
  -re, -ll- (labelled) and "programme" (the WHO / ISCCC term); identifiers users already type
  (``standardization_top_age``, ``lonely_psu: center``, R's ``svystandardize``) keep theirs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Synonym not used → the term used instead, and what it names. A word may hold the synonym as
# part of a longer term (人均伤害次数, 比例均): the patterns say where it is a synonym.
CHINESE_TERMS: Mapping[str, tuple[str, str]] = {
    r"(?<!人均)伤害次数": ("伤害人次", "injury episodes counted (伤害人次发生率 for the rate)"),
    r"伤害事件": ("伤害人次 / 伤害个案", "an injury episode (伤害个案: one row of the 伤害个案表)"),
    r"(?<!比)例均": ("人次均", "a mean per injury episode"),
    r"村/居委会|居委会/小区": ("居委会/村", "the PSU"),
    r"受访者|被访者|被调查者": ("应答者", "the person who answers"),
    r"可信区间": ("置信区间", "the confidence interval"),
    r"标准化率|标准化发生率": ("标化率", "the age-standardised rate"),
    r"受伤者|伤害病例（人）": ("伤害者", "a person injured in the recall period"),
    r"未加权样本量|样本量（未加权）": (
        "未加权例数 / 例数（未加权）",
        "the unweighted n of an estimate",
    ),
}
_CHINESE_TERMS = [(re.compile(pattern), use) for pattern, (use, _) in CHINESE_TERMS.items()]

# American spellings of words the project writes (and -ize/-yze in general), except the words
# that are spelt so in British English too and names users or R already type.
_AMERICAN = re.compile(
    r"\b(?:[A-Za-z]+(?:iz(?:e|ed|es|ing|ation|ations|er|ers))"
    r"|[A-Za-z]*(?:yz(?:e|ed|es|ing))"
    r"|colors?|colored|behaviors?|neighbors?|neighborhoods?|neighboring"
    r"|favors?|favorable|labeled|labeling|modeled|modeling|traveled|canceled|grays?|centered"
    r"|percent|programs?)\b"
)
_BRITISH_TOO = {"size", "sized", "sizes", "resize", "prize", "prizes", "seize", "seized", "capsize"}
_BRITISH_TOO_PREFIXES = ("svy",)  # R survey's function names (svystandardize)
# Published titles keep their spelling (Ahmad et al. 2001).
_TITLES = re.compile(r"Age\s+standardization\s+of\s+rates")
_CODE = re.compile(r"`[^`\n]*`")  # Markdown code: identifiers, keys, commands


def chinese_synonyms(text: str) -> list[tuple[str, str]]:
    """(synonym found, the term to use) for each synonym in a Chinese text."""
    found = []
    for pattern, use in _CHINESE_TERMS:
        found += [(match.group(), use) for match in pattern.finditer(text)]
    return found


def american_spellings(text: str) -> list[str]:
    """Words of an English text not in the project's British spelling (code spans skipped)."""
    text = _TITLES.sub(" ", _CODE.sub(" ", text))
    return [
        word
        for word in (match.group() for match in _AMERICAN.finditer(text))
        if word.lower() not in _BRITISH_TOO and not word.lower().startswith(_BRITISH_TOO_PREFIXES)
    ]
