"""Table checks and drawing helpers shared by the figure modules.

The figure tables follow the estimates contract (``indicator, by, level, estimate, se, ci_lower,
ci_upper, deff, df, n, flag, method``); these helpers check a table's columns and values with a
message that names the figure, read codes and flags the way ``estimates.csv`` writes them, and
hold the few drawing conventions (CI whiskers, footnotes, titles, bar heights) every figure uses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from injury_survey.figures.style import (
    FLAG_SUPPRESSED,
    FLAG_UNSTABLE,
    NOTE_FONT_PT,
    Labels,
    wrap_label,
)

PERCENT = 100.0


def require_columns(table: pd.DataFrame, columns: Iterable[str], figure: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{figure} needs a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{figure}: the table lacks column(s) {missing}; it has {list(table.columns)}. "
            "See the function's docstring for the table it draws."
        )
    if table.empty:
        raise ValueError(f"{figure}: the table has no rows, so there is nothing to draw.")


def require_values(
    table: pd.DataFrame, column: str, allowed: Sequence[object], figure: str
) -> None:
    unknown = sorted({str(v) for v in table[column].dropna() if v not in allowed})
    if unknown:
        raise ValueError(
            f"{figure}: column {column!r} holds {unknown}, which this figure does not know; "
            f"allowed values are {list(allowed)}."
        )


def as_numeric(table: pd.DataFrame, columns: Iterable[str], figure: str) -> pd.DataFrame:
    """Copy of ``table`` with ``columns`` as float (NA → NaN); a clear error for text values."""
    out = table.copy()
    for column in columns:
        if column not in out.columns:
            continue
        converted = pd.to_numeric(out[column], errors="coerce")
        bad = out[column].notna() & converted.isna()
        if bad.any():
            first = bad.idxmax()
            raise ValueError(
                f"{figure}: column {column!r} must be numeric; row {first} holds "
                f"{out.at[first, column]!r}."
            )
        out[column] = converted.astype("float64")
    return out


def flag_state(table: pd.DataFrame) -> pd.Series:
    """Per row: "ok", "unstable" or "suppressed", read from the optional ``flag`` column."""
    if "flag" not in table.columns:
        return pd.Series("ok", index=table.index, dtype="object")
    flag = table["flag"].astype("object").where(table["flag"].notna(), "")
    flag = flag.map(lambda v: str(v).strip().lower())
    state = pd.Series("ok", index=table.index, dtype="object")
    state[flag != ""] = FLAG_UNSTABLE
    state[flag.str.contains(FLAG_SUPPRESSED, regex=False)] = FLAG_SUPPRESSED
    if "estimate" in table.columns:
        state[table["estimate"].isna()] = FLAG_SUPPRESSED
    return state


def age_sort_key(age_group: object) -> float:
    """Lower bound of an age group label ("0-4" → 0, "65+" → 65) for ordering."""
    text = str(age_group).strip().replace("–", "-").rstrip("+")
    try:
        return float(text.split("-")[0])
    except ValueError:
        return math.inf


def age_order(values: Iterable[object]) -> list[object]:
    return sorted(pd.unique(pd.Series(list(values)).dropna()), key=age_sort_key)


def as_code(value: object) -> int:
    """A code as the codebook keys it: 3, 3.0 and "3" (estimates.csv's ``level``) all give 3."""
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not number.is_integer():
        raise ValueError(
            f"{value!r} is not a code: coded fields hold integer codes (data contract); "
            "check the table's code columns."
        )
    return int(number)


def sentence_case(text: str, lang: str) -> str:
    """The codebook writes English labels in lower case ("fall"); a tick label starts upper."""
    return text[:1].upper() + text[1:] if lang == "en" else text


def code_label(labels: Labels, variable: str, code: object, lang: str) -> str:
    """The codebook label of ``code``, in sentence case for English ("fall" → "Fall")."""
    return sentence_case(str(labels.label(variable, as_code(code), lang)), lang)


def residual_codes(labels: Labels, variable: str) -> set[int]:
    """Codes of "other" and "don't know" for ``variable``, if the labels object knows them.

    The codebook has ``other_code`` and ``missing_codes``; a plain labels object without them
    just gets no special ordering.
    """
    codes: set[int] = set()
    other_code = getattr(labels, "other_code", None)
    missing_codes = getattr(labels, "missing_codes", None)
    try:
        if callable(other_code) and other_code(variable) is not None:
            codes.add(int(other_code(variable)))
        if callable(missing_codes):
            codes |= {int(c) for c in missing_codes(variable)}
    except KeyError:
        return set()
    return codes


def composition_order(
    rows: pd.DataFrame, labels: Labels, variable: str, *, rank_residual: bool = False
) -> pd.DataFrame:
    """Largest share first, with "other" and "unknown" last whatever their size (unless
    ``rank_residual``, config ``report.rank_residual_causes``; table T7 ranks by the same rule),
    and suppressed cells after them: they are not ranked (their place would reveal what
    suppression hides).

    Ranking (顺位) is about named causes; a residual category at the top of a ranking would say
    nothing about what to prevent.
    """
    residual = set() if rank_residual else residual_codes(labels, variable)
    hidden = (
        rows["flag"].fillna("").astype(str).str.split(";").map(lambda f: FLAG_SUPPRESSED in f)
        if "flag" in rows.columns
        else pd.Series(False, index=rows.index)
    )
    return (
        rows.assign(
            _hidden=hidden.to_numpy(dtype=bool),
            _residual=[as_code(c) in residual for c in rows["level"]],
            _share=rows["estimate"].where(~hidden, -1.0).fillna(-1.0),
        )
        .sort_values(
            ["_hidden", "_residual", "_share"], ascending=[True, True, False], kind="stable"
        )
        .drop(columns=["_hidden", "_residual", "_share"])
    )


def sex_codes(table: pd.DataFrame, figure: str) -> pd.DataFrame:
    """Copy with ``sex`` as int 1/2 (estimates.csv holds its levels as text)."""
    out = table.copy()
    try:
        out["sex"] = [as_code(v) for v in out["sex"]]
    except ValueError as err:
        raise ValueError(f"{figure}: column 'sex': {err}") from None
    require_values(out, "sex", (1, 2), figure)
    return out


def format_percent_axis(axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))


