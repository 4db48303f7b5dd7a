"""Intake of the survey's input tables: read, drop personal data, type every column.

This is where row accounting starts (docs/input-tables.md "Bad input"): every non-blank row of every
file comes out of :func:`load_table`, typed, with its spreadsheet row number. A value that cannot
be read (a date that is not a date, a code that is not in the codebook, a required value left
empty) does not stop the run and does not drop the row: the value becomes missing, the row keeps
its raw strings in :attr:`TableIntake.raw`, and the problem is one row of the issues table
(:mod:`injury_survey.issues`, rules V1–V3), so the cleaning step can set the row aside with its
reasons. Problems with a whole file (missing, unreadable, no header, a required column absent,
two columns with one name) raise :class:`IntakeError` with a message that says what to do.
Reading files is :mod:`injury_survey.raw_tables`, personal data :mod:`injury_survey.personal_data`,
typed values :mod:`injury_survey.intake_values`; this module holds the contract's table
descriptions and :func:`load_table` / :func:`load_survey`.

Reading
    CSV in UTF-8 (with or without BOM) or GBK/GB18030, detected by trying a strict UTF-8 decode
    first (valid GBK text with Chinese characters is almost never valid UTF-8), or an ``.xlsx``
    sheet (``"file.xlsx#Sheet"`` names the sheet, the first sheet otherwise). Headers and values
    are trimmed, headers lower-cased, empty cells are missing. ``source_row`` is the row number a
    spreadsheet program shows (header = row 1 when it is the first line); fully blank rows are
    skipped without renumbering the rows after them.

Personal data
    Names, phone numbers, addresses and ID-card numbers must never reach results (docs/input-tables.md
    "Personal data"). Columns are dropped as soon as the file is read when their header looks like
    such a field (``name``, ``姓名``, ``phone``, ``手机``, ``address``, ``身份证号`` …, also as part of a
    longer header such as ``respondent_name``), or when their values look like 18-digit ID-card
    numbers (GB 11643 check digit and a valid birth date) or 11-digit mainland mobile numbers
    whatever the header says. Columns of the data contract are exempt from the header rule (the
    frame's ``psu_name`` is the name of a neighbourhood committee, not of a person). Such numbers
    inside longer free text (a narrative "家属电话138…") are replaced by a marker. What was dropped
    or masked is recorded as table, file, column, action and reason, never with values. Names
    written inside free text cannot be recognised: the questionnaire's narrative instructions
    must keep them out.

Types (``data/tables.yaml``)
    ``id`` and ``text`` stay strings (leading zeros kept); ``code`` goes through
    :meth:`injury_survey.codebook.Codebook.parse` to Int64; ``integer`` → Int64; ``number`` →
    Float64; ``date`` → datetime64; ``partial_date`` → datetime64 at the first day of the known
    period plus ``<column>_precision`` ∈ {day, month, year, unknown} (docs/methods.md §2.3–§2.4:
    "2025-03", "2025-03-00", "2025/3", "202503", "2025年3月" are month precision; empty, "不详" or
    "不清楚" are unknown); ``age_group`` → a census 5-year group "0-4" … "80-84", "85+".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from injury_survey.codebook import Codebook
from injury_survey.intake_values import (
    AGE_GROUPS_5Y,
    PRECISIONS,
    empty_typed,
    issue_messages,
    parse_column,
    parse_partial_date,
)
from injury_survey.issues import SOURCE_FILE, SOURCE_ROW, empty_issues, issues_for
from injury_survey.personal_data import (
    DROPPED_PII_COLUMNS,
    drop_personal_data,
    looks_like_id_card,
    looks_like_mobile,
)
from injury_survey.raw_tables import (
    IntakeError,
    csv_grid,
    frame_from_grid,
    xlsx_grid,
)
from injury_survey.table_paths import split_sheet, table_file
from injury_survey.yaml_files import YAML_LOADER

# Re-exported: callers and tests import these from the intake.
__all__ = [
    "AGE_GROUPS_5Y",
    "PRECISIONS",
    "DROPPED_PII_COLUMNS",
    "IntakeError",
    "SurveyIntake",
    "TableIntake",
    "load_survey",
    "load_table",
    "load_table_specs",
    "looks_like_id_card",
    "looks_like_mobile",
    "parse_partial_date",
    "read_table",
    "table_file",
]

TABLES_SPEC = Path(__file__).parent / "data" / "tables.yaml"

SURVEY_TABLES = ("sample", "households", "persons", "episodes", "deaths")
SURVEY_REQUIRED = ("households", "persons", "episodes")
# Tables that may hold no rows at all (a survey in which nobody was injured or died).
MAY_BE_EMPTY = ("episodes", "deaths")
# Optional programme tables: named beside the survey tables, read by the programme stage
# (injury_survey.programme_wave), not by the cleaning.
PROGRAMME_TABLES = ("knowledge", "home_safety")

# --------------------------------------------------------------------------- table descriptions


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an input table as described in ``data/tables.yaml``."""

    name: str
    req: str
    type: str
    variable: str | None = None
    aliases: tuple[str, ...] = ()
    rules: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    """One input table of the data contract: its columns in order and its identifying column."""

    name: str
    label_zh: str
    label_en: str
    id: str | None
    columns: dict[str, ColumnSpec]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if c.req == "R"]


