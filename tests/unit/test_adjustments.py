"""The adjustments record: written per stage, read back across waves, one line per adjustment."""

import warnings

import pytest

from injury_survey.adjustments import (
    Adjustment,
    AdjustmentWarning,
    read_adjustments,
    write_adjustments,
)


def _collapsed(wave: str) -> Adjustment:
    return Adjustment(
        wave=wave,
        stage="04",
        kind="nonresponse_class_collapsed",
        where="PSU S1-003",
        setting="weights.min_class_respondents = 5",
        detail_en="PSU S1-003 had 0 responding households; its class was pooled with stratum S1.",
        detail_zh="S1-003号村居无应答户，其调整类并入S1层。",
    )


def test_written_adjustments_are_read_back_across_waves_and_warned(tmp_path):
    with pytest.warns(AdjustmentWarning, match="S1-003"):
        write_adjustments([_collapsed("baseline")], tmp_path / "baseline/adjustments/04.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_adjustments([], tmp_path / "followup/adjustments/04.csv")  # none: no warning
    table = read_adjustments(tmp_path)
    assert table["wave"].tolist() == ["baseline"]
    assert table.loc[0, "setting"] == "weights.min_class_respondents = 5"
    assert (tmp_path / "followup/adjustments/04.csv").read_text().startswith("wave,stage,kind")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown adjustment kind"):
        Adjustment("baseline", "05", "something_else", "", "", "", "")


def test_a_file_without_a_column_is_named_not_read_as_blank(tmp_path):
    folder = tmp_path / "baseline" / "adjustments"
    folder.mkdir(parents=True)
    (folder / "04.csv").write_text("wave,stage,kind,where\nbaseline,04,lonely_psu,S1\n")
    with pytest.raises(ValueError, match=r"04\.csv.*setting, detail_en, detail_zh"):
        read_adjustments(tmp_path)
