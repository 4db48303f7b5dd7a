"""The report's figures (numbered, with their captions) and key tables, and the list of
inputs that were not found."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from injury_survey.report_document.inputs import FigureFile
from injury_survey.report_document.tables import HtmlTable, html_table
from injury_survey.report_document.text import (
    Bilingual,
    per_language,
)
from injury_survey.report_tables.workbook import SUPPRESSED_MARK, UNSTABLE_MARK

# The key tables (docs/methods.md §6.5), in report order.
KEY_TABLES = ("T1", "T3", "T4", "T6", "T7", "T9", "T14", "T22")


class FiguresAndTables:
    """Figures (section 3), key tables (section 4) and what was not found; a part of the
    document's context (:mod:`.document`)."""

    def figure_group(self, figures: Sequence[FigureFile]) -> dict[str, Any] | None:
        """One numbered figure: its image in each language and its captions."""
        if not figures:
            return None
        self.figure_number += 1
        number_text = self.w("labels.figure", number=self.figure_number)
        images = [
            {"lang": f.lang, "src": _data_uri(f.png), "alt": f.caption.split("。")[0][:200]}
            for f in figures
        ]
        captions = {f.lang: f.caption for f in figures}
        return {
            "id": f"figure-{figures[0].stem}",
            "number": number_text,
            "images": images,
            "caption": {lang: captions.get(lang, "") for lang in ("zh", "en")},
        }

    def figures(self) -> list[dict[str, Any]]:
        by_stem: dict[str, list[FigureFile]] = {}
        for figure in self.inputs.figures:
            by_stem.setdefault(figure.stem, []).append(figure)
        return [self.figure_group(group) for group in by_stem.values()]

    def tables(self) -> list[dict[str, Any]]:
        blocks = []
        compact_note = self.w("sentences.wide_table_note")
        zero_items_note = self.w("sentences.zero_items_note")
        for wave in self.inputs.waves:
            rendered: list[HtmlTable] = []
            for table_id in KEY_TABLES:
                table = wave.tables.get(table_id)
                if table is None or table.data.empty:
                    continue
                rendered.append(
                    html_table(
                        table,
                        words=self.table_words,
                        standard_name=self.standard_name,
                        compact_note=compact_note,
                        zero_items_note=zero_items_note if table_id == "T22" else None,
                    )
                )
            items = []
            for table in rendered:
                self.table_number += 1
                items.append(
                    {
                        "table": table,
                        "number": self.w("labels.table", number=self.table_number),
                        "legend": _legend(table),
                    }
                )
            if items:
                blocks.append({"wave": self.wave_name(wave.wave), "entries": items})
        return blocks

    def missing(self) -> list[Bilingual]:
        notes = []
        for what, path in self.inputs.missing:
            if what.startswith("missing_"):
                label = self.w(f"sentences.{what}")
            else:
                label = self.w("sentences.missing_table", id=what)
            notes.append(
                per_language(
                    lambda lang, label=label, path=path: self.w(
                        "sentences.missing_input", what=label[lang], path=path
                    )[lang]
                )
            )
        return notes


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _legend(table: HtmlTable) -> dict[str, bool]:
    """Which marks occur in the table (their meaning is in the notes / reporting rules)."""
    cells = [cell["zh"] for row in table.rows for cell in row]
    return {
        "suppressed": any(cell == SUPPRESSED_MARK for cell in cells),
        "unstable": any(cell.endswith(f" {UNSTABLE_MARK}") for cell in cells),
    }
