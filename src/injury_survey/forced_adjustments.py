"""What cleaning and weighting had to do because of the data, as :mod:`injury_survey.adjustments`.

Notebook 03 (01 for the pilot) records the rows cleaning set aside, per table, with their count
and main reasons; notebook 04 the non-response classes pooled, the calibration cells merged and
the census cells taken as counted in a neighbouring age group. Each is one
:class:`~injury_survey.adjustments.Adjustment`, so the end-of-run summary, the QC notebooks and
the report list the same facts.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from injury_survey.adjustments import Adjustment

_TABLE_ZH = {
    "households": "户表",
    "persons": "成员表",
    "episodes": "伤害个案表",
    "deaths": "死亡表",
    "knowledge": "知晓与安全知识表",
    "home_safety": "家庭安全措施表",
}
# How many rule ids a "main reasons" list names.
MAIN_REASONS = 3


def rows_set_aside(clean, *, wave: str, stage: str) -> list[Adjustment]:
    """One adjustment per table with rejected rows, and one for household interviews set aside.

    ``clean`` is a :class:`~injury_survey.cleaning.CleanResult`. The main reasons are the most
    frequent rule ids among the rows' own failures; rows that went with a relative are counted
    apart. The rows themselves, with every reason, are in ``rejected.csv``.
    """
    out = []
    for row in clean.accounting.itertuples(index=False):
        if row.rejected_rows:
            rejected = clean.rejected[row.table]
            rules = Counter(
                rule.strip()
                for ids in rejected["rule_ids"].fillna("").astype(str)
                for rule in ids.split(",")
                if rule.strip()
            )
            main = ", ".join(f"{rule} ×{n}" for rule, n in rules.most_common(MAIN_REASONS))
            relatives = int(row.rejected_with_relative)
            out.append(
                Adjustment(
                    wave=wave,
                    stage=stage,
                    kind="rows_set_aside",
                    where=row.table,
                    setting="",
                    detail_en=(
                        f"{row.rejected_rows} of {row.raw_rows} {row.table} rows set aside by "
                        f"cleaning (main rules: {main or 'none'}; {relatives} with a rejected "
                        "relative); listed with their reasons in rejected.csv"
                    ),
                    detail_zh=(
                        f"{_TABLE_ZH.get(row.table, row.table)} {row.raw_rows} 行中有 "
                        f"{row.rejected_rows} 行在清理中被剔除（主要规则：{main or '无'}；"
                        f"其中 {relatives} 行因相关记录被剔除而一并剔除），原因见 rejected.csv"
                    ),
                )
            )
        if row.table == "households" and row.interviews_set_aside:
            out.append(
                Adjustment(
                    wave=wave,
                    stage=stage,
                    kind="rows_set_aside",
                    where="households",
                    setting="",
                    detail_en=(
                        f"{row.interviews_set_aside} household interview(s) set aside because a "
                        "member's or an episode's record failed a blocking rule; counted as "
                        "eligible non-respondents"
                    ),
                    detail_zh=(
                        f"{row.interviews_set_aside} 户因成员或伤害个案记录未通过阻断性规则而整户"
                        "剔除，按有资格的无应答户计"
                    ),
                )
            )
    return out


def weighting_adjustments(weights, *, wave: str, stage: str, settings: dict) -> list[Adjustment]:
    """Pooled non-response classes, merged calibration cells and collapsed census cells.

    ``weights`` is a :class:`~injury_survey.weighting.WeightsResult`; ``settings`` the config's
    ``weights`` section (the governing setting is named beside each adjustment).
    """
    out = []
    min_class = settings.get("min_class_respondents", 5)
    classes = weights.nonresponse_classes
    for row in classes[classes["collapsed"]].itertuples(index=False):
        out.append(
            Adjustment(
                wave=wave,
                stage=stage,
                kind="nonresponse_class_collapsed",
                where=str(row.nr_class),
                setting=f"weights.min_class_respondents={min_class}",
                detail_en=(
                    f"non-response class {row.nr_class}: PSUs {row.psus} of stratum "
                    f"{row.stratum_id} adjusted together ({int(row.respondents)} responding of "
                    f"{int(row.eligible)} eligible households), because a PSU had fewer than "
                    f"{min_class} responding households"
                ),
                detail_zh=(
                    f"无应答调整类 {row.nr_class}：层 {row.stratum_id} 的居委会/村 {row.psus} 合并调整"
                    f"（{int(row.eligible)} 户有资格户中 {int(row.respondents)} 户应答），因有居委会/村"
                    f"应答户少于 {min_class} 户"
                ),
            )
        )
    method = settings.get("calibration", "poststratify")
    cells = weights.calibration_cells
    if method != "none" and "collapsed" in cells:
        min_cell = settings.get("min_cell_respondents", 20)
        merged = cells[cells["collapsed"]].groupby("calibration_cell", sort=False)
        for label, group in merged:
            stratum, sex = group["stratum_id"].iloc[0], group["sex"].iloc[0]
            ages = [str(a) for a in group["age_group"]]
            n = int(group["respondents"].sum())
            out.append(
                Adjustment(
                    wave=wave,
                    stage=stage,
                    kind="calibration_cell_collapsed",
                    where=str(label),
                    setting=f"weights.min_cell_respondents={min_cell}",
                    detail_en=(
                        f"calibration cell stratum {stratum}, sex {sex}: age groups "
                        f"{', '.join(ages)} calibrated together ({n} respondents)"
                    ),
                    detail_zh=(
                        f"校准单元 层 {stratum}、性别 {sex}：年龄组 {'、'.join(ages)} "
                        f"合并校准（{n} 名调查对象）"
                    ),
                )
            )
    gaps = weights.census_collapsed
    if gaps is not None and not gaps.empty:
        for row in gaps.itertuples(index=False):
            merge_en = (
                f"; report age groups {row.report_group} and {row.merge_with} calibrated together"
                if row.merge_with
                else ""
            )
            merge_zh = (
                f"；报告年龄组 {row.report_group} 与 {row.merge_with} 合并校准"
                if row.merge_with
                else ""
            )
            out.append(
                Adjustment(
                    wave=wave,
                    stage=stage,
                    kind="census_cells_collapsed",
                    where=f"{row.stratum_id}|{row.sex}|{row.age_group}",
                    setting="weights.census_missing=collapse",
                    detail_en=(
                        f"the census has no row for stratum {row.stratum_id}, sex {row.sex}, age "
                        f"{row.age_group} ({row.respondents} respondents): its people taken as "
                        f"counted in age group {row.counted_in}{merge_en}"
                    ),
                    detail_zh=(
                        f"普查表缺少层 {row.stratum_id}、性别 {row.sex}、年龄 {row.age_group} 的行"
                        f"（{row.respondents} 名调查对象）：视为计入年龄组 {row.counted_in}{merge_zh}"
                    ),
                )
            )
    return out


def adjustments_table(items: list[Adjustment]) -> pd.DataFrame:
    """The adjustments as a short table for a notebook: kind, where, setting, detail (en, zh)."""
    from injury_survey.adjustments import KINDS, adjustments_frame

    frame = adjustments_frame(items)
    return pd.DataFrame(
        {
            "kind": frame["kind"].map(KINDS),
            "where": frame["where"],
            "setting": frame["setting"],
            "detail": frame["detail_en"],
            "说明": frame["detail_zh"],
        }
    )


def show_adjustments(items: list[Adjustment]):
    """For a notebook: the adjustments with their sentences in full, or a line saying none."""
    from IPython.display import Markdown

    if not items:
        return Markdown("No adjustment was needed. · 无需调整。")
    return adjustments_table(items).style.hide(axis="index")
