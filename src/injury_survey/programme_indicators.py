"""The programme's own indicators: awareness (知晓率), safety knowledge and home safety.

The two optional tables of docs/input-tables-programme.md are scored against the codebook's
``programme:`` block (item list and answer key) and estimated on the survey's own design:

- person items (awareness, each source's share among the aware, each knowledge item's share
  right, the knowledge score and the share passing) with the final person weight ``weight``;
- household items (home-safety measures) with the household weight ``weight_hh`` of the
  weighting stage (config ``weights.household_weight``, :func:`household_weights`).

Scoring (docs/input-tables-programme.md "How the answers are counted"): a blank or refused answer
is item non-response and leaves that item's denominator; "don't know" counts as no / wrong with
``programme.dont_know: as_no`` and as non-response with ``missing``; "not applicable" leaves a
household out of that measure's population. Every scored item keeps a 0/1 indicator and an
``answered_<item>`` domain flag, and the estimates are domain estimates on the full design
(``where=``), never on a subset of rows (docs/methods.md, design-based estimation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from injury_survey.codebook import Codebook
from injury_survey.report_tables.core import ReportSettings, finish

# The designs (svy, polars) are imported by the function that estimates: the report, evaluation
# and pilot stages use this module for its item lists and constants only.
if TYPE_CHECKING:
    from injury_survey.survey_design import SurveyDesign

RIGHT, WRONG_OPTIONS = 1, (1, 2, 3, 4)
YES, NO = 1, 2
SCORE = "knowledge_score"
PASSED = "knowledge_passed"
AWARE = "aware"
RESULT_KEYS = ["section", "item", "statistic", "by", "level"]


class ProgrammeError(ValueError):
    """The programme tables or their codebook block cannot be used; the message says what to do."""


@dataclass(frozen=True)
class ProgrammeSettings:
    """The config's ``programme:`` block and the household weight it is estimated with (schema
    in workflow/schemas/config.schema.yaml)."""

    min_age: int = 15
    knowledge_pass_mark: float = 0.6
    dont_know: str = "as_no"
    household_weight: str = "person_mean"  # the config's weights.household_weight

    @classmethod
    def from_config(cls, config: Mapping) -> ProgrammeSettings:
        block = dict(config.get("programme") or {})
        defaults = cls()
        return cls(
            min_age=int(block.get("min_age", defaults.min_age)),
            knowledge_pass_mark=float(
                block.get("knowledge_pass_mark", defaults.knowledge_pass_mark)
            ),
            dont_know=block.get("dont_know", defaults.dont_know),
            household_weight=(config.get("weights") or {}).get(
                "household_weight", defaults.household_weight
            ),
        )

    def describe(self) -> str:
        """The settings in one line, printed beside the numbers they produced."""
        return (
            f"programme: min_age {self.min_age}, knowledge_pass_mark "
            f"{self.knowledge_pass_mark:g}, dont_know {self.dont_know}; "
            f"weights.household_weight {self.household_weight}"
        )


@dataclass(frozen=True)
class ProgrammeItems:
    """The codebook's ``programme:`` block: which columns are which items."""

    awareness: str
    sources: dict[str, dict]
    knowledge: dict[str, dict]
    home_safety: dict[str, dict]

    def label(self, item: str, lang: str = "zh") -> str:
        for group in (self.sources, self.knowledge, self.home_safety):
            if item in group:
                return str(group[item][f"label_{lang}"])
        return item


