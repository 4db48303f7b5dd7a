"""svy stays behind one adapter, the survey_design package (docs/methods.md §6.2): a change of
survey library then touches its files only."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "src" / "injury_survey"


def _imports_svy(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "svy" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "svy":
            return True
    return False


def test_only_the_adapter_imports_svy():
    importing = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if _imports_svy(path)
    )
    assert importing and all(path.startswith("survey_design/") for path in importing), importing


def test_the_names_callers_import_from_the_adapter_still_import():
    """The R-golden tests and callers written before the split import these from here."""
    from injury_survey import survey_design

    for name in (
        "CalibrationSpec",
        "LonelyPsuError",
        "SurveyDesign",
        "SurveyDesignError",
        "calibrate_weights",
        "t_quantile",
        "trim_weights",
    ):
        assert name in survey_design.__all__ and hasattr(survey_design, name), name
