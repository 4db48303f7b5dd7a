"""The cleaning rule engine: run every rule, set failing rows aside, derive, account for every row.

:func:`clean_survey` takes the typed tables from intake and returns a :class:`CleanResult`: the
clean tables with their derived variables, the rejected rows with every reason, all issues
(errors and warnings, intake's included), a per-rule summary and a row accounting in which
``raw = clean + rejected`` holds for every table (checked here: a broken count is our bug).

What happens to a row that fails a blocking (``error``) rule, and to its relatives
---------------------------------------------------------------------------------
* A **household** row with an error of its own (duplicate ID, size mismatch, no head, unknown
  result code, …) is rejected, and takes its persons, their episodes and its death records with it
  (reason "parent household rejected").
* A **person** or **episode** row with an error of its own is rejected, and so is *every other
  person and episode row of its household*; the household row itself stays in the clean households
  table, flagged ``interview_set_aside = True`` and ``responded = False``. Why: a household whose
  roster is missing a member (or a member's injury) would understate incidence, since the person
  weights assume all members of a responding household are in the data. Setting the whole
  interview aside turns the problem into household non-response, which the weights correct for
  (non-response adjustment within PSU or stratum, docs/methods.md §6.1 step 2), while the
  household still counts as eligible for response rates. Fieldwork response rates (from
  ``result_code``) are unaffected; the set-aside count is in the accounting.
* A person listed for a household that was **not interviewed** (result code ≠ 1/2, rule S14) is
  rejected alone: the household stays a non-respondent, as its result code says.
* A row of the optional **programme tables** (``knowledge``, ``home_safety``) with an error of its
  own is rejected alone: the household's injury interview stays. It goes with its person or
  household when those are rejected or set aside (:mod:`injury_survey.cleaning.programme`).
* Warnings never remove a row. Episodes outside the recall window (D2) or failing every case
  definition (E1) stay in the clean episodes table with ``in_window`` / ``is_case`` False.
* Households with result codes other than 1/2 stay in the clean households table (needed for
  response rates and the non-response adjustment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from injury_survey.cleaning.derive import (
    RESPONDED_CODES,
    derive_episodes,
    derive_households,
    derive_persons,
)
from injury_survey.cleaning.programme import (
    PROGRAMME_TABLES,
    clean_programme_tables,
    household_of_knowledge,
    parent_rejections,
    soften_item_issues,
)
from injury_survey.cleaning.rules import (
    ID_COLUMNS,
    RULES,
    Rule,
    RuleContext,
    SkipRule,
)
from injury_survey.issues import (
    ISSUE_COLUMNS,
    SOURCE_FILE,
    SOURCE_ROW,
    empty_issues,
    format_issue,
    issues_for,
)

SURVEY_TABLES = ("households", "persons", "episodes", "deaths")
"""Tables whose rows are cleaned and accounted for (``deaths`` only if given)."""
CLEANED_TABLES = SURVEY_TABLES + PROGRAMME_TABLES
"""With the optional programme tables (their rows are set aside alone, see
:mod:`injury_survey.cleaning.programme`)."""
REFERENCE_TABLES = ("sample", "frame")
"""Tables the rules look up but do not clean (frozen sample list, PSU frame)."""

SUMMARY_COLUMNS = [
    "rule_id",
    "table",
    "column",
    "severity",
    "message_en",
    "message_zh",
    "n_rows",
    "status",
]
ACCOUNTING_COLUMNS = [
    "table",
    "raw_rows",
    "clean_rows",
    "rejected_rows",
    "rejected_own_error",
    "rejected_with_relative",
    "interviews_set_aside",
]
REASON_SEPARATOR = "; "
# Engine rules that re-find what intake's V rules report (a required value missing, a bad code).
_INTAKE_OVERLAP = ("R_REQUIRED", "R_CODE")

# Columns without which the tables cannot even be linked (the rules check the rest).
_STRUCTURE_COLUMNS = {
    "households": ("hh_id", "psu_id", "result_code"),
    "persons": ("person_id", "hh_id"),
    "episodes": ("episode_id", "person_id"),
    "deaths": ("death_id", "hh_id"),
    "knowledge": ("person_id",),
    "home_safety": ("hh_id",),
}


@dataclass(frozen=True)
class CleanResult:
    """What :func:`clean_survey` returns.

    tables
        Clean ``households``, ``persons``, ``episodes`` (and ``deaths`` if given) with the derived
        variables of :mod:`injury_survey.cleaning.derive`.
    rejected
        One DataFrame per table: the raw row (every input column, ``source_file``,
        ``source_row``) plus ``rule_ids``, ``reasons`` and ``reasons_zh`` listing every blocking
        rule it failed and, if it went with a relative, which one.
    issues
        Every issue found (intake's and the rules', errors and warnings), in the format of
        :mod:`injury_survey.issues` plus an ``hh_id`` column (the household of the row).
    summary
        One row per rule (and per intake rule seen): flagged row count and whether it ran.
    accounting
        Raw, clean and rejected row counts per table.
    """

    tables: dict[str, pd.DataFrame]
    rejected: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    summary: pd.DataFrame
    accounting: pd.DataFrame

    def messages(self, severity: str = "error") -> list[str]:
        """One actionable line per issue of this severity (file, row, column, value, rule)."""
        rows = self.issues[self.issues["severity"] == severity]
        return [format_issue(row) for _, row in rows.iterrows()]


class RowAccountingError(AssertionError):
    """Raw rows ≠ clean + rejected for some table: a bug in the engine, never in the data."""


def clean_survey(
    tables: Mapping[str, pd.DataFrame],
    codebook: Any,
    *,
    recall: Mapping,
    case_definition: str,
    age_groups: Sequence[int],
    prior_issues: pd.DataFrame | None = None,
    rules: Sequence[Rule] = RULES,
    programme_min_age: int = 15,
) -> CleanResult:
    """Clean one survey (pilot or a formal wave): rules of docs/methods.md §4, derived variables.

    Parameters
    ----------
    tables
        Typed tables from intake keyed ``households``, ``persons``, ``episodes`` and optionally
        ``deaths``, ``sample`` (frozen sample list), ``frame`` (PSU frame) and
        ``<table>_pass2`` (a second data-entry pass, for rule K7). Every survey table carries
        ``source_file`` and ``source_row``; if absent they are filled with the table name and
        the spreadsheet row (data row *i*, counted from 0, is row *i* + 2).
    codebook
        Object with ``codes(variable) -> list[int]`` (optionally ``other_code``).
    recall, case_definition, age_groups
        The config ``recall`` block, primary case definition and report age-group lower bounds.
    prior_issues
        Intake's issues table (unparseable values etc.); its errors reject their rows too.
    rules
        The rule registry (default :data:`injury_survey.cleaning.rules.RULES`).
    programme_min_age
        The config's ``programme.min_age``: knowledge respondents younger are set aside (P1).

    The cascade of rejections is described in the module docstring.
    """
    raw = _prepare(tables)
    context = RuleContext(
        codebook=codebook,
        recall=dict(recall),
        case_definition=case_definition,
        programme_min_age=programme_min_age,
    )
    run = evaluate_rules(raw, context, rules)
    work, household_of = run.work, run.household_of
    issue_frames, reasons, summary_rows = [run.issues], [run.reasons], list(run.summary)

    prior = _prior_issues(soften_item_issues(prior_issues), raw, household_of)
    if not prior.empty:
        issue_frames.append(prior.drop(columns="row"))
        errors = prior[(prior["severity"] == "error") & prior["row"].notna()]
        reasons.append(
            pd.DataFrame(
                {
                    "table": errors["table"],
                    "row": errors["row"].astype(int),
                    "column": errors["column"],
                    "rule_id": errors["rule_id"],
                    "reason_en": _reason_text(
                        errors["rule_id"], errors["column"], errors["message_en"]
                    ),
                    "reason_zh": _reason_text(
                        errors["rule_id"], errors["column"], errors["message_zh"]
                    ),
                }
            )
        )
        summary_rows.extend(_prior_summary(prior))
        issue_frames[0], reasons[0] = _drop_cells_reported_by_intake(
            issue_frames[0], reasons[0], prior, summary_rows
        )

    own = pd.concat(reasons, ignore_index=True) if reasons else _empty_reasons()
    own = own.drop_duplicates(["table", "row", "rule_id", "reason_en"])
    rejected_rows, cascade, set_aside = _cascade(raw, work, own)

    clean = _clean_tables(
        raw, work, rejected_rows, set_aside, case_definition, age_groups, recall=recall
    )
    clean.update(clean_programme_tables(raw, rejected_rows, codebook))
    rejected = _rejected_tables(raw, rejected_rows, own, cascade)
    accounting = _accounting(raw, clean, rejected, own, set_aside)

    issues = pd.concat(
        [f for f in issue_frames if not f.empty] or [_empty_issues()], ignore_index=True
    )
    return CleanResult(
        tables=clean,
        rejected=rejected,
        issues=issues,
        summary=pd.DataFrame(summary_rows, columns=SUMMARY_COLUMNS),
        accounting=accounting,
    )


@dataclass(frozen=True)
class RuleRun:
    """What :func:`evaluate_rules` found: issues, per-row error reasons, summary records."""

    work: dict[str, pd.DataFrame]
    household_of: dict[str, pd.Series]
    issues: pd.DataFrame
    reasons: pd.DataFrame
    summary: list[dict]


def evaluate_rules(
    tables: Mapping[str, pd.DataFrame], context: RuleContext, rules: Sequence[Rule] = RULES
) -> RuleRun:
    """Run ``rules`` on the tables (with the derived columns the rules read); reject nothing.

    The first half of :func:`clean_survey`, useful on its own to list problems in a data set
    without cleaning it.
    """
    raw = _prepare(tables)
    work = _working_tables(raw, context)
    household_of = _household_of_rows(work)
    issue_frames, reasons, summary = [], [], []
    for rule in rules:
        status, flagged = _run_rule(rule, work, context)
        n_rows = 0
        if flagged is not None:
            n_rows = int(flagged.any(axis=1).sum())
            issue_frames.append(
                _issues_of(rule, work[rule.table], flagged, household_of[rule.table])
            )
            if rule.severity == "error":
                reasons.append(_reasons_of(rule, flagged))
        summary.append(
            {
                "rule_id": rule.id,
                "table": rule.table,
                "column": rule.column,
                "severity": rule.severity,
                "message_en": rule.message_en,
                "message_zh": rule.message_zh,
                "n_rows": n_rows,
                "status": status,
            }
        )
    issue_frames = [f for f in issue_frames if not f.empty]
    return RuleRun(
        work=work,
        household_of=household_of,
        issues=pd.concat(issue_frames, ignore_index=True) if issue_frames else _empty_issues(),
        reasons=pd.concat(reasons, ignore_index=True) if reasons else _empty_reasons(),
        summary=summary,
    )


# --------------------------------------------------------------------------------------------
# Preparation


def _prepare(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    missing = [t for t in ("households", "persons", "episodes") if tables.get(t) is None]
    if missing:
        raise ValueError(
            f"clean_survey needs the tables households, persons and episodes; missing: {missing}. "
            "Check the tables section of config.yaml."
        )
    out = {}
    for name, df in tables.items():
        if df is None:
            continue
        df = df.reset_index(drop=True).copy()
        if name in CLEANED_TABLES:
            absent = [c for c in _STRUCTURE_COLUMNS[name] if c not in df.columns]
            if absent:
                raise ValueError(
                    f"Table {name} has no column(s) {absent}: the data contract requires them. "
                    "Add the column(s) to the file, or check that the file is the right one."
                )
            if SOURCE_FILE not in df.columns:
                df[SOURCE_FILE] = name
            if SOURCE_ROW not in df.columns:
                df[SOURCE_ROW] = pd.array(range(2, len(df) + 2), dtype="Int64")
        out[name] = df
    return out


def _working_tables(raw: dict[str, pd.DataFrame], context: RuleContext) -> dict[str, pd.DataFrame]:
    """Raw tables plus the derived columns some rules read (interview date, age at injury, …)."""
    work = dict(raw)
    households = raw["households"].copy()
    if "interview_date" in households.columns:
        households["interview_date"] = pd.to_datetime(households["interview_date"])
    work["households"] = derive_households(households, raw.get("sample"), raw.get("frame"))
    work["episodes"] = derive_episodes(
        raw["episodes"],
        raw["persons"],
        work["households"],
        recall=context.recall,
        case_definition=context.case_definition,
    )
    return work


def _household_of_rows(work: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    with_hh_id = (*SURVEY_TABLES, "home_safety")
    out = {name: work[name]["hh_id"] for name in with_hh_id if name in work} | {
        name: pd.Series(pd.NA, index=work[name].index, dtype="object")
        for name in work
        if name not in CLEANED_TABLES
    }
    if "knowledge" in work:
        out["knowledge"] = household_of_knowledge(work)
    return out


# --------------------------------------------------------------------------------------------
# Running rules


def _run_rule(
    rule: Rule, work: dict[str, pd.DataFrame], context: RuleContext
) -> tuple[str, pd.DataFrame | None]:
    """("ran", flags as a boolean DataFrame) or ("skipped: why", None)."""
    for need in (rule.table, *rule.requires):
        table, _, column = need.partition(".")
        if work.get(table) is None:
            return f"skipped: no {table} table", None
        if column and column not in work[table].columns:
            return f"skipped: {table} has no column {column}", None
    try:
        result = rule.check(work, context)
    except SkipRule as exc:
        return f"skipped: {exc}", None
    except KeyError as exc:
        # A column the check reads is not in this data set (an optional questionnaire module).
        return f"skipped: {rule.table} or a table it links to has no column {exc}", None
    index = work[rule.table].index
    if isinstance(result, pd.Series):
        result = result.to_frame(rule.column)
    flagged = result.reindex(index).fillna(False).astype(bool)
    return "ran", flagged


def _issues_of(
    rule: Rule, df: pd.DataFrame, flagged: pd.DataFrame, household: pd.Series
) -> pd.DataFrame:
    id_column = ID_COLUMNS.get(rule.table)
    frames = []
    for column in flagged.columns:
        mask = flagged[column]
        if not mask.any():
            continue
        frame = issues_for(
            df,
            mask,
            table=rule.table,
            column=column,
            rule_id=rule.id,
            severity=rule.severity,
            message_en=rule.message_en,
            message_zh=rule.message_zh,
            id_column=id_column if id_column in df.columns else None,
        )
        frame["hh_id"] = household[mask].to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else _empty_issues()


def _reason_text(rule_id: pd.Series, column: pd.Series, message: pd.Series) -> pd.Series:
    return rule_id.astype(str) + " (" + column.astype(str) + "): " + message.astype(str)


def _reasons_of(rule: Rule, flagged: pd.DataFrame) -> pd.DataFrame:
    if not flagged.to_numpy().any():
        return _empty_reasons()
    long = flagged.stack()
    long = long[long]
    rows = long.index.get_level_values(0)
    columns = pd.Series(long.index.get_level_values(1), dtype="object")
    n = len(rows)
    rule_id = pd.Series([rule.id] * n, dtype="object")
    return pd.DataFrame(
        {
            "table": rule.table,
            "row": rows.to_numpy(),
            "column": columns.to_numpy(),
            "rule_id": rule.id,
            "reason_en": _reason_text(
                rule_id, columns, pd.Series([rule.message_en] * n)
            ).to_numpy(),
            "reason_zh": _reason_text(
                rule_id, columns, pd.Series([rule.message_zh] * n)
            ).to_numpy(),
        }
    )


def _empty_reasons() -> pd.DataFrame:
    return pd.DataFrame(columns=["table", "row", "column", "rule_id", "reason_en", "reason_zh"])


def _empty_issues() -> pd.DataFrame:
    out = empty_issues()
    out["hh_id"] = pd.Series(dtype="object")
    return out


def _prior_issues(
    prior: pd.DataFrame | None, raw: dict[str, pd.DataFrame], household_of: dict[str, pd.Series]
) -> pd.DataFrame:
    """Intake's issues, each tied to the row it names (``row``) and that row's household."""
    if prior is None or prior.empty:
        return pd.DataFrame(columns=[*ISSUE_COLUMNS, "hh_id", "row"])
    missing = [c for c in ISSUE_COLUMNS if c not in prior.columns]
    if missing:
        raise ValueError(
            f"prior_issues lacks the issue columns {missing} (see injury_survey.issues)."
        )
    out = prior[ISSUE_COLUMNS].reset_index(drop=True).copy()
    out["row"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["hh_id"] = pd.Series(pd.NA, index=out.index, dtype="object")
    for name in CLEANED_TABLES:
        if name not in raw:
            continue
        df = raw[name]
        positions = pd.Series(
            df.index, index=pd.MultiIndex.from_arrays([df[SOURCE_FILE].astype(str), df[SOURCE_ROW]])
        )
        positions = positions[~positions.index.duplicated(keep="first")]
        mine = out["table"] == name
        keys = pd.MultiIndex.from_arrays(
            [out.loc[mine, "source_file"].astype(str), out.loc[mine, "source_row"].astype("Int64")]
        )
        rows = positions.reindex(keys).to_numpy()
        out.loc[mine, "row"] = pd.array(rows, dtype="Int64")
        found = pd.Series(rows, index=out.index[mine]).dropna().astype(int)
        out.loc[found.index, "hh_id"] = household_of[name].loc[found.to_numpy()].to_numpy()
    return out


def _drop_cells_reported_by_intake(
    issues: pd.DataFrame, reasons: pd.DataFrame, prior: pd.DataFrame, summary: list[dict]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Report an empty or unknown-coded cell once: intake's V-rule wins over R_REQUIRED/R_CODE.

    Intake sets a value it cannot read to missing and reports it (V1–V3); the engine's
    required-value check would then report the same cell again. The rule summary is updated.
    """
    errors = prior[(prior["severity"] == "error") & prior["row"].notna()]
    if errors.empty or issues.empty:
        return issues, reasons
    cells = set(
        zip(
            errors["table"],
            errors["source_file"],
            errors["source_row"].astype(int),
            errors["column"],
            strict=True,
        )
    )
    overlap = issues["rule_id"].isin(_INTAKE_OVERLAP) & pd.Series(
        [
            (t, f, int(r), c) in cells
            for t, f, r, c in zip(
                issues["table"],
                issues["source_file"],
                issues["source_row"],
                issues["column"],
                strict=True,
            )
        ],
        index=issues.index,
        dtype=bool,
    )
    row_cells = set(zip(errors["table"], errors["row"].astype(int), errors["column"], strict=True))
    reason_overlap = reasons["rule_id"].isin(_INTAKE_OVERLAP) & pd.Series(
        [
            (t, int(r), c) in row_cells
            for t, r, c in zip(reasons["table"], reasons["row"], reasons["column"], strict=True)
        ],
        index=reasons.index,
        dtype=bool,
    )
    issues = issues[~overlap]
    for record in summary:
        if record["rule_id"] in _INTAKE_OVERLAP and record["status"] == "ran":
            mine = issues[
                (issues["rule_id"] == record["rule_id"])
                & (issues["table"] == record["table"])
                & (issues["column"] == record["column"])
            ]
            record["n_rows"] = len(mine)
    return issues, reasons[~reason_overlap]


