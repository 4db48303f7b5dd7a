"""The checks a careful reader makes on the finished report, automated.

:func:`audit_report` reads a report document and the results folder it was built from and lists

- every number in the report's text (prose, captions, tables) that no result gives: the number
  is looked up among the values of the results tables (``<wave>/**/*.csv``), the plan
  (``plan/plan.yaml``) and the settings (the config) at the roundings the report prints (0–4
  decimals, proportions also as per cent); dates among the interview dates and the generation
  date; a short allow-list (:data:`NOT_RESULTS`) holds the numbers that are not results;
- every quantity the report repeats with different text: the document marks each number it
  repeats across sections with the quantity it is (``<span data-q="…">``), and one quantity
  must read the same wherever it appears;
- Chinese text with half-width punctuation (:func:`~.text.half_width_punctuation`) or a
  synonym of a term the project uses, English text not in the project's spelling
  (:mod:`.wording`).

A number that matches some result is not proven to be the right one (small numbers such as "2"
match many values); the check catches numbers typed by hand, computed in the document, or left
behind by a stale result, and the marked quantities catch disagreeing repeats.

Command line (on the demo's report)::

    python -m injury_survey.report_document.audit results/report/report.html \\
        --results results --config-yaml config/config.yaml
"""

from __future__ import annotations

import argparse
import html as html_lib
import math
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from injury_survey.adjustments import read_adjustments
from injury_survey.report_document.text import half_width_punctuation
from injury_survey.report_document.wording import american_spellings, chinese_synonyms
from injury_survey.yaml_files import YAML_LOADER

# Numbers in the report that are not results, each with the reason it may appear.
NOT_RESULTS: Mapping[str, str] = {
    "1": "formulas: w₀ = 1/(π₁·π₂), 1 + CV²(w); result code 1 (completed)",
    "5": "AAPOR eligible households: result codes 1–5",
    "96": "AAPOR eligible households: result code 96 (other)",
    "12": "the 12-month injury incidence, the primary indicator's name",
    "2010": "the name of the China 2010 census standard population",
    "2000": "the name of the WHO 2000–2025 standard population",
    "2025": "the name of the WHO 2000–2025 standard population",
    "1960": "the name of the Segi (1960) standard population",
    "1000": "the unit per 1000 persons / person-years",
    "10": "the figure's log-width formula log10(1 + 10 × rate)",
    "0": "the first month (month 0) of the recall-decay figure's reference line",
    "2": "the recall-decay figure's reference line: months 0–2",
    "256": "the name of the SHA-256 checksums of the input manifest",
}
# Removed before numbers are read: ISO dates (checked on their own) and package versions.
_DATE = re.compile(r"(?<![0-9])\d{4}-\d{2}-\d{2}(?![0-9])")
_VERSION = re.compile(r"(?<![0-9.])\d+\.\d+\.\d+(?![0-9])")
# Figure, table, section and notebook numbers are document structure, not results.
_STRUCTURE = re.compile(
    r"(?:图|表|笔记本)\s?\d+|(?:Figure|Table|section|notebook)\s\d+|\(T\d+\)|见\d+\.\d+"
)
_NUMBER = re.compile(r"(?<![0-9A-Za-z_.])[0-9][0-9,]*(?:\.[0-9]+)?")
_QUANTITY = re.compile(r'<span class="q" data-q="([^"]+)">([^<]*)</span>')
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Finding:
    """One thing a reader would query: what, the text as printed, and where."""

    # "unknown number", "unknown date", "repeat disagrees", "half-width punctuation",
    # "synonym" (Chinese), "spelling" (English)
    kind: str
    text: str
    context: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text!r} in …{self.context}…"


def visible_text(html: str) -> str:
    """The text a reader sees: no style, images, tags or heading numbers; entities decoded."""
    text = re.sub(r"<style>.*?</style>|<title>.*?</title>", " ", html, flags=re.S)
    text = re.sub(r"<(h[23])>[0-9.]+ ", r"<\1>", text)
    text = re.sub(r"</?(?:span|strong|a)\b[^>]*>", "", text)  # inline: no word break
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html_lib.unescape(text)).strip()


def audit_report(
    html: str,
    results_dir: str | Path,
    config: Mapping[str, Any],
    *,
    generated_on: str | None = None,
) -> list[Finding]:
    """Every number not found among the results, every disagreeing repeat, every half-width
    punctuation mark and synonym in Chinese text, every American spelling in English text
    (empty when the report passes). ``generated_on``: the date the document printed as
    generated (default: the one it records)."""
    sources = ResultSources.read(Path(results_dir), config)
    return sources.audit(html, generated_on=generated_on)


def audit_reports(
    documents: Iterable[str | Path], results_dir: str | Path, config: Mapping[str, Any]
) -> dict[Path, list[Finding]]:
    """:func:`audit_report` of each document file (the Chinese and English reports), the
    results read once for all of them."""
    sources = ResultSources.read(Path(results_dir), config)
    return {Path(d): sources.audit(Path(d).read_text(encoding="utf-8")) for d in documents}


