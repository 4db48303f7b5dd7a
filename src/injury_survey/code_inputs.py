"""The package files a notebook or module depends on, derived from its imports.

Every notebook rule of the Snakefile lists these files as inputs, so editing a module reruns
exactly the stages whose code imports it, directly or through other modules. The list is computed
from the source, never kept by hand: the imports of the notebook's code cells, then their closure
inside the package (import statements read from the source; nothing is executed), with each
imported package's ``__init__.py`` and the package data files (YAML, CSV, templates) a module
names. Snakemake computes this on every run, so it is a text scan cached per file.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

PACKAGE = "injury_survey"
PACKAGE_DIR = Path(__file__).resolve().parent


def notebook_code(notebook: str | Path) -> list[str]:
    """Absolute paths of the package files ``notebook`` needs, sorted."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    source = "\n".join(
        _python_lines("".join(cell["source"])) for cell in cells if cell["cell_type"] == "code"
    )
    return _closure(_imported_modules(source, package=None))


def module_code(*modules: str) -> list[str]:
    """Absolute paths of the package files the named modules (``"injury_survey.x"``) need."""
    return _closure(set(modules))


def _python_lines(cell: str) -> str:
    """A code cell without IPython's magics and shell escapes, which are not Python."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines()
    )


def _closure(modules: set[str]) -> list[str]:
    files: set[Path] = set()
    todo = [m for m in modules if m == PACKAGE or m.startswith(PACKAGE + ".")]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:  # "from injury_survey.x import f": f is a function, not a module
            continue
        # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
        parents = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
        todo += parents
        files.add(path)
        files.update(_data_files(path))
        todo += _module_imports(path)
    return sorted(str(f) for f in files)


def _module_file(name: str) -> Path | None:
    return _package_modules().get(name)


@functools.cache
def _package_modules() -> dict[str, Path]:
    """Module name -> source file, for every module of the package."""
    modules = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = path.relative_to(PACKAGE_DIR).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([PACKAGE, *parts])] = path
    return modules


@functools.cache
def _module_imports(path: Path) -> list[str]:
    package = _package_of(path)
    return sorted(_imported_modules(path.read_text(encoding="utf-8"), package))


def _package_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE_DIR).with_suffix("")
    parts = [PACKAGE, *relative.parts]
    # The package of a/b.py is a; of a/__init__.py it is a itself.
    return ".".join(parts[:-1])


# Import statements, found with regular expressions: parsing every module with ast costs about
# a second, on every Snakemake run. A "from m import (a, b)" may span lines.
FROM_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M
)
PLAIN_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]*)", re.M)


def _imported_modules(source: str, package: str | None) -> set[str]:
    """Every module an ``import`` or ``from … import`` in ``source`` may load: the module itself
    and, for ``from m import x``, also ``m.x`` (x may be a submodule)."""
    found: set[str] = set()
    for names in PLAIN_IMPORT.findall(source):
        found.update(_names(names))
    for base, names in FROM_IMPORT.findall(source):
        level = len(base) - len(base.lstrip("."))
        if level:
            if package is None:
                continue
            anchor = package.split(".")[: package.count(".") + 2 - level]
            base = ".".join([*anchor, base.lstrip(".")]).rstrip(".")
        found.add(base)
        found.update(f"{base}.{name}" for name in _names(names))
    return found


def _names(clause: str) -> list[str]:
    """``a as b, c`` or ``(a, b)`` -> [a, c]."""
    parts = clause.strip().strip("()").replace("\n", " ").split(",")
    return [part.split()[0] for part in parts if part.strip()]


@functools.cache
def _package_data() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    )


@functools.cache
def _data_files(module: Path) -> list[Path]:
    """Package data files a module reads: those under the module's folder whose file name its
    source mentions (``words.yaml``, ``data/codebook.yaml``, ``templates/report.css``)."""
    source = module.read_text(encoding="utf-8")
    folder = module.parent
    return [p for p in _package_data() if p.is_relative_to(folder) and p.name in source]