def ci_half_widths(estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Error-bar extents ``[[below], [above]]``; a missing bound gives no whisker on that side."""
    below = np.where(np.isnan(lower), 0.0, estimate - lower)
    above = np.where(np.isnan(upper), 0.0, upper - estimate)
    return np.vstack([np.clip(below, 0, None), np.clip(above, 0, None)])


def has_ci(table: pd.DataFrame) -> bool:
    return {"ci_lower", "ci_upper"} <= set(table.columns)


def add_footnote(fig: Figure, lines: Sequence[str]) -> None:
    """Notes under the figure, left-aligned; constrained layout keeps room for them."""
    if lines:
        fig.supxlabel(
            "\n".join(lines),
            x=0.01,
            ha="left",
            fontsize=NOTE_FONT_PT,
            color="#333333",
            linespacing=1.5,
        )


def add_title(fig: Figure, text: str, show: bool) -> None:
    if show:
        fig.suptitle(text, x=0.01, ha="left")


def level_labels(labels: Labels, variable: str, codes: Iterable[object], lang: str) -> list[str]:
    """Wrapped codebook labels of ``codes`` (one tick label per bar)."""
    return [wrap_label(code_label(labels, variable, code, lang), lang) for code in codes]


def bar_rows_height_cm(
    tick_labels: Sequence[str], n_rows: int | None = None, min_row_cm: float = 0.0
) -> float:
    """Height of a horizontal-bar panel: enough per bar for its tallest (wrapped) label."""
    lines = max((label.count("\n") + 1 for label in tick_labels), default=1)
    row_cm = max(0.30 + 0.32 * lines, min_row_cm)
    return (n_rows if n_rows is not None else len(tick_labels)) * row_cm


def format_value(value: float, decimals: int = 1) -> str:
    return f"{value:.{decimals}f}"
