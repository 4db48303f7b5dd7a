"""The programme module of one survey wave: read, score, estimate, link to injuries, account.

:func:`run_programme` takes the wave's weighted persons (``weights.parquet``) and clean episodes,
reads the optional ``knowledge`` and ``home_safety`` tables named in the config
(``tables.waves.<wave>``), and returns every table the notebook and report show
(:class:`ProgrammeResult`). An absent table leaves its section out with a note; rows that cannot
be used are set aside with their reason; unreadable item values and item non-response are counted
per item and recorded as adjustments (:mod:`injury_survey.adjustments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from injury_survey.adjustments import Adjustment
from injury_survey.cleaning.programme import read_programme_tables, recode_programme_answers
from injury_survey.codebook import Codebook
from injury_survey.design_spec import SurveyDesignError
from injury_survey.intake import PROGRAMME_TABLES
from injury_survey.programme_indicators import (
    ProgrammeItems,
    ProgrammeSettings,
    absent_items,
    analysis_frame,
    estimate_programme,
    injury_link,
    item_nonresponse,
    programme_items,
    respondent_attributes,
    score_home_safety,
    score_knowledge,
)
from injury_survey.report_tables.core import ReportSettings
from injury_survey.vectors import isin

STAGE = "12"
TABLE_ZH = {"knowledge": "知晓与安全知识表", "home_safety": "家庭安全措施表"}


@dataclass
class ProgrammeResult:
    """Everything the programme section shows for one wave."""

    estimates: pd.DataFrame
    nonresponse: pd.DataFrame
    link_shares: pd.DataFrame
    link_tests: pd.DataFrame
    set_aside: pd.DataFrame
    issues: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    settings_text: str = ""


def load_programme_tables(
    paths: Mapping[str, str | None], codebook: Codebook, *, survey_dir: str | Path = "."
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Read the programme tables the config names without the cleaning engine (the pilot's item
    check): ``(tables, set_aside, issues)``.

    A row whose identifier or awareness answer cannot be read is set aside whole (with the
    intake message); an unreadable item value stays in ``issues`` and counts as that item's
    non-response. A formal wave's tables go through the engine instead (stage 03,
    :mod:`injury_survey.cleaning.programme`).
    """
    tables, issues = read_programme_tables(paths, codebook, survey_dir=survey_dir)
    set_aside = []
    for name, data in tables.items():
        mine = issues[issues["table"] == name] if not issues.empty else issues
        fatal = mine[mine["column"].isin(_required_columns(name))]
        bad_rows = set(fatal["source_row"].dropna().astype(int))
        for _, issue in fatal.drop_duplicates("source_row").iterrows():
            set_aside.append(
                {
                    "table": name,
                    "record_id": issue["record_id"],
                    "source_file": issue["source_file"],
                    "source_row": issue["source_row"],
                    "reason": f"{issue['message_en']} / {issue['message_zh']}",
                }
            )
        keep = ~data["source_row"].astype(int).isin(bad_rows)
        tables[name] = data.loc[keep].reset_index(drop=True)
    set_aside_frame = pd.DataFrame(
        set_aside, columns=["table", "record_id", "source_file", "source_row", "reason"]
    )
    return tables, set_aside_frame, issues


