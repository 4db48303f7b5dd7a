"""Input files as tables of trimmed strings: CSV (UTF-8, GBK, UTF-16) or an xlsx sheet.

:func:`read_rows` returns every non-blank row under its header, each cell the trimmed text
(empty cells missing), with ``source_file`` and ``source_row`` (the row number a spreadsheet
program shows; fully blank rows are skipped without renumbering the rows after them). CSV is
parsed by pandas' C reader (a million rows in seconds); a file it cannot read as one rectangular
table (a row longer than the header, a NUL byte) is read again by Python's ``csv`` module, which
accepts ragged rows, so both give the same table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from injury_survey.issues import SOURCE_FILE, SOURCE_ROW


class IntakeError(ValueError):
    """A whole input file cannot be used; the message names the file and says what to do."""


def _decode(data: bytes, what: str) -> tuple[str, str]:
    """Decode CSV bytes: UTF-16 by its BOM, else strict UTF-8 (BOM optional), else GB18030.

    GB18030 is the superset of GBK and GB2312 that Chinese Excel/WPS exports use; trying UTF-8
    first is safe because GBK-encoded Chinese text is practically never valid UTF-8.
    """
    if data.startswith(b"PK\x03\x04"):
        raise IntakeError(
            f"{what}: this is an Excel workbook with a CSV name. Rename it to .xlsx, or "
            "export the sheet as CSV (UTF-8)."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise IntakeError(
            f"{what}: the text is neither UTF-8 nor GBK. Save it as 'CSV UTF-8' "
            "(Excel: File > Save As > CSV UTF-8) or as .xlsx."
        ) from None


def csv_grid(file: Path, what: str) -> tuple[pd.DataFrame, str]:
    """Every record of a CSV file as a grid of untrimmed strings (one row per record)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise IntakeError(
            f"{what}: cannot be read ({exc.strerror}). Check the file's permissions."
        ) from None
    text, encoding = _decode(data, what)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Exports from EpiData or "Unicode text" in Excel are tab-separated; some locales use ";".
    delimiter = max([",", "\t", ";"], key=lambda d: (first_line.count(d), d == ","))
    if "\x00" not in text:
        try:
            grid = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                header=None,
                dtype="str",
                na_filter=False,
                skip_blank_lines=False,
                engine="c",
            )
            return grid, encoding
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
            pass  # ragged or odd: Python's reader below takes any shape and names the problem
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise IntakeError(
            f"{what}: not a readable CSV file ({exc}). Re-export it as CSV."
        ) from None
    return _grid(rows), encoding


def _grid(rows: list[list[str]]) -> pd.DataFrame:
    """Ragged rows as a rectangular grid of strings, short rows padded with empty cells."""
    width = max((len(row) for row in rows), default=0)
    return pd.DataFrame(
        [row + [""] * (width - len(row)) for row in rows], columns=range(width), dtype="str"
    )


def xlsx_grid(
    file: Path, sheet: str | None, what: str
) -> tuple[pd.DataFrame, tuple[str, list[str]]]:
    """The rows of the chosen sheet, and (that sheet's name, every sheet of the workbook)."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(file, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise IntakeError(
            f"{what}: cannot be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Open and re-save it in Excel or WPS as .xlsx, or export the sheet as CSV (UTF-8)."
        ) from None
    if sheet is None:
        worksheet = book.worksheets[0]
    elif sheet in book.sheetnames:
        worksheet = book[sheet]
    else:
        raise IntakeError(
            f"{what}: the workbook has no sheet {sheet!r}; its sheets are "
            f"{', '.join(repr(s) for s in book.sheetnames)}. Write the sheet name after '#'."
        )
    rows = [[_cell_text(v) for v in row] for row in worksheet.iter_rows(values_only=True)]
    return _grid(rows), (worksheet.title, list(book.sheetnames))


def _cell_text(value: Any) -> str:
    """An xlsx cell as the text a user sees: 3.0 → "3", dates → ISO "2025-03-15"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _column_letter(index: int) -> str:
    """0 → "A", 26 → "AA": the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def frame_from_grid(grid: pd.DataFrame, shown: str, what: str) -> pd.DataFrame:
    """The non-blank rows under the first non-blank row (the header), trimmed, with row numbers.

    Row ``i`` of ``grid`` is record ``i + 1`` of the file (the spreadsheet row number).
    """
    cells = [grid[c].fillna("").astype("str").str.strip() for c in grid.columns]
    filled = [(c != "").to_numpy(dtype=bool) for c in cells]
    nonblank = np.logical_or.reduce(filled) if filled else np.zeros(len(grid), dtype=bool)
    if not nonblank.any():
        raise IntakeError(
            f"{what}: the file is empty (no header row). Export the table again with its header. "
            "/ 该文件是空的（没有表头行）：请重新导出包含表头的表。"
        )
    first = int(np.argmax(nonblank))
    rows = nonblank.copy()
    rows[: first + 1] = False
    header = [c.iloc[first].lower() for c in cells]
    keep, names = [], []
    for i, name in enumerate(header):
        if not name:
            if not filled[i][rows].any():
                continue  # trailing empty columns of spreadsheet exports
            name = f"no_header_{_column_letter(i).lower()}"
        keep.append(i)
        names.append(name)
    seen: dict[str, list[str]] = {}
    for i, name in zip(keep, names, strict=True):
        seen.setdefault(name, []).append(_column_letter(i))
    dupes = {name: cols for name, cols in seen.items() if len(cols) > 1}
    if dupes:
        listing = "; ".join(f"'{n}' in columns {', '.join(c)}" for n, c in dupes.items())
        raise IntakeError(
            f"{what}: two columns have the same name ({listing}; headers are compared trimmed "
            "and lower-case). Rename or delete one of them."
        )
    frame = pd.DataFrame(
        {
            name: cells[i][rows].where(filled[i][rows]).reset_index(drop=True).astype("str")
            for i, name in zip(keep, names, strict=True)
        }
    )
    n = int(rows.sum())
    frame[SOURCE_FILE] = pd.Series(np.full(n, shown, dtype=object), dtype="str")
    frame[SOURCE_ROW] = pd.Series(np.flatnonzero(rows) + 1, dtype="Int64")
    return frame
