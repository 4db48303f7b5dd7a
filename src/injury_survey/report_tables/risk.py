"""Risk factors (I15): survey-weighted logistic regression and Rao–Scott tests of two-way tables.

Published district reports often use ordinary χ² tests and unweighted logistic regression; the
pipeline gives the design-based versions and says so (docs/methods.md §6.2):

- **logistic regression** of being injured (I1, 0/1) on sex, age group, occupation, education
  and community (stratum), R ``svyglm(injured ~ …, family = quasibinomial)``: coefficients by
  pseudo-likelihood with the survey weights, Taylor-linearised (sandwich) variances clustered by
  PSU, and Wald CIs and tests with ``t`` on the residual design degrees of freedom
  (#PSU − #strata − #coefficients + 1). Odds ratios are ``exp(β)`` with ``exp`` of the CI;
- **Rao–Scott** adjusted tests of independence for the cross-tables of the report (injured × each
  risk group on the person design; cause × place, cause × activity, nature × body part and
  care level × cause on the episode design): second-order F (the one to read) and first-order χ²
  (Rao & Scott 1984; R ``svychisq``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from injury_survey.report_tables.core import (
    Table,
    Words,
    finish,
    make_table,
    notes,
    order_columns,
)
from injury_survey.report_tables.designs import (
    ReportData,
)

MODEL_COVARIATES = ("sex", "age_group", "occupation", "education", "stratum_id")
# (table id, row variable, column variable, design): the cross-tables that get a test.
PERSON_TESTS = ("sex", "age_group", "education", "occupation", "marital", "hukou")
EPISODE_TESTS = (
    ("T9", "cause", "place"),
    ("T10", "cause", "activity"),
    ("T13", "nature_1", "body_part"),
    ("T14", "cause", "care_level"),
)


def risk_model(
    data: ReportData, words: Words, covariates: Sequence[str] = MODEL_COVARIATES
) -> Table:
    """Odds ratios of being injured from the survey-weighted logistic model.

    Every covariate is categorical with its first (lowest) level as reference; a reference row
    (OR = 1, ``flag`` "reference") is included for each. Persons with a missing covariate
    (education under age 6, for instance) are left out and counted in the notes. Columns:
    ``variable, level`` (+ labels), ``estimate`` (odds ratio), ``ci_lower``, ``ci_upper``,
    ``p_value``, ``coefficient``, ``se`` (logit scale), ``df``, ``n`` (persons at the level),
    ``n_cases`` (injured persons at the level).
    """
    settings = data.settings
    present = list(dict.fromkeys(c for c in covariates if c in data.persons.columns))
    frame = data.persons[["injured", *present]].copy()
    for column in present:
        frame[column] = _level_values(frame[column])
    complete = frame[present].notna().all(axis=1).reset_index(drop=True)
    dropped = int((~complete).sum())
    in_model = frame[complete.to_numpy()].reset_index(drop=True)
    # Treatment (dummy) coding with each variable's first level as reference, built here so that
    # a dummy exactly collinear with earlier columns can be left out, as R's svyglm reports an
    # aliased coefficient as NA (e.g. education "pre-school child" and occupation "pre-school
    # child" describe the same persons, so their dummy sets add up alike).
    levels = {c: sorted(in_model[c].unique(), key=_sort_key) for c in present}
    # uint8: a million persons × ~30 dummies is 30 MB instead of 240 (svy takes them as numbers)
    dummies = {
        f"_d_{c}_{i}": (frame[c] == level).astype("uint8").reset_index(drop=True)
        for c in present
        for i, level in enumerate(levels[c])
        if i > 0
    }
    kept = _independent_columns(pd.DataFrame(dummies)[complete.to_numpy()])
    # Persons with a missing covariate are outside the model's domain but stay in the design
    # (R svyglm(..., design = subset(des, complete))): their PSUs count in the variance and the
    # calibration stays credited (docs/methods.md §6.2).
    design = data.person_design(
        {"_in_model": complete.astype(int), **{name: dummies[name] for name in kept}}
    )
    coefficients = design.logistic(
        "injured", kept, where=("_in_model", 1), confidence=settings.confidence
    )
    rows = []
    for column in present:
        for index, level in enumerate(levels[column]):
            at_level = in_model[column] == level
            base = {
                "variable": column,
                "level": level,
                "n": int(at_level.sum()),
                "n_cases": int(in_model.loc[at_level, "injured"].sum()),
            }
            if index == 0:
                rows.append({**base, "estimate": 1.0, "reference": True})
                continue
            term = f"_d_{column}_{index}"
            match = coefficients[coefficients["term"] == term]
            if match.empty:  # aliased: collinear with earlier terms, no estimate (R: NA)
                rows.append({**base, "estimate": float("nan"), "aliased": True})
                continue
            fit = match.iloc[0]
            rows.append(
                {
                    **base,
                    "coefficient": fit["estimate"],
                    "se": fit["se"],
                    "estimate": fit["odds_ratio"],
                    "ci_lower": _exp(fit["ci_lower"]),
                    "ci_upper": _exp(fit["ci_upper"]),
                    "p_value": fit["p_value"],
                    "df": fit["df"],
                    "reference": False,
                }
            )
    table = pd.DataFrame(rows)
    table = finish(table, settings, indicator="odds_ratio", unit="odds_ratio")
    # RSE of an odds ratio is not the stability criterion here: the n rule only.
    table["reference"] = table["reference"].fillna(False).astype(bool)
    table["aliased"] = table.get("aliased", pd.Series(False, index=table.index))
    table["aliased"] = table["aliased"].fillna(False).astype(bool)
    # svy keeps the last iterate of a coefficient that separation sends to ±∞ and gives it no
    # SE: such a level gets no odds ratio and the flag "not_identified".
    not_identified = ~table["reference"] & ~table["aliased"] & table["se"].isna()
    table.loc[not_identified, ["estimate", "coefficient"]] = float("nan")
    table["flag"] = [
        "reference"
        if ref
        else "aliased"
        if aliased
        else "not_identified"
        if unidentified
        else ("unstable" if n < settings.unstable_min_n else "")
        for ref, aliased, unidentified, n in zip(
            table["reference"], table["aliased"], not_identified, table["n"], strict=True
        )
    ]
    for lang in ("zh", "en"):
        table[f"variable_{lang}"] = [words.variable_label(v, lang) for v in table["variable"]]
        table[f"level_{lang}"] = [
            _level_label(words, v, level, lang)
            for v, level in zip(table["variable"], table["level"], strict=True)
        ]
    table = order_columns(table, ["variable", "level"])
    df = int(coefficients["df"].iloc[0]) if len(coefficients) else None
    fields = {
        lang: {
            "df": df,
            "n": len(in_model),
            "dropped": words.text("notes", "logistic_dropped", lang, k=dropped) if dropped else "",
        }
        for lang in ("zh", "en")
    }
    note = notes(words, settings, [("logistic", fields)])
    return make_table(
        "risk_model", words, table, note, row_keys=["variable", "level"], title_key="risk_model"
    )


def rao_scott_tests(data: ReportData, words: Words) -> Table:
    """Rao–Scott F (second order) and χ² (first order) tests for the report's two-way tables.

    Person level: injured × each risk group present (sex, age group, education, occupation,
    marital status, household registration), on the full person design (persons with a missing
    group are outside the domain). Episode level: the cross-tables T9, T10, T13 and T14 on the
    episode design. ``estimate`` is the test statistic; ``p_value``, ``df_num``, ``df_den``.
    """
    settings = data.settings
    rows = []
    first_stage_only: list[str] = []  # tables whose test fell back to the first stage
    groups = [g for g in PERSON_TESTS if g in data.persons.columns]
    extra = {}
    for group in groups:
        values = data.persons[group]
        if group == "age_group":
            extra[f"_test_{group}"] = values.astype(str)
        else:
            extra[f"_test_{group}"] = pd.to_numeric(values, errors="coerce").fillna(-1).astype(int)
        extra[f"_known_{group}"] = values.notna().astype(int)
    person_design = data.person_design(extra)
    for group in groups:
        result = person_design.rao_scott("injured", f"_test_{group}", where=(f"_known_{group}", 1))
        table_id = "T4" if group in ("sex", "age_group") else "T5"
        if result.attrs.get("first_stage_only"):
            first_stage_only.append(table_id)
        rows.append(
            result.assign(
                table=table_id,
                row="injured",
                column=group,
                level="person",
            )
        )
    for table_id, row_variable, column_variable in EPISODE_TESTS:
        episodes = data.episodes
        if row_variable not in episodes or column_variable not in episodes:
            continue
        r = pd.to_numeric(episodes[row_variable], errors="coerce")
        c = pd.to_numeric(episodes[column_variable], errors="coerce")
        if r.nunique() < 2 or c.nunique() < 2:
            continue
        design = data.episode_design(
            {
                "_row": r.fillna(-1).astype(int),
                "_column": c.fillna(-1).astype(int),
                "_known": (r.notna() & c.notna()).astype(int),
            }
        )
        result = design.rao_scott("_row", "_column", where=("_known", 1))
        if result.attrs.get("first_stage_only"):
            first_stage_only.append(table_id)
        rows.append(
            result.assign(table=table_id, row=row_variable, column=column_variable, level="episode")
        )
    frame = pd.concat(rows, ignore_index=True).rename(columns={"statistic": "estimate"})
    frame["indicator"] = frame["test"].map({"F": "rao_scott_f", "Chisq": "rao_scott_chisq"})
    frame["unit"] = "statistic"
    frame["flag"] = ""
    frame["suppressed"] = False
    for lang in ("zh", "en"):
        frame[f"row_{lang}"] = [_test_variable_label(words, v, lang) for v in frame["row"]]
        frame[f"column_{lang}"] = [words.variable_label(v, lang) for v in frame["column"]]
    frame = order_columns(frame, ["table", "row", "column", "test"])
    parts: list = ["rao_scott"]
    if first_stage_only:
        tables = list(dict.fromkeys(first_stage_only))
        parts.append(
            (
                "rao_scott_first_stage",
                {"zh": {"tables": "、".join(tables)}, "en": {"tables": ", ".join(tables)}},
            )
        )
    note = notes(words, settings, parts)
    return make_table(
        "risk_tests",
        words,
        frame,
        note,
        row_keys=["table", "row", "column"],
        title_key="risk_tests",
    )


def build_risk(data: ReportData, words: Words) -> dict[str, Table]:
    """The risk-factor tables: the logistic model and the Rao–Scott tests."""
    tables = [risk_model(data, words), rao_scott_tests(data, words)]
    return {table.id: table for table in tables}


# ------------------------------------------------------------------------------- helpers


def _level_values(values: pd.Series) -> pd.Series:
    """Levels as text: integer codes as "3", text (age groups, strata) as is; missing stays."""
    numeric = pd.to_numeric(values, errors="coerce")
    present = values.notna()
    if not present.any():  # nothing to convert (keeps the dtype a per-value map gives)
        return values.astype(object).where(present, None).map(str)
    if numeric.notna().sum() == present.sum():
        # str(int(v)) a column at a time (int() truncates, as np.trunc does)
        return np.trunc(numeric.astype(float)).astype("Int64").astype(str)
    return values.astype(object).where(present, None).astype(str)


def _test_variable_label(words: Words, variable: str, lang: str) -> str:
    if variable == "injured":
        return words.codebook.text("injury_incidence", lang)
    return words.variable_label("nature" if variable == "nature_1" else variable, lang)


def _independent_columns(dummies: pd.DataFrame) -> list[str]:
    """Columns kept in order while each adds to the rank of [intercept, kept columns].

    The rank is that of the matrix of all persons, computed on its distinct rows, each scaled
    by the square root of its count: the two have the same cross-product matrix, hence the same
    singular values, and the tolerance is ``numpy.linalg.matrix_rank``'s for all the rows (a
    million persons share a few hundred dummy patterns).
    """
    if dummies.empty:
        return []
    patterns, counts = _distinct_rows(dummies.to_numpy())
    patterns = patterns.astype(float)
    scale = np.sqrt(counts.astype(float))
    kept: list[str] = []
    basis = scale[:, None]
    for index, name in enumerate(dummies.columns):
        candidate = np.column_stack([basis, patterns[:, index] * scale])
        singular = np.linalg.svd(candidate, compute_uv=False)
        tolerance = singular.max() * max(len(dummies), candidate.shape[1]) * np.finfo(float).eps
        if int((singular > tolerance).sum()) > basis.shape[1]:
            basis = candidate
            kept.append(name)
    return kept


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(matrix, axis=0, return_counts=True)`` of a 0/1 matrix: its distinct rows in
    the same (lexicographic) order, and how often each occurs.

    Up to 63 columns each row is read as one binary number, the first column the most
    significant bit, so the rows sort as those numbers do; sorting a million numbers takes a
    tenth of the time of sorting a million rows (6 s at 1M persons × 27 dummies)."""
    if matrix.shape[1] > 63 or matrix.size == 0:
        return np.unique(matrix, axis=0, return_counts=True)
    bits = np.left_shift(np.uint64(1), np.arange(matrix.shape[1] - 1, -1, -1, dtype=np.uint64))
    keys = matrix.astype(np.uint64) @ bits
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return matrix[first], counts


def _sort_key(level: str) -> tuple[float, str]:
    digits = "".join(ch if ch.isdigit() else " " for ch in str(level)).split()
    return (float(digits[0]) if digits else float("inf"), str(level))


def _level_label(words: Words, variable: str, level: str, lang: str) -> str:
    if str(level).isdigit():
        try:
            words.codebook.variable(variable)
            return words.label(variable, int(level), lang)
        except (KeyError, AttributeError):
            return str(level)
    return str(level)


def _exp(value: float) -> float:
    return math.exp(value) if pd.notna(value) else float("nan")
