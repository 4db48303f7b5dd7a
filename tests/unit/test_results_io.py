"""Files one stage hands to the next: no file of an earlier run is read as this run's."""

import pandas as pd

from injury_survey.cleaning import CleanResult
from injury_survey.results import read_clean, write_clean


def clean_result(with_deaths: bool) -> CleanResult:
    tables = {
        name: pd.DataFrame({"hh_id": ["H1"]}) for name in ("households", "persons", "episodes")
    }
    if with_deaths:
        tables["deaths"] = pd.DataFrame({"hh_id": ["H1"]})
    return CleanResult(
        tables=tables,
        rejected={},
        issues=pd.DataFrame(),
        summary=pd.DataFrame(),
        accounting=pd.DataFrame(),
    )


def test_a_deaths_table_of_an_earlier_run_is_removed_when_this_run_has_none(tmp_path):
    write_clean(clean_result(with_deaths=True), tmp_path)
    assert "deaths" in read_clean(tmp_path)
    write_clean(clean_result(with_deaths=False), tmp_path)
    assert "deaths" not in read_clean(tmp_path)
