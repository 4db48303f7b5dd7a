"""Writing the report tables: one tidy CSV per table and one formatted XLSX workbook.

The CSVs beside the workbook are the full tidy data (codes and labels, every estimate,
unsuppressed) for the analysts' own reuse and are not for publication; ``public/`` holds the same
CSVs with every suppressed cell's numbers blanked (:func:`public_data`), and the workbook is the
public version for reading, one sheet per table laid out as in a printed report: bilingual
headers ("伤害原因 Cause"), labels in both languages, estimates as % or per 1 000 with one
decimal and their CI as ``12.3 (10.1–14.8)``, cells with fewer than ``report.suppress_below``
unweighted cases shown as "—", unstable estimates marked "*", footnotes and the table notes
(case definition, recall window, standard population, method) below the table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from injury_survey.report_tables.core import FLAG_UNSTABLE, Table, Words
from injury_survey.reproducible import reproducible_xlsx
from injury_survey.yaml_files import YAML_LOADER

if TYPE_CHECKING:
    from openpyxl import Workbook

SUPPRESSED_MARK = "—"
UNSTABLE_MARK = "*"
WORKBOOK_NAME = "report_tables.xlsx"
TABLES_INDEX = "tables.yaml"
PUBLIC_DIR = "public"
# Columns a suppressed row keeps in the public CSVs: what the cell is, not what it holds.
_PUBLIC_KEEP = {"indicator", "unit", "flag", "suppressed", "by", "level", "n", "df", "table"}

# File name of each table's CSV (T06_cause.csv …); tables not listed use their id.
CSV_NAMES = {
    "T1": "T01_sample",
    "T2": "T02_age_sex_structure",
    "T3": "T03_incidence_by_sex",
    "T4": "T04_incidence_by_age_sex",
    "T5": "T05_incidence_by_group",
    "T6": "T06_cause",
    "T7": "T07_leading_causes_by_age",
    "T8": "T08_intent",
    "T9": "T09_place_by_cause",
    "T10": "T10_activity_by_cause",
    "T11": "T11_nature",
    "T12": "T12_body_part",
    "T13": "T13_nature_by_body_part",
    "T14": "T14_care_by_cause",
    "T15": "T15_days_off_by_cause",
    "T16": "T16_costs",
    "T17": "T17_outcome",
    "T18": "T18_deaths",
    "T19": "T19_traffic",
    "T20": "T20_falls",
    "T22": "T22_data_quality",
    "pyramid": "injury_pyramid",
    "recall_decay": "recall_decay",
    "risk_model": "risk_factors_logistic",
    "risk_tests": "risk_factors_rao_scott",
}

# Display: multiplier and decimals per unit of the tidy data (see core's conventions).
UNIT_FORMAT = {
    "proportion": (100.0, 1),
    "per_1000": (1.0, 1),
    "per_1000_py": (1.0, 1),
    "per_100000_py": (1.0, 1),
    "days": (1.0, 1),
    "mean": (1.0, 1),
    "yuan": (1.0, 0),
    "count": (1.0, 0),
    "odds_ratio": (1.0, 2),
    "ratio": (1.0, 2),
    "statistic": (1.0, 2),
}


def write_tables(
    tables: Mapping[str, Table],
    out_dir: str | Path,
    *,
    codebook,
    workbook_name: str | None = WORKBOOK_NAME,
) -> dict[str, Path]:
    """Write each table's tidy CSV (UTF-8 with BOM, for Excel), the tables' titles, notes and
    layout (``tables.yaml``, so :func:`read_tables` can rebuild them) and, unless
    ``workbook_name`` is None, the formatted workbook.

    Returns the paths written, keyed by table id (and ``"workbook"``, ``"index"``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    index = []
    public = out / PUBLIC_DIR
    public.mkdir(exist_ok=True)
    for table_id, table in tables.items():
        path = out / f"{CSV_NAMES.get(table_id, table_id)}.csv"
        table.data.to_csv(path, index=False, encoding="utf-8-sig")
        public_data(table).to_csv(public / path.name, index=False, encoding="utf-8-sig")
        written[table_id] = path
        index.append(
            {
                "id": table.id,
                "csv": path.name,
                "title_zh": table.title_zh,
                "title_en": table.title_en,
                "notes_zh": table.notes_zh,
                "notes_en": table.notes_en,
                "row_keys": list(table.row_keys),
                "column_keys": list(table.column_keys),
            }
        )
    written["index"] = out / TABLES_INDEX
    written["index"].write_text(
        yaml.safe_dump(index, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    if workbook_name is not None:
        written["workbook"] = write_workbook(tables, out / workbook_name, codebook=codebook)
    return written


def public_data(table: Table) -> pd.DataFrame:
    """The tidy data fit to publish: in every suppressed row (primary or complementary) all
    values — estimate, SE, CI, deff, case counts and any other number — are blank; the keys,
    labels, ``n`` (the denominator), ``flag`` and ``suppressed`` stay."""
    data = table.data.copy()
    if "suppressed" not in data.columns:
        return data
    hidden = data["suppressed"].fillna(False).astype(bool)
    keys = {*table.row_keys, *table.column_keys, *_PUBLIC_KEEP}
    labelled = {f"{key}_{lang}" for key in keys for lang in ("zh", "en")}
    blank = [c for c in data.columns if c not in keys | labelled]
    data[blank] = data[blank].astype(object)
    data.loc[hidden, blank] = None
    return data


def write_workbook(tables: Mapping[str, Table], path: str | Path, *, codebook) -> Path:
    """The formatted bilingual workbook, one sheet per table in the order given."""
    # openpyxl (0.2–0.4 s to import) only where a workbook is written: many stages that read
    # the tables (report, evaluation, programme) write none.
    from openpyxl import Workbook

    words = Words(codebook)
    book = Workbook()
    book.remove(book.active)
    for table in tables.values():
        _write_sheet(book, table, words)
    book.save(path)
    reproducible_xlsx(path)
    return Path(path)


def read_tables(*folders: str | Path) -> dict[str, Table]:
    """The tables written by :func:`write_tables` into ``folders``, in report order."""
    tables: dict[str, Table] = {}
    for folder in map(Path, folders):
        index = yaml.load((folder / TABLES_INDEX).read_text(encoding="utf-8"), Loader=YAML_LOADER)
        for entry in index:
            data = pd.read_csv(folder / entry["csv"], encoding="utf-8-sig")
            tables[entry["id"]] = Table(
                id=entry["id"],
                title_zh=entry["title_zh"],
                title_en=entry["title_en"],
                data=data,
                notes_zh=entry["notes_zh"],
                notes_en=entry["notes_en"],
                row_keys=tuple(entry["row_keys"]),
                column_keys=tuple(entry["column_keys"]),
            )
    return dict(sorted(tables.items(), key=lambda item: report_order(item[0])))


def report_order(table_id: str) -> tuple[int, str]:
    """T1 … T22 by number, then the named tables (pyramid, recall decay, risk factors)."""
    if table_id.startswith("T") and table_id[1:].isdigit():
        return (int(table_id[1:]), table_id)
    return (100, table_id)


# ------------------------------------------------------------------------------- one sheet


def format_value(value: float, unit: str) -> str:
    """A number in its unit's display form: proportions as %, one decimal for rates."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    scale, decimals = UNIT_FORMAT.get(unit, (1.0, 1))
    return f"{float(value) * scale:,.{decimals}f}"


def format_cell(row: Mapping, unit: str | None = None) -> str:
    """``12.3 (10.1–14.8)`` with "*" for unstable; "—" when suppressed; CI left out if absent."""
    if bool(row.get("suppressed", False)):
        return SUPPRESSED_MARK
    unit = unit or row.get("unit", "")
    text = format_value(row.get("estimate"), unit)
    if not text:
        return ""
    lower, upper = row.get("ci_lower"), row.get("ci_upper")
    if _finite(lower) and _finite(upper):
        text += f" ({format_value(lower, unit)}–{format_value(upper, unit)})"
    p_value = row.get("p_value")
    if _finite(p_value):
        text += f"; P={p_value:.3f}" if p_value >= 0.001 else "; P<0.001"
    if FLAG_UNSTABLE in str(row.get("flag", "") or "").split(";"):
        text += f" {UNSTABLE_MARK}"
    return text


def _finite(value) -> bool:
    try:
        return value is not None and not pd.isna(value) and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def bilingual(zh: str, en: str) -> str:
    """A header in both languages: "伤害原因 Cause" (English with a capital)."""
    en = en[:1].upper() + en[1:] if en else en
    return f"{zh} {en}".strip() if zh != en else zh


def _key_header(words: Words, key: str) -> str:
    if key in ("by", "level", "variable", "item", "section", "row", "column", "table"):
        heading = {
            "by": "variable",
            "variable": "variable",
            "level": "category",
            "item": "item",
            "section": "section",
            "row": "row_variable",
            "column": "column_variable",
            "table": "table",
        }[key]
        return bilingual(*words.both("headings", heading))
    if key in ("rank", "subgroup", "imputed", "row_variable", "column_variable"):
        return bilingual(*words.both("headings", key))
    name = "nature" if key == "nature_1" else key
    return bilingual(words.variable_label(name, "zh"), words.variable_label(name, "en"))


def _row_label(words: Words, record: Mapping, key: str) -> str:
    """A row's label: its label columns, else the words for a variable, indicator or section."""
    zh, en = f"{key}_zh", f"{key}_en"
    value = record[key]
    if zh in record and en in record:
        return bilingual(str(record[zh]), str(record[en]))
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = str(value)
    if key in ("by", "variable", "row", "column"):
        name = "nature" if text == "nature_1" else text
        return bilingual(words.variable_label(name, "zh"), words.variable_label(name, "en"))
    if key == "indicator":
        return bilingual(*_indicator_words(words, text))
    for group in ("sections", "terms"):
        try:
            return bilingual(*words.both(group, text))
        except KeyError:
            continue
    return text


def _shows_n(data: pd.DataFrame, column_keys: Sequence[str], group: tuple) -> bool:
    """An n column follows a group of estimates (not counts, tests or cross-table cells)."""
    if list(column_keys) not in (["indicator"], []):
        return False
    rows = data
    for key, value in zip(column_keys, group, strict=True):
        rows = rows[rows[key] == value]
    units = set(rows.get("unit", pd.Series(dtype=str)).dropna())
    return bool(units) and not units <= {"count", "statistic", "ratio"}


def _column_header(words: Words, data: pd.DataFrame, keys: Sequence[str], values: tuple) -> str:
    parts = []
    for key, value in zip(keys, values, strict=True):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if key == "indicator":
            parts.append(bilingual(*_indicator_words(words, str(value))))
            continue
        rows = data[data[key] == value]
        if f"{key}_zh" in data.columns and not rows.empty:
            parts.append(bilingual(str(rows[f"{key}_zh"].iloc[0]), str(rows[f"{key}_en"].iloc[0])))
        else:
            parts.append(str(value))
    return " | ".join(parts)


def _indicator_words(words: Words, indicator: str) -> tuple[str, str]:
    for lookup in (
        lambda: (words.codebook.text(indicator, "zh"), words.codebook.text(indicator, "en")),
        lambda: words.both("terms", indicator),
    ):
        try:
            return lookup()
        except (KeyError, AttributeError):
            continue
    return indicator, indicator


def formatted_table(table: Table, codebook) -> pd.DataFrame:
    """The public layout of a table, as the workbook sheet and the notebooks show it.

    One row per combination of ``row_keys`` (bilingual labels), one column per combination of
    ``column_keys`` (bilingual headers) holding "estimate (95 % CI)" text, followed by an n column
    where the table reports one; suppressed cells read "—", unstable ones carry "*".
    """
    words = Words(codebook)
    data = table.data.reset_index(drop=True)
    row_keys = [k for k in table.row_keys if k in data.columns]
    column_keys = [k for k in table.column_keys if k in data.columns]
    records = data.to_dict("records")
    if column_keys:
        groups = list(dict.fromkeys(tuple(record[k] for k in column_keys) for record in records))
    else:
        groups = [()]
    row_headers = [_key_header(words, key) for key in row_keys]
    headers: list[str] = list(row_headers)
    group_headers: dict[tuple, tuple[str, str | None]] = {}
    for group in groups:
        header = (
            _column_header(words, data, column_keys, group)
            if group
            else bilingual(
                words.codebook.text("estimate", "zh"), words.codebook.text("estimate", "en")
            )
        ) or ""
        n_header = (
            bilingual(*words.both("headings", "n")) if _shows_n(data, column_keys, group) else None
        )
        # Two groups may share a header text: keep columns apart with an invisible suffix.
        while header in headers:
            header += "​"
        headers.append(header)
        if n_header is not None:
            while n_header in headers:
                n_header += "​"
            headers.append(n_header)
        group_headers[group] = (header, n_header)
    cells: dict[tuple, dict] = {}
    first_of_row: dict[tuple, int] = {}
    for index, record in enumerate(records):
        row_key = tuple(_key(record[k]) for k in row_keys)
        group = tuple(_key(record[k]) for k in column_keys)
        cells.setdefault((row_key, group), record)
        first_of_row.setdefault(row_key, index)
    rows = []
    for row_key, first in first_of_row.items():
        row = {
            header: _row_label(words, records[first], key)
            for header, key in zip(row_headers, row_keys, strict=True)
        }
        for group, (header, n_header) in group_headers.items():
            record = cells.get((row_key, tuple(_key(v) for v in group)))
            if record is None:
                continue
            row[header] = format_cell(record)
            if n_header is not None:
                count = record.get("n_cases")
                if count is None or pd.isna(count):
                    count = record.get("n")
                row[n_header] = (
                    SUPPRESSED_MARK
                    if record.get("suppressed")
                    else ("" if pd.isna(count) else int(count))
                )
        rows.append(row)
    return pd.DataFrame(rows, columns=headers, dtype=object).fillna("")


def table_footnotes(table: Table) -> list[str]:
    """Footnotes for "—" and "*" where the table has such cells, then the notes (zh, en)."""
    data = table.data
    footnotes = []
    if bool(data.get("suppressed", pd.Series(False)).fillna(False).astype(bool).any()):
        footnotes.append(_footnote(table, SUPPRESSED_MARK))
    # A table read back from CSV with no flag at all has an all-NaN float column.
    flags = data.get("flag", pd.Series("", dtype=str)).astype("string").fillna("")
    if flags.str.contains(FLAG_UNSTABLE).any():
        footnotes.append(_footnote(table, UNSTABLE_MARK))
    return [
        t for t in [*footnotes, _without_marks(table.notes_zh), _without_marks(table.notes_en)] if t
    ]


def _write_sheet(book: Workbook, table: Table, words: Words) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title=table.id[:31])
    bold = Font(bold=True)
    sheet.cell(row=1, column=1, value=f"{table.id} {table.title_zh}").font = bold
    sheet.cell(row=2, column=1, value=table.title_en).font = Font(italic=True)
    layout = formatted_table(table, words.codebook)
    header_row = 4
    for position, header in enumerate(layout.columns, start=1):
        sheet.cell(row=header_row, column=position, value=header.rstrip("\u200b")).font = bold
    for offset, values in enumerate(layout.itertuples(index=False), start=1):
        for position, value in enumerate(values, start=1):
            if value != "":
                sheet.cell(row=header_row + offset, column=position, value=value)
    excel_row = header_row + len(layout) + 2
    for text in table_footnotes(table):
        cell = sheet.cell(row=excel_row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=False)
        excel_row += 1
    for column in range(1, len(layout.columns) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = 22


def _footnote(table: Table, mark: str) -> str:
    """The footnote sentence starting with ``mark`` from the notes (zh, then en)."""
    sentences = []
    for text in (table.notes_zh, table.notes_en):
        for piece in text.replace("。", "。\n").replace(". ", ".\n").splitlines():
            if piece.strip().startswith(mark):
                sentences.append(piece.strip())
    return " ".join(sentences)


def _without_marks(text: str) -> str:
    """The notes without the "—"/"*" footnote sentences (written above them when used)."""
    pieces = text.replace("。", "。\n").replace(". ", ".\n").splitlines()
    kept = [p for p in pieces if not p.strip().startswith((SUPPRESSED_MARK, UNSTABLE_MARK))]
    joiner = "" if "。" in text else " "
    return joiner.join(p.strip() for p in kept)


def _key(value):
    """A hashable cell key; every missing value is the same key."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def table_html(table: Table, codebook) -> str:
    """The table as an HTML fragment: bilingual title, the public layout, footnotes and notes."""
    layout = formatted_table(table, codebook)
    body = layout.to_html(index=False, border=0, classes="report-table", escape=True)
    notes = "".join(f"<p class='table-note'>{html.escape(t)}</p>" for t in table_footnotes(table))
    title = html.escape(f"{table.id} {table.title_zh} · {table.title_en}")
    return f"<h3>{title}</h3>\n{body.replace(chr(0x200B), '')}\n{notes}"
