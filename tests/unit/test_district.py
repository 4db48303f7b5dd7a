"""The district config (injury_survey.district) and the stacking of towns (injury_survey.pooled)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from injury_survey.district import DistrictError, load_district
from injury_survey.pooled import stack_towns

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "district"


@pytest.fixture
def district(tmp_path) -> Path:
    """The two-town example's configs (no data needed) in a scratch folder."""
    for town in ("town_a", "town_b"):
        (tmp_path / town).mkdir()
        shutil.copy(EXAMPLE / town / "config.yaml", tmp_path / town / "config.yaml")
    shutil.copy(EXAMPLE / "district.yaml", tmp_path / "district.yaml")
    return tmp_path / "district.yaml"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_example_loads_with_each_towns_first_wave(district):
    loaded = load_district(district)
    assert [t.id for t in loaded.towns] == ["town_a", "town_b"]
    assert [t.wave for t in loaded.towns] == ["baseline", "baseline"]
    assert (
        loaded.towns[1].weights_file == district.parent / "town_b/results/baseline/weights.parquet"
    )
    assert loaded.domains == ("town", "sex", "age_group")
    assert loaded.settings["estimation.fpc"] == "two_stage"  # the schema default, shared


def test_a_setting_the_towns_disagree_on_stops_with_both_values(district):
    edit(district.parent / "town_b" / "config.yaml", lambda c: c.update(recall={"days": 180}))
    with pytest.raises(DistrictError) as err:
        load_district(district)
    message = str(err.value)
    assert "recall" in message and "'days': 365" in message and "'days': 180" in message
    assert "town_a" in message and "town_b" in message and "合并估计" in message


def test_confidence_must_agree(district):
    edit(
        district.parent / "town_a" / "config.yaml",
        lambda c: c["estimation"].update(confidence=0.9),
    )
    with pytest.raises(DistrictError, match=r"estimation\.confidence: 0\.9 in .*0\.95 in"):
        load_district(district)


def test_a_wave_a_town_lacks_is_named(district):
    edit(district, lambda c: c.update(wave="followup"))
    with pytest.raises(DistrictError, match=r"town_a .* has the waves \['baseline'\]"):
        load_district(district)


def test_a_missing_town_folder_names_the_fix(district):
    edit(district, lambda c: c["towns"].update(town_c="town_c"))
    with pytest.raises(DistrictError, match=r"towns\.town_c .*run\.py init"):
        load_district(district)


def test_two_towns_in_one_folder_are_refused(district):
    edit(district, lambda c: c["towns"].update(town_b="town_a"))
    with pytest.raises(DistrictError, match="same folder or one holds the other"):
        load_district(district)


def test_a_town_holding_the_district_folder_is_refused(district):
    edit(district, lambda c: c["towns"].update(town_b="."))
    shutil.copy(district.parent / "town_a" / "config.yaml", district.parent / "config.yaml")
    with pytest.raises(DistrictError, match="the district config"):
        load_district(district)


def test_schema_errors_name_the_key(district):
    edit(district, lambda c: c.update(towns={"town_a": "town_a"}, domains=["stratum"]))
    with pytest.raises(DistrictError) as err:
        load_district(district)
    assert "towns:" in str(err.value) and "domains.0:" in str(err.value)


def test_town_ids_must_be_names(district):
    edit(district, lambda c: c["towns"].update({"2nd town": "town_b"}))
    with pytest.raises(DistrictError, match="does not match"):
        load_district(district)


def test_stacking_keeps_every_towns_strata_psus_and_households_apart():
    persons = pd.DataFrame(
        {
            "hh_id": ["H1", "H1", "H2"],
            "stratum_id": ["S1", "S1", "S2"],
            "psu_id": ["P1", "P1", "P2"],
            "weight": [10.0, 10.0, 20.0],
            "weight_pnr": [9.0, 9.0, 21.0],
            "sex": [1, 2, 1],
            "age_group": ["15-44", "0-14", "65+"],
            "calibration_cell": ["a", "b", "c"],
            "calibration_age_group": ["x", "y", "z"],
            "injured": [0, 1, 0],
            "n_episodes": [0, 2, 0],
            "person_years": [1.0, 1.0, 0.5],
            "certainty": [0, 0, 1],
            "households_listed": [30.0, 30.0, 12.0],
            "psus_in_frame": [5.0, 5.0, 3.0],
            "birth_date": ["2000-01-01"] * 3,  # not carried into the pooled data
        }
    )
    stacked = stack_towns({"east": persons, "west": persons})
    assert len(stacked) == 6
    assert stacked["stratum_id"].tolist()[:3] == ["east/S1", "east/S1", "east/S2"]
    assert stacked["psu_id"].nunique() == 4 and stacked["hh_id"].nunique() == 4
    assert stacked.loc[stacked["town"] == "west", "sex"].tolist() == [1, 2, 1]  # domains unchanged
    assert "birth_date" not in stacked.columns