def programme_items(codebook: Codebook) -> ProgrammeItems:
    """Read the item lists and answer key from the codebook file the survey uses."""
    block = codebook.section("programme")
    if not isinstance(block, dict):
        raise ProgrammeError(
            f"编码手册 {codebook.path} 没有 programme 部分（知晓、知识题及答案、家庭安全措施）。"
            "请从软件包默认编码手册复制 programme 部分。\n"
            f"Codebook {codebook.path} has no 'programme:' block (awareness, knowledge items and "
            "answer key, home-safety items). Copy it from the package's default codebook and "
            "edit it to match your questionnaire."
        )
    knowledge = dict(block.get("knowledge") or {})
    for item, spec in knowledge.items():
        if spec.get("correct") not in WRONG_OPTIONS:
            raise ProgrammeError(
                f"编码手册 {codebook.path}：programme.knowledge.{item}.correct 必须是 1–4 之一，"
                f"现为 {spec.get('correct')!r}。\n"
                f"Codebook {codebook.path}: programme.knowledge.{item}.correct must be the "
                f"code of the right answer (1-4), found {spec.get('correct')!r}."
            )
    named = {"knowledge": knowledge, "sources": block.get("sources") or {}}
    named["home_safety"] = block.get("home_safety") or {}
    for group, entries in named.items():
        for item in entries:
            if item not in codebook.variables and not _has_alias(codebook, item):
                raise ProgrammeError(
                    f"编码手册 {codebook.path}：programme.{group} 中的 {item} 没有代码表。"
                    "请把它加到相应变量（knowledge_answer、heard_from 或 home_safety_answer）"
                    "的 aliases 中。\n"
                    f"Codebook {codebook.path}: programme.{group} lists {item}, but no variable "
                    "gives its codes. Add it to the aliases of knowledge_answer, heard_from or "
                    "home_safety_answer."
                )
    return ProgrammeItems(
        awareness=str(block.get("awareness", "aware_programme")),
        sources=dict(block.get("sources") or {}),
        knowledge=knowledge,
        home_safety=dict(block.get("home_safety") or {}),
    )


def _has_alias(codebook: Codebook, column: str) -> bool:
    try:
        codebook.variable(column)
    except KeyError:
        return False
    return True


# ---------------------------------------------------------------------------------- scoring


def _recode(
    values: pd.Series,
    yes: pd.Series,
    no_codes: Sequence[int],
    dont_know: pd.Series,
    settings: ProgrammeSettings,
) -> pd.Series:
    """0/1/NA from answer codes: ``yes`` → 1, ``no_codes`` → 0, don't know per the setting."""
    codes = pd.to_numeric(values, errors="coerce")
    out = pd.Series(pd.NA, index=values.index, dtype="Float64")
    out[yes.fillna(False)] = 1.0
    out[codes.isin(no_codes).fillna(False) & ~yes.fillna(False)] = 0.0
    if settings.dont_know == "as_no":
        out[dont_know.fillna(False)] = 0.0
    return out


