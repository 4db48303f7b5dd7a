"""Time each notebook's imports, as its kernel pays them, and which heavy libraries they load.

For every notebook in notebooks/, its import statements (all code cells) run in a fresh
interpreter that has already imported ``IPython.display`` (the kernel has, before the first cell).
Printed: the best wall and CPU seconds of ``--repeat`` runs, and the heavy third-party libraries
the imports loaded. A library a stage loads but does not use is a candidate for a lazy import
(inside the function that needs it). A library imported inside a function is not counted here: a
stage that calls it (the report tables' designs load svy and polars when the tables are built)
pays for it later, while it runs.

    .venv/bin/python benchmarks/bench_imports.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = [
    "pandas",
    "matplotlib",
    "scipy.stats",
    "scipy.special",
    "svy",
    "polars",
    "openpyxl",
    "jsonschema",
    "jinja2",
]

PROGRAM = """
import json, sys, time
import IPython.display
wall, cpu = time.perf_counter(), time.process_time()
exec(sys.stdin.read(), {})
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
heavy = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
print(json.dumps({"wall": wall, "cpu": cpu, "heavy": heavy}))
"""


def import_statements(notebook: Path) -> str:
    """The notebook's import statements, in order (the oracle of tests/unit/test_code_inputs.py)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "\n".join(
                "" if line.lstrip().startswith(("%", "!")) else line
                for line in "".join(cell["source"]).splitlines()
            )
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    lines.append(ast.unparse(node))
    return "\n".join(lines)


def measure(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, json.dumps(HEAVY)],
        input=code,
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook (best is shown)")
    args = parser.parse_args()
    print(f"{'notebook':<26} {'wall s':>7} {'cpu s':>6}  heavy libraries loaded")
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        code = import_statements(notebook)
        runs = [measure(code) for _ in range(args.repeat)]
        wall = min(run["wall"] for run in runs)
        cpu = min(run["cpu"] for run in runs)
        heavy = ", ".join(runs[0]["heavy"])
        print(f"{notebook.stem:<26} {wall:7.2f} {cpu:6.2f}  {heavy}", flush=True)


if __name__ == "__main__":
    main()