def wave_programme_tables(
    paths: Mapping[str, str | None],
    persons_weighted: pd.DataFrame,
    codebook: Codebook,
    *,
    clean_tables: Mapping[str, pd.DataFrame] | None = None,
    survey_dir: str | Path = ".",
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame, list[str]]:
    """A wave's programme tables as its estimates use them: ``(tables, set_aside, issues,
    skip_notes)``.

    Given ``clean_tables`` (stage 03's output: rules K1 and P1–P5 applied, their rejected rows and
    warnings already in ``clean/``), those; otherwise the raw files read with intake's checks and
    recoded as cleaning's P3–P5 would, the weighted persons standing in for the roster. The wave's
    own estimates (stage 12) and the evaluation's comparisons both come through here, so they
    read the same rows and answers.
    """
    if clean_tables is not None:
        tables = {name: clean_tables[name] for name in PROGRAMME_TABLES if name in clean_tables}
        set_aside = pd.DataFrame(
            columns=["table", "record_id", "source_file", "source_row", "reason"]
        )
        # cleaning listed the skip-logic findings as warnings P3-P5 (clean/issues.csv)
        return tables, set_aside, pd.DataFrame(), []
    tables, set_aside, issues = load_programme_tables(paths, codebook, survey_dir=survey_dir)
    skip_notes = _skip_logic_notes(tables, programme_items(codebook), persons_weighted)
    tables = recode_programme_answers(tables, persons_weighted, codebook)
    return tables, set_aside, issues, skip_notes


def _required_columns(table: str) -> list[str]:
    from injury_survey.intake import load_table_specs

    spec = load_table_specs()[table]
    return [name for name, column in spec.columns.items() if column.req == "R"]


def run_programme(
    config: Mapping,
    wave: str,
    persons_weighted: pd.DataFrame,
    episodes: pd.DataFrame,
    codebook: Codebook,
    *,
    survey_dir: str | Path = ".",
    clean_tables: Mapping[str, pd.DataFrame] | None = None,
) -> ProgrammeResult | None:
    """The programme section of one wave, or ``None`` when the wave has neither table.

    ``clean_tables`` are the wave's programme tables as cleaning left them (stage 03, rules K1
    and P1–P5, their rejected rows and warnings in ``clean/rejected.csv`` and ``issues.csv``);
    the pipeline passes them. Without them the raw files are read with intake's checks only.
    """
    paths = dict(config["tables"]["waves"][wave])
    if not any(paths.get(name) for name in PROGRAMME_TABLES):
        return None
    settings = ProgrammeSettings.from_config(config)
    items = programme_items(codebook)
    tables, set_aside, issues, skip_notes = wave_programme_tables(
        paths, persons_weighted, codebook, clean_tables=clean_tables, survey_dir=survey_dir
    )
    notes = _absent_notes(tables, items) + skip_notes
    if not issues.empty:
        notes.append(
            f"Warning: {len(issues)} value(s) could not be read (listed in issues.csv, with file, "
            "row and column); an unreadable item answer counts as item non-response. / "
            f"警告：{len(issues)} 个取值无法读取（见 issues.csv，含文件、行号和列名）；"
            "无法读取的题目答案按无应答处理。"
        )

    knowledge_scored = home_scored = None
    nonresponse = []
    if "knowledge" in tables:
        knowledge = tables["knowledge"]
        knowledge_scored, aside = score_knowledge(
            knowledge, persons_weighted, items, codebook, settings
        )
        set_aside = pd.concat([set_aside, aside.assign(table="knowledge")], ignore_index=True)
        kept = knowledge[isin(knowledge["person_id"].astype(str), knowledge_scored["person_id"])]
        aware = pd.to_numeric(kept[items.awareness], errors="coerce") == 1
        asked = {source: aware for source in items.sources}
        columns = [items.awareness, *items.sources, *items.knowledge]
        nonresponse.append(
            item_nonresponse(kept, columns, codebook, asked=asked).assign(table="knowledge")
        )
    if "home_safety" in tables:
        home = tables["home_safety"]
        known = isin(home["hh_id"].astype(str), persons_weighted["hh_id"].astype(str))
        set_aside = pd.concat(
            [
                set_aside,
                pd.DataFrame(
                    {
                        "table": "home_safety",
                        "record_id": home.loc[~known, "hh_id"].astype(str),
                        "source_file": home.loc[~known, "source_file"],
                        "source_row": home.loc[~known, "source_row"],
                        "reason": "hh_id is not a weighted (responding) household / "
                        "该户不是有权重的应答户",
                    }
                ),
            ],
            ignore_index=True,
        )
        home = home.loc[known].reset_index(drop=True)
        home_scored = score_home_safety(home, items, codebook, settings)
        nonresponse.append(
            item_nonresponse(home, list(items.home_safety), codebook).assign(table="home_safety")
        )

    respondents = None
    if home_scored is not None and {"households", "persons"} <= set(clean_tables or {}):
        respondents = respondent_attributes(clean_tables["households"], clean_tables["persons"])
        notes += _respondent_notes(home_scored, respondents)
    estimates = estimate_programme(
        persons_weighted, knowledge_scored, home_scored, items, config, respondents
    )
    shares, tests = _injury_links(config, persons_weighted, episodes, home_scored, codebook)
    nonresponse_table = pd.concat(nonresponse, ignore_index=True) if nonresponse else None
    return ProgrammeResult(
        estimates=estimates,
        nonresponse=nonresponse_table if nonresponse_table is not None else pd.DataFrame(),
        link_shares=shares,
        link_tests=tests,
        set_aside=set_aside,
        issues=issues,
        notes=notes,
        adjustments=_adjustments(wave, set_aside, nonresponse_table, settings),
        settings_text=settings.describe(),
    )


