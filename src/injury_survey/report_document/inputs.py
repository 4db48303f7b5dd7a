"""Reading what the report document shows: every piece optional, every absence recorded.

The document is built from files the pipeline wrote (paths relative to the results folder):

- ``plan/plan.yaml`` — sample-size chain, allocation, minimum detectable change;
- ``<wave>/estimates.csv`` — the estimates contract (headline numbers, df, deff);
- ``<wave>/weights_diagnostics.csv`` — one row per weighting step (Kish weighting effect);
- ``<wave>/clean/accounting.csv`` and ``<wave>/clean/households.parquet`` — rows kept and set
  aside, response and the interview dates;
- ``<wave>/tables/`` — the report tables (tidy CSVs of :func:`injury_survey.report_tables.
  write_tables`, with their titles, notes and layout in ``tables.yaml``);
- ``figures/<stem>_<lang>.png`` with the caption ``<stem>_<lang>.txt``, and the plan's
  ``plan/plan_sensitivity_<lang>.png``.

A missing file is not an error: the section that needs it is left out and the document says so
(:attr:`ReportInputs.missing`). A file that exists but cannot be read is an error that names it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from injury_survey.report_tables.core import VALUE_COLUMNS, Table, Words
from injury_survey.report_tables.workbook import CSV_NAMES, TABLES_INDEX
from injury_survey.yaml_files import YAML_LOADER

PLAN_FIGURE_STEM = "plan_sensitivity"

# How each key table is laid out when its metadata file is absent (the Table objects of
# injury_survey.report_tables carry the same row and column keys).
FALLBACK_LAYOUT: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "T1": (("stratum_id",), ("indicator",)),
    "T3": (("sex",), ("indicator",)),
    "T4": (("age_group",), ("sex",)),
    "T6": (("level",), ("indicator",)),
    "T7": (("age_group", "rank", "level"), ("indicator",)),
    "T9": (("cause",), ("place",)),
    "T14": (("cause",), ("indicator", "care_level")),
    "T22": (("section", "item", "indicator"), ()),
}


class ReportDocumentError(ValueError):
    """An input of the report document exists but cannot be used; the message says which."""


@dataclass(frozen=True)
class FigureFile:
    """One figure file in one language with its caption."""

    stem: str
    lang: str
    png: Path
    caption: str


@dataclass
class WaveInputs:
    """What one survey wave contributes; None where the file is absent."""

    wave: str
    estimates: pd.DataFrame | None = None
    weights_diagnostics: pd.DataFrame | None = None
    accounting: pd.DataFrame | None = None
    households: pd.DataFrame | None = None
    tables: dict[str, Table] = field(default_factory=dict)


@dataclass
class ReportInputs:
    """Everything the document shows, and the list of what was looked for and not found.

    ``missing`` holds ``(what, path)`` pairs: ``what`` is a key of the document's words
    (``missing_estimates`` …) or a table id, ``path`` the file looked for.
    """

    results_dir: Path
    plan: dict[str, Any] | None
    waves: list[WaveInputs]
    figures: list[FigureFile]
    plan_figures: list[FigureFile]
    missing: list[tuple[str, str]] = field(default_factory=list)


def collect_inputs(
    results_dir: str | Path,
    config: Mapping[str, Any],
    *,
    codebook: Any,
    languages: Sequence[str],
    key_tables: Sequence[str],
    figures_dir: str | Path | None = None,
) -> ReportInputs:
    """Read every input that exists under ``results_dir`` (see the module docstring)."""
    results = Path(results_dir)
    missing: list[tuple[str, str]] = []
    plan_path = results / "plan" / "plan.yaml"
    plan = _read_yaml(plan_path) if plan_path.is_file() else None
    if plan is None:
        missing.append(("missing_plan", _shown(plan_path, results)))
    waves = []
    for wave in config["survey"]["waves"]:
        waves.append(_wave_inputs(results, wave, codebook, key_tables, missing))
    figure_folder = Path(figures_dir) if figures_dir is not None else results / "figures"
    figures = find_figures(figure_folder, languages)
    if not figures:
        missing.append(("missing_figures", _shown(figure_folder, results)))
    plan_figures = [
        figure
        for figure in find_figures(results / "plan", languages)
        if figure.stem == PLAN_FIGURE_STEM
    ]
    return ReportInputs(results, plan, waves, figures, plan_figures, missing)


def _wave_inputs(
    results: Path,
    wave: str,
    codebook: Any,
    key_tables: Sequence[str],
    missing: list[tuple[str, str]],
) -> WaveInputs:
    folder = results / wave
    found = WaveInputs(wave)
    readers = {
        "estimates": (folder / "estimates.csv", "missing_estimates", _read_csv),
        "weights_diagnostics": (
            folder / "weights_diagnostics.csv",
            "missing_weights",
            _read_csv,
        ),
        "accounting": (folder / "clean" / "accounting.csv", None, _read_csv),
        "households": (
            folder / "clean" / "households.parquet",
            "missing_households",
            _read_parquet,
        ),
    }
    for attribute, (path, what, reader) in readers.items():
        if path.is_file():
            setattr(found, attribute, reader(path))
        elif what is not None:
            missing.append((what, _shown(path, results)))
    tables_dir = folder / "tables"
    if not tables_dir.is_dir():
        missing.append(("missing_tables", _shown(tables_dir, results)))
        return found
    found.tables = load_report_tables(tables_dir, codebook, key_tables)
    for table_id in key_tables:
        if table_id not in found.tables:
            name = CSV_NAMES.get(table_id, table_id)
            missing.append((table_id, _shown(tables_dir / f"{name}.csv", results)))
    return found


def _shown(path: Path, results: Path) -> str:
    """A path as the reader knows it: ``results/…`` when under the results folder."""
    try:
        return str(Path(results.name) / path.relative_to(results))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------ tables


def load_report_tables(
    tables_dir: str | Path, codebook: Any, table_ids: Sequence[str]
) -> dict[str, Table]:
    """The report tables ``table_ids`` found in ``tables_dir``, as :class:`Table` objects.

    With the index ``tables.yaml`` that :func:`injury_survey.report_tables.write_tables` writes,
    titles, notes and layout are the tables' own; without it the titles come from the report
    tables' words, the layout from :data:`FALLBACK_LAYOUT` and the notes are empty (the
    document's methods state the case definition, recall window, standard population and flag
    rules for every table).
    """
    folder = Path(tables_dir)
    # The pipeline writes one group of tables per notebook (tables/profile, tables/burden, …),
    # each with its own index; a flat folder of CSVs is read too.
    metadata: dict[str, dict[str, Any]] = {}
    for index_path in sorted(folder.rglob(TABLES_INDEX)):
        entries = _read_yaml(index_path) or []
        if not isinstance(entries, list):
            raise ReportDocumentError(
                f"{index_path}: expected a list of tables (as report_tables.write_tables "
                "writes it); rerun the report-tables step."
            )
        metadata |= {entry["id"]: {**entry, "folder": index_path.parent} for entry in entries}
    words = Words(codebook)
    tables: dict[str, Table] = {}
    for table_id in table_ids:
        entry = metadata.get(table_id)
        if entry:
            path = entry["folder"] / entry["csv"]
        else:
            path = folder / f"{CSV_NAMES.get(table_id, table_id)}.csv"
        if not path.is_file():
            continue
        data = _read_csv(path)
        if entry:
            tables[table_id] = Table(
                id=table_id,
                title_zh=entry["title_zh"],
                title_en=entry["title_en"],
                data=data,
                notes_zh=entry.get("notes_zh", ""),
                notes_en=entry.get("notes_en", ""),
                row_keys=tuple(entry.get("row_keys", ())),
                column_keys=tuple(entry.get("column_keys", ())),
            )
            continue
        try:
            title_zh, title_en = words.both("titles", table_id)
        except KeyError:
            title_zh = title_en = table_id
        row_keys, column_keys = FALLBACK_LAYOUT.get(table_id, _guess_layout(data))
        tables[table_id] = Table(
            id=table_id,
            title_zh=title_zh,
            title_en=title_en,
            data=data,
            notes_zh="",
            notes_en="",
            row_keys=row_keys,
            column_keys=column_keys,
        )
    return tables


# Columns that hold values, not keys (everything else is a key of the table's rows).
_VALUE_COLUMNS = {*VALUE_COLUMNS, "indicator", "unit", "method", "p_value", "weighted_episodes"}


def _guess_layout(data: pd.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rows by every key column (not values, not label columns), indicators across."""
    keys = [
        column
        for column in data.columns
        if column not in _VALUE_COLUMNS and not column.endswith(("_zh", "_en"))
    ]
    return tuple(keys), ("indicator",) if "indicator" in data.columns else ()


