"""Tests of the synthetic survey generator (injury_survey.simulate).

The generator's targets come from the brief and docs/methods.md (12-month incidence 4–6 % under
the half-day definition, 1.1–1.4 episodes per injured person, falls 35–45 % and traffic 15–20 % of
episodes, positive intra-PSU correlation); the rule checks below restate docs/methods.md §4
directly from the spec, independently of the cleaning engine, so that the generated data break no
rule except the planted ones.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from injury_survey.sample_size import allocate_psus
from injury_survey.sampling import draw_sample
from injury_survey.simulate import simulate_population
from injury_survey.simulate.fieldwork import field_survey, make_pilot
from injury_survey.simulate.population import AGE_GROUPS_5Y, age_group_labels, anova_icc, roster_on
from injury_survey.simulate.survey_folder import SURVEY_FILES, write_survey

REPO = Path(__file__).resolve().parents[2]

# Columns the brief fixes for the handed-over files (docs/input-tables.md plus the fake PII columns).
HOUSEHOLD_COLUMNS = {
    "hh_id", "psu_id", "interviewer_id", "interview_date", "result_code", "hh_size_reported",
    "n_visits", "interview_minutes", "dwelling_type", "respondent_name", "phone",
}  # fmt: skip
PERSON_COLUMNS = {
    "person_id", "hh_id", "line", "relation", "sex", "age_years", "birth_date", "residence_status",
    "months_present_12m", "education", "occupation", "marital", "hukou", "respondent_type",
    "injured_12m", "n_episodes_12m",
}  # fmt: skip
EPISODE_COLUMNS = {
    "episode_id", "person_id", "injury_date", "injury_hour", "cause", "cause_other_text", "intent",
    "place", "activity", "nature_1", "body_part", "care_level", "hospital_days", "days_off",
    "cost_medical", "outcome", "traffic_role", "traffic_vehicle", "traffic_counterpart",
    "safety_device", "fall_type", "fall_reason", "alcohol", "narrative",
}  # fmt: skip
TRAFFIC = ["traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device"]
FALL = ["fall_type", "fall_reason"]


def rule_violations(households: pd.DataFrame, persons: pd.DataFrame, episodes: pd.DataFrame) -> set:
    """(rule, record id) for every row breaking a rule of docs/methods.md §4 checked here."""
    found: set = set()

    def add(rule, ids):
        found.update((rule, str(i)) for i in ids)

    # K1 keys and foreign keys
    for table, key in ((households, "hh_id"), (persons, "person_id"), (episodes, "episode_id")):
        add("K1", table.loc[table[key].duplicated(), key])
    add("K1", persons.loc[~persons["hh_id"].isin(households["hh_id"]), "person_id"])
    add("K1", episodes.loc[~episodes["person_id"].isin(persons["person_id"]), "episode_id"])
    responded = households["result_code"].isin([1, 2])
    size = persons.groupby("hh_id").size()
    completed = households.loc[households["result_code"] == 1]
    add(
        "K2",
        completed.loc[
            completed["hh_id"].map(size).fillna(0) != completed["hh_size_reported"], "hh_id"
        ],
    )
    heads = persons.loc[persons["relation"] == 1].groupby("hh_id").size()
    add("K3", households.loc[responded & (households["hh_id"].map(heads).fillna(0) != 1), "hh_id"])
    count = episodes.groupby("person_id").size()
    n_rows = persons["person_id"].map(count).fillna(0)
    add(
        "K6",
        persons.loc[
            persons["n_episodes_12m"].notna() & (persons["n_episodes_12m"] != n_rows), "person_id"
        ],
    )
    # Skip logic §4.3
    add("S-injured", persons.loc[(persons["injured_12m"] == 2) & (n_rows > 0), "person_id"])
    add("S-injured", persons.loc[(persons["injured_12m"] == 1) & (n_rows == 0), "person_id"])
    add("S-injured", persons.loc[(persons["injured_12m"] == 8) & (n_rows > 0), "person_id"])
    traffic = episodes["cause"].isin([1, 2])
    fall = episodes["cause"] == 3
    add("S-traffic", episodes.loc[traffic != episodes[TRAFFIC].notna().all(axis=1), "episode_id"])
    add("S-traffic", episodes.loc[~traffic & episodes[TRAFFIC].notna().any(axis=1), "episode_id"])
    add("S-fall", episodes.loc[fall != episodes[FALL].notna().all(axis=1), "episode_id"])
    add("S-fall", episodes.loc[~fall & episodes[FALL].notna().any(axis=1), "episode_id"])
    inpatient = episodes["care_level"] == 3
    add("S-hospital", episodes.loc[inpatient & ~(episodes["hospital_days"] >= 1), "episode_id"])
    add(
        "S-hospital",
        episodes.loc[~inpatient & (episodes["hospital_days"].fillna(0) > 0), "episode_id"],
    )
    add(
        "S-other",
        episodes.loc[(episodes["cause"] == 13) & episodes["cause_other_text"].isna(), "episode_id"],
    )
    add(
        "S-education",
        persons.loc[(persons["age_years"] >= 6) & persons["education"].isna(), "person_id"],
    )
    add(
        "S-marital",
        persons.loc[(persons["age_years"] >= 15) & persons["marital"].isna(), "person_id"],
    )
    add(
        "S-result",
        persons.loc[~persons["hh_id"].isin(households.loc[responded, "hh_id"]), "person_id"],
    )
    # Dates
    hh_of_episode = episodes["person_id"].map(persons.set_index("person_id")["hh_id"])
    interview = pd.to_datetime(hh_of_episode.map(households.set_index("hh_id")["interview_date"]))
    injury = pd.to_datetime(episodes["injury_date"], format="mixed")
    add("D1", episodes.loc[injury > interview, "episode_id"])
    # Age and socio-demographics (A1–A5)
    age, occupation, sex = persons["age_years"], persons["occupation"], persons["sex"]
    add(
        "A1",
        persons.loc[(age < 6) & ((persons["education"] != 1) | (occupation != 1)), "person_id"],
    )
    add("A1", persons.loc[(occupation == 1) & (age > 7), "person_id"])
    add("A2", persons.loc[(occupation == 2) & ((age < 5) | (age > 30)), "person_id"])
    add("A3", persons.loc[occupation.between(6, 11) & (age < 16), "person_id"])
    add("A4", persons.loc[(occupation == 5) & (age < 45), "person_id"])
    add("A4", persons.loc[(persons["education"] >= 6) & (age < 18), "person_id"])
    legal = np.where(sex == 2, 20, 22)
    add(
        "A5",
        persons.loc[
            persons["marital"].notna() & (persons["marital"] != 1) & (age < legal), "person_id"
        ],
    )
    head_age = persons["hh_id"].map(
        persons.loc[persons["relation"] == 1].set_index("hh_id")["age_years"]
    )
    add("A5", persons.loc[(persons["relation"] == 3) & (age > head_age), "person_id"])
    add("A5", persons.loc[(persons["relation"] == 2) & (age < 18), "person_id"])
    episode_age = episodes["person_id"].map(persons.set_index("person_id")["age_years"])
    add("A3", episodes.loc[(episodes["activity"] == 1) & (episode_age < 16), "episode_id"])
    # Injury coherence (C1–C9)
    add("C1", episodes.loc[traffic & (episodes["place"] != 5), "episode_id"])
    add("C2", episodes.loc[traffic & ~episodes["activity"].isin([7, 8]), "episode_id"])
    add(
        "C3",
        episodes.loc[
            episodes["cause"].isin([8, 9, 10]) & (episodes["body_part"] != 6), "episode_id"
        ],
    )
    add("C4", episodes.loc[(episodes["cause"] == 7) != (episodes["nature_1"] == 5), "episode_id"])
    add("C5", episodes.loc[(episodes["cause"] == 12) & (episodes["intent"] != 3), "episode_id"])
    add("C6", episodes.loc[(episodes["intent"] == 2) & (episode_age < 10), "episode_id"])
    add(
        "C6",
        episodes.loc[(episodes["cause"] == 11) & ~episodes["nature_1"].isin([3, 4]), "episode_id"],
    )
    add(
        "C7", episodes.loc[(episodes["nature_1"] == 1) & (episodes["care_level"] < 2), "episode_id"]
    )
    add(
        "C8",
        episodes.loc[inpatient & (episodes["days_off"] < episodes["hospital_days"]), "episode_id"],
    )
    add(
        "C9", episodes.loc[(episodes["outcome"] == 4) | (episodes["care_level"] == 4), "episode_id"]
    )
    # K5 duplicates: same person, date within 3 days, same cause and nature
    pairs = episodes.assign(day=injury).merge(
        episodes.assign(day=injury), on=["person_id", "cause", "nature_1"], suffixes=("", "_other")
    )
    close = (pairs["episode_id"] < pairs["episode_id_other"]) & (
        (pairs["day"] - pairs["day_other"]).abs().dt.days <= 3
    )
    add("K5", pairs.loc[close, "episode_id_other"])
    # Ranges §4.2
    add("R", persons.loc[~persons["months_present_12m"].between(0, 12), "person_id"])
    add("R", episodes.loc[(episodes["days_off"] * 2) % 1 != 0, "episode_id"])
    add("R", episodes.loc[~episodes["injury_hour"].fillna(0).between(0, 23), "episode_id"])
    return found


def read_tables(folder: Path, wave: str) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("households", "persons", "episodes"):
        frame = pd.read_csv(
            folder / wave / f"{name}.csv", dtype={"hh_id": str, "person_id": str, "phone": str}
        )
        for column in frame.columns:
            if (
                pd.api.types.is_float_dtype(frame[column])
                and column
                not in (
                    "days_off",
                    "cost_medical",
                )
                and (frame[column].dropna() % 1 == 0).all()
            ):
                frame[column] = frame[column].astype("Int64")
        out[name] = frame
    return out


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("tiny") / "data" / "raw"
    truth = write_survey(folder, seed=4242, preset="tiny", command="same command")
    return folder, truth


@pytest.fixture(scope="module")
def town():
    """A third-size town (≈ 34 000 residents): enough for the rates and the ICC."""
    return simulate_population(20261129, scale=0.3)


@pytest.fixture(scope="module")
def town_survey(town):
    sample = draw_sample(town.frame, allocate_psus(town.frame, 60), 20, seed=11)
    return sample, field_survey(town, sample, seed=12)


def test_same_seed_gives_the_same_town_and_another_seed_another():
    first = simulate_population(5, scale=0.05)
    again = simulate_population(5, scale=0.05)
    other = simulate_population(6, scale=0.05)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    pd.testing.assert_frame_equal(first.residents, again.residents)
    pd.testing.assert_frame_equal(first.injuries, again.injuries)
    assert not first.frame.equals(other.frame)


def test_write_survey_is_byte_identical_for_the_same_seed(tiny_folder, tmp_path):
    folder, _ = tiny_folder
    write_survey(tmp_path, seed=4242, preset="tiny", command="same command")
    for name in (*SURVEY_FILES, "README.md"):
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name


def test_census_totals_equal_the_frame_population_of_each_stratum(town):
    census = town.census.groupby("stratum_id")["population"].sum()
    frame = town.frame.groupby("stratum_id")["population"].sum()
    pd.testing.assert_series_equal(census, frame, check_names=False)
    # every stratum × sex × 5-year group is present: 5 × 2 × 18 cells
    assert len(town.census) == 5 * 2 * 18
    assert set(town.census["age_group"]) == set(AGE_GROUPS_5Y)


def test_frame_follows_the_contract(town):
    frame = town.frame
    assert list(frame.columns) == ["stratum_id", "psu_id", "psu_name", "households", "population"]
    assert frame["psu_id"].is_unique
    assert frame["psu_id"].str.fullmatch(r"S[1-5]-P\d{3}").all()
    per_community = frame.groupby("stratum_id").size()
    assert per_community.between(25, 40).all()
    # scale 0.3 of 80–600 dwellings, at least 8
    assert frame["households"].between(24, 180).all()


def test_sample_takes_the_planned_households_per_psu_and_two_psus_per_stratum(tiny_folder):
    folder, truth = tiny_folder
    sample = pd.read_csv(folder / "baseline" / "sample.csv", dtype=str)
    per_psu = sample.groupby("psu_id").size()
    assert (per_psu == 5).all() and len(per_psu) == 12
    assert (sample.groupby("stratum_id")["psu_id"].nunique() >= 2).all()
    households = pd.read_csv(folder / "baseline" / "households.csv", dtype=str)
    assert set(households["hh_id"]) == set(sample["hh_id"])
    assert len(sample) <= 70


def test_files_carry_the_contract_columns(tiny_folder):
    folder, _ = tiny_folder
    for wave in ("pilot", "baseline"):
        tables = read_tables(folder, wave)
        assert set(tables["households"].columns) >= HOUSEHOLD_COLUMNS
        assert set(tables["persons"].columns) == PERSON_COLUMNS
        assert set(tables["episodes"].columns) == EPISODE_COLUMNS
    pilot = pd.read_csv(folder / "pilot" / "households.csv", dtype=str)
    assert not {"pi_psu", "pi_hh"} & set(pilot.columns)
    assert pilot["hh_id"].str.fullmatch(r"pilot-S[1-5]-P\d{3}-\d{4}").all()


def test_only_the_planted_problems_break_the_rules(tiny_folder):
    folder, truth = tiny_folder
    for wave in ("pilot", "baseline"):
        tables = read_tables(folder, wave)
        found = rule_violations(tables["households"], tables["persons"], tables["episodes"])
        planted = {(p["rule_id"], p["record_id"]) for p in truth[wave]["planted_problems"]}
        assert found == planted, wave
        assert 2 <= len(planted) <= 10


def test_a_larger_survey_without_planting_breaks_no_rule(town_survey):
    _, tables = town_survey
    assert len(tables["episodes"]) > 100
    assert rule_violations(tables["households"], tables["persons"], tables["episodes"]) == set()


def test_personal_data_columns_are_fake(tiny_folder):
    folder, _ = tiny_folder
    households = pd.read_csv(folder / "baseline" / "households.csv", dtype=str)
    completed = households["result_code"] == "1"
    phones = households.loc[completed, "phone"]
    # 11 digits starting "10": no Chinese mobile or landline number has that prefix
    assert phones.str.fullmatch(r"10\d{9}").all()
    assert households.loc[completed, "respondent_name"].str.len().between(2, 3).all()
    assert households.loc[~completed, ["respondent_name", "phone"]].isna().all().all()


def test_true_rates_are_in_the_targeted_range(town):
    overall = town.truth("case_cn_halfday").query("by == 'all'").iloc[0]
    assert 0.04 <= overall["incidence"] <= 0.06
    assert 1.1 <= overall["episodes_per_injured"] <= 1.4
    by_sex = town.truth().query("by == 'sex'").set_index("level")["incidence"]
    assert by_sex["1"] > by_sex["2"]  # males more often injured
    # Nested case definitions: medical ⊂ 1-day ⊂ half-day
    rates = [
        town.truth(c).iloc[0]["incidence"] for c in ("case_medical", "case_1day", "case_cn_halfday")
    ]
    assert rates == sorted(rates)
    in_window = town.injuries.loc[
        (town.injuries["injury_date"] >= town.window_start)
        & (town.injuries["injury_date"] <= town.reference_date)
    ]
    share = in_window["cause"].value_counts(normalize=True)
    assert 0.33 <= share[3] <= 0.47  # falls
    assert 0.13 <= share[1] + share[2] <= 0.23  # traffic, motor and non-motor


def test_injury_clusters_within_psus(town):
    assert town.icc() > 0.005


def test_anova_icc_by_hand():
    # Two clusters of two, perfectly homogeneous: MSW = 0, so rho = MSB / MSB = 1.
    assert anova_icc(pd.Series([1, 1, 0, 0]), pd.Series(["a", "a", "b", "b"])) == pytest.approx(1.0)
    # Equal cluster means: MSB = 0, MSW = (4 × 0.25) / (4 − 2) = 0.5, m0 = 2:
    # rho = (0 − 0.5) / (0 + (2 − 1) × 0.5) = −1.
    assert anova_icc(pd.Series([1, 0, 1, 0]), pd.Series(["a", "a", "b", "b"])) == pytest.approx(
        -1.0
    )


def test_roster_status_and_months_present_by_hand():
    residents = pd.DataFrame(
        {
            "person_key": [0, 1, 2, 3],
            "birth_date": pd.to_datetime(["1980-05-20", "1990-01-01", "2000-06-30", "1970-01-01"]),
            "join_date": pd.to_datetime([None, "2026-01-21", None, None]),
            "leave_date": pd.to_datetime([None, None, "2026-03-21", "2025-01-01"]),
            "months_usual": [12, 12, 12, 12],
        }
    )
    roster = roster_on(residents, pd.Timestamp("2026-05-01")).set_index("person_key")
    # person 3 left before the window opened (2025-05-01): not listed
    assert list(roster.index) == [0, 1, 2]
    assert list(roster["residence_status"]) == [1, 2, 3]
    # joined 100 days before: floor(100 / 30.4375) = 3 months; left 41 days before the interview,
    # present 365 − 41 = 324 days: floor(324 / 30.4375) = 10 months
    assert list(roster["months_present_12m"]) == [12, 3, 10]
    # completed years on 2026-05-01: 45 (birthday 20 May not yet), 36, 25 (birthday 30 June)
    assert list(roster["age_years"]) == [45, 36, 25]


def test_age_group_labels_by_hand():
    labels = age_group_labels(pd.Series([0, 14, 15, 64, 65, 99]), [0, 15, 45, 65])
    assert list(labels) == ["0-14", "0-14", "15-44", "45-64", "65+", "65+"]


def test_perfect_fieldwork_reports_exactly_the_true_in_window_episodes(town):
    sample = draw_sample(town.frame, allocate_psus(town.frame, 20), 10, seed=3)
    tables = field_survey(town, sample, seed=4, measurement_error=False)
    persons, episodes = tables["persons"], tables["episodes"]
    households = tables["households"].set_index("hh_id")
    # the true episodes of the screened persons within their own 12-month windows
    keys = persons["person_id"].str.slice(0, -3)
    dates = pd.to_datetime(keys.map(households["interview_date"]))
    assert (persons["injured_12m"] != 8).sum() > 0
    injured = persons.loc[persons["injured_12m"] == 1]
    assert injured["n_episodes_12m"].sum() == len(episodes)
    injury = pd.to_datetime(episodes["injury_date"])
    interview = pd.to_datetime(
        episodes["person_id"].str.slice(0, -3).map(households["interview_date"])
    )
    assert ((interview - injury).dt.days.between(0, 365)).all()
    assert len(dates) == len(persons)


def test_recall_decay_loses_old_minor_injuries(town_survey):
    _, tables = town_survey
    episodes, households = tables["episodes"], tables["households"].set_index("hh_id")
    interview = pd.to_datetime(
        episodes["person_id"].str.slice(0, -3).map(households["interview_date"])
    )
    months = (interview - pd.to_datetime(episodes["injury_date"], format="mixed")).dt.days / 30.44
    minor = (episodes["care_level"] <= 1) & (episodes["days_off"] < 1)
    recent = int((minor & (months < 6)).sum())
    old = int((minor & (months >= 6) & (months <= 12)).sum())
    assert recent > old  # flat without recall loss (docs/methods.md §1, F10)


def test_nonresponse_proxies_and_household_size_are_realistic(town_survey):
    _, tables = town_survey
    households, persons = tables["households"], tables["persons"]
    codes = households["result_code"]
    response = (codes == 1).sum() / codes.isin([1, 2, 3, 4, 5, 96]).sum()
    assert 0.85 <= response <= 0.95
    assert 2.4 <= len(persons) / codes.isin([1, 2]).sum() <= 3.0
    proxy = persons["respondent_type"] == 2
    assert 0.28 <= proxy.mean() <= 0.45
    assert proxy[persons["age_years"] < 15].all()
    assert households.loc[codes.isin([1, 2]), "interview_date"].notna().all()
    assert households.loc[~codes.isin([1, 2]), "interview_date"].isna().all()


def test_pilot_is_fifty_households_in_one_psu_per_community_with_findings(town):
    pilot = make_pilot(town, seed=8)
    households = pilot["households"]
    assert len(households) == 50
    psus = households["psu_id"].unique()
    assert len(psus) == 5 and len({p.split("-")[0] for p in psus}) == 5
    assert 95 <= len(pilot["persons"]) <= 150
    episodes = pilot["episodes"]
    if len(episodes):
        assert (episodes["cause"] == 13).mean() > 0.15  # "other" > 15 %: extend the list (§5.2)
        adults = episodes["alcohol"].notna()
        assert (episodes.loc[adults, "alcohol"] == 3).mean() > 0.10  # DK > 10 %: revise the item


def test_a_sample_without_listing_positions_is_refused_with_a_message(town):
    sample = pd.DataFrame({"hh_id": ["x"], "psu_id": ["S1-P001"]})
    with pytest.raises(ValueError, match="listing_position"):
        field_survey(town, sample, seed=1)


@pytest.mark.parametrize(
    ("folder", "truth"),
    [
        ("data/raw", "tests/fixtures/demo_truth.json"),
        ("tests/e2e/survey/data/raw", "tests/fixtures/tiny_truth.json"),
    ],
)
def test_committed_surveys_match_their_readme_checksums_and_truth(folder, truth):
    import hashlib

    folder, truth_path = REPO / folder, REPO / truth
    if not (folder / "README.md").exists():
        pytest.skip(f"{folder} not generated")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme
    for name in SURVEY_FILES:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert digest in readme, name
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    assert truth["synthetic"] is True and truth["command"] in readme
    households = pd.read_csv(folder / "baseline" / "households.csv", dtype=str)
    assert len(households) == truth["baseline"]["households"]
