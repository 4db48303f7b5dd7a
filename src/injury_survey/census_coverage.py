"""Census coverage: every calibration target present, or its absence handled and said.

A census row missing for a stratum × sex × 5-year group shrinks the calibration target of its
report age group without a word. :func:`resolve_census_gaps` finds such cells for the strata
with respondents and, under ``weights.census_missing``, stops (``fail``) or takes the group's
people as counted in the nearest group the census has (``collapse``);
:func:`merge_cells_for_census_gaps` then merges the calibration cells concerned
(docs/methods.md, "Cleaning").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from injury_survey.cleaning.derive import age_group_5y
from injury_survey.cleaning.design import MAX_LISTED, DesignCheckError
from injury_survey.intake import AGE_GROUPS_5Y
from injury_survey.issues import SOURCE_FILE
from injury_survey.standardize import age_group_labels


def census_gaps(
    census: pd.DataFrame,
    persons: pd.DataFrame,
    age_groups_5y: Sequence[str],
) -> pd.DataFrame:
    """Stratum × sex × 5-year age cells the census lacks in a stratum that has respondents.

    A missing census row shrinks the calibration target of its report age group without a word,
    so every 5-year group of both sexes must be there for each stratum with respondents (a
    population of 0 is a valid row). ``persons`` needs ``stratum_id`` and ``age_group_5y``.
    Returns ``stratum_id, sex, age_group, respondents`` (respondents of that very cell).
    """
    strata = sorted(persons["stratum_id"].dropna().astype(str).unique())
    sexes = sorted(set(pd.to_numeric(census["sex"]).dropna().astype(int)) | {1, 2})
    full = pd.MultiIndex.from_product(
        [strata, sexes, list(age_groups_5y)], names=["stratum_id", "sex", "age_group"]
    ).to_frame(index=False)
    have = census.assign(
        stratum_id=census["stratum_id"].astype(str),
        sex=pd.to_numeric(census["sex"]).astype("Int64"),
        age_group=census["age_group"].astype(str),
    )[["stratum_id", "sex", "age_group"]].drop_duplicates()
    merged = full.merge(
        have.assign(_present=True), how="left", on=["stratum_id", "sex", "age_group"]
    )
    gaps = merged.loc[merged["_present"].isna(), ["stratum_id", "sex", "age_group"]]
    counts = (
        persons.assign(
            stratum_id=persons["stratum_id"].astype(str),
            sex=pd.to_numeric(persons["sex"]).astype("Int64"),
            age_group=persons["age_group_5y"].astype(str),
        )
        .groupby(["stratum_id", "sex", "age_group"])
        .size()
        .rename("respondents")
        .reset_index()
    )
    gaps = gaps.merge(counts, how="left", on=["stratum_id", "sex", "age_group"])
    gaps["respondents"] = gaps["respondents"].fillna(0).astype(int)
    return gaps.reset_index(drop=True)


def neighbour_age_group(
    age_group: str, available: Sequence[str], order: Sequence[str]
) -> str | None:
    """The nearest 5-year group present in ``available`` (older first on a tie), or None.

    A census published with a wider top group (80+ typed into the 85+ row) or a merged group is
    the usual reason for a missing row: the people are counted in a neighbour.
    """
    position = list(order).index(age_group)
    for step in range(1, len(order)):
        for candidate in (position + step, position - step):
            if 0 <= candidate < len(order) and order[candidate] in available:
                return order[candidate]
    return None


def report_group_of(age_group_5y: str, age_groups: Sequence[int]) -> str:
    """The report age group (``age_groups`` lower bounds) that a 5-year group falls in."""
    lower = int(str(age_group_5y).split("-")[0].rstrip("+"))
    index = int(np.searchsorted(np.asarray(list(age_groups)), lower, side="right")) - 1
    return age_group_labels(age_groups)[index]


def resolve_census_gaps(
    census: pd.DataFrame,
    persons: pd.DataFrame,
    *,
    policy: str,
    age_groups: Sequence[int],
) -> pd.DataFrame:
    """Census cells missing for strata with respondents, under ``weights.census_missing``.

    ``fail`` (default) raises :class:`DesignCheckError` naming every missing cell. ``collapse``
    takes the missing group's people as counted in the nearest 5-year group the census has for
    that stratum × sex (the usual cause: a census published with a wider group); the returned
    rows say which (``counted_in``) and, in ``merge_with``, the report age group whose calibration
    cell must be merged with the missing group's (empty when both are in one report group).
    """
    gaps = census_gaps(census, persons, AGE_GROUPS_5Y)
    columns = [*gaps.columns, "report_group", "counted_in", "merge_with"]
    if gaps.empty:
        return pd.DataFrame(columns=columns)
    source = str(census[SOURCE_FILE].iloc[0]) if SOURCE_FILE in census and len(census) else "census"
    listing = "; ".join(
        f"stratum {r.stratum_id}, sex {r.sex}, age {r.age_group} ({r.respondents} respondent(s))"
        for r in gaps.head(MAX_LISTED).itertuples()
    )
    if policy != "collapse":
        raise DesignCheckError(
            f"{source}: [CN3 error] {len(gaps)} census cell(s) missing for strata that have "
            f"respondents: {listing}. Add the rows (population 0 if nobody lives there), or set "
            "weights.census_missing: collapse to count them in the neighbouring age group. / "
            f"普查表缺少 {len(gaps)} 个有调查对象的层的单元格（见上）。请补充这些行（无人居住填0），"
            "或设置 weights.census_missing: collapse，将其并入相邻年龄组。"
        )
    available = census.assign(
        stratum_id=census["stratum_id"].astype(str),
        sex=pd.to_numeric(census["sex"]).astype("Int64"),
        age_group=census["age_group"].astype(str),
    )
    rows = []
    for gap in gaps.itertuples(index=False):
        mine = available[
            (available["stratum_id"] == gap.stratum_id) & (available["sex"] == gap.sex)
        ]
        neighbour = neighbour_age_group(gap.age_group, set(mine["age_group"]), AGE_GROUPS_5Y)
        if neighbour is None:
            raise DesignCheckError(
                f"{source}: [CN3 error] the census has no row at all for stratum "
                f"{gap.stratum_id}, sex {gap.sex}, which has respondents: add its rows. / "
                f"普查表中层 {gap.stratum_id}、性别 {gap.sex} 没有任何行，但该层有调查对象：请补充。"
            )
        own_group = report_group_of(gap.age_group, age_groups)
        other_group = report_group_of(neighbour, age_groups)
        rows.append(
            {
                **gap._asdict(),
                "report_group": own_group,
                "counted_in": neighbour,
                "merge_with": "" if other_group == own_group else other_group,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def census_gaps_for_weights(
    census: pd.DataFrame,
    people: pd.DataFrame,
    settings: dict,
    method: str,
    age_groups: Sequence[int],
) -> pd.DataFrame:
    """Missing census cells under ``weights.census_missing`` (stops under ``fail``)."""
    if method == "none":
        return pd.DataFrame()
    if "age_group_5y" not in people:
        people = people.assign(age_group_5y=age_group_5y(people["age_years"]))
    gaps = resolve_census_gaps(
        census, people, policy=settings.get("census_missing", "fail"), age_groups=age_groups
    )
    if method == "rake" and (gaps["merge_with"] != "").any():
        raise DesignCheckError(
            "weights.census_missing: collapse would merge report age groups for a census cell "
            f"missing at a group boundary ({gaps.iloc[0]['stratum_id']}, sex "
            f"{gaps.iloc[0]['sex']}, {gaps.iloc[0]['age_group']}), which raking cannot do per "
            "stratum: complete the census or use weights.calibration: poststratify. / "
            "普查表缺失的年龄组位于报告年龄组边界，raking 无法按层合并：请补全普查表，或改用 poststratify。"
        )
    return gaps


def merge_cells_for_census_gaps(counts: pd.DataFrame, gaps: pd.DataFrame) -> pd.Series:
    """Calibration cells after merging, within stratum × sex, the report age group of each
    missing census cell with the group its people are taken to be counted in."""
    cells = counts["calibration_cell"].copy()
    if gaps.empty:
        return cells
    order = {label: i for i, label in enumerate(counts["age_group"].cat.categories)}
    for gap in gaps[gaps["merge_with"] != ""].itertuples():
        mine = (counts["stratum_id"] == gap.stratum_id) & (counts["sex"] == int(gap.sex))
        groups = counts["age_group"].astype(str)
        a = cells[mine & (groups == gap.report_group)].iloc[0]
        b = cells[mine & (groups == gap.merge_with)].iloc[0]
        if a == b:
            continue
        both = mine & cells.isin([a, b])
        members = sorted(set(groups[both]), key=order.get)
        cells[both] = f"{gap.stratum_id}|{int(gap.sex)}|" + "+".join(members)
    return cells
