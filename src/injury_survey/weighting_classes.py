"""Weighting classes: the groups of respondents whose weights are adjusted together.

Calibration cells and person-level non-response classes are both stratum × sex × report age
group, a group with too few respondents merged with its neighbouring age group
(:func:`collapse_cells`). The person-level non-response step (docs/methods.md "Person-level
non-response", "Item non-response") lives here; :func:`injury_survey.weighting.compute_weights`
runs it between the household non-response adjustment and calibration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from injury_survey.adjustments import Adjustment


class WeightingError(ValueError):
    """The inputs cannot be weighted; the message names the file, row and what to do."""


def collapse_cells(counts: pd.DataFrame, min_respondents: int) -> pd.Series:
    """Calibration cell label for each stratum × sex × age-group row of ``counts``.

    ``counts`` has ``stratum_id, sex, age_group`` (report groups, in age order) and
    ``respondents``. Within each stratum × sex the cell with the fewest respondents below
    ``min_respondents`` is merged with its neighbouring age group (the smaller neighbour), and
    again until every cell has enough respondents or the stratum × sex is a single cell.
    Labels read ``"S1|2|0-14+15-44"``.
    """
    labels = pd.Series(index=counts.index, dtype=object)
    for (stratum_id, sex), group in counts.groupby(["stratum_id", "sex"], sort=False):
        group = group.sort_values("age_group")
        cells = [[age] for age in group["age_group"].astype(str)]
        sizes = list(group["respondents"].astype(int))
        while len(cells) > 1 and min(sizes) < min_respondents:
            i = int(np.argmin(sizes))
            if i == 0:
                j = 1
            elif i == len(cells) - 1:
                j = i - 1
            else:
                j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
            lo, hi = sorted((i, j))
            cells[lo : hi + 1] = [cells[lo] + cells[hi]]
            sizes[lo : hi + 1] = [sizes[lo] + sizes[hi]]
        for members in cells:
            label = f"{stratum_id}|{sex}|" + "+".join(members)
            rows = group.index[group["age_group"].astype(str).isin(members)]
            labels.loc[rows] = label
    return labels


# ---------------------------------------------------------------------- person non-response

SCREENED = (1, 2)
"""``injured_12m`` answers that screen a person: 1 yes, 2 no."""
DONT_KNOW = 8


def screened_persons(persons: pd.DataFrame, dont_know: str = "exclude") -> pd.Series:
    """Which persons answered the screening question (docs/methods.md "Item non-response").

    ``injured_12m`` 1 or 2 is an answer; a missing value is not. "Don't know" (8) is item
    non-response under ``screening_dont_know: exclude`` (the default) and counts as "not injured"
    under ``not_injured``. Without an ``injured_12m`` column everybody counts as screened.
    """
    if dont_know not in ("exclude", "not_injured"):
        raise WeightingError(
            f"screening_dont_know must be 'exclude' or 'not_injured', got {dont_know!r}."
        )
    if "injured_12m" not in persons.columns:
        return pd.Series(True, index=persons.index)
    answer = pd.to_numeric(persons["injured_12m"], errors="coerce")
    answered = answer.isin(SCREENED)
    if dont_know == "not_injured":
        answered |= answer.eq(DONT_KNOW)
    return answered.fillna(False).astype(bool)


def person_nonresponse_adjust(
    people: pd.DataFrame,
    *,
    by: str = "class",
    min_respondents: int = 20,
    dont_know: str = "exclude",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person-level non-response adjustment (docs/methods.md §6.1.2, docs/methods.md).

    ``people`` are the members of responding households with ``weight_nr``, ``stratum_id``,
    ``sex`` and ``age_group``. The unscreened members (:func:`screened_persons`) are dropped;
    with ``by="class"`` the screened members of each class carry the weight of all its members,
    ``weight_pnr = weight_nr · Σ_members weight_nr / Σ_screened weight_nr``. Classes are stratum ×
    sex × report age group, an age group with fewer than ``min_respondents`` screened members
    merged with its neighbour as for the calibration cells (:func:`collapse_cells`). With
    ``by="none"`` the unscreened are dropped and nobody's weight changes (``weight_pnr =
    weight_nr``). Returns the screened persons with ``person_nr_class`` and ``weight_pnr``, and
    one row per class.
    """
    if by not in ("class", "none"):
        raise WeightingError(f"weights.person_nonresponse must be 'class' or 'none', got {by!r}.")
    frame = people.copy()
    frame["_screened"] = screened_persons(frame, dont_know)
    answer = (
        pd.to_numeric(frame["injured_12m"], errors="coerce")
        if "injured_12m" in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    frame["_dont_know"] = answer.eq(DONT_KNOW).fillna(False).astype(bool) & ~frame["_screened"]
    frame["_no_answer"] = ~frame["_screened"] & ~frame["_dont_know"]
    counts = (
        frame.groupby(["stratum_id", "sex", "age_group"], sort=False, observed=True)["_screened"]
        .sum()
        .rename("respondents")
        .reset_index()
    )
    order = age_order(frame["age_group"])
    counts["_order"] = counts["age_group"].map(order)
    counts = counts.sort_values(["stratum_id", "sex", "_order"]).drop(columns="_order")
    # Neighbours by age, not by label ("5-9" lies between "0-4" and "10-14").
    by_age = pd.Categorical(
        counts["age_group"], categories=sorted(order, key=order.get), ordered=True
    )
    counts["person_nr_class"] = (
        collapse_cells(counts.assign(age_group=by_age), min_respondents)
        if by == "class"
        else cell_label(counts)
    )
    frame = frame.merge(
        counts[["stratum_id", "sex", "age_group", "person_nr_class"]],
        on=["stratum_id", "sex", "age_group"],
        how="left",
    )
    frame["_w_screened"] = frame["weight_nr"].where(frame["_screened"], 0.0)
    classes = (
        frame.groupby("person_nr_class", sort=False)
        .agg(
            stratum_id=("stratum_id", "first"),
            sex=("sex", "first"),
            members=("_screened", "size"),
            screened=("_screened", "sum"),
            dont_know=("_dont_know", "sum"),
            not_answered=("_no_answer", "sum"),
            weight_members=("weight_nr", "sum"),
            weight_screened=("_w_screened", "sum"),
        )
        .reset_index()
    )
    if by == "class":
        empty = classes[classes["screened"] == 0]
        if not empty.empty:
            row = empty.iloc[0]
            raise WeightingError(
                f"No member of stratum {row['stratum_id']}, sex {row['sex']} answered the "
                "screening question, so the person-level non-response adjustment has nobody to "
                "carry their weight. Check injured_12m of that stratum in persons.csv, or set "
                "weights.person_nonresponse: none. / 该层该性别无人回答筛查问题，无法做个人层面无应答"
                "调整：请检查 persons.csv 的 injured_12m，或将 weights.person_nonresponse 设为 none。"
            )
        classes["factor"] = classes["weight_members"] / classes["weight_screened"]
    else:
        classes["factor"] = 1.0
    merged = counts.loc[counts["person_nr_class"] != cell_label(counts), "person_nr_class"]
    classes["collapsed"] = classes["person_nr_class"].isin(set(merged))
    # Shown in the order of the census table: stratum, sex, age.
    position = pd.Series(range(len(counts)), index=counts["person_nr_class"].to_numpy())
    classes["_order"] = classes["person_nr_class"].map(position.groupby(level=0).min())
    classes = classes.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    factor = frame["person_nr_class"].map(classes.set_index("person_nr_class")["factor"])
    frame["weight_pnr"] = frame["weight_nr"] * factor
    kept = frame.loc[frame["_screened"]].drop(
        columns=["_screened", "_dont_know", "_no_answer", "_w_screened"]
    )
    return kept.reset_index(drop=True), classes


def person_nonresponse_adjustments(
    classes: pd.DataFrame,
    *,
    wave: str,
    settings: dict,
    screening_dont_know: str,
    stage: str = "04",
) -> list[Adjustment]:
    """The adjustments record of the person-level step: the screening answers left out as item
    non-response (one row per stratum) and every merged class."""
    method = settings.get("person_nonresponse", "class")
    moved_en = (
        "their weight is carried by the screened members of the same class"
        if method == "class"
        else "their weight is not redistributed"
    )
    moved_zh = "其权重由同一调整类中已回答者承担" if method == "class" else "其权重不再分配"
    items = []
    dk, missing = int(classes["dont_know"].sum()), int(classes["not_answered"].sum())
    if dk or missing:
        per_stratum = classes.groupby("stratum_id")[["dont_know", "not_answered"]].sum()
        strata = ", ".join(
            f"{stratum_id} {int(row['dont_know'])}+{int(row['not_answered'])}"
            for stratum_id, row in per_stratum.iterrows()
            if row["dont_know"] or row["not_answered"]
        )
        items.append(
            Adjustment(
                wave=wave,
                stage=stage,
                kind="item_nonresponse",
                where="persons: injured_12m",
                setting=(
                    f"screening_dont_know = {screening_dont_know}; "
                    f"weights.person_nonresponse = {method}"
                ),
                detail_en=(
                    f"{dk} of {int(classes['members'].sum())} members of responding households "
                    f'answered "don\'t know" to the screening question and {missing} did not '
                    f"answer it (by stratum, don't know + no answer: {strata}); they are left out "
                    f"of every estimate and {moved_en}."
                ),
                detail_zh=(
                    f"应答户{int(classes['members'].sum())}名成员中{dk}人对筛查问题回答“不知道”，"
                    f"{missing}人未回答（各层“不知道”+未回答：{strata}）；不纳入任何估计，{moved_zh}。"
                ),
            )
        )
    if method != "class":
        return items
    minimum = int(settings.get("min_person_class_respondents", 20))
    for _, row in classes[classes["collapsed"]].iterrows():
        items.append(
            Adjustment(
                wave=wave,
                stage=stage,
                kind="person_class_collapsed",
                where=str(row["person_nr_class"]),
                setting=f"weights.min_person_class_respondents = {minimum}",
                detail_en=(
                    f"Person-level non-response class {row['person_nr_class']}: age groups "
                    f"merged because one had fewer than {minimum} screened members."
                ),
                detail_zh=(
                    f"个人层面无应答调整类{row['person_nr_class']}：某年龄组已回答者少于{minimum}人，"
                    "与相邻年龄组合并。"
                ),
            )
        )
    return items


def cell_label(counts: pd.DataFrame) -> pd.Series:
    """The label :func:`collapse_cells` gives a stratum × sex × age-group cell left on its own."""
    return (
        counts["stratum_id"].astype(str)
        + "|"
        + counts["sex"].astype(str)
        + "|"
        + counts["age_group"].astype(str)
    )


def age_order(age_group: pd.Series) -> dict:
    """Report age-group labels in age order (by their lower bound)."""
    labels = pd.Series(age_group.astype(str).unique())
    lower = labels.str.extract(r"^\s*(\d+)")[0].astype(float)
    return dict(zip(labels[lower.argsort()], range(len(labels)), strict=True))


def person_nonresponse_notes(classes: pd.DataFrame, method: str, dont_know: str) -> list[str]:
    """Plain-language notes of the person-level step for the weights notebook."""
    dk, missing = int(classes["dont_know"].sum()), int(classes["not_answered"].sum())
    notes = []
    if dk or missing:
        moved = (
            "their weight is carried by the screened members of the same stratum × sex × age group"
            if method == "class"
            else "their weight is not redistributed (weights.person_nonresponse: none)"
        )
        notes.append(
            f'{dk} member(s) answered "don\'t know" to the screening question and {missing} did '
            f"not answer it: they are left out as item non-response; {moved}."
        )
    elif dont_know == "not_injured":
        notes.append('"Don\'t know" to the screening question counts as not injured.')
    collapsed = classes.loc[classes["collapsed"], "person_nr_class"].tolist()
    if method == "class" and collapsed:
        notes.append(
            "Person-level non-response classes merged with the neighbouring age group: "
            f"{collapsed}."
        )
    return notes
