"""The report's key results: the headline sentence, the key facts and the headline table
(crude and age-standardised indicators, overall and by sex). Numbers repeated elsewhere are
marked with their quantity (:func:`.text.quantity`) for the audit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from injury_survey.report_document.inputs import WaveInputs
from injury_survey.report_document.methods import kish_effect
from injury_survey.report_document.text import (
    Bilingual,
    count,
    number,
    per_language,
    percent,
    quantity,
    sentence_case,
)
from injury_survey.report_tables.workbook import format_cell

# Headline indicators of estimates.csv: (indicator, unit of display).
HEADLINE_INDICATORS = (
    ("injury_incidence", "proportion"),
    ("injury_incidence_std", "proportion"),
    ("episode_rate_per_1000py", "per_1000_py"),
    ("episode_rate_per_1000py_std", "per_1000_py"),
    ("episodes_per_injured", "ratio"),
)
SEX_CODES = (1, 2)


class SummarySection:
    """Key results (section 1); a part of the document's context (:mod:`.document`)."""

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
                            level=self.confidence_level,
                            case=self.case_definition[lang],
                            recall=self.recall[lang],
                            standard=self.standard_name[lang],
                        )[lang]
                    ),
                    "flags": self.reporting_rules(),
                }
            )
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
            label = {"zh": f"{label['zh']}（%）", "en": f"{label['en']} (%)"}
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
            "persons": quantity(f"{wave.wave}:persons", count(found["incidence"]["n"])),
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
                level=self.confidence_level,
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
                {
                    "label": self.w("labels.households"),
                    "value": quantity(
                        f"{wave.wave}:households_responded", count(response["responded"])
                    ),
                }
            )
            facts.append(
                {
                    "label": self.w("labels.response_rate"),
                    "value": quantity(f"{wave.wave}:response_rate", percent(response["rate"]))
                    + self.percent_sign,
                }
            )
        incidence = (
            self.estimate(wave.estimates, "injury_incidence", "all", "all")
            if wave.estimates is not None
            else None
        )
        if incidence:
            facts.append(
                {
                    "label": self.w("labels.persons"),
                    "value": quantity(f"{wave.wave}:persons", count(incidence["n"])),
                }
            )
            facts.append(
                {
                    "label": self.w("labels.design_effect"),
                    "value": quantity(f"{wave.wave}:deff", number(incidence["deff"], 2)),
                }
            )
        kish = kish_effect(wave.weights_diagnostics)
        if kish is not None:
            facts.append(
                {
                    "label": self.w("labels.kish"),
                    "value": quantity(f"{wave.wave}:kish", number(kish, 2)),
                }
            )
        mdc = (self.inputs.plan or {}).get("minimum_detectable_change")
        if mdc:
            facts.append(
                {
                    "label": self.w("labels.mdc"),
                    "value": quantity("plan:mdc_baseline", percent(mdc["baseline_incidence"]))
                    + " → "
                    + quantity("plan:mdc_followup", percent(mdc["detectable_followup_incidence"]))
                    + self.percent_sign,
                }
            )
        return facts


def _ci(record: Mapping[str, Any], formatter: Any) -> str:
    return f"{formatter(record.get('ci_lower'))}–{formatter(record.get('ci_upper'))}"
