"""Profile tables: the sample (T1, T2) and what the injuries were (T6–T13, T19, T20).

Compositions (构成比) are episode-level proportions on the episode design (each case episode
carries its person's weight; PSU-clustered logit CIs); cause-specific rates are person-level ratio
estimators over all persons (docs/methods.md §6.2, §6.4 I5–I7). See :mod:`.core` for the data
conventions (fractions for shares, rates per 1 000 already scaled, ``n``/``n_cases``, flags).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from injury_survey.cleaning.qc import response_rates
from injury_survey.report_tables.core import (
    Table,
    Words,
    ci_method_fields,
    finish,
    label_columns,
    make_table,
    notes,
    order_columns,
)
from injury_survey.report_tables.designs import (
    ReportData,
)
from injury_survey.report_tables.estimators import (
    composition,
    person_rates,
)

# ------------------------------------------------------------------------------- T1, T2


def sample_description(data: ReportData, words: Words) -> Table:
    """T1: PSUs, households (selected, eligible, responding), response rates, persons, by stratum.

    Response rates are AAPOR RR1/RR2 from the household result codes (docs/methods.md §4.6,
    :func:`injury_survey.cleaning.qc.response_rates`); persons are those of the analysis (with a
    weight). A last block ``stratum_id = "all"`` gives the whole survey.
    """
    households = data.households
    if households is None or "stratum_id" not in households.columns:
        raise ValueError("T1 needs the clean households table with 'stratum_id' (cleaning step).")
    hh = households.assign(stratum_id=households["stratum_id"].astype(str))
    blocks = []
    for stratum, part in [*hh.groupby("stratum_id"), ("all", hh)]:
        rates = response_rates(part).iloc[0]
        persons = (
            data.persons
            if stratum == "all"
            else data.persons[data.persons["stratum_id"] == stratum]
        )
        responded = (
            int(part["responded"].fillna(False).astype(bool).sum())
            if "responded" in part.columns
            else int(rates["n_code_1"] + rates["n_code_2"])
        )
        eligible = int(rates["n_eligible"])
        values = [
            ("psus", part["psu_id"].nunique(), "count", None),
            ("households_selected", int(rates["n_selected"]), "count", None),
            ("households_eligible", eligible, "count", None),
            ("households_responded", responded, "count", None),
            ("response_rate_rr1", rates["rr1"], "proportion", eligible),
            ("response_rate_rr2", rates["rr2"], "proportion", eligible),
            ("refusal_rate", rates["refusal_rate"], "proportion", eligible),
            ("persons", len(persons), "count", None),
            (
                "persons_per_household",
                len(persons) / responded if responded else float("nan"),
                "mean",
                responded,
            ),
        ]
        for indicator, value, unit, n in values:
            blocks.append(
                {
                    "stratum_id": stratum,
                    "indicator": indicator,
                    "unit": unit,
                    "estimate": float(value),
                    "n": n if n is not None else int(value),
                }
            )
    frame = pd.DataFrame(blocks)
    total = words.both("headings", "all")
    for lang, total_label in zip(("zh", "en"), total, strict=True):
        frame[f"stratum_id_{lang}"] = [
            total_label if s == "all" else words.label("stratum_id", s, lang)
            for s in frame["stratum_id"]
        ]
    frame = finish(frame, data.settings)
    # Counts describe the fieldwork; they are neither unstable nor disclosive.
    frame["flag"] = ""
    frame["suppressed"] = False
    frame = order_columns(frame, ["stratum_id"])
    note = notes(words, data.settings, ["sample_description"])
    return make_table("T1", words, frame, note, row_keys=["stratum_id"])


def sample_structure(data: ReportData, census: pd.DataFrame, words: Words) -> Table:
    """T2: age–sex structure (5-year groups) of the census, the sample unweighted and weighted.

    ``estimate`` (= ``share``) is the fraction of the source's total in the age group × sex cell
    (each source sums to 1), the shape of figure F2 (:func:`~injury_survey.figures.charts.
    population_pyramid`). Weighted shares are Σw in the cell / Σw (point estimates).
    """
    persons = data.persons
    age_column = "age_group_5y" if "age_group_5y" in persons.columns else "age_group"
    frame = persons.assign(_age=persons[age_column].astype(str))
    unweighted = frame.groupby(["_age", "sex"]).size()
    weighted = frame.groupby(["_age", "sex"])["weight"].sum()
    census_cells = (
        census.assign(
            _age=census["age_group"].astype(str),
            sex=pd.to_numeric(census["sex"]).astype(int),
            population=pd.to_numeric(census["population"]),
        )
        .groupby(["_age", "sex"])["population"]
        .sum()
    )
    rows = []
    for source, cells, counts in (
        ("census", census_cells, census_cells),
        ("sample_unweighted", unweighted, unweighted),
        ("sample_weighted", weighted, unweighted),
    ):
        total = float(cells.sum())
        for (age, sex), value in cells.items():
            rows.append(
                {
                    "age_group": age,
                    "sex": int(sex),
                    "source": source,
                    "estimate": float(value) / total if total else float("nan"),
                    "n": int(counts.get((age, sex), 0)),
                }
            )
    out = pd.DataFrame(rows)
    out["_order"] = out["age_group"].map(_age_lower)
    out = out.sort_values(["source", "_order", "sex"]).drop(columns="_order")
    out = finish(out, data.settings, indicator="population_share", unit="proportion")
    out["flag"] = ""
    out["suppressed"] = False
    out["share"] = out["estimate"]
    out["source_zh"] = [words.text("terms", s, "zh") for s in out["source"]]
    out["source_en"] = [words.text("terms", s, "en") for s in out["source"]]
    out = label_columns(out, {"sex": "sex"}, words)
    out = order_columns(out, ["age_group", "sex", "source"])
    note = notes(words, data.settings, ["structure"])
    return make_table("T2", words, out, note, row_keys=["age_group", "sex"], column_keys=["source"])


def _age_lower(label: str) -> float:
    digits = "".join(ch if ch.isdigit() else " " for ch in str(label)).split()
    return float(digits[0]) if digits else float("inf")


# ------------------------------------------------------------------------------- compositions


def composition_table(
    data: ReportData,
    words: Words,
    table_id: str,
    variable: str,
    *,
    by_name: str | None = None,
    indicator: str = "share",
) -> Table:
    """A one-way composition of case episodes (T8 intent, T11 nature, T12 body part, T17)."""
    codebook_variable = by_name or variable
    codes = words.codebook.codes(codebook_variable)
    frame = composition(data, variable, codes=codes, by_name=codebook_variable)
    frame = finish(frame, data.settings, indicator=indicator, unit="proportion")
    frame = label_columns(frame, {"level": "@by"}, words)
    frame = order_columns(frame, ["by", "level"])
    note = notes(
        words,
        data.settings,
        ["composition", ("proportion_ci", ci_method_fields(words, data.settings))],
        df=data.episode_design().degrees_of_freedom,
    )
    return make_table(table_id, words, frame, note, row_keys=["level"], margins=[["indicator"]])


def cause_table(data: ReportData, words: Words) -> Table:
    """T6: cause composition (构成比, episode level) and cause-specific rates per 1 000 persons.

    The rate of cause k is ``Σw·e_k / Σw × 1000`` with ``e_k`` each person's number of case
    episodes of cause k (zero for everyone else) — a ratio on the full person design.
    """
    codes = words.codebook.codes("cause")
    shares = composition(data, "cause", codes=codes)
    shares = finish(shares, data.settings, indicator="share", unit="proportion")
    cause = pd.to_numeric(data.episodes["cause"], errors="coerce")
    ones = pd.Series(1.0, index=data.episodes.index)
    rate_frame = person_rates(
        data, {code: data.per_person(ones, cause == code) for code in codes}, key="level"
    )
    rate_frame.insert(0, "by", "cause")
    rate_frame = finish(rate_frame, data.settings, indicator="rate_per_1000", unit="per_1000")
    frame = pd.concat([shares, rate_frame], ignore_index=True)
    frame = label_columns(frame, {"level": "cause"}, words)
    frame = order_columns(frame, ["by", "level"])
    note = notes(
        words,
        data.settings,
        ["composition", "rates"],
        df=data.base_person_design.degrees_of_freedom,
    )
    return make_table("T6", words, frame, note, row_keys=["level"], margins=[["indicator"]])


def leading_causes_by_age(data: ReportData, words: Words, top: int = 5) -> Table:
    """T7: the ``top`` leading causes (顺位) within each report age group.

    Causes are ranked by their weighted number of case episodes in the age group (Σw, ties share
    the lower rank, R ``rank(ties.method="min")``); shown with the share of the age group's
    episodes (composition with ``by = age_group``) and the rate per 1 000 persons of that age
    group (person-level ratio in the age-group domain). Ties at the cut may show more than
    ``top`` rows. Age is the person's report age group at interview.
    """
    episodes = data.episodes
    codes = sorted(pd.to_numeric(episodes["cause"], errors="coerce").dropna().astype(int).unique())
    shares = composition(data, "cause", codes=codes, by="age_group")
    weighted = (
        episodes.assign(_cause=pd.to_numeric(episodes["cause"], errors="coerce"))
        .groupby(["age_group", "_cause"])["weight"]
        .sum()
        .rename("weighted_episodes")
        .reset_index()
        .rename(columns={"_cause": "level"})
    )
    weighted["level"] = weighted["level"].astype(int)
    # A suppressed cause (too few episodes in the age group) is not ranked: its place in the
    # ranking would say what the suppression hides (docs/methods.md §6.2.5).
    counted = (
        episodes.assign(_cause=pd.to_numeric(episodes["cause"], errors="coerce"))
        .groupby(["age_group", "_cause"])
        .size()
    )
    small = [
        0 < counted.get((age, level), 0) < data.settings.suppress_below
        for age, level in zip(weighted["age_group"], weighted["level"], strict=True)
    ]
    weighted = weighted[~pd.Series(small, index=weighted.index)].copy()
    if not data.settings.rank_residual_causes:
        weighted = weighted[~weighted["level"].isin(residual_cause_codes(words.codebook))]
    weighted["rank"] = (
        weighted.groupby("age_group")["weighted_episodes"]
        .rank(method="min", ascending=False)
        .astype(int)
    )
    leading = weighted[weighted["rank"] <= top]
    shares["age_group"] = shares["age_group"].astype(str)
    shares = shares.merge(leading, on=["age_group", "level"], how="inner")
    shares = finish(shares, data.settings, indicator="share_within_age", unit="proportion")

    cause = pd.to_numeric(episodes["cause"], errors="coerce")
    ones = pd.Series(1.0, index=episodes.index)
    frame = shares
    if not leading.empty:  # empty when every cause of every age group is suppressed
        rates = person_rates(
            data,
            {int(c): data.per_person(ones, cause == c) for c in leading["level"].unique()},
            by="age_group",
            key="level",
        )
        rates["age_group"] = rates["age_group"].astype(str)
        rates = rates.merge(leading, on=["age_group", "level"], how="inner")
        rates.insert(0, "by", "cause")
        rates = finish(rates, data.settings, indicator="rate_per_1000", unit="per_1000")
        frame = pd.concat([shares, rates], ignore_index=True)
    frame["_age"] = frame["age_group"].map(_age_lower)
    frame["_indicator"] = frame["indicator"].map({"share_within_age": 0, "rate_per_1000": 1})
    frame = frame.sort_values(["_age", "rank", "level", "_indicator"], kind="stable").drop(
        columns=["_age", "_indicator"]
    )
    frame = label_columns(frame, {"level": "cause"}, words)
    frame = order_columns(frame, ["age_group", "rank", "by", "level"])
    note = notes(
        words,
        data.settings,
        [
            ("ranking", {"top": top}),
            *([] if data.settings.rank_residual_causes else ["ranking_named"]),
            "composition",
            "rates",
        ],
        df=data.base_person_design.degrees_of_freedom,
    )
    return make_table(
        "T7",
        words,
        frame,
        note,
        row_keys=["age_group", "rank", "level"],
        margins=[["indicator", "age_group"]],
    )


def residual_cause_codes(codebook) -> set[int]:
    """The residual causes (the codebook's "other" and don't-know/unknown codes of ``cause``):
    with ``report.rank_residual_causes: false`` a leading-cause ranking ranks named causes only,
    as the figures order them, since a residual category high in a ranking says nothing about
    what to prevent."""
    codes = {int(c) for c in codebook.missing_codes("cause")}
    if codebook.other_code("cause") is not None:
        codes.add(int(codebook.other_code("cause")))
    return codes


def cross_table(
    data: ReportData,
    words: Words,
    table_id: str,
    row_variable: str,
    column_variable: str,
    *,
    row_name: str | None = None,
    column_name: str | None = None,
) -> Table:
    """A two-way composition: % of all case episodes in each row × column cell (T9, T10, T13).

    Each observed cell is a proportion on the episode design (cells sum to 1); cells without an
    episode have estimate 0 and no CI. Columns are named after the codebook variables
    (``cause``, ``place`` …), the shape of figure F5 (cause × place heat map).
    """
    episodes = data.episodes
    row_name = row_name or row_variable
    column_name = column_name or column_variable
    rows = pd.to_numeric(episodes[row_variable], errors="coerce")
    columns = pd.to_numeric(episodes[column_variable], errors="coerce")
    valid = rows.notna() & columns.notna()
    pairs = sorted({(int(r), int(c)) for r, c in zip(rows[valid], columns[valid], strict=True)})
    # each observed cell as one level code, estimated in one svy call for all cells
    cell_code = pd.Series(-1, index=episodes.index, dtype="int64")
    counts = pd.Series(0, index=range(len(pairs)), dtype="int64")
    for index, (r, c) in enumerate(pairs):
        in_cell = ((rows == r) & (columns == c)).fillna(False).to_numpy()
        cell_code[in_cell] = index
        counts[index] = int(in_cell.sum())
    design = data.episode_design({"_valid": valid.astype(int), "_cell": cell_code})
    found = {}
    if pairs:
        cells = design.level_proportions(
            "_cell",
            range(len(pairs)),
            where=("_valid", 1),
            ci_method=data.settings.ci_method,
            confidence=data.settings.confidence,
        )
        values = cells.drop(columns="_cell").to_dict("records")
        for index, result in zip(cells["_cell"], values, strict=True):
            # as floats, as these tables have always been written (n as 304.0)
            found[pairs[index]] = {
                **{name: float(value) for name, value in result.items()},
                "n_cases": int(counts[index]),
            }
    records = []
    n_valid = int(valid.sum())
    for r in words.codebook.codes(row_name):
        for c in words.codebook.codes(column_name):
            cell = found.get((r, c), {"estimate": 0.0, "n": n_valid, "n_cases": 0})
            records.append({row_name: r, column_name: c, **cell})
    frame = finish(pd.DataFrame(records), data.settings, indicator="share", unit="proportion")
    frame = label_columns(frame, {row_name: row_name, column_name: column_name}, words)
    frame = order_columns(frame, [row_name, column_name])
    note = notes(
        words,
        data.settings,
        ["composition", "cross_table"],
        df=design.degrees_of_freedom,
    )
    return make_table(
        table_id,
        words,
        frame,
        note,
        row_keys=[row_name],
        column_keys=[column_name],
        margins=[["indicator", row_name], ["indicator", column_name]],
    )


# ------------------------------------------------------------------------------- T19, T20


def traffic_table(data: ReportData, words: Words) -> Table:
    """T19: road traffic episodes by road-user role, vehicle, counterpart and safety device.

    Shares among the traffic episodes (codebook group ``cause.traffic``), estimated as a domain
    of the full episode design.
    """
    traffic_codes = words.codebook.group("cause", "traffic")
    cause = pd.to_numeric(data.episodes["cause"], errors="coerce")
    domain = cause.isin(traffic_codes)
    frame = _domain_compositions(
        data,
        words,
        ["traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device"],
        domain,
    )
    note = notes(
        words,
        data.settings,
        [("traffic", {"codes": ", ".join(map(str, traffic_codes))}), "composition"],
    )
    return make_table(
        "T19", words, frame, note, row_keys=["by", "level"], margins=[["indicator", "by"]]
    )


def falls_table(data: ReportData, words: Words) -> Table:
    """T20: falls by type and reason, among all fall episodes and in the oldest age group.

    Plus the fall episode rate per 1 000 persons by age group (person-level ratio). The oldest
    group is the last of config ``age_groups`` (65+ by default).
    """
    fall_codes = words.codebook.group("cause", "fall")
    episodes = data.episodes
    cause = pd.to_numeric(episodes["cause"], errors="coerce")
    falls = cause.isin(fall_codes)
    oldest = f"{data.settings.age_groups[-1]}+"
    parts = []
    for population, domain in (("all", falls), (oldest, falls & (episodes["age_group"] == oldest))):
        part = _domain_compositions(data, words, ["fall_type", "fall_reason"], domain)
        part.insert(0, "subgroup", population)
        parts.append(part)
    counts = data.per_person(pd.Series(1.0, index=episodes.index), falls)
    rates = person_rates(data, {"falls": counts}, by="age_group").drop(columns="key")
    rates = rates.rename(columns={"age_group": "level"})
    rates["level"] = rates["level"].astype(str)
    rates.insert(0, "by", "age_group")
    rates.insert(0, "subgroup", "all")
    rates = finish(rates, data.settings, indicator="rate_per_1000", unit="per_1000")
    rates["level_zh"] = rates["level"]
    rates["level_en"] = rates["level"]
    frame = pd.concat([*parts, rates], ignore_index=True)
    all_ages = words.both("terms", "all_ages")
    frame["subgroup_zh"] = [all_ages[0] if g == "all" else g for g in frame["subgroup"]]
    frame["subgroup_en"] = [all_ages[1] if g == "all" else g for g in frame["subgroup"]]
    frame = order_columns(frame, ["subgroup", "by", "level"])
    note = notes(
        words,
        data.settings,
        [("falls", {"oldest": data.settings.age_groups[-1]}), "composition", "rates"],
    )
    return make_table(
        "T20",
        words,
        frame,
        note,
        row_keys=["subgroup", "by", "level"],
        margins=[["indicator", "subgroup", "by"]],
    )


def _domain_compositions(
    data: ReportData, words: Words, variables: Sequence[str], domain: pd.Series
) -> pd.DataFrame:
    parts = []
    for variable in variables:
        if variable not in data.episodes.columns:
            continue
        part = composition(data, variable, codes=words.codebook.codes(variable), domain=domain)
        parts.append(finish(part, data.settings, indicator="share", unit="proportion"))
    if not parts:
        return pd.DataFrame(columns=["by", "level"])
    frame = label_columns(pd.concat(parts, ignore_index=True), {"level": "@by"}, words)
    return order_columns(frame, ["by", "level"])


# ------------------------------------------------------------------------------- group


def build_profile(data: ReportData, census: pd.DataFrame, words: Words) -> dict[str, Table]:
    """T1, T2, T6–T13, T19, T20: the tables of the profile notebook."""
    tables = [
        sample_description(data, words),
        sample_structure(data, census, words),
        cause_table(data, words),
        leading_causes_by_age(data, words),
        composition_table(data, words, "T8", "intent"),
        cross_table(data, words, "T9", "cause", "place"),
        cross_table(data, words, "T10", "cause", "activity"),
        composition_table(data, words, "T11", "nature_1", by_name="nature"),
        composition_table(data, words, "T12", "body_part"),
        cross_table(data, words, "T13", "nature_1", "body_part", row_name="nature"),
        traffic_table(data, words),
        falls_table(data, words),
    ]
    return {table.id: table for table in tables}
