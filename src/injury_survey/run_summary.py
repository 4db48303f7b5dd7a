"""The console summary at the end of a pipeline run: the adjustments the data forced.

``python -m injury_survey.run_summary RESULTS_DIR`` prints what
:func:`injury_survey.adjustments.read_adjustments` finds under ``RESULTS_DIR``, counted by kind and
then one line each, so what changed the published numbers is seen without opening a notebook.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from injury_survey.adjustments import KINDS, adjustment_rows, format_adjustment

# Longer lists are cut here; the full list is in the adjustments files and the report.
MAX_LINES = 20


def adjustments_summary(results_dir: str | Path) -> list[str]:
    """Lines for the console: a count per kind, then the adjustments (at most :data:`MAX_LINES`)."""
    rows = adjustment_rows(results_dir)  # plain rows: no pandas import on every run
    if not rows:
        return ["Adjustments the data forced: none recorded."]
    counts = Counter(row["kind"] for row in rows)  # in order of first appearance
    lines = [
        f"Adjustments the data forced: {len(rows)} "
        f"(details in {Path(results_dir).as_posix()}/<wave>/adjustments/ and in the report)",
        *(f"  {count:>4} × {KINDS.get(kind, kind)}" for kind, count in counts.items()),
    ]
    lines += [f"  - {format_adjustment(row)}" for row in rows[:MAX_LINES]]
    if len(rows) > MAX_LINES:
        lines.append(f"  … and {len(rows) - MAX_LINES} more")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m injury_survey.run_summary RESULTS_DIR", file=sys.stderr)
        return 2
    print("\n".join(adjustments_summary(args[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