def score_knowledge(
    knowledge: pd.DataFrame,
    persons: pd.DataFrame,
    items: ProgrammeItems,
    codebook: Codebook,
    settings: ProgrammeSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the knowledge table; returns ``(scored, set_aside)``.

    ``scored`` has ``person_id``, ``aware`` (0/1/NA), one 0/1/NA column per source (among the
    aware only) and per knowledge item present (right = 1), ``knowledge_score`` (percentage of
    the answered items right), ``knowledge_passed`` and an ``answered_<item>`` flag per item.
    ``set_aside`` lists rows (``record_id`` = person_id) whose person is not weighted or is
    younger than ``min_age``, with the reason.
    """
    ages = persons.set_index(persons["person_id"].astype(str))["age_years"]
    frame = knowledge.copy()
    frame["person_id"] = frame["person_id"].astype(str)
    age = frame["person_id"].map(ages)
    reasons = pd.Series("", index=frame.index)
    reasons[age.isna()] = (
        "person_id is not a weighted person (no screening answer, so no person weight; or not "
        "in the cleaned persons table) / 该人不在加权人员中（无伤害筛查回答因而无个人权重，"
        "或不在清理后的成员表中）"
    )
    too_young = pd.to_numeric(age, errors="coerce") < settings.min_age
    reasons[too_young.fillna(False)] = (
        f"younger than programme.min_age {settings.min_age} / 年龄小于 {settings.min_age} 岁"
    )
    where = [c for c in ("source_file", "source_row") if c in frame.columns]
    set_aside = frame.loc[reasons != "", ["person_id", *where]].rename(
        columns={"person_id": "record_id"}
    )
    set_aside["reason"] = reasons[reasons != ""]
    frame = frame.loc[reasons == ""].reset_index(drop=True)

    aware_codes = pd.to_numeric(frame[items.awareness], errors="coerce")
    dk_aware = aware_codes.isin(codebook.variable(items.awareness).dont_know)
    out = pd.DataFrame({"person_id": frame["person_id"]})
    out[AWARE] = _recode(frame[items.awareness], aware_codes == YES, [NO], dk_aware, settings)
    out[f"answered_{AWARE}"] = out[AWARE].notna().astype(int)
    is_aware = (out[AWARE] == 1).fillna(False)
    for source in present(frame, items.sources):
        codes = pd.to_numeric(frame[source], errors="coerce")
        value = _recode(frame[source], codes == YES, [NO], codes.isin([]), settings)
        out[source] = value.where(is_aware, pd.NA)
        out[f"answered_{source}"] = out[source].notna().astype(int)
    answered = []
    for item in present(frame, items.knowledge):
        codes = pd.to_numeric(frame[item], errors="coerce")
        dont_know = codes.isin(codebook.variable(item).dont_know)
        right = codes == items.knowledge[item]["correct"]
        out[item] = _recode(frame[item], right, WRONG_OPTIONS, dont_know, settings)
        out[f"answered_{item}"] = out[item].notna().astype(int)
        answered.append(item)
    if answered:
        values = out[answered].astype(float)
        out[SCORE] = 100 * values.mean(axis=1, skipna=True)
        out[PASSED] = (out[SCORE] >= 100 * settings.knowledge_pass_mark).astype(float)
        out.loc[out[SCORE].isna(), PASSED] = np.nan
        out[f"answered_{SCORE}"] = out[SCORE].notna().astype(int)
        out[f"answered_{PASSED}"] = out[f"answered_{SCORE}"]
    return out, set_aside.reset_index(drop=True)


def score_home_safety(
    home: pd.DataFrame, items: ProgrammeItems, codebook: Codebook, settings: ProgrammeSettings
) -> pd.DataFrame:
    """0/1/NA per home-safety measure present (1 = present); not applicable and blanks are NA."""
    out = pd.DataFrame({"hh_id": home["hh_id"].astype(str)})
    for item in present(home, items.home_safety):
        codes = pd.to_numeric(home[item], errors="coerce")
        dont_know = codes.isin(codebook.variable(item).dont_know)
        out[item] = _recode(home[item], codes == YES, [NO], dont_know, settings)
        out[f"answered_{item}"] = out[item].notna().astype(int)
    return out


def present(table: pd.DataFrame, group: Mapping[str, dict]) -> list[str]:
    """The items of ``group`` that the table has (a partial set of items works)."""
    return [item for item in group if item in table.columns]


def absent_items(table: pd.DataFrame | None, group: Mapping[str, dict]) -> list[str]:
    """The items of ``group`` the table lacks, to name in a note."""
    return list(group) if table is None else [i for i in group if i not in table.columns]


# ---------------------------------------------------------------------------------- non-response


def item_nonresponse(
    table: pd.DataFrame,
    columns: Sequence[str],
    codebook: Codebook,
    *,
    asked: Mapping[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Per item, unweighted: rows asked, answered, blank or refused, don't know, not applicable.

    ``asked`` optionally restricts an item to the rows that were asked it (the sources are asked
    only of the aware). Works on the raw codes of the formal survey or the pilot alike. Unlike
    :func:`injury_survey.cleaning.item_nonresponse` (the injury questions), it keeps "don't
    know" apart from refused (don't know is an answer here, see ``programme.dont_know``) and
    takes "not applicable" households out of the base.
    """
    rows = []
    for item in columns:
        if item not in table.columns:
            continue
        variable = codebook.variable(item)
        mask = asked[item] if asked and item in asked else pd.Series(True, index=table.index)
        codes = pd.to_numeric(table.loc[mask, item], errors="coerce")
        n = int(len(codes))
        not_applicable = (
            int(codes.isin(codebook.group(item, "not_applicable")).sum())
            if ("not_applicable" in (variable.groups or {}))
            else 0
        )
        blank_or_refused = int((codes.isna() | codes.isin(variable.refused)).sum())
        dont_know = int(codes.isin(variable.dont_know).sum())
        in_scope = n - not_applicable
        rows.append(
            {
                "item": item,
                "n_asked": n,
                "n_not_applicable": not_applicable,
                "n_nonresponse": blank_or_refused,
                "nonresponse_share": blank_or_refused / in_scope if in_scope else np.nan,
                "n_dont_know": dont_know,
                "dont_know_share": dont_know / in_scope if in_scope else np.nan,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- estimation


_DECLARATION_COLUMNS = ("certainty", "psus_in_frame", "households_listed")


def household_weights(persons_weighted: pd.DataFrame) -> pd.DataFrame:
    """One row per weighted household: ``hh_id, stratum_id, psu_id, weight`` (= ``weight_hh``).

    ``weight_hh`` is the household weight of the weighting stage (config
    ``weights.household_weight``, :func:`injury_survey.weighting.household_weight`; by default
    the mean of the final person weights of the household's members), the same for every
    member of a household.
    """
    if "weight_hh" not in persons_weighted.columns:
        raise ProgrammeError(
            "weights.parquet 没有户权重列 weight_hh（由旧版本生成）：请重新运行权重计算（notebook 04）。\n"
            "weights.parquet has no household weight column weight_hh (written by an older "
            "version): rerun the weighting stage (notebook 04)."
        )
    # The frame columns of the variance declaration (certainty, N_h, M_i) go with the household.
    frame = [c for c in _DECLARATION_COLUMNS if c in persons_weighted.columns]
    columns = ["hh_id", "stratum_id", "psu_id", "weight_hh", *frame]
    households = persons_weighted[columns].drop_duplicates("hh_id").copy()
    households["hh_id"] = households["hh_id"].astype(str)
    return households.rename(columns={"weight_hh": "weight"}).reset_index(drop=True)


RESPONDENT_DOMAINS = ("respondent_sex", "respondent_age_group", "respondent_education")
UNKNOWN = "unknown"


def respondent_attributes(households: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """Sex, report age group and education of each household's respondent (the person whose
    ``line`` is the household's ``respondent_line``): the one who answered the home-safety form.

    Returns ``hh_id`` and the :data:`RESPONDENT_DOMAINS` columns (as text, missing where the
    line matches no person); an empty frame when households have no ``respondent_line``.
    """
    if "respondent_line" not in households.columns:
        return pd.DataFrame(columns=["hh_id", *RESPONDENT_DOMAINS])
    lines = households[["hh_id", "respondent_line"]].dropna().astype({"hh_id": str})
    lines["line"] = pd.to_numeric(lines["respondent_line"], errors="coerce")
    people = persons[["hh_id", "line", "sex", "age_group", "education"]].copy()
    people["hh_id"] = people["hh_id"].astype(str)
    people["line"] = pd.to_numeric(people["line"], errors="coerce")
    out = lines.merge(people.drop_duplicates(["hh_id", "line"]), on=["hh_id", "line"], how="left")
    result = pd.DataFrame({"hh_id": out["hh_id"]})
    for column in ("sex", "age_group", "education"):
        values = out[column]
        text = values.astype("Int64").astype(str) if column != "age_group" else values.astype(str)
        result[f"respondent_{column}"] = text.where(values.notna(), pd.NA)
    return result.reset_index(drop=True)


def estimate_items(
    design: SurveyDesign,
    section: str,
    items: Sequence[str],
    *,
    domains: Sequence[str] = (),
    ci_method: str = "logit",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per item: the proportion with value 1 among rows answering it, overall and by domain.

    ``knowledge_score`` is a mean (percentage right) instead of a proportion. An item nobody
    answered has no estimate (its non-response shows in :func:`item_nonresponse`).
    """
    parts = []
    for item in items:
        where = (f"answered_{item}", 1)
        if not (design.data[where[0]] == 1).any():
            continue
        for by in [None, *domains]:
            if item == SCORE:
                table = design.mean(item, by=by, where=where, confidence=confidence)
                statistic = "mean"
            else:
                table = design.proportion(
                    item, by=by, where=where, ci_method=ci_method, confidence=confidence
                )
                statistic = "proportion"
            table = table.rename(columns={by: "level"}) if by else table.assign(level="all")
            table["level"] = table["level"].astype(str)
            table["n_cases"] = _numerators(design.data, item, where, by, table, statistic)
            parts.append(
                table.assign(section=section, item=item, statistic=statistic, by=by or "all")
            )
    if not parts:
        return pd.DataFrame(columns=RESULT_KEYS)
    out = pd.concat(parts, ignore_index=True)
    return out[RESULT_KEYS + [c for c in out.columns if c not in RESULT_KEYS]]


def _numerators(data, item, where, by, table, statistic) -> pd.Series:
    """Unweighted numerator per cell (rows answering 1), for the suppression rule; a mean's
    cell has every answering row as its numerator."""
    # Only the columns counted: filtering the whole (wide) design table copied every column.
    answered = data.loc[data[where[0]] == 1, [item] if by is None else [item, by]]
    rows = answered if statistic == "mean" else answered[answered[item] == 1]
    if by is None:
        return pd.Series(len(rows), index=table.index)
    counts = rows.groupby(rows[by].astype(str)).size()
    return table["level"].map(counts).fillna(0).astype(int)


def analysis_frame(base: pd.DataFrame, scored: pd.DataFrame, key: str) -> pd.DataFrame:
    """Design rows left-joined to the scored items; rows without an answer are outside every
    item's domain (answered_* = 0, value 0), so PSUs keep their place in the variance."""
    frame = base.copy()
    frame[key] = frame[key].astype(str)
    frame = frame.merge(scored, on=key, how="left")
    for column in scored.columns:
        if column == key:
            continue
        if column.startswith("answered_"):
            frame[column] = frame[column].fillna(0).astype(int)
        else:
            frame[column] = frame[column].astype(float).fillna(0.0)
    return frame


def estimate_programme(
    persons_weighted: pd.DataFrame,
    knowledge_scored: pd.DataFrame | None,
    home_scored: pd.DataFrame | None,
    items: ProgrammeItems,
    config: Mapping,
    respondents: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All programme estimates of one wave, flagged unstable/suppressed as the injury tables.

    Person items use the design of ``weights.parquet`` (final weight, with its calibration
    record); household items the household design of :func:`household_weights`. Person
    domains are the config's ``estimation.domains`` that the persons carry; household items
    are estimated overall, by community (``stratum_id``) and, given ``respondents``
    (:func:`respondent_attributes`), by the respondent's sex, age group and education where the
    config's domains name them (a household whose respondent is unknown is its own level).
    """
    from injury_survey.estimation import design_from_weights
    from injury_survey.survey_design import SurveyDesign

    report = ReportSettings.from_config(config)
    calibration = (config.get("weights") or {}).get("calibration")
    options = {"ci_method": report.ci_method, "confidence": report.confidence}
    parts = []
    if knowledge_scored is not None:
        frame = analysis_frame(persons_weighted, knowledge_scored, "person_id")
        design = design_from_weights(
            frame,
            lonely_psu=report.lonely_psu,
            calibration=None if calibration == "none" else calibration,
        )
        domains = [d for d in report.domains if d in frame.columns]
        scored = set(knowledge_scored.columns)
        sections = [
            ("awareness", [AWARE]),
            ("source", [s for s in items.sources if s in scored]),
            ("knowledge_item", [k for k in items.knowledge if k in scored]),
            ("knowledge_score", [i for i in (SCORE, PASSED) if i in scored]),
        ]
        for section, names in sections:
            parts.append(estimate_items(design, section, names, domains=domains, **options))
    if home_scored is not None:
        households = household_weights(persons_weighted)
        domains = ["stratum_id"]
        if respondents is not None:
            households = households.merge(respondents, on="hh_id", how="left")
            for column in RESPONDENT_DOMAINS:
                if column.removeprefix("respondent_") in report.domains:
                    households[column] = households[column].fillna(UNKNOWN)
                    domains.append(column)
        frame = analysis_frame(households, home_scored, "hh_id")
        design = SurveyDesign(frame, weight="weight", lonely_psu=report.lonely_psu)
        names = [h for h in items.home_safety if h in home_scored.columns]
        parts.append(estimate_items(design, "home_safety", names, domains=domains, **options))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=RESULT_KEYS)
    return finish(pd.concat(parts, ignore_index=True), report)


def injury_link(
    design: SurveyDesign, outcome: str, exposure: str, *, domain: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A descriptive link between an injury outcome and a programme item, within a domain.

    ``outcome`` and ``exposure`` are 0/1 columns; ``domain`` a 0/1 column marking the rows in
    the comparison (e.g. aged 65+ and the household answered the anti-slip item). Returns the
    share with the outcome by exposure level (domain estimates on the full design) and the
    Rao–Scott tests of independence (R ``svychisq``; F is the one to report). An association
    here is descriptive: the survey cannot order measure and injury in time.
    """
    shares = design.proportion(outcome, by=exposure, where=(domain, 1))
    tests = design.rao_scott(outcome, exposure, where=(domain, 1))
    return shares.reset_index(drop=True), tests
