"""Adjustments the data forced on the analysis, recorded where a reader sees them.

A weighting class pooled because too few households responded, a calibration cell merged with its
neighbour, a lonely-PSU rule applied, rows set aside by cleaning: each changes the published numbers
a little, so none may pass in silence. Every stage that makes such an adjustment writes it to
``results/<wave>/adjustments/<stage>.csv`` (``results/pilot/adjustments/<stage>.csv`` for the
pilot). The console summary at the end of a run, the QC notebooks and the report's methods section
all read them back with :func:`read_adjustments`, so the three always agree.

One row is one adjustment: which wave and stage made it, its kind, where it applies (a stratum, a
cell, a table), the setting that governs it with its value, and a sentence in English and Chinese.
"""

from __future__ import annotations

import csv
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# pandas is imported by the functions that build tables: the end-of-run summary (run_summary)
# reads the records without it, on every run, finished or with nothing to do.
if TYPE_CHECKING:
    import pandas as pd

ADJUSTMENT_COLUMNS = ["wave", "stage", "kind", "where", "setting", "detail_en", "detail_zh"]

# The kinds of adjustment, with a short label for summaries. New kinds are added here.
KINDS = {
    "rows_set_aside": "rows set aside by cleaning",
    "nonresponse_class_collapsed": "non-response class collapsed",
    "person_class_collapsed": "person-level non-response class collapsed",
    "calibration_cell_collapsed": "calibration cell collapsed",
    "census_cells_collapsed": "census cells collapsed",
    "weights_trimmed": "weights trimmed",
    "lonely_psu": "lonely-PSU rule applied",
    "item_nonresponse": "item non-response set aside",
    "standardization_groups_merged": "empty age groups merged for standardisation",
    "answers_recoded": "answers recoded by a consistency rule",
}


class AdjustmentWarning(UserWarning):
    """Shown in the executed notebook for every adjustment a stage records."""


@dataclass(frozen=True)
class Adjustment:
    wave: str
    stage: str
    kind: str
    where: str
    setting: str
    detail_en: str
    detail_zh: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown adjustment kind {self.kind!r}; known: {sorted(KINDS)}")


def adjustments_frame(items: list[Adjustment]) -> pd.DataFrame:
    """The adjustments as a table with :data:`ADJUSTMENT_COLUMNS` (empty table for none)."""
    import pandas as pd

    if not items:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ADJUSTMENT_COLUMNS})
    return pd.DataFrame([asdict(item) for item in items], columns=ADJUSTMENT_COLUMNS)


def write_adjustments(items: list[Adjustment], path: str | Path, *, warn: bool = True) -> None:
    """Write a stage's adjustments (the file exists, with its header, even when there are none)
    and, unless ``warn`` is false, raise an :class:`AdjustmentWarning` for each so the executed
    notebook shows it where it happened."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    adjustments_frame(items).to_csv(out, index=False, encoding="utf-8")
    if warn:
        for item in items:
            warnings.warn(format_adjustment(asdict(item)), AdjustmentWarning, stacklevel=2)


def read_adjustments(results_dir: str | Path) -> pd.DataFrame:
    """Every adjustment recorded under ``results_dir`` (all waves and stages), in a stable order."""
    import pandas as pd

    rows = adjustment_rows(results_dir)
    if not rows:
        return adjustments_frame([])
    return pd.DataFrame(rows, columns=ADJUSTMENT_COLUMNS)


def adjustment_rows(results_dir: str | Path) -> list[dict[str, str]]:
    """The records :func:`read_adjustments` returns, as plain rows of text."""
    rows = []
    for path in sorted(Path(results_dir).glob("*/adjustments/*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ADJUSTMENT_COLUMNS if c not in (reader.fieldnames or [])]
            records = [{c: row[c] for c in ADJUSTMENT_COLUMNS} for row in reader if not missing]
        if missing and reader.fieldnames:
            raise ValueError(
                f"{path}: adjustments file without column(s) {', '.join(missing)}; "
                f"expected {', '.join(ADJUSTMENT_COLUMNS)}. Rerun the stage that wrote it. / "
                f"{path}：调整记录文件缺少列 {', '.join(missing)}，请重新运行生成它的步骤。"
            )
        rows += records
    return rows


def format_adjustment(row: pd.Series | dict, language: str = "en") -> str:
    """One line for a reader: wave and stage, what was adjusted where, and the governing setting."""
    if language == "zh":
        setting = f"（{row['setting']}）" if row["setting"] else ""
        return f"{row['wave']} · {row['stage']}：{row['detail_zh']}{setting}"
    setting = f" [{row['setting']}]" if row["setting"] else ""
    return f"{row['wave']} · {row['stage']}: {row['detail_en']}{setting}"
