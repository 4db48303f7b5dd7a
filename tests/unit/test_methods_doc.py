"""docs/methods.md is the methods chapter code and notebooks cite by section number."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
CITING = ("src", "notebooks", "workflow")


def _headings() -> set[str]:
    text = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#+ (\d+(?:\.\d+)*)\.? ", text, flags=re.MULTILINE))


def _cited() -> dict[str, list[str]]:
    cited: dict[str, list[str]] = {}
    for folder in CITING:
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or path.suffix not in {".py", ".ipynb", ".yaml", ".smk", ".rst"}:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for number in re.findall(r"§ ?(\d+(?:\.\d+)*)", text):
                cited.setdefault(number.rstrip("."), []).append(str(path.relative_to(ROOT)))
    return cited


def test_every_cited_section_is_a_heading_of_methods():
    headings = _headings()
    missing = {n: files[:3] for n, files in _cited().items() if n not in headings}
    assert not missing, f"sections cited but not headed in docs/methods.md: {missing}"


def test_methods_numbering_is_in_order():
    text = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")
    numbers = re.findall(r"^#+ (\d+(?:\.\d+)*)\.? ", text, flags=re.MULTILINE)
    keys = [tuple(int(part) for part in n.split(".")) for n in numbers]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
