"""Compositions in domains and cross-table cells against R's survey package.

The report tables estimate every category of a variable in one svy call
(:meth:`~injury_survey.survey_design.SurveyDesign.level_proportions`); R estimates each category's
indicator on its own (``svyciprop``, ``svymean(deff = TRUE)``, ``degf``). Expected values:
``tables/expected_compositions.csv``, written by ``tables/reference_compositions.R`` (R 4.2.2 /
survey 4.1.1, the file's first line) on the committed data of ``reference_tables.R``:

- the care-level composition by sex (``composition(by=...)``: domains of the episode domain);
- the care-level composition among fall episodes (``composition(domain=...)``);
- the cause × place cells of T9 (``cross_table``: one proportion per observed cell).

Tolerance 1e-8 relative for estimates, SEs and deffs, 1e-6 for the CIs (R's ``qt``); df exact.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from injury_survey.codebook import load_codebook
from injury_survey.report_tables import ReportData, ReportSettings
from injury_survey.report_tables.core import Words
from injury_survey.report_tables.estimators import composition
from injury_survey.report_tables.profile import cross_table

TABLES = Path(__file__).parent / "tables"
TIGHT = 1e-8
CI_RTOL = 1e-6
CARE_LEVELS = [0, 1, 2, 3, 4]  # the codebook's care levels; 0 and 4 absent from the data


def read_expected(directory: Path = TABLES) -> dict[str, dict[str, float]]:
    """``{key: {quantity: value}}`` from expected_compositions.csv."""
    table = pd.read_csv(directory / "expected_compositions.csv", comment="#", dtype={"key": str})
    expected: dict[str, dict[str, float]] = {}
    for quantity, key, value in table.itertuples(index=False):
        expected.setdefault(key, {})[quantity] = float(value)
    return expected


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, float]]:
    return read_expected()


@pytest.fixture(scope="module")
def data() -> ReportData:
    persons = pd.read_csv(
        TABLES / "tables_persons.csv",
        dtype={"person_id": str, "stratum_id": str, "psu_id": str, "age_group": str},
    )
    episodes = pd.read_csv(
        TABLES / "tables_episodes.csv", dtype={"person_id": str, "stratum_id": str, "psu_id": str}
    )
    persons["n_episodes"] = persons["person_id"].map(episodes["person_id"].value_counts())
    persons["n_episodes"] = persons["n_episodes"].fillna(0).astype(int)
    return ReportData(
        persons,
        {"episodes": episodes.assign(is_case=True, in_window=True)},
        settings=ReportSettings(lonely_psu="fail"),
    )


def _assert_row(row, reference: dict[str, float]) -> None:
    assert row["estimate"] == pytest.approx(reference["estimate"], rel=TIGHT)
    assert row["se"] == pytest.approx(reference["se"], rel=TIGHT)
    assert row["deff"] == pytest.approx(reference["deff"], rel=TIGHT)
    assert row["df"] == reference["df"]
    assert row["ci_lower"] == pytest.approx(reference["ci_lower"], rel=CI_RTOL)
    assert row["ci_upper"] == pytest.approx(reference["ci_upper"], rel=CI_RTOL)


def _assert_absent(row) -> None:
    """A level without episodes in the domain: 0, no interval, no deff (not a missing row)."""
    assert row["estimate"] == 0 and row["se"] == 0
    assert pd.isna(row["ci_lower"]) and pd.isna(row["ci_upper"]) and pd.isna(row["deff"])


def _assert_empty_cell(row) -> None:
    """A cross-table cell without episodes: 0 and no interval."""
    assert row["estimate"] == 0 and pd.isna(row["ci_lower"])


def _compare(
    table: pd.DataFrame, expected, prefix: str, key_columns: list[str], absent=_assert_absent
) -> int:
    """Each row of ``table`` against R's value under ``prefix|<key columns>``; a row R has no
    value for is checked by ``absent``. Returns how many rows were compared, after checking
    that every value R gave under ``prefix`` was."""
    compared = 0
    for _, row in table.iterrows():
        key = "|".join([prefix, *(str(int(row[c])) for c in key_columns)])
        if key in expected:
            _assert_row(row, expected[key])
            compared += 1
        else:
            absent(row)
    assert compared == len([k for k in expected if k.startswith(f"{prefix}|")])
    return compared


def test_composition_by_domain_matches_r(data, expected):
    table = composition(data, "care_level", codes=CARE_LEVELS, by="sex")
    assert len(table) == 2 * len(CARE_LEVELS)  # every level in every domain
    _compare(table, expected, "care_by_sex", ["sex", "level"])
    # the shares of a domain add up to 1 over its levels
    assert table.groupby("sex")["estimate"].sum().to_numpy() == pytest.approx([1, 1], rel=1e-12)


def test_composition_in_a_subdomain_matches_r(data, expected):
    falls = pd.to_numeric(data.episodes["cause"]) == 3
    table = composition(data, "care_level", codes=CARE_LEVELS, domain=falls)
    assert _compare(table, expected, "care_in_falls", ["level"]) > 1
    assert table["n"].unique().tolist() == [int(falls.sum())]


def test_cross_table_cells_match_r(data, expected):
    table = cross_table(data, Words(load_codebook()), "T9", "cause", "place").data
    assert _compare(table, expected, "cause_place", ["cause", "place"], _assert_empty_cell) > 10


@pytest.mark.r_live
def test_committed_composition_values_reproduce_in_r(tmp_path, expected):
    """Rerun reference_compositions.R on the committed data: the committed values come back."""
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript is not installed (apt-get install -y r-base-core r-cran-survey)")
    scripts = ("reference_compositions.R", "episode_design.R")
    for name in (*scripts, "tables_persons.csv", "tables_episodes.csv"):
        shutil.copy(TABLES / name, tmp_path / name)
    result = subprocess.run(
        ["Rscript", str(tmp_path / "reference_compositions.R")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    fresh = read_expected(tmp_path)
    assert fresh.keys() == expected.keys()
    for key, values in fresh.items():
        for quantity, value in values.items():
            assert value == pytest.approx(expected[key][quantity], rel=1e-12)