def _prior_summary(prior: pd.DataFrame) -> list[dict]:
    grouped = prior.groupby(["rule_id", "table", "column", "severity"], dropna=False, sort=True)
    return [
        {
            "rule_id": rule_id,
            "table": table,
            "column": column,
            "severity": severity,
            "message_en": group["message_en"].iloc[0],
            "message_zh": group["message_zh"].iloc[0],
            "n_rows": int(group[["source_file", "source_row"]].drop_duplicates().shape[0]),
            "status": "intake",
        }
        for (rule_id, table, column, severity), group in grouped
    ]


# --------------------------------------------------------------------------------------------
# Rejection cascade


def _cascade(
    raw: dict[str, pd.DataFrame], work: dict[str, pd.DataFrame], own: pd.DataFrame
) -> tuple[dict[str, pd.Index], pd.DataFrame, pd.Index]:
    """Rows to reject per table, the relative-based reasons, and the set-aside household rows."""

    def own_rows(table: str) -> pd.Index:
        return pd.Index(own.loc[own["table"] == table, "row"].astype(int).unique())

    hh, persons, episodes = raw["households"], raw["persons"], work["episodes"]
    cascade: list[pd.DataFrame] = []

    def add(table: str, mask: pd.Series, en: pd.Series | str, zh: pd.Series | str) -> None:
        rows = mask[mask.fillna(False).astype(bool)].index
        if len(rows) == 0:
            return
        en = en if isinstance(en, str) else en.loc[rows].to_numpy()
        zh = zh if isinstance(zh, str) else zh.loc[rows].to_numpy()
        cascade.append(
            pd.DataFrame({"table": table, "row": rows, "reason_en": en, "reason_zh": zh})
        )

    hh_bad = hh.index.isin(own_rows("households"))
    bad_ids = set(hh.loc[hh_bad, "hh_id"].dropna())

    person_own = pd.Series(persons.index.isin(own_rows("persons")), index=persons.index)
    episode_own = pd.Series(episodes.index.isin(own_rows("episodes")), index=episodes.index)
    responding = hh.loc[~hh_bad & hh["result_code"].isin(RESPONDED_CODES).fillna(False), "hh_id"]
    trigger_ids = set(persons.loc[person_own, "hh_id"].dropna()) | set(
        episodes.loc[episode_own, "hh_id"].dropna()
    )
    set_aside_ids = set(responding) & trigger_ids
    set_aside = hh.index[hh["hh_id"].isin(set_aside_ids) & ~hh_bad]

    hh_text = persons["hh_id"].astype(str)
    person_parent_bad = persons["hh_id"].isin(bad_ids)
    add(
        "persons",
        person_parent_bad,
        "parent household rejected: " + hh_text,
        "所在户被剔除：" + hh_text,
    )
    person_set_aside = persons["hh_id"].isin(set_aside_ids)
    add(
        "persons",
        person_set_aside & ~person_own,
        "household interview set aside (another member's record failed a blocking rule): "
        + hh_text,
        "该户调查整体剔除（同户其他成员记录未通过阻断性规则）：" + hh_text,
    )
    person_rejected = person_own | person_parent_bad | person_set_aside
    rejected_person_ids = set(persons.loc[person_rejected, "person_id"].dropna())

    person_text = episodes["person_id"].astype(str)
    episode_parent = episodes["person_id"].isin(rejected_person_ids)
    add(
        "episodes",
        episode_parent,
        "parent person rejected: " + person_text,
        "所属成员被剔除：" + person_text,
    )
    rejected = {
        "households": pd.Index(hh.index[hh_bad]),
        "persons": persons.index[person_rejected],
        "episodes": episodes.index[episode_own | episode_parent],
    }
    if "deaths" in raw:
        deaths = raw["deaths"]
        death_own = pd.Series(deaths.index.isin(own_rows("deaths")), index=deaths.index)
        death_hh = deaths["hh_id"].astype(str)
        death_parent = deaths["hh_id"].isin(bad_ids | set_aside_ids)
        add(
            "deaths",
            death_parent,
            "parent household rejected or set aside: " + death_hh,
            "所在户被剔除或整体剔除：" + death_hh,
        )
        rejected["deaths"] = deaths.index[death_own | death_parent]
    gone = parent_rejections(raw, rejected_person_ids, bad_ids | set_aside_ids)
    for name, (parent_gone, en, zh) in gone.items():
        add(name, parent_gone, en, zh)
        rows = raw[name].index
        rejected[name] = rows[rows.isin(own_rows(name)) | parent_gone.to_numpy()]
    frame = (
        pd.concat(cascade, ignore_index=True)
        if cascade
        else pd.DataFrame(columns=["table", "row", "reason_en", "reason_zh"])
    )
    return rejected, frame, set_aside


