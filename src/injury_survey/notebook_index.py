"""Write ``results/index.html``: the rendered notebooks in pipeline order, one line each.

Each entry takes its title and one-line summary from the executed notebook itself (the first
markdown cell: a ``# heading`` and the paragraph after it), so the index never drifts from the
notebooks. Usage (from the Snakefile)::

    python -m injury_survey.notebook_index --title "..." --out results/index.html results/notebooks/*.html
"""

from __future__ import annotations

import argparse
import html
import json
import os
from pathlib import Path


def notebook_summary(ipynb: Path) -> tuple[str, str]:
    """Title and first paragraph of the notebook's first markdown cell."""
    cells = json.loads(ipynb.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"]).strip()
        lines = text.splitlines()
        title = lines[0].lstrip("#").strip() if lines else ipynb.stem
        paragraph = []
        for line in lines[1:]:
            if not line.strip():
                if paragraph:
                    break
                continue
            paragraph.append(line.strip())
        return title, _plain_text(" ".join(paragraph))
    return ipynb.stem, ""


def _plain_text(markdown: str) -> str:
    """The summary without Markdown emphasis and code marks."""
    return markdown.replace("**", "").replace("`", "")


def render_index(title: str, html_files: list[Path], out: Path) -> str:
    rows = []
    for page in sorted(html_files, key=lambda p: p.name):
        heading, summary = notebook_summary(page.with_suffix(".ipynb"))
        href = os.path.relpath(page, out.parent)
        rows.append(
            f'<tr><td><a href="{html.escape(href)}">{html.escape(page.stem)}</a></td>'
            f"<td><strong>{html.escape(heading)}</strong><br>{html.escape(summary)}</td></tr>"
        )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans SC", "Microsoft YaHei", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td {{ border-top: 1px solid #ddd; padding: .6rem .5rem; vertical-align: top; }}
td:first-child {{ white-space: nowrap; font-family: monospace; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Executed notebooks of the pipeline, in order. 流程各步骤的已执行笔记本（按顺序）。</p>
<table>
{chr(10).join(rows)}
</table>
</body></html>
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("html_files", nargs="+", type=Path)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_index(args.title, args.html_files, args.out), encoding="utf-8")


if __name__ == "__main__":
    main()
