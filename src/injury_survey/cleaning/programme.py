"""Cleaning rules of the programme tables (docs/input-tables-programme.md, docs/methods.md §4).

The optional ``knowledge`` (person level) and ``home_safety`` (household level) tables go through
the same engine as the survey tables (:func:`injury_survey.cleaning.clean_survey`), with these
rules (P = programme; K1 as for the other tables):

* P0: each person or household appears once (error: the row is set aside);
* K1: its ID exists in the persons or households table, as for the other tables (error);
* P1: the knowledge respondent is at least ``programme.min_age`` years old (error);
* P2: a home-safety row belongs to a household that was interviewed (result code 1 or 2; error);
* P3: source questions answered by a person not aware of the programme break the skip logic
  (warning; the answers are blanked in the clean table, so sources are shares among the aware);
* P4: a household answered a measure that its roster says does not concern it, e.g. anti-slip
  mats without a person aged 65+ (warning; the answer becomes 7, not applicable);
* P5: a household said "not applicable" to a measure its roster says concerns it, and no other
  condition of the item could make it so (warning; the answer counts as item non-response).

A programme row with an error is set aside **alone**: the household's injury interview stays (a
missing knowledge answer does not bias injury incidence). A programme row goes with its person or
household when cleaning rejects those (reason "parent person rejected"). Which measures the
roster decides is the codebook's ``programme.home_safety.<item>.roster`` (``min_age`` and/or
``max_age`` of a member; ``other_conditions`` when the household's own answer can also make it not
applicable, e.g. a child restraint needs a child *and* a car).

An unreadable item value (intake rule V2) does not set its row aside either: it is that item's
non-response (:func:`soften_item_issues`); an unreadable ID or awareness answer does.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import yaml

from injury_survey.cleaning.checks import RuleContext, SkipRule, Tables, _isin, _lookup, _true
from injury_survey.cleaning.derive import RESPONDED_CODES
from injury_survey.yaml_files import YAML_LOADER

PROGRAMME_TABLES = ("knowledge", "home_safety")
PROGRAMME_KEYS = {"knowledge": "person_id", "home_safety": "hh_id"}
AWARENESS = "aware_programme"
ROW_COLUMNS = {"knowledge": ("person_id", AWARENESS), "home_safety": ("hh_id",)}
"""Columns whose unreadable value sets the row aside (the rest are items)."""
AWARE_YES = 1
NOT_APPLICABLE = 7
ANSWERED = (1, 2, 8)  # present, absent, don't know: a household that took the item as its own
ITEM_ISSUE_NOTE_EN = " (programme item: counted as item non-response, the row is kept)"
ITEM_ISSUE_NOTE_ZH = "（安全社区模块题目：按该题无应答处理，该行保留）"


def programme_block(codebook) -> dict:
    """The codebook's ``programme:`` block, or ``{}`` (a codebook object without a file)."""
    path = getattr(codebook, "path", None)
    if path is None or not Path(path).is_file():
        return {}
    return _programme_block(str(path), Path(path).stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _programme_block(path: str, modified: int) -> dict:
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    return raw.get("programme") or {}


def roster_conditions(codebook) -> dict[str, dict]:
    """``{item: {"min_age", "max_age", "other_conditions"}}`` for measures the roster decides."""
    items = (programme_block(codebook).get("home_safety")) or {}
    out = {}
    for item, spec in items.items():
        roster = (spec or {}).get("roster")
        if roster:
            out[item] = {
                "min_age": roster.get("min_age"),
                "max_age": roster.get("max_age"),
                "other_conditions": bool(roster.get("other_conditions", False)),
            }
    return out


def source_columns(codebook, table: pd.DataFrame) -> list[str]:
    sources = programme_block(codebook).get("sources") or {}
    return [s for s in sources if s in table.columns]


def household_in_population(
    hh_ids: pd.Series, persons: pd.DataFrame, condition: Mapping
) -> pd.Series:
    """True where some member of the household is in the item's age range (the roster)."""
    age = pd.to_numeric(persons["age_years"], errors="coerce")
    member = age.notna()
    if condition.get("min_age") is not None:
        member &= age >= condition["min_age"]
    if condition.get("max_age") is not None:
        member &= age <= condition["max_age"]
    return _isin(hh_ids, persons.loc[member, "hh_id"].dropna())


def read_programme_tables(
    paths: Mapping[str, str | None], codebook, *, survey_dir: str | Path = "."
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Intake of the programme tables the config names: ``(tables, issues)``, for the engine.

    An item column the file lacks is left out, not added empty (a partial set of items works:
    an absent item is not an item nobody answered). A town's own item columns (in the codebook's
    ``programme:`` block and aliases, not in tables.yaml) are read with their code list; a value
    that is not a code stays missing and is listed (rule V2).
    """
    from injury_survey.intake import load_table
    from injury_survey.issues import empty_issues

    tables, issues = {}, [empty_issues()]
    for name in PROGRAMME_TABLES:
        if not paths.get(name):
            continue
        intake = load_table(paths[name], name, codebook, survey_dir=survey_dir)
        data = intake.data.drop(columns=intake.absent_columns)
        data, own_issues = _parse_own_items(data, intake.extra_columns, name, codebook)
        tables[name] = data
        issues += [intake.issues, own_issues]
    return tables, pd.concat([i for i in issues if not i.empty] or issues, ignore_index=True)


def _parse_own_items(
    data: pd.DataFrame, extra: list[str], table: str, codebook
) -> tuple[pd.DataFrame, pd.DataFrame]:
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


# --------------------------------------------------------------------------------------------
# Checks


def _age_of_respondent(tables: Tables) -> pd.Series:
    ages = _lookup(tables["knowledge"]["person_id"], tables["persons"], "person_id", "age_years")
    return pd.to_numeric(ages, errors="coerce")


def check_respondent_too_young(tables: Tables, context: RuleContext) -> pd.Series:
    return _true(_age_of_respondent(tables) < context.programme_min_age)


def check_home_of_nonresponding_household(tables: Tables, context: RuleContext) -> pd.Series:
    home = tables["home_safety"]
    result = _lookup(home["hh_id"], tables["households"], "hh_id", "result_code")
    return _true(result.notna() & ~_isin(result, RESPONDED_CODES))


def check_sources_of_unaware(tables: Tables, context: RuleContext) -> pd.DataFrame:
    knowledge = tables["knowledge"]
    sources = source_columns(context.codebook, knowledge)
    if not sources:
        raise SkipRule("the knowledge table has none of the codebook's source columns")
    unaware = ~_isin(knowledge[AWARENESS], [AWARE_YES])
    return pd.DataFrame(
        {s: _true(knowledge[s].notna() & unaware) for s in sources}, index=knowledge.index
    )


def _roster_flags(tables: Tables, context: RuleContext, *, answered_outside: bool):
    home = tables["home_safety"]
    conditions = {
        item: c for item, c in roster_conditions(context.codebook).items() if item in home.columns
    }
    if not answered_outside:
        conditions = {item: c for item, c in conditions.items() if not c["other_conditions"]}
    if not conditions:
        raise SkipRule("no home-safety item of this table has a roster condition in the codebook")
    out = {}
    for item, condition in conditions.items():
        inside = household_in_population(home["hh_id"], tables["persons"], condition)
        codes = home[item]
        out[item] = (
            _isin(codes, ANSWERED) & ~inside
            if answered_outside
            else _isin(codes, [NOT_APPLICABLE]) & inside
        )
    return pd.DataFrame(out, index=home.index)


def check_answered_outside_population(tables: Tables, context: RuleContext) -> pd.DataFrame:
    return _roster_flags(tables, context, answered_outside=True)


def check_not_applicable_inside_population(tables: Tables, context: RuleContext) -> pd.DataFrame:
    return _roster_flags(tables, context, answered_outside=False)


def programme_rules(rule_class) -> list:
    """The programme tables' rules (``rule_class`` is :class:`~injury_survey.cleaning.Rule`)."""
    from injury_survey.cleaning.checks import duplicated_id, orphan

    E, W = "error", "warn"
    knowledge, home = "knowledge", "home_safety"
    return [
        rule_class(
            "P0",
            knowledge,
            E,
            "person_id",
            "This person appears on more than one row of the knowledge table: keep one row per "
            "respondent.",
            "该成员在知晓与安全知识表中出现多行：每名调查对象只保留一行。",
            duplicated_id(knowledge),
            (knowledge,),
        ),
        rule_class(
            "K1",
            knowledge,
            E,
            "person_id",
            "This knowledge row's person_id matches no person in persons.csv: check the person ID.",
            "该知晓与安全知识记录的成员编号 person_id 在成员表中找不到：请核对成员编号。",
            orphan(knowledge, "person_id", "persons", "person_id"),
            (knowledge,),
        ),
        rule_class(
            "P0",
            home,
            E,
            "hh_id",
            "This household appears on more than one row of the home-safety table: keep one row "
            "per household.",
            "该户在家庭安全措施表中出现多行：每户只保留一行。",
            duplicated_id(home),
            (home,),
        ),
        rule_class(
            "K1",
            home,
            E,
            "hh_id",
            "This home-safety row's hh_id matches no household in households.csv: check the "
            "household ID.",
            "该家庭安全措施记录的户编号 hh_id 在户表中找不到：请核对户编号。",
            orphan(home, "hh_id", "households", "hh_id"),
            (home,),
        ),
        rule_class(
            "P1",
            knowledge,
            E,
            "person_id",
            "The respondent is younger than programme.min_age (age in persons.csv): the knowledge "
            "questions are for older residents. Check the person ID or the age, or remove the row.",
            "调查对象年龄小于 programme.min_age（以成员表年龄为准）：知晓与安全知识题只问达到该年龄"
            "的居民。请核对成员编号或年龄，或删除该行。",
            check_respondent_too_young,
            (knowledge, "persons.age_years"),
        ),
        rule_class(
            "P2",
            home,
            E,
            "hh_id",
            "Home-safety answers for a household that was not interviewed (result_code not 1 or "
            "2): check the household's result code.",
            "该户未完成调查（结果代码不是1或2），却有家庭安全措施记录：请核对该户的调查结果代码。",
            check_home_of_nonresponding_household,
            (home,),
        ),
        rule_class(
            "P3",
            knowledge,
            W,
            "(sources)",
            "Source question answered by a person not aware of the programme (aware_programme "
            "not 1): the answer is not counted. Check the skip instruction of the form.",
            "不知晓者回答了信息来源题（aware_programme 不为1）：该回答不计入。请核对问卷跳答说明。",
            check_sources_of_unaware,
            (knowledge, f"{knowledge}.{AWARENESS}"),
        ),
        rule_class(
            "P4",
            home,
            W,
            "(measures)",
            "The household answered a measure that its roster says does not concern it (e.g. "
            "anti-slip mats, but no member aged 65+): counted as 7, not applicable. Check the "
            "ages in persons.csv or the skip instruction of the form.",
            "该户回答了按成员名单不适用的措施（如无65岁及以上成员却回答防滑措施）：按7（不适用）处理。"
            "请核对成员表中的年龄或问卷跳答说明。",
            check_answered_outside_population,
            (home, "persons.age_years"),
        ),
        rule_class(
            "P5",
            home,
            W,
            "(measures)",
            "The household answered 7 (not applicable) to a measure that its roster says concerns "
            "it (e.g. anti-slip mats with a member aged 65+): counted as item non-response. Check "
            "the answer.",
            "该户对按成员名单适用的措施回答了7（不适用）（如有65岁及以上成员却称防滑措施不适用）："
            "按该题无应答处理。请核对该回答。",
            check_not_applicable_inside_population,
            (home, "persons.age_years"),
        ),
    ]


# --------------------------------------------------------------------------------------------
# Engine helpers


def household_of_knowledge(work: Mapping[str, pd.DataFrame]) -> pd.Series:
    """The household of each knowledge row (through its person), for issues and the cascade."""
    return _lookup(work["knowledge"]["person_id"], work["persons"], "person_id", "hh_id")


def soften_item_issues(prior: pd.DataFrame) -> pd.DataFrame:
    """Intake errors on programme *item* columns become warnings: the value is already missing
    (item non-response) and the row stays; errors on IDs and the awareness answer still block."""
    if prior is None or prior.empty or "table" not in prior.columns:
        return prior
    item = prior["table"].isin(PROGRAMME_TABLES) & ~pd.Series(
        [c in ROW_COLUMNS.get(t, ()) for t, c in zip(prior["table"], prior["column"], strict=True)],
        index=prior.index,
        dtype=bool,
    )
    item &= prior["severity"] == "error"
    if not item.any():
        return prior
    out = prior.copy()
    out.loc[item, "severity"] = "warn"
    out.loc[item, "message_en"] = out.loc[item, "message_en"].astype(str) + ITEM_ISSUE_NOTE_EN
    out.loc[item, "message_zh"] = out.loc[item, "message_zh"].astype(str) + ITEM_ISSUE_NOTE_ZH
    return out


def parent_rejections(
    raw: Mapping[str, pd.DataFrame], rejected_person_ids: set, gone_household_ids: set
) -> dict[str, tuple[pd.Series, pd.Series, pd.Series]]:
    """Cascade: a knowledge row goes with its rejected person, a home-safety row with its
    rejected or set-aside household. ``{table: (mask, reason_en, reason_zh)}``."""
    out = {}
    if "knowledge" in raw:
        person = raw["knowledge"]["person_id"]
        text = person.astype(str)
        out["knowledge"] = (
            _isin(person, rejected_person_ids),
            "parent person rejected: " + text,
            "所属成员被剔除：" + text,
        )
    if "home_safety" in raw:
        hh = raw["home_safety"]["hh_id"]
        text = hh.astype(str)
        out["home_safety"] = (
            _isin(hh, gone_household_ids),
            "parent household rejected or set aside: " + text,
            "所在户被剔除或整体剔除：" + text,
        )
    return out


def clean_programme_tables(
    raw: Mapping[str, pd.DataFrame], rejected: Mapping[str, pd.Index], codebook
) -> dict[str, pd.DataFrame]:
    """The kept programme rows, with what P3–P5 decided applied to the answers
    (:func:`recode_programme_answers`, the roster being the raw persons table)."""
    kept = {
        name: raw[name].drop(index=rejected[name]).reset_index(drop=True)
        for name in PROGRAMME_TABLES
        if name in raw
    }
    return recode_programme_answers(kept, raw["persons"], codebook)


def recode_programme_answers(
    tables: Mapping[str, pd.DataFrame], persons: pd.DataFrame, codebook
) -> dict[str, pd.DataFrame]:
    """Sources of persons not aware are blanked (P3); a roster-decided measure becomes 7 (not
    applicable) for a household outside its population, whatever it answered (P4; a blank there
    is not non-response either), and missing where the household said 7 but is inside (P5).
    ``persons`` (``hh_id``, ``age_years``) is the roster."""
    out = {}
    if "knowledge" in tables:
        knowledge = tables["knowledge"].copy()
        unaware = ~_isin(knowledge[AWARENESS], [AWARE_YES])
        for source in source_columns(codebook, knowledge):
            knowledge.loc[unaware, source] = pd.NA
        out["knowledge"] = knowledge
    if "home_safety" in tables:
        home = tables["home_safety"].copy()
        for item, condition in roster_conditions(codebook).items():
            if item not in home.columns:
                continue
            inside = household_in_population(home["hh_id"], persons, condition)
            home.loc[~inside, item] = NOT_APPLICABLE
            if not condition["other_conditions"]:
                home.loc[inside & _isin(home[item], [NOT_APPLICABLE]), item] = pd.NA
        out["home_safety"] = home
    return out


RECODES = {
    "P3": (
        "source answer(s) of persons not aware of the programme not counted",
        "不知晓者的信息来源回答不计入",
    ),
    "P4": (
        "measure answer(s) of households the roster puts outside the item counted as not "
        "applicable (7)",
        "按成员名单不适用的措施回答按7（不适用）处理",
    ),
    "P5": (
        "'not applicable' answer(s) of households the roster puts inside the item counted as "
        "item non-response",
        "按成员名单适用却回答“不适用”的，按该题无应答处理",
    ),
}


def recode_adjustments(clean, *, wave: str, stage: str) -> list:
    """One adjustment per rule P3–P5 that changed answers (``clean`` is a CleanResult): the
    data forced these recodes, so they are recorded like rows set aside."""
    from injury_survey.adjustments import Adjustment

    out = []
    issues = clean.issues
    for rule, (en, zh) in RECODES.items():
        mine = issues[issues["rule_id"] == rule] if not issues.empty else issues
        if mine.empty:
            continue
        table = str(mine["table"].iloc[0])
        columns = sorted(set(mine["column"].astype(str)))
        out.append(
            Adjustment(
                wave=wave,
                stage=stage,
                kind="answers_recoded",
                where=table,
                setting=rule,
                detail_en=f"{rule}: {len(mine)} {en} ({', '.join(columns)}); listed in issues.csv",
                detail_zh=f"{rule}：{len(mine)} 个{zh}（{'、'.join(columns)}），见 issues.csv",
            )
        )
    return out