# --------------------------------------------------------------------------------------------
# Outputs


def _clean_tables(
    raw: dict[str, pd.DataFrame],
    work: dict[str, pd.DataFrame],
    rejected: dict[str, pd.Index],
    set_aside: pd.Index,
    case_definition: str,
    age_groups: Sequence[int],
    *,
    recall: Mapping,
) -> dict[str, pd.DataFrame]:
    households = raw["households"].drop(index=rejected["households"]).copy()
    if "interview_date" in households.columns:
        households["interview_date"] = pd.to_datetime(households["interview_date"])
    households["interview_set_aside"] = households.index.isin(set_aside)
    households["interview_set_aside"] = households["interview_set_aside"].astype("boolean")
    households = derive_households(households, raw.get("sample"), raw.get("frame"))
    episodes = work["episodes"].drop(index=rejected["episodes"])
    persons = derive_persons(
        raw["persons"].drop(index=rejected["persons"]),
        households,
        episodes,
        case_definition=case_definition,
        age_groups=age_groups,
        recall=recall,
    )
    out = {
        "households": households.reset_index(drop=True),
        "persons": persons.reset_index(drop=True),
        "episodes": episodes.reset_index(drop=True),
    }
    if "deaths" in raw:
        out["deaths"] = raw["deaths"].drop(index=rejected["deaths"]).reset_index(drop=True)
    return out


