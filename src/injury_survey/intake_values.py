"""Typed values of input tables: codes, numbers, dates, partial dates, age groups (rules V1–V2).

Each distinct text of a column is read once (a survey column repeats a few hundred values over a
million rows) and the rows take the result by position, so typing a million-row table costs the
distinct values, not the rows. A text that cannot be read becomes missing and is flagged; the
messages that tell the user how to fix it are :func:`issue_messages`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from injury_survey.codebook import Codebook

if TYPE_CHECKING:
    from injury_survey.intake import ColumnSpec

PRECISIONS = ("day", "month", "year", "unknown")
AGE_GROUPS_5Y = tuple(f"{a}-{a + 4}" for a in range(0, 85, 5)) + ("85+",)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_UNKNOWN_DATE = {"不详", "不清楚", "不知道", "未知", "unknown", "unk", "dk"}
_TIME_SUFFIX = re.compile(r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"),
    re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})月?"),
    re.compile(r"(?P<y>\d{4})年?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})"),
)


def parse_partial_date(value: str) -> tuple[pd.Timestamp | None, str | None]:
    """Read a possibly partial date; return (first day of the known period, precision).

    Precision is "day", "month" (day missing, 0 or 99), "year" (month missing, 0 or 99) or
    "unknown" (empty, 不详/不清楚/unknown, or year 0000/9999). Returns (None, None) when the
    text is not a date, or the date does not exist (2025-02-30).
    """
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if not text or text in _UNKNOWN_DATE:
        return None, "unknown"
    text = _TIME_SUFFIX.sub("", text).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            break
    else:
        return None, None
    parts = match.groupdict()
    year = int(parts["y"])
    month = int(parts["m"]) if parts.get("m") is not None else 0
    day = int(parts["d"]) if parts.get("d") is not None else 0
    unknown_month = month in (0, 99)
    unknown_day = day in (0, 99)
    if year in (0, 9999):
        return (None, "unknown") if unknown_month and unknown_day else (None, None)
    if not 1900 <= year <= 2100:
        return None, None
    if unknown_month:
        return (pd.Timestamp(year, 1, 1), "year") if unknown_day else (None, None)
    try:
        dt.date(year, month, 1 if unknown_day else day)
    except ValueError:
        return None, None
    if unknown_day:
        return pd.Timestamp(year, month, 1), "month"
    return pd.Timestamp(year, month, day), "day"


def _parse_number_text(value: str) -> float | None:
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _normalize_age_group(value: str) -> str | None:
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "").replace("岁", "")
    text = re.sub(r"[~～–—至到]", "-", text)
    text = re.sub(r"^(?:>=|≥)(\d+)$|^(\d+)(?:及以上|以上|\+)$", lambda m: f"{m[1] or m[2]}+", text)
    match = re.fullmatch(r"(\d+)-(\d+)", text)
    if match:
        text = f"{int(match[1])}-{int(match[2])}"
    return text if text in AGE_GROUPS_5Y else None


def _map_distinct(values: pd.Series, parse) -> tuple[np.ndarray, np.ndarray]:
    """``parse`` of each distinct non-missing value (survey columns repeat a lot), and for each
    row the position of its value in that array; a missing value points at a final ``None``."""
    codes, distinct = pd.factorize(values)
    parsed = np.empty(len(distinct) + 1, dtype=object)
    for i, value in enumerate(distinct):
        parsed[i] = parse(value)
    return parsed, codes  # code -1 (missing) indexes the final None


@dataclass
class _Parsed:
    columns: dict[str, pd.Series]
    invalid: pd.Series
    rule: str = "V1"


def _whole_number(number: float | None) -> int | None:
    if number is None or not float(number).is_integer() or abs(number) > 2**53:
        return None
    return int(number)


def parse_column(col: ColumnSpec, values: pd.Series, codebook: Codebook) -> _Parsed:
    index = values.index
    if col.type in ("id", "text"):
        return _Parsed({col.name: values.astype("str")}, pd.Series(False, index=index))
    if col.type == "code":
        codes, invalid = codebook.parse(col.variable, values)
        return _Parsed({col.name: codes.rename(col.name)}, invalid, "V2")
    if col.type in ("integer", "number"):
        parsed, rows = _map_distinct(values, _parse_number_text)
        if col.type == "integer":
            distinct = pd.array([_whole_number(n) for n in parsed], dtype="Int64")
        else:
            distinct = pd.array(list(parsed), dtype="Float64")
        typed = pd.Series(distinct.take(rows), index=index)
        return _Parsed({col.name: typed}, values.notna() & typed.isna())
    if col.type in ("date", "partial_date"):
        text = values.fillna("")
        parsed, rows = _map_distinct(text, parse_partial_date)
        parsed[-1] = (None, None)  # never used: text has no missing values
        precision = np.array([p[1] for p in parsed], dtype=object)
        if col.type == "date":
            day = precision == "day"
            stamps = _datetimes([s if d else None for (s, _), d in zip(parsed, day, strict=True)])
            invalid = (text != "").to_numpy(dtype=bool) & ~day[rows]
            typed = pd.Series(stamps[rows], index=index)
            return _Parsed({col.name: typed}, pd.Series(invalid, index=index, dtype=bool))
        stamps = _datetimes([s for s, _ in parsed])
        typed = pd.Series(stamps[rows], index=index)
        prec = pd.Series(precision[rows], index=index, dtype="str")
        invalid = pd.Series(pd.isna(precision)[rows], index=index, dtype=bool)
        return _Parsed({col.name: typed, f"{col.name}_precision": prec}, invalid)
    if col.type == "age_group":
        parsed, rows = _map_distinct(values, _normalize_age_group)
        groups = pd.Series(parsed[rows], index=index, dtype="str")
        return _Parsed({col.name: groups}, values.notna() & groups.isna())
    raise ValueError(f"tables.yaml: column {col.name!r} has unknown type {col.type!r}")


def _datetimes(stamps: list) -> np.ndarray:
    """Timestamps (or None) as a datetime64[ns] array, None as NaT."""
    return pd.Series(stamps, dtype="datetime64[ns]").to_numpy()


def empty_typed(col: ColumnSpec, n: int) -> dict[str, pd.Series]:
    """All-missing columns of the right dtype for a C/O column the file does not have."""
    dtype = {
        "id": "str",
        "text": "str",
        "age_group": "str",
        "code": "Int64",
        "integer": "Int64",
        "number": "Float64",
        "date": "datetime64[ns]",
        "partial_date": "datetime64[ns]",
    }[col.type]
    out = {col.name: pd.Series([None] * n, dtype=dtype)}
    if col.type == "partial_date":
        out[f"{col.name}_precision"] = pd.Series(["unknown"] * n, dtype="str")
    return out


def issue_messages(col: ColumnSpec, rule: str, codebook: Codebook) -> tuple[str, str]:
    if rule == "V3":
        return (
            f"required value of '{col.name}' is missing; fill it in (docs/input-tables.md)",
            f"必填项“{col.name}”缺失，请补填",
        )
    if rule == "V2":
        var = codebook.variable(col.variable)
        codes = ", ".join(str(c) for c in codebook.codes(col.variable))
        return (
            f"not a code of '{var.name}' ({var.label_en}) in codebook {codebook.version}; valid "
            f"codes: {codes}, or their labels. If your questionnaire printed other codes, point "
            "the config key 'codebook' to your own codebook",
            f"不是编码手册{codebook.version}中“{var.label_zh}”的编码；有效编码：{codes}（或其标签）。"
            "若问卷使用其他编码，请在配置项 codebook 中指定自己的编码手册",
        )
    return {
        "integer": (
            "not a whole number; enter digits only (e.g. 3), or leave the cell empty if not applicable",
            "不是整数；请只填数字（如3），不适用时留空",
        ),
        "number": (
            "not a number; enter digits with a decimal point (e.g. 0.5) and no units",
            "不是数值；请填写数字（如0.5），不要带单位",
        ),
        "date": (
            "not a complete date; write YYYY-MM-DD (e.g. 2025-03-15)",
            "不是完整日期；请按YYYY-MM-DD填写（如2025-03-15）",
        ),
        "partial_date": (
            "not a date; write YYYY-MM-DD, YYYY-MM if the day is unknown, YYYY if only the year is "
            "known, or 不详 if unknown",
            "不是日期；请按YYYY-MM-DD填写，日不详填YYYY-MM，仅知年份填YYYY，完全不详填“不详”",
        ),
        "age_group": (
            "not a census 5-year age group; use 0-4, 5-9, …, 80-84, 85+ (add older groups into 85+)",
            "不是5岁年龄组；请用0-4、5-9、…、80-84、85+（85岁以上合并为85+）",
        ),
    }[col.type]
