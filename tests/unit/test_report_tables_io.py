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


def test_public_csvs_blank_every_suppressed_cell(tmp_path):
    # Hand-made table: one primary and one complementary suppressed row; the public CSV keeps
    # their keys and labels but none of their numbers, the internal CSV keeps everything.
    from injury_survey.report_tables.workbook import PUBLIC_DIR, public_data

    data = pd.DataFrame(
        {
            "level": [1, 2, 3],
            "level_zh": ["甲", "乙", "丙"],
            "level_en": ["a", "b", "c"],
            "indicator": "share",
            "unit": "proportion",
            "estimate": [0.8, 0.05, 0.15],
            "ci_lower": [0.7, 0.01, 0.1],
            "n": [40, 40, 40],
            "n_cases": [32, 2, 6],
            "flag": ["", "suppressed", "suppressed"],
            "suppressed": [False, True, True],
        }
    )
    table = Table("T8", "意图", "Intent", data, "注。", "Note.", ("level",), ("indicator",))
    public = public_data(table)
    assert public.loc[1:, ["estimate", "ci_lower", "n_cases"]].isna().all().all()
    assert public.loc[0, "estimate"] == 0.8 and public.loc[2, "level_en"] == "c"
    assert public["n"].tolist() == [40, 40, 40]
    paths = write_tables({"T8": table}, tmp_path, codebook=load_codebook(), workbook_name=None)
    published = pd.read_csv(tmp_path / PUBLIC_DIR / paths["T8"].name, encoding="utf-8-sig")
    internal = pd.read_csv(paths["T8"], encoding="utf-8-sig")
    assert published["estimate"].isna().tolist() == [False, True, True]
    assert internal["estimate"].notna().all()
