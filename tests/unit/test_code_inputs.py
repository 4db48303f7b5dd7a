"""The code inputs of each notebook rule are the package files the notebook really loads.

The oracle is Python itself: the notebook's import statements are executed in a fresh
interpreter, then every import statement of each package module so loaded, also those inside
functions (modules import a heavy dependency where it is used, and a function's import runs when
the stage calls it), until no new module appears; the ``injury_survey`` modules that end up in
``sys.modules`` are listed.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from injury_survey.code_inputs import module_code, notebook_code

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

# Run in a fresh interpreter: for each notebook (argv), execute its import statements, then those
# of every package module loaded (at any depth in the module, as the stage may call the function),
# to a fixed point, and print the files of the injury_survey modules loaded; forget them for the
# next notebook.
LOADED_MODULES = """
import ast, json, sys

def ours(name):
    return name == "injury_survey" or name.startswith("injury_survey.")

def run_every_import(module):
    with open(module.__file__, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    scope = {"__name__": module.__name__, "__package__": module.__package__}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            exec(ast.unparse(node), dict(scope))

found = {}
for name, code in json.loads(sys.stdin.read()).items():
    exec(code, {})
    done = set()
    while todo := [m for m in list(sys.modules) if ours(m) and m not in done]:
        for m in todo:
            done.add(m)
            run_every_import(sys.modules[m])
    loaded = [m for m in list(sys.modules) if ours(m)]
    found[name] = sorted(sys.modules[m].__file__ for m in loaded)
    for m in loaded:
        del sys.modules[m]
print(json.dumps(found))
"""


def import_statements(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    lines.append(ast.unparse(node))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def loaded_by_python():
    programs = {nb.stem: import_statements(nb) for nb in NOTEBOOKS}
    programs["run_notebook"] = "import injury_survey.run_notebook"
    result = subprocess.run(
        [sys.executable, "-c", LOADED_MODULES],
        input=json.dumps(programs),
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return {
        name: {str(Path(f).resolve()) for f in files}
        for name, files in json.loads(result.stdout).items()
    }


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_code_is_what_python_loads(notebook, loaded_by_python):
    declared = {f for f in notebook_code(notebook) if f.endswith(".py")}
    assert declared == loaded_by_python[notebook.stem]


def test_runner_code_is_what_python_loads(loaded_by_python):
    declared = {f for f in module_code("injury_survey.run_notebook") if f.endswith(".py")}
    assert declared == loaded_by_python["run_notebook"]


def test_package_data_files_go_with_the_modules_that_read_them():
    def names(notebook):
        package = REPO / "src" / "injury_survey"
        return {
            str(Path(f).relative_to(package)) for f in notebook_code(REPO / "notebooks" / notebook)
        }

    report = names("10_final_report.ipynb")
    assert {
        "report_document/templates/report.css",
        "report_document/templates/report.html.j2",
        "report_document/words.yaml",
        "report_tables/words.yaml",
        "data/codebook.yaml",
    } <= report
    survey = names("03_clean_survey.ipynb")
    assert {"data/tables.yaml", "data/codebook.yaml"} <= survey
    assert not any(name.startswith(("report_document", "report_tables")) for name in survey)
    assert "data/standard_populations.csv" in names("05_estimate_indicators.ipynb")