# ------------------------------------------------------------------------------ figures


def find_figures(folder: str | Path, languages: Sequence[str]) -> list[FigureFile]:
    """Figures ``<stem>_<lang>.png`` in ``folder`` for ``languages``, ordered by stem.

    The caption is the ``.txt`` beside the PNG (written by
    :func:`injury_survey.figures.save_figure`); a PNG without one gets an empty caption.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for lang in languages:
        for png in sorted(folder.glob(f"*_{lang}.png")):
            stem = png.name[: -len(f"_{lang}.png")]
            caption_path = png.with_suffix(".txt")
            caption = (
                caption_path.read_text(encoding="utf-8").strip() if caption_path.is_file() else ""
            )
            found.append(FigureFile(stem, lang, png, caption))
    return sorted(found, key=lambda f: (f.stem, languages.index(f.lang)))


# ------------------------------------------------------------------------------ readers


def _read_csv(path: Path) -> pd.DataFrame:
    """A results CSV with keys as text (codes such as "1" or "S1" compare as written)."""
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype={"level": str, "by": str})
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise ReportDocumentError(
            f"{path}: cannot read this results table ({err}). Rerun the pipeline step that "
            "writes it."
        ) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise ReportDocumentError(
            f"{path}: cannot read this results table ({err}). Rerun the cleaning step."
        ) from None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except (OSError, yaml.YAMLError) as err:
        raise ReportDocumentError(f"{path}: cannot read this YAML file ({err}).") from None