def _respondent_notes(home_scored: pd.DataFrame, respondents: pd.DataFrame) -> list[str]:
    """Households whose respondent is not known are their own level ("unknown") in the
    respondent breakdowns; say how many, and why."""
    if respondents.empty:
        return [
            "households.csv has no respondent_line: home-safety measures are not broken down by "
            "the respondent's sex, age group and education. / 户表无 respondent_line（应答者行号），"
            "家庭安全措施不按应答者性别、年龄组和文化程度分组。"
        ]
    known = respondents.dropna(subset=["respondent_sex"])["hh_id"]
    unknown = int((~isin(home_scored["hh_id"].astype(str), known.astype(str))).sum())
    if not unknown:
        return []
    return [
        f"{unknown} household(s) of the home-safety table have no respondent_line matching a "
        "member of the roster: level 'unknown' in the breakdowns by respondent. / 家庭安全措施表"
        f"中 {unknown} 户的应答者行号 respondent_line 与成员表不符：按应答者分组时归入“unknown”。"
    ]


def _absent_notes(tables: dict[str, pd.DataFrame], items: ProgrammeItems) -> list[str]:
    notes = []
    if "knowledge" not in tables:
        notes.append(
            "No knowledge table: awareness and safety knowledge are not reported. / "
            "无知晓与安全知识表：不报告知晓率和安全知识。"
        )
    else:
        missing = absent_items(tables["knowledge"], {**items.sources, **items.knowledge})
        if missing:
            notes.append(
                f"Items not in the knowledge table (not reported): {', '.join(missing)}. / "
                f"知晓与安全知识表中无以下题目（不报告）：{'、'.join(missing)}。"
            )
    if "home_safety" not in tables:
        notes.append(
            "No home-safety table: home-safety measures are not reported. / "
            "无家庭安全措施表：不报告家庭安全措施。"
        )
    else:
        missing = absent_items(tables["home_safety"], items.home_safety)
        if missing:
            notes.append(
                f"Measures not in the home-safety table (not reported): {', '.join(missing)}. / "
                f"家庭安全措施表中无以下项目（不报告）：{'、'.join(missing)}。"
            )
    return notes


