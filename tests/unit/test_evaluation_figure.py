"""F9, the evaluation's forest plot: ratios on a log axis, the configured confidence level."""

from __future__ import annotations

import pandas as pd
import pytest

from injury_survey.figures.evaluation_charts import evaluation_forest

TABLE = pd.DataFrame(
    {
        "label": ["Falls at 65+", "Falls at 65+", "Falls at 65+", "Burns 0-14"],
        "series": ["intervention", "comparison", "ratio_of_ratios", "intervention"],
        "estimate": [0.76, 0.95, 0.80, 0.5],
        "ci_lower": [0.61, 0.80, 0.62, 0.2],
        "ci_upper": [0.95, 1.13, 1.03, 1.25],
    }
)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forest_plot_draws_ratios_on_a_log_axis_at_the_configured_level(lang):
    fig = evaluation_forest(
        TABLE,
        lang=lang,
        area_names={"intervention": "Town", "comparison": "Other"},
        confidence=0.90,
    )
    ratios, between = fig.axes[:2]
    assert ratios.get_xscale() == "log"
    assert "90" in ratios.get_title(loc="left") and "95" not in ratios.get_title(loc="left")
    assert "90" in between.get_title(loc="left")
    # one row per label, drawn top to bottom in the table's order
    assert [t.get_text() for t in ratios.get_yticklabels()] == ["Falls at 65+", "Burns 0-14"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:2] == ["Town", "Other"]


def test_without_a_comparison_area_there_is_one_panel():
    fig = evaluation_forest(
        TABLE[TABLE["series"] == "intervention"],
        lang="en",
        area_names={"intervention": "Town", "comparison": "Other"},
        confidence=0.95,
    )
    assert len(fig.axes) == 1