def test_a_town_without_the_design_columns_is_named():
    with pytest.raises(ValueError, match=r"Town west: .*psus_in_frame"):
        stack_towns({"west": pd.DataFrame({"hh_id": ["H1"]})})


@pytest.mark.parametrize("calibration", ["none", "poststratify", "rake"])
def test_a_town_pooled_with_its_copy_has_its_estimate_and_half_its_variance(calibration):
    """Hand derivation: two identical towns with their own strata give the town's ratio, and the
    linearised variance of a ratio over twice the weight total is 2V / 4 = V/2, per town cell
    calibration included; df doubles."""
    from injury_survey.estimation import design_from_weights, variance_declaration
    from injury_survey.pooled import pooled_design, pooled_indicators

    ids = {c: str for c in ("stratum_id", "psu_id", "hh_id", "calibration_cell", "age_group")}
    town = pd.read_csv(EXAMPLE.parents[1] / "tests/reference/district/town_a.csv", dtype=ids)
    town["calibration_age_group"] = town["calibration_age_group"].astype(str)
    settings = {
        "estimation.confidence": 0.95,
        "estimation.ci_method": "logit",
        "estimation.lonely_psu": "center",
        "estimation.certainty_psus": "own_strata",
        "estimation.fpc": "two_stage",
        "estimation.unstable_min_n": 30,
        "estimation.unstable_max_rse": 0.3,
        "weights.calibration": calibration,
    }
    alone = design_from_weights(
        town,
        lonely_psu="center",
        calibration=calibration,
        variance=variance_declaration({"certainty_psus": "own_strata", "fpc": "two_stage"}),
    )
    single = alone.ratio("n_episodes", "person_years", by="sex", scale=1000.0)
    design = pooled_design(stack_towns({"a": town, "b": town}), settings)
    pooled = pooled_indicators(design, settings, domains=["sex"])
    rate = pooled[(pooled["indicator"] == "episode_rate_per_1000py") & (pooled["by"] == "sex")]
    assert rate["estimate"].to_numpy() == pytest.approx(single["estimate"].to_numpy(), rel=1e-10)
    assert rate["se"].to_numpy() == pytest.approx(single["se"].to_numpy() / 2**0.5, rel=1e-8)
    assert (rate["df"].to_numpy() == 2 * single["df"].to_numpy()).all()


def test_the_pooled_table_names_towns_and_marks_a_design_effect_it_cannot_compute():
    """Towns by the names their configs give (not ids); a group without a case has no design
    effect, shown as "—" rather than NaN."""
    from injury_survey.codebook import load_codebook
    from injury_survey.pooled import display_table

    def row(indicator, by, level, estimate, deff):
        ci = (None, None) if estimate == 0 else (estimate / 2, estimate * 2)
        return dict(
            indicator=indicator,
            by=by,
            level=level,
            estimate=estimate,
            se=0.01,
            ci_lower=ci[0],
            ci_upper=ci[1],
            deff=deff,
            df=10,
            n=50,
            flag="",
            method="m",
        )

    estimates = pd.DataFrame(
        [
            row(indicator, by, level, estimate, deff)
            for by, level, estimate, deff in [
                ("all", "all", 0.04, 1.5),
                ("town", "town_a", 0.05, 1.2),
                ("age_group", "0-14", 0.0, float("nan")),
            ]
            for indicator in ("injury_incidence", "episode_rate_per_1000py")
        ]
    )
    table = display_table(estimates, load_codebook(), lang="en", town_labels={"town_a": "Town A"})
    assert table.iloc[1, 1] == "Town A"
    assert table.iloc[:, 5].tolist() == ["1.50", "1.20", "—"]
