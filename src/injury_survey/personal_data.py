"""Personal data in input tables: recognise it, drop it, mask it, and record that without values.

Names, phone numbers, addresses and ID-card numbers must never reach results (docs/input-tables.md
"Personal data"). A column is dropped when its header looks like such a field (``name``, ``姓名``,
``phone``, ``手机``, ``address``, ``身份证号`` …, also inside a longer header such as
``respondent_name``; columns of the data contract are exempt), or when its values look like
18-digit ID-card numbers (GB 11643 check digit and a valid birth date) or 11-digit mainland mobile
numbers whatever the header says. An identifier column full of ID-card numbers stops intake. Such
numbers inside longer free text are replaced by a marker.

The value tests run on distinct values only, and only on values a vectorised character test
leaves possible (an ID-card or mobile number is digits, X, spaces, ``-`` and ``+`` only; free
text can hide one only if it holds at least 11 digits), so a million-row identifier column costs
one pass of a regular expression, not a million Python calls.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from injury_survey.codebook import normalize_text
from injury_survey.raw_tables import SOURCE_FILE, SOURCE_ROW, IntakeError

DROPPED_PII_COLUMNS = ["table", "source_file", "column", "action", "reason"]

# Header words that mark personal data. Long words match anywhere in the header; short ones
# only as a whole word between "_", "-", spaces or dots, so "hotel" is not a telephone.
_PII_SUBSTRINGS = {
    "name": "a name",
    "xingming": "a name",
    "姓名": "a name",
    "名字": "a name",
    "phone": "a phone number",
    "mobile": "a phone number",
    "shouji": "a phone number",
    "dianhua": "a phone number",
    "电话": "a phone number",
    "手机": "a phone number",
    "联系方式": "a phone number",
    "wechat": "a contact account",
    "weixin": "a contact account",
    "微信": "a contact account",
    "email": "a contact account",
    "邮箱": "a contact account",
    "address": "an address",
    "addr": "an address",
    "dizhi": "an address",
    "zhuzhi": "an address",
    "地址": "an address",
    "住址": "an address",
    "门牌": "an address",
    "idcard": "an ID-card number",
    "idnumber": "an ID-card number",
    "身份证": "an ID-card number",
    "证件号": "an ID-card number",
    "sfz": "an ID-card number",
}
_PII_WORDS = {"tel": "a phone number", "qq": "a contact account", "cell": "a phone number"}
_PII_WORD_PAIRS = {("id", "card"): "an ID-card number", ("id", "number"): "an ID-card number"}

_ID_CARD = re.compile(r"\d{17}[\dX]")
_ID_CARD_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOBILE = re.compile(r"(?:\+?86)?1[3-9]\d{9}")
# The same numbers inside free text ("家属电话13800138000"), for masking.
_EMBEDDED_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_EMBEDDED_MOBILE = re.compile(r"(?<![\d+])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)")
ID_MASK = "[身份证号已删除]"
MOBILE_MASK = "[手机号已删除]"


def looks_like_id_card(value: str) -> bool:
    """True for an 18-character resident ID number with a valid birth date and check digit.

    GB 11643-1999: 6-digit area code, birth date YYYYMMDD, 3-digit sequence, and a check
    character from ISO 7064 MOD 11-2 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; the weighted
    sum mod 11 indexes "10X98765432"). Requiring both keeps 18-digit survey codes from being
    mistaken for ID numbers.
    """
    text = value.strip().upper()
    if not _ID_CARD.fullmatch(text):
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_CARD_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == text[17]


def looks_like_mobile(value: str) -> bool:
    """True for an 11-digit mainland mobile number (1[3-9]…), optionally with +86, spaces or -."""
    return bool(_MOBILE.fullmatch(re.sub(r"[\s-]", "", value)))


def _pii_header_reason(column: str) -> str | None:
    folded = normalize_text(column)
    squeezed = re.sub(r"[\s_\-.]", "", folded)
    for word, kind in _PII_SUBSTRINGS.items():
        if word in squeezed:
            return kind
    words = [w for w in re.split(r"[\s_\-.]+", folded) if w]
    for word, kind in _PII_WORDS.items():
        if word in words:
            return kind
    for pair, kind in _PII_WORD_PAIRS.items():
        if any(tuple(words[i : i + 2]) == pair for i in range(len(words) - 1)):
            return kind
    return None


def _mask_embedded_numbers(text: str) -> str:
    """Replace ID-card and mobile numbers inside free text with a marker."""
    text = _EMBEDDED_ID.sub(lambda m: ID_MASK if looks_like_id_card(m[0]) else m[0], text)
    return _EMBEDDED_MOBILE.sub(MOBILE_MASK, text)


def _count_matching(values: pd.Series, test, possible: str) -> int:
    """How many of ``values`` pass ``test``, calling it once per distinct value that matches the
    vectorised pre-test ``possible`` (a regular expression every passing value matches)."""
    candidates = values[values.str.contains(possible, regex=True)]
    if candidates.empty:
        return 0
    codes, distinct = pd.factorize(candidates)
    passes = np.array([bool(test(v)) for v in distinct])
    return int(passes[codes].sum())


# A value that can be an ID-card or mobile number once spaces and "-" are removed holds nothing but
# digits, X, "-", "+" and whitespace (Python's str.isspace: \t–\r, \x1c–\x20, \x85, Unicode Z).
_ONLY_NUMBER_CHARACTERS = r"^[\p{Nd}Xx+\-\t-\r\x1c-\x20\x85\p{Z}]+$"
# Free text can hide an ID-card or mobile number only if it has at least 11 digits.
_ELEVEN_DIGITS = r"(?:\p{Nd}[^\p{Nd}]*){11}"


def drop_personal_data(
    frame: pd.DataFrame, *, contract: dict[str, str], table: str, source_file: str, what: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop (or, in free text, mask) personal data; return the frame and a record without values.

    ``contract`` maps every column name of the data contract to its type. Order of the checks: a
    header that names personal data drops the column (contract columns are exempt, and so are
    headers containing "hash", which are already pseudonymised); an identifier column full of
    ID-card numbers stops intake; any other text column whose values are ID-card or mobile
    numbers is dropped; numbers embedded in longer text are masked.
    """
    records = []
    frame = frame.copy()
    for column in [c for c in frame.columns if c not in (SOURCE_FILE, SOURCE_ROW)]:
        kind = contract.get(column)
        values = frame[column].dropna()
        header_kind = None if kind or "hash" in column else _pii_header_reason(column)
        action, reason = "dropped", None
        if header_kind:
            reason = f"header looks like {header_kind}"
        elif kind == "id":
            ids = _count_matching(values, looks_like_id_card, _ONLY_NUMBER_CHARACTERS)
            if ids and ids >= len(values) / 2:
                raise IntakeError(
                    f"{what}: column '{column}' holds ID-card numbers ({ids} of {len(values)} "
                    "values), which must not enter the analysis. Replace them with survey codes "
                    "(e.g. household-line numbers) and keep the key to them outside the survey "
                    "folder."
                )
        elif kind in (None, "text"):
            ids = _count_matching(values, looks_like_id_card, _ONLY_NUMBER_CHARACTERS)
            phones = _count_matching(values, looks_like_mobile, _ONLY_NUMBER_CHARACTERS)
            if ids:
                reason = f"values look like 18-digit ID-card numbers ({ids} of {len(values)})"
            elif phones:
                reason = f"values look like 11-digit mobile numbers ({phones} of {len(values)})"
            else:
                long = values[values.str.contains(_ELEVEN_DIGITS, regex=True)]
                masked = long.map(_mask_embedded_numbers)
                changed = int((masked != long).sum())
                if changed:
                    frame.loc[masked.index, column] = masked
                    action = "masked"
                    reason = (
                        f"ID-card or mobile numbers inside {changed} values replaced by a marker"
                    )
        if reason:
            records.append(
                {
                    "table": table,
                    "source_file": source_file,
                    "column": column,
                    "action": action,
                    "reason": reason,
                }
            )
    frame = frame.drop(columns=[r["column"] for r in records if r["action"] == "dropped"])
    record = pd.DataFrame(records, columns=DROPPED_PII_COLUMNS).astype("str")
    return frame, record