def _skip_logic_notes(
    tables: Mapping[str, pd.DataFrame], items: ProgrammeItems, persons_weighted: pd.DataFrame
) -> list[str]:
    """Without cleaning (raw files): the breaks of rules P3 and P4 as visible warnings, before
    :func:`recode_programme_answers` applies them."""
    notes = []
    knowledge = tables.get("knowledge")
    sources = [s for s in items.sources if knowledge is not None and s in knowledge.columns]
    if sources:
        aware = pd.to_numeric(knowledge[items.awareness], errors="coerce") == 1
        answered = knowledge[sources].notna().any(axis=1) & ~aware
        if answered.any():
            rows = knowledge.loc[answered, "source_row"].astype(int).tolist()
            n = int(answered.sum())
            notes.append(
                f"Warning: {n} person(s) not aware of the programme answered the source "
                f"questions (knowledge table rows {rows[:10]}); those answers are not counted. "
                f"/ 警告：{n} 名不知晓者回答了信息来源题（知晓与安全知识表第 {rows[:10]} 行），"
                "这些回答不计入。"
            )
    home = tables.get("home_safety")
    if home is not None and "antislip_grabbars" in home.columns:
        elderly = persons_weighted.loc[persons_weighted["age_years"] >= 65, "hh_id"].astype(str)
        codes = pd.to_numeric(home["antislip_grabbars"], errors="coerce")
        odd = codes.isin([1, 2, 8]) & ~isin(home["hh_id"].astype(str), elderly)
        if odd.any():
            n = int(odd.sum())
            notes.append(
                f"Warning: {n} household(s) without a person aged 65+ answered the anti-slip "
                "item; counted as 7, not applicable. Check the skip instruction of the "
                f"home-safety form. / 警告：{n} 户无65岁及以上老人却回答了防滑措施题，按7（不适用）"
                "处理。请核对家庭安全措施表的跳答说明。"
            )
    return notes


