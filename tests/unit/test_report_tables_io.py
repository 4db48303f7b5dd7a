"""Tables written by one notebook are read back whole by the next (CSV + tables.yaml)."""

import pandas as pd

from injury_survey.codebook import load_codebook
from injury_survey.report_tables import Table, formatted_table, read_tables, write_tables


def hand_table() -> Table:
    data = pd.DataFrame(
        {
            "sex": [1, 2],
            "sex_zh": ["男", "女"],
            "sex_en": ["Male", "Female"],
            "indicator": ["incidence", "incidence"],
            "unit": ["proportion", "proportion"],
            "estimate": [0.052, 0.036],
            "se": [0.005, 0.004],
            "ci_lower": [0.043, 0.029],
            "ci_upper": [0.063, 0.045],
            "n": [2815, 2881],
            "n_cases": [147, 3],
            "flag": ["", "unstable"],
            "suppressed": [False, True],
        }
    )
    return Table("T3", "按性别的发生率", "Incidence by sex", data, "注。", "Notes.", ("sex",))


def test_write_then_read_keeps_data_and_metadata(tmp_path):
    written = write_tables({"T3": hand_table()}, tmp_path, codebook=load_codebook())
    assert written["workbook"].exists() and written["index"].exists()
    again = read_tables(tmp_path)["T3"]
    assert (again.title_zh, again.title_en, again.row_keys) == (
        "按性别的发生率",
        "Incidence by sex",
        ("sex",),
    )
    pd.testing.assert_series_equal(again.data["estimate"], hand_table().data["estimate"])


def test_formatted_layout_shows_percent_ci_and_suppression():
    layout = formatted_table(hand_table(), load_codebook())
    assert len(layout) == 2
    first = layout.iloc[0].tolist()
    # 0.052 → "5.2 (4.3–6.3)" (percent, one decimal), n_cases 147 shown (hand).
    assert "5.2 (4.3–6.3)" in first and 147 in first
    assert "—" in layout.iloc[1].tolist()  # 3 cases < 5: suppressed