@dataclass(frozen=True)
class ResultSources:
    """What a report may print: the numbers of the results in every printed form, and the
    fieldwork dates."""

    known_numbers: frozenset[str]
    dates: frozenset[str]

    @classmethod
    def read(cls, results: Path, config: Mapping[str, Any]) -> ResultSources:
        known = printed_forms(result_values(results, config))
        return cls(frozenset(known), frozenset(interview_dates(results, config)))

    def audit(self, html: str, *, generated_on: str | None = None) -> list[Finding]:
        if generated_on is None:  # the document records the date it printed
            found = re.search(r'data-generated-on="([^"]+)"', html)
            generated_on = found.group(1) if found else None
        findings = disagreeing_repeats(html)
        text = visible_text(html)
        dates = self.dates | ({generated_on} if generated_on else set())
        for match in _DATE.finditer(text):
            if match.group() not in dates:
                findings.append(Finding("unknown date", match.group(), _around(text, match)))
        text = _VERSION.sub(" ", _DATE.sub(" ", text))
        text = _STRUCTURE.sub(" ", text)
        for match in _NUMBER.finditer(text):
            token = match.group().rstrip(",")
            if token not in self.known_numbers and token not in NOT_RESULTS:
                findings.append(Finding("unknown number", token, _around(text, match)))
        findings += wording_findings(html)
        return findings


def wording_findings(html: str) -> list[Finding]:
    """Half-width punctuation and synonyms in a Chinese document, American spellings in an
    English one (the language is the document's ``<html lang>``)."""
    text = visible_text(html)
    language = re.search(r'<html lang="([^"]+)"', html)
    chinese = language.group(1).startswith("zh") if language else bool(_CJK.search(text))
    if not chinese:
        return [Finding("spelling", word, word) for word in american_spellings(text)]
    findings = [
        Finding("half-width punctuation", place, place)
        for place in half_width_punctuation(text, all_chinese=True)
    ]
    for synonym, use in chinese_synonyms(text):
        findings.append(Finding("synonym", synonym, f"write {use}"))
    return findings


def disagreeing_repeats(html: str) -> list[Finding]:
    """Quantities the document marks more than once with different printed text."""
    shown: dict[str, set[str]] = {}
    for key, text in _QUANTITY.findall(html):
        shown.setdefault(key, set()).add(html_lib.unescape(text))
    return [
        Finding("repeat disagrees", " / ".join(sorted(texts)), key)
        for key, texts in shown.items()
        if len(texts) > 1
    ]


# ---------------------------------------------------------------------------------- sources


def result_values(results: Path, config: Mapping[str, Any]) -> set[float]:
    """Every number of the results tables (each wave's and the evaluation's), the plan and the
    settings."""
    values: set[float] = set()
    folders = [*config["survey"]["waves"], "evaluation"]
    for folder in folders:
        for path in sorted((results / folder).rglob("*.csv")):
            try:
                frame = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
            except pd.errors.EmptyDataError:  # e.g. rejected.csv when nothing was set aside
                continue
            for column in frame.select_dtypes("number").columns:
                values.update(_finite(frame[column]))
    # The adjustments' sentences are results records too ("1 of 2500 households rows set aside").
    adjustments = read_adjustments(results)
    for text in [*adjustments["detail_en"], *adjustments["detail_zh"]]:
        values.update(float(n.replace(",", "")) for n in _NUMBER.findall(text))
    plan = results / "plan" / "plan.yaml"
    if plan.is_file():
        values.update(_numbers_in(yaml.load(plan.read_text(encoding="utf-8"), Loader=YAML_LOADER)))
    values.update(_numbers_in(dict(config)))
    # The report's age groups print each band's upper bound (15 → "0–14").
    values.update(bound - 1 for bound in config.get("age_groups", []))
    return values


def printed_forms(values: Iterable[float]) -> set[str]:
    """Each value as the report may print it: 0–4 decimals, with and without thousands
    separators, and proportions as per cent."""
    forms: set[str] = set()
    for value in values:
        for scaled in (value, value * 100):
            for decimals in range(5):
                forms.add(f"{scaled:,.{decimals}f}")
                forms.add(f"{scaled:.{decimals}f}")
    return forms


def interview_dates(results: Path, config: Mapping[str, Any]) -> set[str]:
    """The interview dates of the clean household tables (the fieldwork dates printed)."""
    dates: set[str] = set()
    for wave in config["survey"]["waves"]:
        path = results / wave / "clean" / "households.parquet"
        if path.is_file():
            households = pd.read_parquet(path)
            if "interview_date" in households:
                found = pd.to_datetime(households["interview_date"], errors="coerce").dropna()
                dates.update(found.dt.date.astype(str))
    return dates


def _numbers_in(tree: Any) -> Iterable[float]:
    if isinstance(tree, Mapping):
        for value in tree.values():
            yield from _numbers_in(value)
    elif isinstance(tree, list | tuple):
        for value in tree:
            yield from _numbers_in(value)
    elif isinstance(tree, bool):
        return
    elif isinstance(tree, int | float) and math.isfinite(tree):
        yield float(tree)
    elif isinstance(tree, str):  # the plan's sources: "pilot: 103 persons / 42 households"
        yield from (float(n.replace(",", "")) for n in _NUMBER.findall(tree))


def _finite(column: pd.Series) -> Iterable[float]:
    values = pd.unique(column.dropna().to_numpy(dtype=float))
    return values[np.isfinite(values)].tolist()


def _around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 40) : match.end() + 20]


def main(argv: list[str] | None = None) -> int:
    from injury_survey.config import load_config

    parser = argparse.ArgumentParser(
        prog="python -m injury_survey.report_document.audit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("reports", nargs="+", help="report documents (report.html …)")
    parser.add_argument("--results", default="results")
    parser.add_argument("--config-yaml", required=True)
    args = parser.parse_args(argv)
    config = load_config(args.config_yaml)
    failed = 0
    for report, findings in audit_reports(args.reports, args.results, config).items():
        print(f"{report}: {len(findings) or 'no'} findings")
        for finding in findings:
            print(f"  {finding}")
        failed += bool(findings)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