def _rejected_tables(
    raw: dict[str, pd.DataFrame],
    rejected: dict[str, pd.Index],
    own: pd.DataFrame,
    cascade: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    all_reasons = pd.concat(
        [own.assign(order=0), cascade.assign(order=1, rule_id="")], ignore_index=True
    )
    out = {}
    for name, rows in rejected.items():
        df = raw[name].loc[rows].copy()
        mine = all_reasons[all_reasons["table"] == name].sort_values(
            ["row", "order"], kind="stable"
        )
        grouped = mine.groupby("row", sort=False)
        df["rule_ids"] = df.index.map(
            grouped["rule_id"].agg(lambda s: ", ".join(dict.fromkeys(x for x in s if x)))
        )
        df["reasons"] = df.index.map(grouped["reason_en"].agg(REASON_SEPARATOR.join))
        df["reasons_zh"] = df.index.map(grouped["reason_zh"].agg(REASON_SEPARATOR.join))
        out[name] = df.reset_index(drop=True)
    return out


def _accounting(
    raw: dict[str, pd.DataFrame],
    clean: dict[str, pd.DataFrame],
    rejected: dict[str, pd.DataFrame],
    own: pd.DataFrame,
    set_aside: pd.Index,
) -> pd.DataFrame:
    rows = []
    for name in CLEANED_TABLES:
        if name not in raw:
            continue
        n_raw, n_clean, n_rejected = len(raw[name]), len(clean[name]), len(rejected[name])
        if n_raw != n_clean + n_rejected:
            raise RowAccountingError(
                f"Row accounting broken for {name}: {n_raw} raw rows but {n_clean} clean + "
                f"{n_rejected} rejected. This is a bug in injury_survey.cleaning; please report it."
            )
        n_own = own.loc[own["table"] == name, "row"].nunique()
        rows.append(
            {
                "table": name,
                "raw_rows": n_raw,
                "clean_rows": n_clean,
                "rejected_rows": n_rejected,
                "rejected_own_error": n_own,
                "rejected_with_relative": n_rejected - n_own,
                "interviews_set_aside": len(set_aside) if name == "households" else 0,
            }
        )
    return pd.DataFrame(rows, columns=ACCOUNTING_COLUMNS)