def _injury_links(
    config: Mapping,
    persons_weighted: pd.DataFrame,
    episodes: pd.DataFrame,
    home_scored: pd.DataFrame | None,
    codebook: Codebook,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The codebook's ``programme.injury_links``: share injured by measure, Rao–Scott F test.

    An injury counts when its episode is a case of the configured definition in the recall
    window (``is_case`` of the clean episodes).
    """
    from injury_survey.survey_design import SurveyDesign  # svy: only when links are estimated

    links = (codebook.section("programme") or {}).get("injury_links") or {}
    if home_scored is None or not links:
        return pd.DataFrame(), pd.DataFrame()
    report = ReportSettings.from_config(config)
    cases = episodes[episodes["is_case"].fillna(False).astype(bool)]
    shares, tests = [], []
    for name, link in links.items():
        measure = link["measure"]
        if measure not in home_scored.columns:
            continue
        frame = analysis_frame(persons_weighted, home_scored[["hh_id", measure]], "hh_id")
        answered = home_scored.loc[home_scored[measure].notna(), "hh_id"]
        age = frame["age_years"]
        in_age = age >= link["min_age"]
        if link.get("max_age") is not None:
            in_age &= age <= link["max_age"]
        frame["in_link"] = (in_age & isin(frame["hh_id"], answered)).astype(int)
        injured = cases.loc[cases["cause"].isin(link["causes"]), "person_id"].astype(str)
        frame["injured_link"] = isin(frame["person_id"].astype(str), injured).astype(int)
        frame[measure] = frame[measure].astype(int)
        design = SurveyDesign(frame, weight="weight", lonely_psu=report.lonely_psu)
        try:
            share, test = injury_link(design, "injured_link", measure, domain="in_link")
        except SurveyDesignError as exc:
            tests.append({"link": name, "test": "F", "note": str(exc)})
            continue
        shares.append(share.rename(columns={measure: "measure_present"}).assign(link=name))
        tests.append(test.assign(link=name))
    tests_frame = pd.concat(
        [t if isinstance(t, pd.DataFrame) else pd.DataFrame([t]) for t in tests], ignore_index=True
    )
    return pd.concat(shares, ignore_index=True) if shares else pd.DataFrame(), tests_frame


def _adjustments(
    wave: str,
    set_aside: pd.DataFrame,
    nonresponse: pd.DataFrame | None,
    settings: ProgrammeSettings,
) -> list[Adjustment]:
    records = []
    for table, rows in set_aside.groupby("table"):
        records.append(
            Adjustment(
                wave=wave,
                stage=STAGE,
                kind="rows_set_aside",
                where=str(table),
                setting=f"programme.min_age={settings.min_age}" if table == "knowledge" else "",
                detail_en=f"{len(rows)} row(s) of the {table} table set aside (reasons listed).",
                detail_zh=f"{TABLE_ZH.get(table, table)}中 {len(rows)} 行未纳入分析（原因见列表）。",
            )
        )
    if nonresponse is not None and not nonresponse.empty:
        for table, rows in nonresponse[nonresponse["n_nonresponse"] > 0].groupby("table"):
            total, n_items = int(rows["n_nonresponse"].sum()), len(rows)
            records.append(
                Adjustment(
                    wave=wave,
                    stage=STAGE,
                    kind="item_nonresponse",
                    where=str(table),
                    setting=f"programme.dont_know={settings.dont_know}",
                    detail_en=(
                        f"{total} blank or refused answer(s) over {n_items} item(s) of the "
                        f"{table} table left out of each item's denominator (per item: "
                        "programme/nonresponse.csv)."
                    ),
                    detail_zh=(
                        f"{TABLE_ZH.get(table, table)} {n_items} 个题目共有 {total} 个空白或拒答，不计入各题分母"
                        "（各题见 programme/nonresponse.csv）。"
                    ),
                )
            )
    return records


PROGRAMME_OUTPUTS = (
    "estimates",
    "nonresponse",
    "link_shares",
    "link_tests",
    "set_aside",
    "issues",
)


def write_programme_outputs(result: ProgrammeResult | None, out_dir: str | Path) -> list[Path]:
    """Write ``<out_dir>/<table>.csv`` for every table of :data:`PROGRAMME_OUTPUTS` (a one-cell
    note when the wave has no programme tables or a table is empty, so every output exists and
    reads as a table)."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in PROGRAMME_OUTPUTS:
        path = folder / f"{name}.csv"
        if result is None:
            table = pd.DataFrame(
                {"note": ["no programme tables in this wave / 本轮无安全社区模块"]}
            )
        else:
            table = getattr(result, name)
            if table.empty and len(table.columns) == 0:
                table = pd.DataFrame({"note": ["none / 无"]})
        table.to_csv(path, index=False, encoding="utf-8")
        paths.append(path)
    notes = result.notes if result is not None else ["no programme tables in this wave"]
    settings = [result.settings_text] if result is not None else []
    (folder / "notes.txt").write_text("\n".join([*settings, *notes]) + "\n", encoding="utf-8")
    return paths


def pilot_item_quality(
    paths: Mapping[str, str | None], codebook: Codebook, *, survey_dir: str | Path = "."
) -> pd.DataFrame | None:
    """The pilot's per-item non-response and "don't know" shares (unweighted), or ``None``
    without programme tables: the questionnaire check before the formal survey.

    Items with many blanks or "don't know" answers are the ones to reword or explain to
    interviewers. Sources count only persons who said they were aware (the skip logic).
    """
    tables, _, _ = load_programme_tables(paths, codebook, survey_dir=survey_dir)
    if not tables:
        return None
    items = programme_items(codebook)
    parts = []
    if "knowledge" in tables:
        knowledge = tables["knowledge"]
        aware = pd.to_numeric(knowledge[items.awareness], errors="coerce") == 1
        columns = [items.awareness, *items.sources, *items.knowledge]
        asked = {source: aware for source in items.sources}
        parts.append(
            item_nonresponse(knowledge, columns, codebook, asked=asked).assign(table="knowledge")
        )
    if "home_safety" in tables:
        home = tables["home_safety"]
        parts.append(
            item_nonresponse(home, list(items.home_safety), codebook).assign(table="home_safety")
        )
    return pd.concat(parts, ignore_index=True)
