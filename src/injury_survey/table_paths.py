"""Where a table of the config lives: "book.xlsx#Sheet" names a sheet of book.xlsx.

Kept free of pandas: the Snakefile imports it to list each rule's input files, and every
Snakemake start (a no-op rerun too) pays for what it imports.
"""

from __future__ import annotations

from pathlib import Path


def table_file(path: str | Path) -> str:
    """The file of a table path as written in the config: "book.xlsx#Sheet" is in book.xlsx."""
    return split_sheet(str(path))[0]


def split_sheet(path: str) -> tuple[str, str | None]:
    """Split a sheet name off an xlsx path: book.xlsx#Persons → (book.xlsx, Persons)."""
    head, sep, sheet = path.rpartition("#")
    if sep and head.lower().endswith((".xlsx", ".xlsm")):
        return head, sheet
    return path, None
