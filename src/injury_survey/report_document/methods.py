"""The report's methods section: design as fielded, sample size and the plan, response,
weighting, variance and CIs, definitions, reporting rules, software (docs/methods.md)."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from typing import Any

import pandas as pd

from injury_survey.adjustments import read_adjustments
from injury_survey.report_document.inputs import WaveInputs
from injury_survey.report_document.text import (
    LIST_SEPARATOR,
    Bilingual,
    age_groups_label,
    count,
    join_sentences,
    number,
    per_language,
    percent,
    plain,
    quantity,
    sentence_case,
)


class MethodsSection:
    """Methods (section 2); a part of the document's context (:mod:`.document`)."""

    def methods(self) -> dict[str, Any]:
        plan = self.inputs.plan
        return {
            "design": self.design_text(plan) if plan else None,
            "sample_size": self.sample_size_text(plan) if plan else None,
            "plan_table": self.plan_table(plan) if plan else None,
            "plan_figure": self.figure_group(self.inputs.plan_figures),
            "plan_vs_fielded": self.plan_vs_fielded_text(plan) if plan else None,
            "mdc": self.mdc_text(plan) if plan else None,
            "response": [text for wave in self.inputs.waves for text in self.response_text(wave)],
            "weighting": [self.weighting_block(wave) for wave in self.inputs.waves],
            "variance": self.variance_text(),
            "definitions": self.definitions_text(),
            "reporting_rules": self.reporting_rules(),
            "adjustments": self.adjustments_block(),
            "software": self.software_block(),
        }

    def adjustments_block(self) -> dict[str, Any]:
        """What the data forced (collapsed classes and cells, rows set aside, the lonely-PSU rule,
        item non-response), one line each, from the same records the notebooks showed and the
        end-of-run summary printed (:mod:`injury_survey.adjustments`)."""
        table = read_adjustments(self.inputs.results_dir)
        items = []
        for row in table.to_dict("records"):
            wave = self.wave_name(row["wave"])
            setting = {
                "zh": f"（设置：{row['setting']}）" if row["setting"] else "",
                "en": f" (setting: {row['setting']})" if row["setting"] else "",
            }
            items.append(
                {
                    "zh": f"{wave['zh']}，笔记本{row['stage']}：{row['detail_zh']}{setting['zh']}",
                    "en": f"{wave['en']}, notebook {row['stage']}: {row['detail_en']}{setting['en']}",
                }
            )
        lead = self.w("sentences.adjustments_lead" if items else "sentences.adjustments_none")
        return {"lead": lead, "items": items}

    def design_text(self, plan: Mapping[str, Any]) -> Bilingual:
        """The design as fielded: PSUs and households of the frozen sample list (T1 of the first
        wave) when known, which may differ from the plan's draw once fieldwork has started."""
        strata = [row["stratum_id"] for row in plan.get("allocation", [])]
        sample = dict(plan.get("sample", {}))
        size = plan.get("sample_size", {})
        per_psu = size.get("households_per_psu")
        fielded = self.fielded_sample()
        source = "plan:drawn"
        if fielded:
            sample.update(fielded)
            per_psu = round(fielded["households"] / fielded["psus"])
            source = "sample"
        return per_language(
            lambda lang: self.w(
                "sentences.design",
                area=self.area[lang],
                strata=len(strata) or plain(size.get("n_strata")),
                strata_list=LIST_SEPARATOR[lang].join(self.stratum_name(s, lang) for s in strata),
                per_psu=plain(per_psu),
                psus=quantity(f"{source}:psus", count(sample.get("psus"))),
                households=quantity(f"{source}:households", count(sample.get("households"))),
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
                n2=quantity("plan:n2", count(size.get("n2"))),
                response=percent(size.get("response_rate")),
                n3=count(size.get("n3")),
                hh_size=number(size.get("hh_size"), 2),
                households_needed=quantity("plan:households", count(size.get("households"))),
                per_psu=plain(size.get("households_per_psu")),
                psus_needed=quantity("plan:psus", count(size.get("psus"))),
                min_psus=plain(size.get("min_psus_per_stratum")),
            )[lang]
        )

    def plan_vs_fielded_text(self, plan: Mapping[str, Any]) -> Bilingual | None:
        """Both samples, labelled, when the frozen sample list (fieldwork had started) is not
        the plan's draw; None when they agree or either is unknown."""
        drawn = plan.get("sample") or {}
        fielded = self.fielded_sample()
        if not fielded or not {"psus", "households"} <= drawn.keys():
            return None
        if (round(fielded["psus"]), round(fielded["households"])) == (
            round(drawn["psus"]),
            round(drawn["households"]),
        ):
            return None
        return self.w(
            "sentences.plan_vs_fielded",
            plan_psus=quantity("plan:drawn:psus", count(drawn["psus"])),
            plan_households=quantity("plan:drawn:households", count(drawn["households"])),
            psus=quantity("sample:psus", count(fielded["psus"])),
            households=quantity("sample:households", count(fielded["households"])),
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
                    "value": _plan_value(name, entry.get("value"), self.percent_sign),
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
            households=quantity(
                "plan:households", count(plan.get("sample_size", {}).get("households"))
            ),
            persons=quantity("plan:responding_persons", count(mdc.get("persons_per_survey"))),
            deff=plain(mdc.get("deff")),
            baseline=quantity("plan:mdc_baseline", percent(mdc.get("baseline_incidence"))),
            alpha=plain(mdc.get("alpha")),
            power=percent(mdc.get("power"), 0),
            followup=quantity(
                "plan:mdc_followup", percent(mdc.get("detectable_followup_incidence"))
            ),
            fall=percent(mdc.get("detectable_relative_fall")),
        )

    def response_numbers(self, wave: WaveInputs) -> dict[str, Any] | None:
        """Households sampled, eligible, interviewed and the response rate RR1 (completed /
        eligible, AAPOR 2016), from table T1's "all" row: the numbers the report's T1 prints.
        None without T1 (the document computes no result of its own; T1 is then listed as
        not found)."""
        table = wave.tables.get("T1")
        if table is None or "stratum_id" not in table.data.columns:
            return None
        rows = table.data[table.data["stratum_id"].astype(str) == "all"]
        values = dict(zip(rows["indicator"], rows["estimate"], strict=False))
        needed = ("households_selected", "households_eligible", "households_responded")
        if not all(k in values for k in (*needed, "response_rate_rr1")):
            return None
        return {
            "selected": values["households_selected"],
            "eligible": values["households_eligible"],
            "responded": values["households_responded"],
            "rate": values["response_rate_rr1"],
        }

    def response_text(self, wave: WaveInputs) -> list[Bilingual]:
        texts = []
        response = self.response_numbers(wave)
        start, end = interview_dates(wave.households)
        if response:
            wave_name = self.wave_name(wave.wave)

            def key(name: str) -> str:
                # the first wave's households selected are the fielded sample of section 2.1
                first = wave is self.inputs.waves[0] and name == "households_selected"
                return "sample:households" if first else f"{wave.wave}:{name}"

            texts.append(
                per_language(
                    lambda lang: self.w(
                        "sentences.response",
                        wave=wave_name[lang],
                        selected=quantity(key("households_selected"), count(response["selected"])),
                        eligible=count(response["eligible"]),
                        responded=quantity(
                            key("households_responded"), count(response["responded"])
                        ),
                        rate=quantity(key("response_rate"), percent(response["rate"])),
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
        kish = kish_effect(wave.weights_diagnostics)
        text = per_language(
            lambda lang: self.w(
                "sentences.weighting",
                nr_class=nr_class[lang],
                min_class=plain(weights.get("min_class_respondents")),
                calibration=calibration_text[lang],
                trimming=trimming[lang],
                kish=quantity(f"{wave.wave}:kish", number(kish, 2)),
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
        first = next((w for w in self.inputs.waves if w.estimates is not None), None)
        incidence = (
            self.estimate(first.estimates, "injury_incidence", "all", "all") if first else None
        )
        ci_key = self.estimation.get("ci_method", "logit")
        try:
            ci_zh, ci_en = self.table_words.both("ci_methods", ci_key)
        except KeyError:
            ci_zh = ci_en = ci_key
        lonely = self.w(f"sentences.lonely_{self.estimation.get('lonely_psu', 'fail')}")
        certainty = self.w(
            f"sentences.certainty_{self.estimation.get('certainty_psus', 'as_sampled')}"
        )
        fpc = self.w(f"sentences.fpc_{self.estimation.get('fpc', 'none')}")
        separator = {"zh": "；", "en": "; "}
        df = count(incidence["df"]) if incidence else "—"
        deff = quantity(f"{first.wave}:deff", number(incidence["deff"], 2)) if incidence else "—"
        confidence = percent(self.estimation.get("confidence", 0.95), 0)
        return per_language(
            lambda lang: self.w(
                "sentences.variance",
                df=df,
                confidence=confidence,
                ci_method=ci_zh if lang == "zh" else ci_en,
                lonely=lonely[lang],
                design=certainty[lang] + separator[lang] + fpc[lang],
                deff=deff,
            )[lang]
        )

    def definitions_text(self) -> Bilingual:
        bounds = self.config.get("age_groups", [0, 15, 45, 65])
        return per_language(
            lambda lang: self.w(
                "sentences.definitions",
                case=self.case_definition[lang],
                recall=self.recall[lang],
                standard=self.standard_name[lang],
                top_age=self.estimation.get("standardization_top_age", 85),
                age_groups=age_groups_label(bounds, lang),
            )[lang]
        )

    def reporting_rules(self) -> Bilingual:
        """The "—" and "*" notes, in the words every report table uses (one wording)."""
        notes = self.table_words
        return per_language(
            lambda lang: self.w(
                "sentences.reporting_rules",
                suppressed=notes.text(
                    "notes", "suppressed", lang, k=plain(self.report.get("suppress_below", 5))
                ),
                unstable=notes.text(
                    "notes",
                    "unstable",
                    lang,
                    n=plain(self.estimation.get("unstable_min_n", 30)),
                    rse=percent(self.estimation.get("unstable_max_rse", 0.3), 0),
                ),
                area=self.area[lang],
            )[lang]
        )

    def software_block(self) -> dict[str, Any]:
        versions = dict(self.software)
        python = versions.pop("python", platform.python_version())
        missing = self.w("labels.not_installed")
        names = per_language(
            lambda lang: LIST_SEPARATOR[lang].join(
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
        manifest = self.inputs.results_dir / "manifest.csv"
        if manifest.is_file():
            n_files = len(pd.read_csv(manifest))
            path = "results/manifest.csv"
            text = join_sentences([text, self.w("sentences.manifest", n=n_files, path=path)])
        return {"text": text}


def kish_effect(diagnostics: pd.DataFrame | None) -> float | None:
    """The Kish weighting effect of the final weights (the last step of the diagnostics)."""
    if diagnostics is None or diagnostics.empty or "kish_weighting_effect" not in diagnostics:
        return None
    return float(diagnostics["kish_weighting_effect"].iloc[-1])


def interview_dates(households: pd.DataFrame | None) -> tuple[str | None, str | None]:
    if households is None or "interview_date" not in households.columns:
        return None, None
    rows = households
    if "responded" in households.columns:
        rows = households[households["responded"].fillna(False).astype(bool)]
    dates = pd.to_datetime(rows["interview_date"], errors="coerce").dropna()
    if dates.empty:
        return None, None
    return dates.min().date().isoformat(), dates.max().date().isoformat()


def _plan_value(name: str, value: Any, percent_sign: str) -> str:
    if value is None:
        return "—"
    if name in ("incidence_prior", "response_rate", "confidence", "precision"):
        return f"{percent(value)}{percent_sign}"
    if name == "household_size":
        return number(value, 2)
    return plain(value)