def load_table_specs(path: str | Path | None = None) -> dict[str, TableSpec]:
    """The input tables of the data contract, from ``data/tables.yaml`` (or ``path``).

    The cleaning rules use the same description for ranges (``min``, ``max``, ``step``,
    ``warn_above``) and keys (``unique``, ``references``); they are in :attr:`ColumnSpec.rules`.
    """
    file = TABLES_SPEC if path is None else Path(path)
    raw = yaml.load(file.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    specs = {}
    for name, table in raw["tables"].items():
        columns = {}
        for col, spec in table["columns"].items():
            rules = {
                k: v for k, v in spec.items() if k not in {"req", "type", "variable", "aliases"}
            }
            columns[col] = ColumnSpec(
                name=col,
                req=spec["req"],
                type=spec["type"],
                variable=spec.get("variable"),
                aliases=tuple(spec.get("aliases") or ()),
                rules=rules,
            )
        specs[name] = TableSpec(name, table["label_zh"], table["label_en"], table["id"], columns)
    return specs


def _contract_columns(specs: dict[str, TableSpec]) -> dict[str, str]:
    """Every column name (and alias) of the contract → its type."""
    out: dict[str, str] = {}
    for table in specs.values():
        for col in table.columns.values():
            for name in (col.name, *col.aliases):
                out.setdefault(name, col.type)
    return out


# --------------------------------------------------------------------------- reading raw tables


@dataclass
class _RawTable:
    frame: pd.DataFrame
    encoding: str
    dropped: pd.DataFrame
    sheet_note: str = ""
    sheets: tuple[str, list[str]] | None = None  # xlsx: the sheet read and the workbook's sheets


def read_table(path: str | Path, *, survey_dir: str | Path = ".") -> pd.DataFrame:
    """Read one CSV or xlsx table as raw strings, with personal-data columns already dropped.

    Parameters
    ----------
    path
        As written in the config: relative to ``survey_dir`` unless absolute; an xlsx sheet is
        chosen with ``"file.xlsx#Sheet"``.
    survey_dir
        The survey folder (Snakemake's working directory).

    Returns
    -------
    pandas.DataFrame
        One column per header (trimmed, lower-case), values as trimmed strings (dtype ``str``,
        empty cells missing), plus ``source_file`` (``path`` as given) and ``source_row`` (the
        spreadsheet row). ``attrs["encoding"]`` says how the file was decoded (``utf-8``,
        ``utf-8-sig``, ``gb18030``, ``utf-16`` or ``xlsx``) and ``attrs["dropped_pii"]`` lists
        the dropped columns with reasons (:func:`load_table` returns both as attributes).

    Raises
    ------
    IntakeError
        The file is missing, empty, unreadable, or has two columns with the same name.
    """
    raw = _read_raw(path, survey_dir, table="")
    frame = raw.frame
    frame.attrs["encoding"] = raw.encoding
    frame.attrs["dropped_pii"] = raw.dropped.to_dict("records")
    return frame


def _read_raw(path: str | Path, survey_dir: str | Path, table: str) -> _RawTable:
    shown = str(path)
    file_part, sheet = split_sheet(shown)
    file = Path(file_part)
    if not file.is_absolute():
        file = Path(survey_dir) / file
    what = f"{table} table, file {shown}" if table else f"file {shown}"
    sheet_note = ""
    if not file.is_file():
        raise IntakeError(
            f"{what}: not found (looked for {file.resolve()}). Check the path in the 'tables' "
            "section of config.yaml; relative paths start at the survey folder."
        )
    sheets = None
    if file.suffix.lower() in {".xlsx", ".xlsm"}:
        grid, sheets = xlsx_grid(file, sheet, what)
        encoding = "xlsx"
        names = sheets[1]
        if sheet is None and len(names) > 1:
            # Data on a later sheet is a common slip: say which sheet was read and how to pick.
            sheet_note = (
                f" (sheet '{names[0]}' read; the workbook also has "
                f"{', '.join(repr(s) for s in names[1:])}: write '{shown}#<sheet>' in the config "
                "to read another / 读取的是第一个工作表，如需读取其他工作表，请在配置中写“文件名#工作表名”)"
            )
            what += sheet_note
    elif file.suffix.lower() == ".xls":
        raise IntakeError(
            f"{what}: old Excel .xls files are not read. Open it in Excel or WPS and save it as "
            ".xlsx or as CSV (UTF-8)."
        )
    else:
        grid, encoding = csv_grid(file, what)
    frame = frame_from_grid(grid, shown, what)
    del grid
    frame, dropped = drop_personal_data(
        frame,
        contract=_contract_columns(load_table_specs()),
        table=table,
        source_file=shown,
        what=what,
    )
    return _RawTable(frame, encoding, dropped, sheet_note, sheets)


# --------------------------------------------------------------------------- load one table


@dataclass
class TableIntake:
    """One input table after intake.

    Attributes
    ----------
    table, source_file
        Contract table name and the path as the user gave it.
    data
        Typed table: the contract's columns in ``tables.yaml`` order (C/O columns the file lacks
        are added, all missing), ``<date>_precision`` after each partial date, then any extra
        columns as text, then ``source_file`` and ``source_row``. One row per non-blank input
        row; a value that could not be read is missing here and listed in ``issues``.
    raw
        The same rows (same index) as the strings read from the file, for the rejected-rows
        table and for messages.
    issues
        Rules V1 (unreadable number/date/age group), V2 (code not in the codebook), V3
        (required value missing), all severity ``error``, in the format of
        :mod:`injury_survey.issues`.
    dropped_pii
        Columns dropped as personal data, or free-text columns in which ID-card and mobile
        numbers were masked: table, source_file, column, action (dropped, masked), reason.
        Never values.
    encoding, n_rows
        How the file was decoded; number of data rows.
    extra_columns, absent_columns
        Columns not in the contract (kept as text); C/O columns the file did not have.
    """

    table: str
    source_file: str
    data: pd.DataFrame
    raw: pd.DataFrame
    issues: pd.DataFrame
    dropped_pii: pd.DataFrame
    encoding: str
    n_rows: int
    extra_columns: list[str]
    absent_columns: list[str]


def load_table(
    path: str | Path, table: str, codebook: Codebook, *, survey_dir: str | Path = "."
) -> TableIntake:
    """Read, de-identify and type one input table of the data contract.

    Parameters
    ----------
    path
        As in the config (relative to ``survey_dir``; ``"file.xlsx#Sheet"`` for a sheet).
    table
        One of frame, census, sample, households, persons, episodes, deaths.
    codebook
        The codebook the questionnaire used; coded columns are checked against it.

    Raises
    ------
    IntakeError
        File-level problems: missing or unreadable file, no header, duplicate column names, a
        required column missing (the message lists the columns found and the closest match),
        ID-card numbers in an identifier column.
    """
    specs = load_table_specs()
    if table not in specs:
        raise IntakeError(f"unknown table {table!r}; the data contract has {', '.join(specs)}")
    spec = specs[table]
    raw_table = _read_raw(path, survey_dir, table)
    what = f"{table} table, file {path}{raw_table.sheet_note}"
    raw = _apply_aliases(raw_table.frame, spec, what)
    _check_required_columns(raw, spec, what, raw_table.sheets)
    if raw.empty and table not in MAY_BE_EMPTY:
        raise IntakeError(
            f"{what}: the file has its header but no data rows. Export the table again with "
            "its rows, or check that the config points at the right file. / 该文件只有表头，没有"
            "数据行：请重新导出包含数据的表，或检查配置文件中的路径是否指向正确的文件。"
        )
    _check_codebook_variables(raw, spec, codebook, what)

    n = len(raw)
    id_frame = raw.copy()
    if spec.id and spec.id in id_frame:
        id_frame[spec.id] = id_frame[spec.id].fillna("")
    typed: dict[str, pd.Series] = {}
    issue_parts = [empty_issues()]
    absent = []
    for col in spec.columns.values():
        if col.name not in raw:
            absent.append(col.name)
            typed.update(empty_typed(col, n))
            continue
        parsed = parse_column(col, raw[col.name], codebook)
        typed.update(parsed.columns)
        checks = [(parsed.rule, parsed.invalid)]
        if col.req == "R" and col.type != "partial_date":
            checks.append(("V3", raw[col.name].isna()))
        for rule, mask in checks:
            if mask.any():
                message_en, message_zh = issue_messages(col, rule, codebook)
                issue_parts.append(
                    issues_for(
                        id_frame,
                        mask,
                        table=table,
                        column=col.name,
                        rule_id=rule,
                        severity="error",
                        message_en=message_en,
                        message_zh=message_zh,
                        id_column=spec.id if spec.id in id_frame else None,
                    )
                )
    extra = [c for c in raw.columns if c not in spec.columns and c not in (SOURCE_FILE, SOURCE_ROW)]
    for column in extra:
        typed[column] = raw[column]
    typed[SOURCE_FILE] = raw[SOURCE_FILE]
    typed[SOURCE_ROW] = raw[SOURCE_ROW]
    data = pd.DataFrame({name: s.reset_index(drop=True) for name, s in typed.items()})
    issues = pd.concat(
        [p for p in issue_parts if not p.empty] or [empty_issues()], ignore_index=True
    )
    if not issues.empty:
        issues = issues.sort_values("source_row", kind="stable").reset_index(drop=True)
    return TableIntake(
        table=table,
        source_file=str(path),
        data=data,
        raw=raw.reset_index(drop=True),
        issues=issues,
        dropped_pii=raw_table.dropped,
        encoding=raw_table.encoding,
        n_rows=n,
        extra_columns=extra,
        absent_columns=absent,
    )


def _apply_aliases(frame: pd.DataFrame, spec: TableSpec, what: str) -> pd.DataFrame:
    """Rename accepted alternative headers (``nature`` → ``nature_1``)."""
    renames = {}
    for col in spec.columns.values():
        present = [a for a in col.aliases if a in frame]
        if present and col.name in frame:
            raise IntakeError(
                f"{what}: has both '{col.name}' and '{present[0]}', which mean the same column. "
                "Keep one of them."
            )
        if len(present) > 1:
            raise IntakeError(f"{what}: has both {present}, which mean '{col.name}'. Keep one.")
        if present:
            renames[present[0]] = col.name
    return frame.rename(columns=renames)


def _check_required_columns(
    frame: pd.DataFrame, spec: TableSpec, what: str, sheets: tuple[str, list[str]] | None = None
) -> None:
    found = [c for c in frame.columns if c not in (SOURCE_FILE, SOURCE_ROW)]
    missing = [c for c in spec.required if c not in frame]
    if not missing:
        return
    lines = []
    for column in missing:
        close = difflib.get_close_matches(column, found, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'? rename that header to '{column}')" if close else ""
        lines.append(f"'{column}'{hint}")
    raise IntakeError(
        f"{what}: required column{'s' if len(missing) > 1 else ''} missing: {'; '.join(lines)}. "
        f"Columns found: {', '.join(found) or '(none)'}. Headers must use the data contract's "
        "English names (docs/input-tables.md); add or rename the column and run again."
        + _other_sheets_hint(sheets)
    )


def _other_sheets_hint(sheets: tuple[str, list[str]] | None) -> str:
    """For a workbook: which sheet was read and which others there are to choose from."""
    if not sheets or len(sheets[1]) < 2:
        return ""
    read, names = sheets
    listed = ", ".join(repr(name) for name in names)
    return (
        f" These columns are from sheet {read!r}; the workbook's sheets are {listed}. If the table"
        " is on another sheet, write its name after '#' in config.yaml (file.xlsx#Sheet)."
        f"（读取的是工作表“{read}”；本工作簿的工作表有：{'、'.join(names)}。"
        "如数据在其他工作表，请在 config.yaml 的路径后写“#工作表名”。）"
    )


def _check_codebook_variables(
    frame: pd.DataFrame, spec: TableSpec, codebook: Codebook, what: str
) -> None:
    for col in spec.columns.values():
        if col.type == "code" and col.name in frame:
            try:
                codebook.variable(col.variable)
            except KeyError:
                raise IntakeError(
                    f"{what}: column '{col.name}' is coded with the codebook variable "
                    f"'{col.variable}', which codebook {codebook.version} ({codebook.path}) does "
                    "not define. Add that variable and its codes to your codebook."
                ) from None


# --------------------------------------------------------------------------- one survey


@dataclass
class SurveyIntake:
    """All tables of one survey (pilot, or one formal wave) after intake.

    ``tables`` maps table name → typed DataFrame, ``raw`` → the raw strings, ``intakes`` → the
    full :class:`TableIntake`; ``issues`` and ``dropped_pii`` are those of all tables together.
    """

    intakes: dict[str, TableIntake]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: intake.data for name, intake in self.intakes.items()}

    @property
    def raw(self) -> dict[str, pd.DataFrame]:
        return {name: intake.raw for name, intake in self.intakes.items()}

    @property
    def issues(self) -> pd.DataFrame:
        parts = [i.issues for i in self.intakes.values() if not i.issues.empty]
        return pd.concat(parts, ignore_index=True) if parts else empty_issues()

    @property
    def dropped_pii(self) -> pd.DataFrame:
        parts = [i.dropped_pii for i in self.intakes.values() if not i.dropped_pii.empty]
        if not parts:
            return pd.DataFrame(columns=DROPPED_PII_COLUMNS).astype("str")
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row per table: table, file, encoding, rows_read, pii_columns_dropped, value_issues.

        Column labels for reports are in the codebook's ``labels.intake`` group.
        """
        rows = [
            {
                "table": name,
                "file": intake.source_file,
                "encoding": intake.encoding,
                "rows_read": intake.n_rows,
                "pii_columns_dropped": ", ".join(
                    column if action == "dropped" else f"{column} ({action})"
                    for column, action in zip(
                        intake.dropped_pii["column"], intake.dropped_pii["action"], strict=True
                    )
                ),
                "value_issues": len(intake.issues),
            }
            for name, intake in self.intakes.items()
        ]
        out = pd.DataFrame(
            rows,
            columns=[
                "table",
                "file",
                "encoding",
                "rows_read",
                "pii_columns_dropped",
                "value_issues",
            ],
        )
        return out.astype({"rows_read": "Int64", "value_issues": "Int64"})


def load_survey(
    paths: dict[str, str], codebook: Codebook, *, survey_dir: str | Path = "."
) -> SurveyIntake:
    """Run :func:`load_table` on each table of one survey.

    ``paths`` maps households, persons, episodes (required) and sample, deaths (optional) to
    their files, as in the config's ``tables.pilot`` or ``tables.waves.<wave>``. File-level
    problems of all tables are collected and raised together as one :class:`IntakeError`, so
    the user can fix them in one pass.
    """
    given = {name: path for name, path in paths.items() if path}
    unknown = [name for name in given if name not in SURVEY_TABLES + PROGRAMME_TABLES]
    missing = [name for name in SURVEY_REQUIRED if name not in given]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"no path for {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown table name(s) {', '.join(unknown)}")
        raise IntakeError(
            f"survey tables: {'; '.join(problems)}. A survey has households, persons and "
            "episodes, optionally sample and deaths (config 'tables')."
        )
    intakes, errors = {}, []
    for name in SURVEY_TABLES:
        if name in given:
            try:
                intakes[name] = load_table(given[name], name, codebook, survey_dir=survey_dir)
            except IntakeError as exc:
                errors.append(str(exc))
    if errors:
        raise IntakeError("\n".join(errors))
    return SurveyIntake(intakes)
