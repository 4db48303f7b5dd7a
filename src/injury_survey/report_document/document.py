"""The final report document: one self-contained, printable HTML file built from the results.

Sections, in order: title page (survey name, area, fieldwork dates), key results (the headline
indicators, crude and age-standardised, overall and by sex, with the standard population named
beside them), methods (design, sample size and its basis, response, weighting, variance and CIs,
case definition, recall window, standard population, flag and suppression rules, software
versions), figures with captions, the key tables, and a list of what was not found.

One module per part: :mod:`.summary` (key results), :mod:`.methods`, :mod:`.contents` (figures,
key tables, what was not found); this module assembles them and writes one document per
language. :mod:`.audit` checks the finished document against the results.

Every number is read from the pipeline's result files (:mod:`.inputs`) and formatted once
(:mod:`.text`); none is typed into the template. The document's own words are in
``words.yaml``; labels come from the codebook, titles and notes from the report tables, captions
from the figures. Figures are embedded as base64 PNG and the CSS inline, so the file makes no
request and prints from a browser (A4, running title, a page break before each section).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from injury_survey.codebook import survey_codebook
from injury_survey.evaluation_settings import EvaluationSettings
from injury_survey.programme_evaluation_report import followup_paragraph, read_comparisons
from injury_survey.programme_indicators import programme_items
from injury_survey.programme_report import report_block
from injury_survey.report_document.contents import KEY_TABLES, FiguresAndTables
from injury_survey.report_document.evaluation_section import evaluation_section
from injury_survey.report_document.inputs import FigureFile, ReportInputs, collect_inputs
from injury_survey.report_document.methods import MethodsSection, interview_dates
from injury_survey.report_document.summary import SummarySection
from injury_survey.report_document.text import (
    Bilingual,
    DocumentWords,
    recall_text,
    report_languages,
    sentence_case,
)
from injury_survey.report_tables.core import Words, confidence_level_text

# The packages whose versions the methods section prints (distribution names).
SOFTWARE = (
    "injury-survey",
    "svy",
    "svy-rs",
    "polars",
    "pandas",
    "numpy",
    "matplotlib",
    "snakemake",
    "papermill",
)


def build_report(
    results_dir: str | Path,
    config: Mapping[str, Any],
    *,
    codebook: Any | None = None,
    figures_dir: str | Path | None = None,
    generated_on: dt.date | str | None = None,
    software: Mapping[str, str | None] | None = None,
    language: str | None = None,
) -> str:
    """The report document in one language as one HTML string.

    Parameters
    ----------
    results_dir
        The pipeline's ``results/`` folder (plan, waves, figures; see :mod:`.inputs`).
    config
        The validated config (``injury_survey.config.load_config``).
    codebook
        The survey's codebook; default: the one the config names.
    figures_dir
        Where the figures are; default ``<results_dir>/figures``.
    generated_on
        The "generated on" date printed in the methods; default ``SOURCE_DATE_EPOCH`` when set
        (reproducible builds), else today. The only date not taken from the data.
    software
        Package versions to print (tests pin them); default: the installed versions.
    language
        ``zh`` or ``en``; default: the first language of ``report.language`` (Chinese for
        ``both``, whose English document :func:`write_report` writes beside it).
    """
    codebook = codebook if codebook is not None else _codebook(config)
    setting = report_languages(config.get("report", {}).get("language", "both"))
    language = language or setting[0]
    if language not in ("zh", "en"):
        raise ValueError(f"report language {language!r}: use zh or en.")
    languages = (language,)
    inputs = collect_inputs(
        results_dir,
        config,
        codebook=codebook,
        languages=languages,
        key_tables=KEY_TABLES,
        figures_dir=figures_dir,
    )
    context = _Context(config, codebook, inputs, _as_date(generated_on), software)
    context.language = language
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("injury_survey", "report_document/templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    css = (files("injury_survey") / "report_document" / "templates" / "report.css").read_text(
        encoding="utf-8"
    )
    title = context.running_title(languages)
    return template.render(
        langs=languages, css=css, running_title=css_string(title), **context.render()
    )


def report_paths(out: str | Path, setting: str) -> dict[str, Path]:
    """The document of each language of ``report.language``: ``out`` in the first language and,
    for ``both``, the English one beside it as ``<name>_en.html``.

    One document per language keeps each readable at a sensible length (every figure once): the
    district CDC team reads and files the Chinese report, reviewers read the English one.
    """
    path = Path(out)
    languages = report_languages(setting)
    paths = {languages[0]: path}
    for lang in languages[1:]:
        paths[lang] = path.with_name(f"{path.stem}_{lang}{path.suffix}")
    return paths


def write_report(
    results_dir: str | Path,
    config: Mapping[str, Any],
    out: str | Path,
    **options: Any,
) -> Path:
    """:func:`build_report` in each language of ``report.language``, written (UTF-8) to the
    paths of :func:`report_paths`; returns ``out``, the document in the first language."""
    setting = config.get("report", {}).get("language", "both")
    for lang, path in report_paths(out, setting).items():
        html = build_report(results_dir, config, language=lang, **options)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return Path(out)


def software_versions(packages: Sequence[str] = SOFTWARE) -> dict[str, str | None]:
    """Python's version and each package's installed version (None when not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _codebook(config: Mapping[str, Any]) -> Any:
    return survey_codebook(dict(config))


def _as_date(value: dt.date | str | None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


class _Context(SummarySection, MethodsSection, FiguresAndTables):
    """The template's variables, section by section (one mixin per section; a new section is
    a module with its mixin, a key in :meth:`render` and a block in the template)."""

    def __init__(
        self,
        config: Mapping[str, Any],
        codebook: Any,
        inputs: ReportInputs,
        generated_on: dt.date,
        software: Mapping[str, str | None] | None,
    ):
        self.config = config
        self.codebook = codebook
        self.inputs = inputs
        self.words = DocumentWords()
        self.table_words = Words(codebook)
        self.generated_on = generated_on
        self.software = dict(software) if software is not None else software_versions()
        self.estimation = config.get("estimation", {})
        self.report = config.get("report", {})
        self.figure_number = 0
        self.table_number = 0
        self.language = "zh"  # the document's language (build_report sets it)

    @property
    def percent_sign(self) -> str:
        """ "4.4%" in Chinese, "4.4 %" in English (as in the document's sentences)."""
        return "%" if self.language == "zh" else " %"

    # ---------------------------------------------------------------- shared words

    def w(self, key: str, **fields: object) -> Bilingual:
        return self.words.both(key, **fields)

    def codebook_text(self, key: str) -> Bilingual:
        return {lang: self.codebook.text(key, lang) for lang in ("zh", "en")}

    @property
    def confidence_level(self) -> str:
        """estimation.confidence as printed beside a CI ("95", "90")."""
        return confidence_level_text(float(self.estimation.get("confidence", 0.95)))

    @property
    def standard_name(self) -> Bilingual:
        key = self.estimation.get("standard_population", "china2010")
        try:
            zh, en = self.table_words.both("standard_populations", key)
        except KeyError:
            zh = en = key
        return {"zh": zh, "en": en}

    @property
    def case_definition(self) -> Bilingual:
        return self.codebook_text(self.config.get("case_definition", "case_cn_halfday"))

    @property
    def recall(self) -> Bilingual:
        return recall_text(self.config.get("recall", {}), self.words)

    @property
    def area(self) -> Bilingual:
        survey = self.config["survey"]
        return {
            "zh": survey.get("area_zh") or survey["name_zh"],
            "en": survey.get("area_en") or survey["name_en"],
        }

    def wave_name(self, wave: str) -> Bilingual:
        """The wave's name: its phase (基线调查, follow-up survey), with the comparison area's
        name in front for the comparison area's waves (config ``evaluation.comparison``)."""
        comparison = (self.config.get("evaluation") or {}).get("comparison") or {}
        phase = next((k for k in ("baseline", "followup") if comparison.get(k) == wave), None)
        try:
            name = self.codebook_text(f"phases.{phase or wave}")
        except KeyError:
            return {"zh": wave, "en": wave}
        if phase:
            area = {lang: comparison.get(f"area_{lang}", "") for lang in ("zh", "en")}
            return {"zh": f"{area['zh']}{name['zh']}", "en": f"{area['en']} {name['en']}"}
        return {k: sentence_case(v) for k, v in name.items()}

    # ---------------------------------------------------------------- render

    def running_title(self, languages: Sequence[str]) -> str:
        """The survey's name in the page header: "中文 · English" in a bilingual document."""
        survey = self.config["survey"]
        names = {"zh": survey["name_zh"], "en": survey["name_en"]}
        return " · ".join(dict.fromkeys(names[lang] for lang in languages))

    def render(self) -> dict[str, Any]:
        survey = self.config["survey"]
        summary = self.summary()
        methods = self.methods()
        figures = self.figures()
        tables = self.tables()
        evaluation = self.evaluation(number=3 + bool(figures) + bool(tables))
        return {
            "title": {"zh": survey["name_zh"], "en": survey["name_en"]},
            "w": self.w,
            "cover": self.cover(),
            "summary": summary,
            "methods": methods,
            "figures": figures,
            "tables": tables,
            "evaluation": evaluation,
            "programme": self.programme(),
            "missing": self.missing(),
        }

    def programme(self) -> list[dict[str, Any]]:
        """Awareness, knowledge and home safety per wave (docs/input-tables-programme.md).

        The first wave with the module gets its table and figure; later waves get their paragraph
        only (their changes are the evaluation section's T24 and figure, and every wave's table is
        T23 in its own workbook), so the summary stays a summary."""
        blocks = []
        change = self.programme_change()
        for wave in self.inputs.waves:
            block = report_block(self.inputs.results_dir / wave.wave, self.codebook)
            if block is not None:
                if change and wave.wave == change["wave"]:
                    block["paragraph"] = {
                        lang: f"{block['paragraph'][lang]}{'' if lang == 'zh' else ' '}"
                        f"{change[lang]}".strip()
                        for lang in ("zh", "en")
                    }
                if blocks:
                    block = {**block, "rows": [], "images": []}
                blocks.append({"wave": self.wave_name(wave.wave), **block})
        return blocks

    def programme_change(self) -> dict[str, str] | None:
        """The change at follow-up (awareness, share passing) for the follow-up wave's programme
        paragraph, from the evaluation's ``programme_comparisons.csv``; None without one."""
        settings = EvaluationSettings.from_config(self.config)
        if settings is None:
            return None
        path = self.inputs.results_dir / "evaluation" / "programme_comparisons.csv"
        comparisons = read_comparisons(path)
        if comparisons is None:
            return None
        items = programme_items(self.codebook)
        confidence = float(self.config.get("estimation", {}).get("confidence", 0.95))
        text = {
            lang: followup_paragraph(comparisons, items, lang=lang, confidence=confidence)
            for lang in ("zh", "en")
        }
        return {"wave": settings.followup, **text} if text["en"] else None

    def evaluation(self, number: int) -> dict[str, Any] | None:
        """The evaluation section (:mod:`.evaluation_section`), its figure and table numbered
        after the others; None without an evaluation."""
        section = evaluation_section(
            self.inputs.results_dir, self.config, self.codebook, (self.language,)
        )
        if section is None:
            return None
        by_stem: dict[str, list[FigureFile]] = {}
        for figure in section["figures"]:
            by_stem.setdefault(figure.stem, []).append(figure)
        section["figures"] = [self.figure_group(group) for group in by_stem.values()]
        if section["programme"] is not None:
            group = self.figure_group(section["programme"]["figures"])
            section["programme"]["figures"] = [group] if group else []
        self.table_number += 1
        section["t21"]["number"] = self.w("labels.table", number=self.table_number)
        if section["trend"] is not None:
            self.table_number += 1
            section["trend"]["number"] = self.w("labels.table", number=self.table_number)
        if section["programme"] is not None:
            self.table_number += 1
            section["programme"]["number"] = self.w("labels.table", number=self.table_number)
        section["number"] = number
        return section

    def cover(self) -> dict[str, Any]:
        start, end = self.survey_dates()
        waves = [self.wave_name(wave.wave) for wave in self.inputs.waves]
        return {
            "area": self.area,
            "dates": {"zh": f"{start} 至 {end}", "en": f"{start} to {end}"} if start else None,
            "waves": {
                "zh": "、".join(w["zh"] for w in waves),
                "en": ", ".join(w["en"] for w in waves),
            },
            "generated_on": self.generated_on.isoformat(),
        }

    def survey_dates(self) -> tuple[str | None, str | None]:
        """First and last interview date of the responding households, over all waves."""
        dates = []
        for wave in self.inputs.waves:
            first_last = interview_dates(wave.households)
            if first_last[0]:
                dates += list(first_last)
        return (min(dates), max(dates)) if dates else (None, None)


# ------------------------------------------------------------------------------ helpers


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(char):X} " if char in '\\"<>&' or ord(char) < 32 else char for char in text
    )
    return f'"{escaped}"'
