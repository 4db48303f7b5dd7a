"""The final report document: one self-contained, printable HTML file built from the results.

Sections, in order: title page (survey name, area, fieldwork dates), key results (the headline
indicators, crude and age-standardised, overall and by sex, with the standard population named
beside them), methods (design, sample size and its basis, response, weighting, variance and CIs,
case definition, recall window, standard population, flag and suppression rules, software
versions), figures with captions, the key tables, and a list of what was not found.

Every number is read from the pipeline's result files (:mod:`.inputs`) and formatted once
(:mod:`.text`); none is typed into the template. The document's own words are in
``words.yaml``; labels come from the codebook, titles and notes from the report tables, captions
from the figures. Figures are embedded as base64 PNG and the CSS inline, so the file makes no
request and prints from a browser (A4, running title, a page break before each section).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from injury_survey.codebook import survey_codebook
from injury_survey.programme_report import report_block
from injury_survey.report_document.inputs import (
    FigureFile,
    ReportInputs,
    WaveInputs,
    collect_inputs,
)
from injury_survey.report_document.tables import HtmlTable, html_table
from injury_survey.report_document.text import (
    Bilingual,
    DocumentWords,
    age_groups_label,
    count,
    number,
    per_language,
    percent,
    plain,
    recall_text,
    report_languages,
    sentence_case,
)
from injury_survey.report_tables.core import Words
from injury_survey.report_tables.workbook import SUPPRESSED_MARK, UNSTABLE_MARK, format_cell

# The key tables (domain-reference §6.5), in report order.
KEY_TABLES = ("T1", "T3", "T4", "T6", "T7", "T9", "T14", "T22")

# Headline indicators of estimates.csv: (indicator, unit of display).
HEADLINE_INDICATORS = (
    ("injury_incidence", "proportion"),
    ("injury_incidence_std", "proportion"),
    ("episode_rate_per_1000py", "per_1000_py"),
    ("episode_rate_per_1000py_std", "per_1000_py"),
    ("episodes_per_injured", "ratio"),
)
SEX_CODES = (1, 2)

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
) -> str:
    """The report document as one HTML string.

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
    """
    codebook = codebook if codebook is not None else _codebook(config)
    languages = report_languages(config.get("report", {}).get("language", "both"))
    inputs = collect_inputs(
        results_dir,
        config,
        codebook=codebook,
        languages=languages,
        key_tables=KEY_TABLES,
        figures_dir=figures_dir,
    )
    context = _Context(config, codebook, inputs, _as_date(generated_on), software)
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


def write_report(
    results_dir: str | Path,
    config: Mapping[str, Any],
    out: str | Path,
    **options: Any,
) -> Path:
    """:func:`build_report` written to ``out`` (UTF-8); returns the path."""
    html = build_report(results_dir, config, **options)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


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


class _Context:
    """The template's variables, section by section."""

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

    # ---------------------------------------------------------------- shared words

    def w(self, key: str, **fields: object) -> Bilingual:
        return self.words.both(key, **fields)

    def codebook_text(self, key: str) -> Bilingual:
        return {lang: self.codebook.text(key, lang) for lang in ("zh", "en")}

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
        try:
            return {k: sentence_case(v) for k, v in self.codebook_text(f"phases.{wave}").items()}
        except KeyError:
            return {"zh": wave, "en": wave}

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
        return {
            "title": {"zh": survey["name_zh"], "en": survey["name_en"]},
            "w": self.w,
            "cover": self.cover(),
            "summary": summary,
            "methods": methods,
            "figures": figures,
            "tables": tables,
            "programme": self.programme(),
            "missing": self.missing(),
        }

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
            first_last = _interview_dates(wave.households)
            if first_last[0]:
                dates += list(first_last)
        return (min(dates), max(dates)) if dates else (None, None)

    # ---------------------------------------------------------------- key results

    def summary(self) -> list[dict[str, Any]]:
        blocks = []
        for wave in self.inputs.waves:
            if wave.estimates is None:
                continue
            blocks.append(
                {
                    "wave": self.wave_name(wave.wave),
                    "intro": self.headline_sentence(wave),
                    "table": self.headline_table(wave.estimates),
                    "facts": self.key_facts(wave),
                    "note": per_language(
                        lambda lang: self.w(
                            "sentences.headline_note",
                            case=self.case_definition[lang],
                            recall=self.recall[lang],
                            standard=self.standard_name[lang],
                        )[lang]
                    ),
                    "flags": self.reporting_rules(),
                }
            )
        return blocks

    def programme(self) -> list[dict[str, Any]]:
        """Awareness, knowledge and home safety per wave (docs/data-contract-programme.md)."""
        blocks = []
        for wave in self.inputs.waves:
            block = report_block(self.inputs.results_dir / wave.wave, self.codebook)
            if block is not None:
                blocks.append({"wave": self.wave_name(wave.wave), **block})
        return blocks

    def estimate(self, estimates: pd.DataFrame, indicator: str, by: str, level: str) -> dict | None:
        rows = estimates[
            (estimates["indicator"] == indicator)
            & (estimates["by"].astype(str) == by)
            & (estimates["level"].astype(str) == level)
        ]
        if rows.empty:
            return None
        record = rows.iloc[0].to_dict()
        suppress_below = int(self.report.get("suppress_below", 5))
        record["suppressed"] = pd.notna(record.get("n")) and record["n"] < suppress_below
        return record

    def headline_cell(self, estimates: pd.DataFrame, indicator: str, unit: str, by, level) -> str:
        record = self.estimate(estimates, indicator, by, level)
        return format_cell({**record, "unit": unit}) if record else ""

    def headline_table(self, estimates: pd.DataFrame) -> dict[str, Any]:
        columns = [("all", "all")] + [("sex", str(code)) for code in SEX_CODES]
        header = [self.w("labels.indicator"), self.w("labels.all")] + [
            {lang: sentence_case(self.codebook.label("sex", code, lang)) for lang in ("zh", "en")}
            for code in SEX_CODES
        ]
        rows = []
        for indicator, unit in HEADLINE_INDICATORS:
            if not (estimates["indicator"] == indicator).any():
                continue
            label = self.indicator_label(indicator, unit)
            cells = [self.headline_cell(estimates, indicator, unit, by, lv) for by, lv in columns]
            rows.append({"label": label, "cells": cells, "std": indicator.endswith("_std")})
        persons = [self.estimate(estimates, "injury_incidence", by, lv) for by, lv in columns]
        rows.append(
            {
                "label": self.w("labels.persons"),
                "cells": [count(p["n"]) if p else "" for p in persons],
                "std": False,
            }
        )
        return {"header": header, "rows": rows}

    def indicator_label(self, indicator: str, unit: str) -> Bilingual:
        label = {k: sentence_case(v) for k, v in self.codebook_text(indicator).items()}
        if unit == "proportion":
            label = {"zh": f"{label['zh']}(%)", "en": f"{label['en']} (%)"}
        if indicator.endswith("_std"):
            beside = self.w("sentences.std_beside", standard="{standard}")
            label = {
                lang: f"{label[lang]} — " + beside[lang].format(standard=self.standard_name[lang])
                for lang in ("zh", "en")
            }
        return label

    def headline_sentence(self, wave: WaveInputs) -> Bilingual | None:
        estimates = wave.estimates
        parts = {
            "incidence": ("injury_incidence", "proportion"),
            "incidence_std": ("injury_incidence_std", "proportion"),
            "rate": ("episode_rate_per_1000py", "per_1000_py"),
            "per_injured": ("episodes_per_injured", "ratio"),
        }
        found = {
            name: self.estimate(estimates, ind, "all", "all") for name, (ind, _) in parts.items()
        }
        if any(record is None for record in found.values()):
            return None
        fields = {
            "persons": count(found["incidence"]["n"]),
            "incidence": percent(found["incidence"]["estimate"]),
            "incidence_ci": _ci(found["incidence"], percent),
            "incidence_std": percent(found["incidence_std"]["estimate"]),
            "rate": number(found["rate"]["estimate"]),
            "rate_ci": _ci(found["rate"], number),
            "per_injured": number(found["per_injured"]["estimate"], 2),
        }
        wave_name = self.wave_name(wave.wave)
        return per_language(
            lambda lang: self.w(
                "sentences.headline_intro",
                wave=wave_name[lang],
                recall=self.recall[lang],
                standard=self.standard_name[lang],
                **fields,
            )[lang]
        )

    def key_facts(self, wave: WaveInputs) -> list[dict[str, Any]]:
        facts = []
        response = self.response_numbers(wave)
        if response:
            facts.append(
                {"label": self.w("labels.households"), "value": count(response["responded"])}
            )
            facts.append(
                {"label": self.w("labels.response_rate"), "value": percent(response["rate"]) + " %"}
            )
        incidence = (
            self.estimate(wave.estimates, "injury_incidence", "all", "all")
            if wave.estimates is not None
            else None
        )
        if incidence:
            facts.append({"label": self.w("labels.persons"), "value": count(incidence["n"])})
            facts.append(
                {"label": self.w("labels.design_effect"), "value": number(incidence["deff"], 2)}
            )
        kish = _kish(wave.weights_diagnostics)
        if kish is not None:
            facts.append({"label": self.w("labels.kish"), "value": number(kish, 2)})
        mdc = (self.inputs.plan or {}).get("minimum_detectable_change")
        if mdc:
            facts.append(
                {
                    "label": self.w("labels.mdc"),
                    "value": f"{percent(mdc['baseline_incidence'])} → "
                    f"{percent(mdc['detectable_followup_incidence'])} %",
                }
            )
        return facts

    # ---------------------------------------------------------------- methods

    def methods(self) -> dict[str, Any]:
        plan = self.inputs.plan
        return {
            "design": self.design_text(plan) if plan else None,
            "sample_size": self.sample_size_text(plan) if plan else None,
            "plan_table": self.plan_table(plan) if plan else None,
            "plan_figure": self.figure_group(self.inputs.plan_figures),
            "mdc": self.mdc_text(plan) if plan else None,
            "response": [text for wave in self.inputs.waves for text in self.response_text(wave)],
            "weighting": [self.weighting_block(wave) for wave in self.inputs.waves],
            "variance": self.variance_text(),
            "definitions": self.definitions_text(),
            "reporting_rules": self.reporting_rules(),
            "software": self.software_block(),
        }

    def design_text(self, plan: Mapping[str, Any]) -> Bilingual:
        """The design as fielded: PSUs and households of the frozen sample list (T1 of the first
        wave) when known, which may differ from the plan's draw once fieldwork has started."""
        strata = [row["stratum_id"] for row in plan.get("allocation", [])]
        sample = dict(plan.get("sample", {}))
        size = plan.get("sample_size", {})
        per_psu = size.get("households_per_psu")
        fielded = self.fielded_sample()
        if fielded:
            sample.update(fielded)
            per_psu = round(fielded["households"] / fielded["psus"])
        return per_language(
            lambda lang: self.w(
                "sentences.design",
                area=self.area[lang],
                strata=len(strata) or plain(size.get("n_strata")),
                strata_list=", ".join(self.stratum_name(s, lang) for s in strata),
                per_psu=plain(per_psu),
                psus=count(sample.get("psus")),
                households=count(sample.get("households")),
                seed=plain(sample.get("seed")),
            )[lang]
        )

    def stratum_name(self, stratum: str, lang: str) -> str:
        """The community's name from the config (``survey.strata``), else its id."""
        names = (self.config["survey"].get("strata") or {}).get(str(stratum))
        return names[lang] if names else str(stratum)

    def fielded_sample(self) -> dict[str, float] | None:
        """PSUs and households of the first wave's sample list, from its table T1."""
        if not self.inputs.waves or "T1" not in self.inputs.waves[0].tables:
            return None
        data = self.inputs.waves[0].tables["T1"].data
        if "stratum_id" not in data.columns:
            return None
        rows = data[data["stratum_id"].astype(str) == "all"]
        values = dict(zip(rows["indicator"], rows["estimate"], strict=False))
        if not {"psus", "households_selected"} <= values.keys():
            return None
        return {"psus": values["psus"], "households": values["households_selected"]}

    def sample_size_text(self, plan: Mapping[str, Any]) -> Bilingual:
        size = plan.get("sample_size", {})
        relative = size.get("precision_type") == "relative"
        precision = self.w(
            "sentences.precision_relative" if relative else "sentences.precision_absolute",
            value=percent(size.get("precision"), 0) if relative else percent(size.get("precision")),
        )
        return per_language(
            lambda lang: self.w(
                "sentences.sample_size",
                p=percent(size.get("p")),
                precision_text=precision[lang],
                confidence=percent(size.get("confidence"), 0),
                n0=count(size.get("n0")),
                deff=plain(size.get("deff")),
                n2=count(size.get("n2")),
                response=percent(size.get("response_rate")),
                n3=count(size.get("n3")),
                hh_size=number(size.get("hh_size"), 2),
                households_needed=count(size.get("households")),
                per_psu=plain(size.get("households_per_psu")),
                psus_needed=count(size.get("psus")),
                min_psus=plain(size.get("min_psus_per_stratum")),
            )[lang]
        )

    def plan_table(self, plan: Mapping[str, Any]) -> dict[str, Any] | None:
        inputs = plan.get("inputs") or []
        if not inputs:
            return None
        rows = []
        for entry in inputs:
            name = entry.get("parameter", "")
            key = f"labels.plan_parameters.{name}"
            label = self.w(key) if self.words.has(key) else {"zh": name, "en": name}
            rows.append(
                {
                    "label": label,
                    "value": _plan_value(name, entry.get("value")),
                    "source": str(entry.get("source", "")),
                }
            )
        header = [self.w("labels.parameter"), self.w("labels.value")]
        return {"header": header, "source_header": self.w("labels.source"), "rows": rows}

    def mdc_text(self, plan: Mapping[str, Any]) -> Bilingual | None:
        mdc = plan.get("minimum_detectable_change")
        if not mdc:
            return None
        return self.w(
            "sentences.mdc",
            persons=count(mdc.get("persons_per_survey")),
            deff=plain(mdc.get("deff")),
            baseline=percent(mdc.get("baseline_incidence")),
            alpha=plain(mdc.get("alpha")),
            power=percent(mdc.get("power"), 0),
            followup=percent(mdc.get("detectable_followup_incidence")),
            fall=percent(mdc.get("detectable_relative_fall")),
        )

    def response_numbers(self, wave: WaveInputs) -> dict[str, Any] | None:
        """Households sampled, eligible, interviewed and the response rate RR1.

        From table T1's "all" row when it exists (the numbers the report's T1 prints), else from
        the clean households: RR1 = completed (result code 1) / eligible (AAPOR 2016).
        """
        table = wave.tables.get("T1")
        if table is not None and "stratum_id" in table.data.columns:
            rows = table.data[table.data["stratum_id"].astype(str) == "all"]
            values = dict(zip(rows["indicator"], rows["estimate"], strict=False))
            needed = ("households_selected", "households_eligible", "households_responded")
            if all(k in values for k in (*needed, "response_rate_rr1")):
                return {
                    "selected": values["households_selected"],
                    "eligible": values["households_eligible"],
                    "responded": values["households_responded"],
                    "rate": values["response_rate_rr1"],
                }
        households = wave.households
        if households is None or not {"eligible", "result_code"} <= set(households.columns):
            return None
        eligible = households["eligible"].fillna(False).astype(bool)
        completed = (households["result_code"] == 1).fillna(False).astype(bool) & eligible
        responded = (
            households["responded"].fillna(False).astype(bool)
            if "responded" in households.columns
            else completed
        )
        return {
            "selected": len(households),
            "eligible": int(eligible.sum()),
            "responded": int(responded.sum()),
            "rate": completed.sum() / eligible.sum() if eligible.sum() else float("nan"),
        }

    def response_text(self, wave: WaveInputs) -> list[Bilingual]:
        texts = []
        response = self.response_numbers(wave)
        start, end = _interview_dates(wave.households)
        if response:
            wave_name = self.wave_name(wave.wave)
            texts.append(
                per_language(
                    lambda lang: self.w(
                        "sentences.response",
                        wave=wave_name[lang],
                        selected=count(response["selected"]),
                        eligible=count(response["eligible"]),
                        responded=count(response["responded"]),
                        rate=percent(response["rate"]),
                        start=start or "—",
                        end=end or "—",
                    )[lang]
                )
            )
        if wave.accounting is not None:
            for row in wave.accounting.to_dict("records"):
                try:
                    table_name = self.codebook_text(f"tables.{row['table']}")
                except KeyError:
                    table_name = {"zh": str(row["table"]), "en": str(row["table"])}
                texts.append(
                    per_language(
                        lambda lang, row=row, name=table_name: self.w(
                            "sentences.accounting",
                            table=name[lang] if lang == "zh" else sentence_case(name[lang]),
                            raw=count(row.get("raw_rows")),
                            clean=count(row.get("clean_rows")),
                            rejected=count(row.get("rejected_rows")),
                        )[lang]
                    )
                )
        return texts

    def weighting_block(self, wave: WaveInputs) -> dict[str, Any]:
        weights = self.config.get("weights", {})
        calibration = weights.get("calibration", "poststratify")
        if calibration == "none":
            calibration_text = self.w("sentences.calibration_none")
        else:
            method = self.w(f"sentences.calibration_{calibration}")
            calibration_text = per_language(
                lambda lang: self.w(
                    "sentences.calibration",
                    method=method[lang],
                    min_cell=plain(weights.get("min_cell_respondents")),
                )[lang]
            )
        trim = weights.get("trim_ratio_to_median")
        trimming = (
            self.w("sentences.trimming_none")
            if trim is None
            else self.w("sentences.trimming_ratio", ratio=plain(trim))
        )
        nr_class = self.w(f"sentences.nr_class_{weights.get('nonresponse_class', 'psu')}")
        kish = _kish(wave.weights_diagnostics)
        text = per_language(
            lambda lang: self.w(
                "sentences.weighting",
                nr_class=nr_class[lang],
                min_class=plain(weights.get("min_class_respondents")),
                calibration=calibration_text[lang],
                trimming=trimming[lang],
                kish=number(kish, 2),
            )[lang]
        )
        return {
            "wave": self.wave_name(wave.wave),
            "text": text,
            "table": self.weights_table(wave.weights_diagnostics),
        }

    def weights_table(self, diagnostics: pd.DataFrame | None) -> dict[str, Any] | None:
        if diagnostics is None or diagnostics.empty:
            return None
        header = [
            self.w("labels.step"),
            self.w("labels.n"),
            self.w("labels.weight_min"),
            self.w("labels.weight_median"),
            self.w("labels.weight_max"),
            self.w("labels.weight_ratio"),
            self.w("labels.kish"),
        ]
        rows = []
        for row in diagnostics.to_dict("records"):
            step = str(row.get("step", ""))
            key = "final" if step.startswith("final") else step
            label_key = f"labels.weight_steps.{key}"
            label = self.w(label_key) if self.words.has(label_key) else {"zh": step, "en": step}
            rows.append(
                [
                    label,
                    count(row.get("n")),
                    number(row.get("min"), 2),
                    number(row.get("median"), 2),
                    number(row.get("max"), 2),
                    number(row.get("max_to_min"), 2),
                    number(row.get("kish_weighting_effect"), 3),
                ]
            )
        return {"header": header, "rows": rows}

    def variance_text(self) -> Bilingual:
        first = next((w.estimates for w in self.inputs.waves if w.estimates is not None), None)
        incidence = (
            self.estimate(first, "injury_incidence", "all", "all") if first is not None else None
        )
        ci_key = self.estimation.get("ci_method", "logit")
        try:
            ci_zh, ci_en = self.table_words.both("ci_methods", ci_key)
        except KeyError:
            ci_zh = ci_en = ci_key
        lonely = self.w(f"sentences.lonely_{self.estimation.get('lonely_psu', 'fail')}")
        df = count(incidence["df"]) if incidence else "—"
        deff = number(incidence["deff"], 2) if incidence else "—"
        confidence = percent(self.estimation.get("confidence", 0.95), 0)
        return per_language(
            lambda lang: self.w(
                "sentences.variance",
                df=df,
                confidence=confidence,
                ci_method=ci_zh if lang == "zh" else ci_en,
                lonely=lonely[lang],
                deff=deff,
            )[lang]
        )

    def definitions_text(self) -> Bilingual:
        ages = age_groups_label(self.config.get("age_groups", [0, 15, 45, 65]))
        return per_language(
            lambda lang: self.w(
                "sentences.definitions",
                case=self.case_definition[lang],
                recall=self.recall[lang],
                standard=self.standard_name[lang],
                age_groups=ages,
            )[lang]
        )

    def reporting_rules(self) -> Bilingual:
        return per_language(
            lambda lang: self.w(
                "sentences.reporting_rules",
                min_n=plain(self.estimation.get("unstable_min_n", 30)),
                max_rse=percent(self.estimation.get("unstable_max_rse", 0.3), 0),
                suppress=plain(self.report.get("suppress_below", 5)),
                area=self.area[lang],
            )[lang]
        )

    def software_block(self) -> dict[str, Any]:
        versions = dict(self.software)
        python = versions.pop("python", platform.python_version())
        missing = self.w("labels.not_installed")
        names = per_language(
            lambda lang: ", ".join(
                f"{name} {version if version else missing[lang]}"
                for name, version in versions.items()
            )
        )
        text = per_language(
            lambda lang: self.w(
                "sentences.software",
                python=f"Python {python}",
                names=names[lang],
                date=self.generated_on.isoformat(),
            )[lang]
        )
        return {"text": text}

    # ---------------------------------------------------------------- figures and tables

    def figure_group(self, figures: Sequence[FigureFile]) -> dict[str, Any] | None:
        """One numbered figure: its image in each language and its captions."""
        if not figures:
            return None
        self.figure_number += 1
        number_text = self.w("labels.figure", number=self.figure_number)
        images = [
            {"lang": f.lang, "src": _data_uri(f.png), "alt": f.caption.split("。")[0][:200]}
            for f in figures
        ]
        captions = {f.lang: f.caption for f in figures}
        return {
            "id": f"figure-{figures[0].stem}",
            "number": number_text,
            "images": images,
            "caption": {lang: captions.get(lang, "") for lang in ("zh", "en")},
        }

    def figures(self) -> list[dict[str, Any]]:
        by_stem: dict[str, list[FigureFile]] = {}
        for figure in self.inputs.figures:
            by_stem.setdefault(figure.stem, []).append(figure)
        return [self.figure_group(group) for group in by_stem.values()]

    def tables(self) -> list[dict[str, Any]]:
        blocks = []
        compact_note = self.w("sentences.wide_table_note")
        zero_items_note = self.w("sentences.zero_items_note")
        for wave in self.inputs.waves:
            rendered: list[HtmlTable] = []
            for table_id in KEY_TABLES:
                table = wave.tables.get(table_id)
                if table is None or table.data.empty:
                    continue
                rendered.append(
                    html_table(
                        table,
                        words=self.table_words,
                        standard_name=self.standard_name,
                        compact_note=compact_note,
                        zero_items_note=zero_items_note if table_id == "T22" else None,
                    )
                )
            items = []
            for table in rendered:
                self.table_number += 1
                items.append(
                    {
                        "table": table,
                        "number": self.w("labels.table", number=self.table_number),
                        "legend": _legend(table),
                    }
                )
            if items:
                blocks.append({"wave": self.wave_name(wave.wave), "entries": items})
        return blocks

    def missing(self) -> list[Bilingual]:
        notes = []
        for what, path in self.inputs.missing:
            if what.startswith("missing_"):
                label = self.w(f"sentences.{what}")
            else:
                label = self.w("sentences.missing_table", id=what)
            notes.append(
                per_language(
                    lambda lang, label=label, path=path: self.w(
                        "sentences.missing_input", what=label[lang], path=path
                    )[lang]
                )
            )
        return notes


