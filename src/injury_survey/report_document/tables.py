"""Report tables as HTML-ready rows: tidy data pivoted the way the workbook lays them out.

A :class:`~injury_survey.report_tables.Table` is tidy (one estimate per row); the document shows
it as the printed report does — one row per combination of its ``row_keys``, one column per
combination of its ``column_keys`` — with labels in the report's languages and each cell written
by :func:`injury_survey.report_tables.format_cell` (``12.3 (10.1–14.8)``, "*" unstable, "—"
suppressed), so the document and the workbook cannot disagree on a number. Cross-tables with many
columns (place × cause) show the estimate only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from injury_survey.report_document.text import Bilingual, sentence_case
from injury_survey.report_tables.core import FLAG_UNSTABLE, Table, Words
from injury_survey.report_tables.workbook import (
    SUPPRESSED_MARK,
    UNSTABLE_MARK,
    format_cell,
    format_value,
)

# More value columns than this and a table shows estimates only (a CI per cell would not fit A4).
MAX_COLUMNS_WITH_CI = 6
# Units whose estimates are shown with an unweighted n beside them.
ESTIMATE_UNITS = {"proportion", "per_1000", "per_1000_py", "per_100000_py"}
_KEY_HEADINGS = {
    "by": "variable",
    "variable": "variable",
    "item": "item",
    "section": "section",
    "rank": "rank",
    "subgroup": "subgroup",
    "indicator": "indicator",
}


@dataclass
class HtmlTable:
    """A table ready for the template: header cells, body rows, notes; labels bilingual."""

    id: str
    title: Bilingual
    header: list[Bilingual]
    rows: list[list[Bilingual]]
    notes: list[Bilingual]
    compact: bool
    label_columns: int


def html_table(
    table: Table,
    *,
    words: Words,
    standard_name: Bilingual,
    compact_note: Bilingual,
    zero_items_note: Bilingual | None = None,
) -> HtmlTable:
    """Pivot ``table`` for the document (see the module docstring).

    ``standard_name`` is printed in the header of every age-standardised indicator (``*_std``);
    ``compact_note`` is added to the notes of a table shown without CIs. With
    ``zero_items_note``, the items of the data-quality section "dont_know" whose shares are all
    zero are left out (T22 lists every questionnaire item) and the note says so.
    """
    data = table.data.reset_index(drop=True)
    row_keys = [k for k in table.row_keys if k in data.columns]
    column_keys = [k for k in table.column_keys if k in data.columns]
    dropped_zero_items = False
    if zero_items_note is not None and {"section", "item"} <= set(data.columns):
        kept = _without_zero_items(data)
        dropped_zero_items = len(kept) < len(data)
        data = kept.reset_index(drop=True)
    groups = _column_groups(data, column_keys)
    has_ci = "ci_lower" in data.columns and data["ci_lower"].notna().any()
    compact = bool(has_ci) and len(groups) > MAX_COLUMNS_WITH_CI
    if compact:
        data = _without_empty_lines(data, row_keys, column_keys)
        groups = _column_groups(data, column_keys)
    with_n = {group: not compact and _shows_n(data, column_keys, group) for group in groups}

    header = [_key_heading(words, data, key) for key in row_keys]
    for group in groups:
        header.append(_group_heading(words, data, column_keys, group, standard_name))
        if with_n[group]:
            header.append(_as_written(words.both("headings", "n")))

    cells: dict[tuple, dict] = {}
    row_order: dict[tuple, int] = {}
    records = data.to_dict("records")
    for index, record in enumerate(records):
        row = tuple(_key(record[k]) for k in row_keys)
        cells.setdefault((row, tuple(_key(record[k]) for k in column_keys)), record)
        row_order.setdefault(row, index)

    rows = []
    previous: list[Bilingual] = []
    for row, first in row_order.items():
        labels = [_row_label(words, records[first], key) for key in row_keys]
        line = _blank_repeats(labels, previous)
        previous = labels
        for group in groups:
            record = cells.get((row, group))
            line.append(_same(_cell(record, compact) if record else ""))
            if with_n[group]:
                line.append(_same(_n_cell(record) if record else ""))
        rows.append(line)
    notes = [_same_or_pair(table.notes_zh, table.notes_en)] if table.notes_zh else []
    if compact:
        notes.append(compact_note)
    if dropped_zero_items and zero_items_note is not None:
        notes.append(zero_items_note)
    return HtmlTable(
        id=table.id,
        title={"zh": table.title_zh, "en": table.title_en},
        header=header,
        rows=rows,
        notes=notes,
        compact=compact,
        label_columns=len(row_keys),
    )


# ------------------------------------------------------------------------------ cells


def _cell(record: dict, compact: bool) -> str:
    if not compact:
        return format_cell(record)
    if bool(record.get("suppressed", False)):
        return SUPPRESSED_MARK
    text = format_value(record.get("estimate"), record.get("unit", ""))
    if text and FLAG_UNSTABLE in str(record.get("flag", "") or "").split(";"):
        text += f" {UNSTABLE_MARK}"
    return text


def _n_cell(record: dict) -> str:
    if bool(record.get("suppressed", False)):
        return SUPPRESSED_MARK
    value = record.get("n_cases")
    if value is None or pd.isna(value):
        value = record.get("n")
    return "" if value is None or pd.isna(value) else f"{int(value):,d}"


def _shows_n(data: pd.DataFrame, column_keys: Sequence[str], group: tuple) -> bool:
    """An n column follows a group of estimates with confidence intervals."""
    rows = data
    for key, value in zip(column_keys, group, strict=True):
        rows = rows[rows[key].map(_key) == value]
    if "unit" not in rows.columns or "ci_lower" not in rows.columns:
        return False
    return bool(rows["unit"].isin(ESTIMATE_UNITS).any() and rows["ci_lower"].notna().any())


def _without_empty_lines(
    data: pd.DataFrame, row_keys: Sequence[str], column_keys: Sequence[str]
) -> pd.DataFrame:
    """Drop the rows and columns of a cross-table where every cell is zero (no episode)."""
    value = pd.to_numeric(data["estimate"], errors="coerce").fillna(0.0)
    nonzero = (value != 0) | data.get("suppressed", pd.Series(False, index=data.index)).astype(bool)
    for keys in (row_keys, column_keys):
        if not keys:
            continue
        grouping = [data[k].map(_key) for k in keys]
        keep = nonzero.groupby(grouping, dropna=False).transform("any")
        data, nonzero = data[keep], nonzero[keep]
    return data


def _blank_repeats(labels: list[Bilingual], previous: list[Bilingual]) -> list[Bilingual]:
    """Leading label cells equal to the row above are left blank, as in a printed table."""
    shown = list(labels)
    for position, (label, above) in enumerate(zip(labels, previous, strict=False)):
        if position == len(labels) - 1 or label != above:
            break
        shown[position] = _same("")
    return shown


def _without_zero_items(data: pd.DataFrame) -> pd.DataFrame:
    """T22 without the "dont_know" items whose every share is zero (an item not collected has
    no share and stays: the reader must learn it was not asked)."""
    value = pd.to_numeric(data["estimate"], errors="coerce").fillna(0.0)
    zero = value == 0
    if "indicator" in data.columns:
        zero &= data["indicator"] != "not_collected"
    zero_item = zero.groupby([data["section"], data["item"]]).transform("all")
    return data[~((data["section"] == "dont_know") & zero_item)]


# ------------------------------------------------------------------------------ labels


def _column_groups(data: pd.DataFrame, column_keys: Sequence[str]) -> list[tuple]:
    if not column_keys:
        return [()]
    return list(dict.fromkeys(tuple(_key(r[k]) for k in column_keys) for _, r in data.iterrows()))


def _key_heading(words: Words, data: pd.DataFrame, key: str) -> Bilingual:
    if key == "level" and "by" in data.columns and data["by"].nunique() == 1:
        return _variable(words, str(data["by"].iloc[0]))
    if key in _KEY_HEADINGS:
        return _as_written(words.both("headings", _KEY_HEADINGS[key]))
    if key == "level":
        return _as_written(words.both("headings", "category"))
    return _variable(words, key)


def _group_heading(
    words: Words,
    data: pd.DataFrame,
    keys: Sequence[str],
    group: tuple,
    standard_name: Bilingual,
) -> Bilingual:
    if not keys:
        return _both((words.codebook.text("estimate", "zh"), words.codebook.text("estimate", "en")))
    parts: list[Bilingual] = []
    for key, value in zip(keys, group, strict=True):
        if value is None:
            continue
        if key == "indicator":
            parts.append(_indicator(words, str(value), standard_name))
            continue
        rows = data[data[key].map(_key) == value]
        if f"{key}_zh" in data.columns and not rows.empty:
            parts.append(_labels(rows.iloc[0], key))
        else:
            parts.append(_same(str(value)))
    return {lang: " · ".join(p[lang] for p in parts if p[lang]) for lang in ("zh", "en")}


def _row_label(words: Words, record: Mapping, key: str) -> Bilingual:
    if f"{key}_zh" in record and f"{key}_en" in record:
        return _labels(record, key)
    value = record[key]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _same("")
    text = str(value)
    if key in ("by", "variable", "row", "column"):
        return _variable(words, text)
    if key == "indicator":
        return _indicator(words, text, None)
    if key == "age_group":
        return _same(text.replace("-", "–"))
    for group in ("sections", "terms"):
        try:
            return _both(words.both(group, text))
        except KeyError:
            continue
    if text == "all":
        return _as_written(words.both("headings", "all"))
    return _same(text)


def _indicator(words: Words, indicator: str, standard_name: Bilingual | None) -> Bilingual:
    label = None
    for lookup in (
        lambda: (words.codebook.text(indicator, "zh"), words.codebook.text(indicator, "en")),
        lambda: words.both("terms", indicator),
    ):
        try:
            label = lookup()
            break
        except (KeyError, AttributeError):
            continue
    text = _both(label) if label else _same(indicator)
    if standard_name and indicator.endswith("_std"):
        text = {
            "zh": f"{text['zh']}（{standard_name['zh']}）",
            "en": f"{text['en']} ({standard_name['en']})",
        }
    return text


def _variable(words: Words, name: str) -> Bilingual:
    name = "nature" if name == "nature_1" else name
    return _both((words.variable_label(name, "zh"), words.variable_label(name, "en")))


def _labels(record: Any, key: str) -> Bilingual:
    zh, en = record[f"{key}_zh"], record[f"{key}_en"]
    return {
        "zh": "" if pd.isna(zh) else str(zh),
        "en": "" if pd.isna(en) else sentence_case(str(en)),
    }


def _both(pair: tuple[str, str]) -> Bilingual:
    return {"zh": pair[0], "en": sentence_case(pair[1])}


def _as_written(pair: tuple[str, str]) -> Bilingual:
    """Headings of the report tables' words, already capitalised as they should print."""
    return {"zh": pair[0], "en": pair[1]}


def _same(text: str) -> Bilingual:
    return {"zh": text, "en": text}


def _same_or_pair(zh: str, en: str) -> Bilingual:
    return {"zh": zh, "en": en}


def _key(value: Any) -> Any:
    """A hashable cell key: every missing value alike, 1 and 1.0 alike, codes as text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
