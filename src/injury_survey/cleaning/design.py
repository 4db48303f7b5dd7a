"""Checks of the design files: the PSU frame, the frozen sample list and the census.

These files decide the weights, not which interviews are usable: a PSU filed under the wrong
stratum, a blank ``pi_hh`` or a census cell typed ``abc`` changes every published number without
touching a single interview. So, unlike the interview tables, a design file is never cleaned row
by row: an ``error`` finding (or an unreadable value found by intake, rules V1–V3) stops the run
before any weight exists, with one line per finding naming file, spreadsheet row, column, value,
rule and the fix (docs/methods.md, "Cleaning"). ``warn`` findings are listed and the run goes on.

Rule ids: ``FR`` frame, ``SL`` sample list, ``XC`` sample against frame, ``CN`` census. Findings
are rows of the issues table of :mod:`injury_survey.issues`, like the cleaning rules'. CN3 (a
census cell missing for a stratum with respondents) needs the respondents, so it is checked in
the weighting stage by :mod:`injury_survey.census_coverage`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from injury_survey import vectors
from injury_survey.issues import (
    SOURCE_FILE,
    SOURCE_ROW,
    empty_issues,
    format_issue,
    issues_for,
)
from injury_survey.sampling import pps_inclusion_probabilities

DESIGN_TABLES = ("frame", "sample", "census")
# Relative difference above which π from the sample list and π implied by the frame disagree.
PI_TOLERANCE = 0.01
# Fatal messages list this many findings; the rest are counted.
MAX_LISTED = 20

Tables = Mapping[str, pd.DataFrame]


class DesignCheckError(ValueError):
    """A design file (frame, sample list, census) has an error-level finding; nothing is weighted."""


@dataclass(frozen=True)
class DesignRule:
    """One check of a design file: True in the returned mask = the row breaks the rule."""

    id: str
    table: str
    severity: str
    column: str
    message_en: str
    message_zh: str
    check: Callable[[Tables, Mapping], pd.Series]
    needs: tuple[str, ...] = ()


def _number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("Float64")


def _not_probability(column: str) -> Callable[[Tables, Mapping], pd.Series]:
    def check(tables: Tables, settings: Mapping) -> pd.Series:
        value = _number(tables["sample"][column])
        # A blank is a finding too: between() on <NA> is <NA>, which a filter would read as "ok".
        return ~value.between(0, 1, inclusive="right").fillna(False).astype(bool)

    return check


def _frame_stratum_of(tables: Tables) -> pd.Series:
    frame = tables["frame"]
    first = frame.dropna(subset=["psu_id"]).drop_duplicates("psu_id")
    return tables["sample"]["psu_id"].map(first.set_index("psu_id")["stratum_id"])


def _pi_psu_varies(tables: Tables, settings: Mapping) -> pd.Series:
    sample = tables["sample"]
    pi = _number(sample["pi_psu"])
    by_psu = pi.groupby(sample["psu_id"])
    spread = by_psu.transform("max") - by_psu.transform("min")
    return (spread > 1e-9).fillna(False).astype(bool)


def _unknown_stratum(tables: Tables, settings: Mapping) -> pd.Series:
    strata = settings.get("strata") or {}
    frame = tables["frame"]
    if not strata:
        return pd.Series(False, index=frame.index)
    return frame["stratum_id"].notna() & ~frame["stratum_id"].astype(str).isin(
        [str(s) for s in strata]
    )


def _census_negative(tables: Tables, settings: Mapping) -> pd.Series:
    return (_number(tables["census"]["population"]) < 0).fillna(False).astype(bool)


def _census_duplicate(tables: Tables, settings: Mapping) -> pd.Series:
    census = tables["census"]
    keys = census[["stratum_id", "sex", "age_group"]]
    return keys.notna().all(axis=1) & keys.duplicated(keep=False)


def build_design_rules() -> tuple[DesignRule, ...]:
    """The rules of the frame, the sample list and the census, in the order they are reported."""
    E = "error"
    return (
        DesignRule(
            "FR1",
            "frame",
            E,
            "psu_id",
            "This psu_id appears on more than one row of the sampling frame: list each PSU once.",
            "该 psu_id 在抽样框中出现多次：每个居委会/村只能列一行。",
            lambda t, s: t["frame"]["psu_id"].notna() & t["frame"]["psu_id"].duplicated(keep=False),
        ),
        DesignRule(
            "FR2",
            "frame",
            E,
            "households",
            "The measure of size (households listed in the PSU) must be a whole number above 0: "
            "give the count of dwellings listed, or remove the PSU from the frame.",
            "规模（该居委会/村登记的住户数）必须是大于0的整数：请填写登记住户数，或将该居委会/村移出抽样框。",
            lambda t, s: ~(_number(t["frame"]["households"]) > 0).fillna(False).astype(bool),
        ),
        DesignRule(
            "FR3",
            "frame",
            E,
            "stratum_id",
            "This stratum_id is not one of the strata named in the config (survey.strata): "
            "correct the stratum_id, or add the stratum to survey.strata.",
            "该 stratum_id 不在配置文件 survey.strata 列出的层中：请更正 stratum_id，或在 survey.strata 中添加该层。",
            _unknown_stratum,
        ),
        DesignRule(
            "SL1",
            "sample",
            E,
            "hh_id",
            "This hh_id appears on more than one row of the sample list: each sampled household "
            "is listed once. Delete the duplicate row.",
            "该 hh_id 在样本户名单中出现多次：每个样本户只能列一行，请删除重复行。",
            lambda t, s: t["sample"]["hh_id"].notna() & t["sample"]["hh_id"].duplicated(keep=False),
        ),
        DesignRule(
            "SL2",
            "sample",
            E,
            "psu_id",
            "This sampled PSU is not in the sampling frame (psus.csv): its selection probability "
            "cannot be checked and its households would be lost. Correct the psu_id, or use the "
            "frame the sample was drawn from.",
            "该样本居委会/村不在抽样框（psus.csv）中：无法核对其抽样概率，其住户将会丢失。"
            "请更正 psu_id，或使用抽样时所用的抽样框。",
            lambda t, s: t["sample"]["psu_id"].notna() & _frame_stratum_of(t).isna(),
            needs=("frame",),
        ),
        DesignRule(
            "SL3",
            "sample",
            E,
            "stratum_id",
            "The sample list puts this PSU in a different stratum from the sampling frame: the PSU "
            "would be analysed in the wrong stratum. Correct stratum_id in one of the two files.",
            "样本户名单中该居委会/村所属的层与抽样框不一致：该居委会/村将被归入错误的层分析。"
            "请更正其中一个文件的 stratum_id。",
            lambda t, s: (
                _frame_stratum_of(t).notna()
                & (t["sample"]["stratum_id"].astype(str) != _frame_stratum_of(t).astype(str))
            ),
            needs=("frame",),
        ),
        DesignRule(
            "SL4",
            "sample",
            E,
            "pi_psu",
            "pi_psu (probability that the PSU was selected) is blank or outside (0, 1]: every "
            "sampled household needs it for its weight. Copy it from the plan's sample list.",
            "pi_psu（居委会/村入样概率）为空或不在 (0, 1] 范围内：每个样本户的权重都需要它。"
            "请从抽样方案的样本名单中复制。",
            _not_probability("pi_psu"),
        ),
        DesignRule(
            "SL5",
            "sample",
            E,
            "pi_hh",
            "pi_hh (probability that the household was selected within its PSU) is blank or "
            "outside (0, 1]: every sampled household needs it for its weight. Copy it from the "
            "plan's sample list.",
            "pi_hh（住户在居委会/村内的入样概率）为空或不在 (0, 1] 范围内：每个样本户的权重都需要它。"
            "请从抽样方案的样本名单中复制。",
            _not_probability("pi_hh"),
        ),
        DesignRule(
            "SL6",
            "sample",
            E,
            "pi_psu",
            "pi_psu differs between households of the same PSU: a PSU has one selection "
            "probability. Correct the rows of this PSU so they agree.",
            "同一居委会/村的住户 pi_psu 不一致：一个居委会/村只有一个入样概率，请更正使其一致。",
            _pi_psu_varies,
        ),
        DesignRule(
            "SL7",
            "sample",
            "warn",
            "hh_id",
            "This sampled household has no row in the households table: a household that was "
            "visited but not interviewed still needs its row with a result code (e.g. 4 absent, "
            "5 refused), or its weight is lost from the non-response adjustment.",
            "该样本户在户表中没有记录：已入户但未完成调查的住户也需要一行并填写结果代码（如4不在家、"
            "5拒访），否则其权重不会进入无应答调整。",
            lambda t, s: (
                t["sample"]["hh_id"].notna()
                & ~vectors.isin(t["sample"]["hh_id"], t["households"]["hh_id"].dropna())
            ),
            needs=("households",),
        ),
        DesignRule(
            "CN1",
            "census",
            E,
            "population",
            "A census population must be a whole number of people, 0 or more: correct the cell "
            "from the census table.",
            "普查人口数必须是大于等于0的整数：请按普查表更正该单元格。",
            _census_negative,
        ),
        DesignRule(
            "CN2",
            "census",
            E,
            "age_group",
            "This stratum × sex × age group appears on more than one census row: keep one row per "
            "cell (the calibration target would be counted twice).",
            "该层×性别×年龄组在普查表中出现多行：每个单元格只保留一行（否则校准目标会重复计算）。",
            _census_duplicate,
        ),
    )


DESIGN_RULES = build_design_rules()


def _with_provenance(df: pd.DataFrame, table: str) -> pd.DataFrame:
    df = df.reset_index(drop=True).copy()
    if SOURCE_FILE not in df.columns:
        df[SOURCE_FILE] = table
    if SOURCE_ROW not in df.columns:
        df[SOURCE_ROW] = pd.array(range(2, len(df) + 2), dtype="Int64")
    return df


def check_design_files(
    tables: Mapping[str, pd.DataFrame | None],
    *,
    strata: Mapping | Sequence | None = None,
    intake_issues: pd.DataFrame | None = None,
    rules: Sequence[DesignRule] = DESIGN_RULES,
) -> pd.DataFrame:
    """Run the design rules (and the π cross-checks) on the tables given; return the issues.

    ``tables`` maps ``frame``, ``sample`` and/or ``census`` to typed tables from intake (absent or
    None: its rules are skipped); ``households``, when given, is only looked up (rule SL7), and
    other survey tables are ignored (the cleaning rules check them). ``strata`` is the config's ``survey.strata``. ``intake_issues``
    are intake's V1–V3 issues: those of the design tables are returned too, since an unreadable
    cell in a design file is as fatal as a failed rule. Nothing is raised here; see
    :func:`raise_design_errors`.
    """
    given = {n: _with_provenance(df, n) for n, df in tables.items() if df is not None}
    settings = {"strata": strata}
    parts = [empty_issues()]
    if intake_issues is not None and not intake_issues.empty:
        design = [name for name in given if name in DESIGN_TABLES]
        parts.append(intake_issues[intake_issues["table"].isin(design)])
    for rule in rules:
        if rule.table not in given or any(n not in given for n in rule.needs):
            continue
        df = given[rule.table]
        mask = rule.check(given, settings)
        id_column = {"frame": "psu_id", "sample": "hh_id"}.get(rule.table)
        parts.append(
            issues_for(
                df,
                mask.reindex(df.index).fillna(False).astype(bool),
                table=rule.table,
                column=rule.column,
                rule_id=rule.id,
                severity=rule.severity,
                message_en=rule.message_en,
                message_zh=rule.message_zh,
                id_column=id_column,
            )
        )
    found = pd.concat([p for p in parts if not p.empty] or [empty_issues()], ignore_index=True)
    # A cell intake could not read (V1–V3) is reported once, by intake, not again by a rule.
    cell = ["table", "source_file", "source_row", "column"]
    from_intake = found["rule_id"].astype(str).str.fullmatch(r"V\d")
    seen = found.loc[from_intake, cell].astype(str).agg("|".join, axis=1)
    again = ~from_intake & found[cell].astype(str).agg("|".join, axis=1).isin(set(seen))
    found = found[~again]
    if "frame" in given and "sample" in given and not (found["severity"] == "error").any():
        found = pd.concat([found, probability_cross_checks(given["frame"], given["sample"])])
    return found.reset_index(drop=True)


def probability_cross_checks(frame: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Warnings where the sample list's π disagree with those the frame implies (rules XC1, XC2).

    XC1: ``pi_psu`` against PPS selection of as many PSUs per stratum as the sample holds, with
    the frame's ``households`` as size (certainty PSUs at 1), as the plan step draws them. XC2:
    ``pi_hh`` against the PSU's sampled households over its listed households. A list drawn
    another way (equal probability, re-listed PSUs) warns; check it and keep it if it is right.
    """
    frame = _with_provenance(frame, "frame")
    sample = _with_provenance(sample, "sample")
    n_by_stratum = sample.groupby(sample["stratum_id"].astype(str))["psu_id"].nunique()
    n_by_stratum = {
        str(s): int(n_by_stratum.get(str(s), 0)) for s in frame["stratum_id"].astype(str).unique()
    }
    expected = pps_inclusion_probabilities(frame, n_by_stratum).set_index("psu_id")
    psu = sample["psu_id"].astype(str)
    pi_psu, pi_hh = _number(sample["pi_psu"]), _number(sample["pi_hh"])
    expect_psu = psu.map(expected["pi_psu"]).astype("Float64")
    expect_hh = (psu.map(psu.value_counts()) / psu.map(expected["households"])).astype("Float64")
    parts = [
        issues_for(
            sample,
            ((pi_psu - expect_psu).abs() > PI_TOLERANCE * expect_psu).fillna(False),
            table="sample",
            column="pi_psu",
            rule_id="XC1",
            severity="warn",
            message_en="pi_psu differs by more than 1% from the PPS probability the frame implies "
            "(stratum's sampled PSUs × this PSU's households / stratum households): check that "
            "the sample list and the frame belong together.",
            message_zh="pi_psu 与抽样框推算的按规模概率（层内样本居委会/村数×该居委会/村住户数/层住户总数）"
            "相差超过1%：请核对样本名单与抽样框是否配套。",
            id_column="hh_id",
        ),
        issues_for(
            sample,
            ((pi_hh - expect_hh).abs() > PI_TOLERANCE * expect_hh).fillna(False),
            table="sample",
            column="pi_hh",
            rule_id="XC2",
            severity="warn",
            message_en="pi_hh differs by more than 1% from the PSU's sampled households divided "
            "by its households in the frame: check the frame's count or the sample list.",
            message_zh="pi_hh 与该居委会/村样本户数除以抽样框住户数相差超过1%：请核对抽样框住户数或样本名单。",
            id_column="hh_id",
        ),
    ]
    return pd.concat(parts, ignore_index=True)


def raise_design_errors(issues: pd.DataFrame, *, stage: str) -> pd.DataFrame:
    """Raise :class:`DesignCheckError` listing every error-level finding; return the warnings.

    ``stage`` says what was stopped ("weights" …) in the first line of the message.
    """
    errors = issues[issues["severity"] == "error"]
    if errors.empty:
        return issues[issues["severity"] != "error"].reset_index(drop=True)
    lines = [format_issue(row) for _, row in errors.head(MAX_LISTED).iterrows()]
    if len(errors) > MAX_LISTED:
        lines.append(f"… and {len(errors) - MAX_LISTED} more / 另有 {len(errors) - MAX_LISTED} 处")
    files = ", ".join(dict.fromkeys(errors["source_file"].astype(str)))
    raise DesignCheckError(
        f"The design files ({files}) have {len(errors)} problem(s); no {stage} were computed. "
        f"Fix them and run again. / 设计文件（{files}）有 {len(errors)} 处问题，未计算{_ZH.get(stage, stage)}。"
        "请更正后重新运行。\n  " + "\n  ".join(lines)
    )


_ZH = {"weights": "权重", "cleaning": "清理结果"}