# ------------------------------------------------------------------------------ helpers


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(char):X} " if char in '\\"<>&' or ord(char) < 32 else char for char in text
    )
    return f'"{escaped}"'


def _ci(record: Mapping[str, Any], formatter: Any) -> str:
    return f"{formatter(record.get('ci_lower'))}–{formatter(record.get('ci_upper'))}"


def _kish(diagnostics: pd.DataFrame | None) -> float | None:
    """The Kish weighting effect of the final weights (the last step of the diagnostics)."""
    if diagnostics is None or diagnostics.empty or "kish_weighting_effect" not in diagnostics:
        return None
    return float(diagnostics["kish_weighting_effect"].iloc[-1])


def _interview_dates(households: pd.DataFrame | None) -> tuple[str | None, str | None]:
    if households is None or "interview_date" not in households.columns:
        return None, None
    rows = households
    if "responded" in households.columns:
        rows = households[households["responded"].fillna(False).astype(bool)]
    dates = pd.to_datetime(rows["interview_date"], errors="coerce").dropna()
    if dates.empty:
        return None, None
    return dates.min().date().isoformat(), dates.max().date().isoformat()


def _plan_value(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in ("incidence_prior", "response_rate", "confidence", "precision"):
        return f"{percent(value)} %"
    if name == "household_size":
        return number(value, 2)
    return plain(value)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _legend(table: HtmlTable) -> dict[str, bool]:
    """Which marks occur in the table (their meaning is in the notes / reporting rules)."""
    cells = [cell["zh"] for row in table.rows for cell in row]
    return {
        "suppressed": any(cell == SUPPRESSED_MARK for cell in cells),
        "unstable": any(cell.endswith(f" {UNSTABLE_MARK}") for cell in cells),
    }
