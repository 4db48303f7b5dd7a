"""svy stays behind one adapter, the survey_design package (docs/methods.md §6.2): a change of
survey library then touches its files only."""

import ast
from pathlib import Path

import pandas as pd
import pytest

from injury_survey.survey_design import SurveyDesign, SurveyDesignError

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


def test_svy_is_asked_for_one_variable_per_call():
    """svy 0.35's list form (``mean(["y", "x"])``) leaves the calibration record out of its
    kernels, so a calibrated design's SEs would silently lose the credit: the adapter refuses it."""
    frame = pd.DataFrame(
        {
            "stratum_id": ["a"] * 4 + ["b"] * 4,
            "psu_id": [1, 1, 2, 2, 3, 3, 4, 4],
            "weight": [10.0] * 8,
            "y": [0, 1] * 4,
            "x": [1, 0] * 4,
        }
    )
    design = SurveyDesign(frame)
    assert design.mean("y")["estimate"].iloc[0] == 0.5
    with pytest.raises(SurveyDesignError, match="one variable per call"):
        design._estimate("mean", ["y", "x"])
