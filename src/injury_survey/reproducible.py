"""Outputs that depend only on their content: the same tables give the same bytes.

Two runs on the same inputs should write identical files, so that a rerun shows no spurious
change and results can be compared by checksum. Most writers already are deterministic (CSV,
Parquet, figures, see :func:`injury_survey.figures.save_figure`); an .xlsx workbook is not: it is a
zip archive whose entries carry the time of writing, and its document properties
(``docProps/core.xml``) the creation and modification times.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

# The earliest date a zip entry can carry; it stands for "no date", as in reproducible builds.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CORE_DATES = re.compile(rb"<dcterms:(created|modified)\b[^>]*>[^<]*</dcterms:\1>")


def reproducible_xlsx(path: str | Path) -> None:
    """Rewrite the workbook at ``path`` without write times: zip entries dated 1980-01-01, and
    the created/modified properties (optional in the format) left out. Cells are untouched."""
    path = Path(path)
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = CORE_DATES.sub(b"", data)
            stamped = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            stamped.compress_type = info.compress_type
            stamped.external_attr = info.external_attr
            archive.writestr(stamped, data)
