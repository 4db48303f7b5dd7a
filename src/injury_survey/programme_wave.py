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
import yaml

from injury_survey.adjustments import Adjustment
from injury_survey.codebook import Codebook
from injury_survey.design_spec import SurveyDesignError
from injury_survey.intake import PROGRAMME_TABLES, load_table
from injury_survey.programme_indicators import (
    ProgrammeItems,
    ProgrammeSettings,
    absent_items,
    analysis_frame,
    estimate_programme,
    injury_link,
    item_nonresponse,
    programme_items,
    score_home_safety,
    score_knowledge,
)
from injury_survey.report_tables.core import ReportSettings
from injury_survey.survey_design import SurveyDesign

STAGE = "12"


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
    """Read the programme tables the config names: ``(tables, set_aside, issues)``.

    A row whose identifier or awareness answer cannot be read is set aside whole (with the
    intake message); an unreadable item value stays in ``issues`` and counts as that item's
    non-response.
    """
    tables, set_aside, issues = {}, [], []
    for name in PROGRAMME_TABLES:
        if not paths.get(name):
            continue
        intake = load_table(paths[name], name, codebook, survey_dir=survey_dir)
        spec_required = [c for c in intake.data.columns if c in _required_columns(name)]
        fatal = intake.issues[intake.issues["column"].isin(spec_required)]
        bad_rows = set(fatal["source_row"].dropna().astype(int))
        # intake adds the optional columns a file lacks as empty ones: here an absent item is
        # not an item nobody answered, so drop them (a partial set of items works)
        data = intake.data.drop(columns=intake.absent_columns)
        keep = ~data["source_row"].astype(int).isin(bad_rows)
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
        data, extra_issues = _parse_own_items(data, intake.extra_columns, name, codebook)
        issues += [intake.issues, extra_issues]
        tables[name] = data.loc[keep].reset_index(drop=True)
    set_aside_frame = pd.DataFrame(
        set_aside, columns=["table", "record_id", "source_file", "source_row", "reason"]
    )
    issues_frame = pd.concat(issues, ignore_index=True) if issues else pd.DataFrame()
    return tables, set_aside_frame, issues_frame


def _parse_own_items(
    data: pd.DataFrame, extra: list[str], table: str, codebook: Codebook
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A town's own item columns (not in tables.yaml, so intake kept them as text) are read
    with their codebook list; a value that is not a code stays missing and is listed."""
    from injury_survey.issues import empty_issues, issues_for

    data = data.copy()
    found = [empty_issues()]
    for column in extra:
        try:
            variable = codebook.variable(column)
        except KeyError:
            continue
        codes, invalid = codebook.parse(column, data[column])
        found.append(
            issues_for(
                data,
                invalid,
                table=table,
                column=column,
                rule_id="V2",
                severity="error",
                message_en=f"not a code of {variable.name}; counted as item non-response",
                message_zh=f"不是 {variable.name} 的代码，按该题无应答处理",
                id_column=data.columns[0],
            )
        )
        data[column] = codes
    return data, pd.concat(found, ignore_index=True)


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
) -> ProgrammeResult | None:
    """The programme section of one wave, or ``None`` when the wave has neither table."""
    paths = dict(config["tables"]["waves"][wave])
    if not any(paths.get(name) for name in PROGRAMME_TABLES):
        return None
    settings = ProgrammeSettings.from_config(config)
    items = programme_items(codebook)
    tables, set_aside, issues = load_programme_tables(paths, codebook, survey_dir=survey_dir)
    notes = _absent_notes(tables, items)
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
        kept = knowledge[knowledge["person_id"].astype(str).isin(knowledge_scored["person_id"])]
        aware = pd.to_numeric(kept[items.awareness], errors="coerce") == 1
        notes += _skip_logic_notes(kept, aware, items)
        asked = {source: aware for source in items.sources}
        columns = [items.awareness, *items.sources, *items.knowledge]
        nonresponse.append(
            item_nonresponse(kept, columns, codebook, asked=asked).assign(table="knowledge")
        )
    if "home_safety" in tables:
        home = tables["home_safety"]
        known = home["hh_id"].astype(str).isin(persons_weighted["hh_id"].astype(str))
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
        notes += _elderly_measure_notes(home, persons_weighted)
        nonresponse.append(
            item_nonresponse(home, list(items.home_safety), codebook).assign(table="home_safety")
        )

    estimates = estimate_programme(persons_weighted, knowledge_scored, home_scored, items, config)
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


def _skip_logic_notes(knowledge: pd.DataFrame, aware: pd.Series, items: ProgrammeItems) -> list:
    """Source answers from persons not aware of the programme break the skip logic: they are
    not counted (sources are shares among the aware), and the count is shown."""
    sources = [s for s in items.sources if s in knowledge.columns]
    if not sources:
        return []
    answered = knowledge[sources].notna().any(axis=1) & ~aware
    if not answered.any():
        return []
    rows = knowledge.loc[answered, "source_row"].astype(int).tolist()
    return [
        f"Warning: {int(answered.sum())} person(s) not aware of the programme answered the "
        f"source questions (knowledge table rows {rows[:10]}); those answers are not counted. "
        f"/ 警告：{int(answered.sum())} 名不知晓者回答了信息来源题（知晓与安全知识表第 "
        f"{rows[:10]} 行），这些回答不计入。"
    ]


def _elderly_measure_notes(home: pd.DataFrame, persons_weighted: pd.DataFrame) -> list[str]:
    """Anti-slip answers (present/absent) from households without a person aged 65+ contradict
    the item's population; they are kept as answered, and the count is shown."""
    if "antislip_grabbars" not in home.columns:
        return []
    elderly = persons_weighted.loc[persons_weighted["age_years"] >= 65, "hh_id"].astype(str)
    codes = pd.to_numeric(home["antislip_grabbars"], errors="coerce")
    odd = codes.isin([1, 2]) & ~home["hh_id"].astype(str).isin(elderly)
    if not odd.any():
        return []
    return [
        f"Warning: {int(odd.sum())} household(s) without a person aged 65+ answered the "
        "anti-slip item (expected 7, not applicable); their answers are counted. Check the "
        "skip instruction of the home-safety form. / 警告：{n} 户无65岁及以上老人却回答了防滑"
        "措施题（应为 7 不适用），其回答仍计入。请核对家庭安全措施表的跳答说明。".replace(
            "{n}", str(int(odd.sum()))
        )
    ]


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
    raw = yaml.safe_load(codebook.path.read_text(encoding="utf-8"))
    links = (raw.get("programme") or {}).get("injury_links") or {}
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
        frame["in_link"] = (in_age & frame["hh_id"].isin(answered)).astype(int)
        injured = cases.loc[cases["cause"].isin(link["causes"]), "person_id"].astype(str)
        frame["injured_link"] = frame["person_id"].astype(str).isin(injured).astype(int)
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
                detail_zh=f"{table} 表中 {len(rows)} 行未纳入分析（原因见列表）。",
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
                        f"{table} 表 {n_items} 个题目共有 {total} 个空白或拒答，不计入各题分母"
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
