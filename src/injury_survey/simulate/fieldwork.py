"""Simulated fieldwork: what a survey team hands over after interviewing a sample of households.

The field team of :func:`field_survey` visits every sampled dwelling (up to three visits), records
a DHS-style result code (docs/methods.md §2.2: vacant, demolished and not-found dwellings are
ineligible; the others are completed, refused, absent …), lists the usual residents of the
responding households on the interview date (§1 eligibility: newcomers and leavers of the 12-month
window included, with their months present), lets one adult answer for the others (proxy answers,
§2.3), and fills one injury form per episode recalled for the 12 months before the interview.

Measurement error follows the recall literature cited in docs/methods.md §1: minor injuries are
forgotten the further back they happened (Moshiro 2005: the decline is confined to injuries with
fewer than 30 days of disability; Harel 1994; Warner 2005), proxies recall fewer minor injuries
than the injured themselves, interviewers differ in how well they probe (one under-probes, for the
interviewer funnel plot of §4.7), a few injuries from just before the window are telescoped into
it (D2), and some dates are remembered only to the month.

The households' contact details are FAKE (random given names, 11-digit numbers with the
non-existent "10" prefix): they are there so that the intake's removal of personal data
(docs/input-tables.md "Personal data") is exercised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from injury_survey.simulate.population import Population, roster_on

HOUSEHOLD_COLUMNS = [
    "hh_id", "psu_id", "interviewer_id", "interview_date", "result_code", "respondent_line",
    "hh_size_reported", "n_visits", "interview_minutes", "dwelling_type", "respondent_name", "phone",
]  # fmt: skip
PERSON_COLUMNS = [
    "person_id", "hh_id", "line", "relation", "sex", "age_years", "birth_date", "residence_status",
    "months_present_12m", "education", "occupation", "marital", "hukou", "respondent_type",
    "injured_12m", "n_episodes_12m",
]  # fmt: skip
EPISODE_COLUMNS = [
    "episode_id", "person_id", "injury_date", "injury_hour", "cause", "cause_other_text", "intent",
    "place", "activity", "nature_1", "body_part", "care_level", "hospital_days", "days_off",
    "cost_medical", "outcome", "traffic_role", "traffic_vehicle", "traffic_counterpart",
    "safety_device", "fall_type", "fall_reason", "alcohol", "narrative",
]  # fmt: skip

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国文红"

# Result codes of occupied dwellings (docs/methods.md §2.2) before household-type adjustments:
# completion ≈ 90 % of eligible households.
_RESULT_CODES = np.array([1, 2, 3, 4, 5, 96])
_RESULT_PROBS = np.array([0.905, 0.010, 0.012, 0.030, 0.038, 0.005])
_INELIGIBLE = {"vacant": 6, "demolished": 7, "not_found": 8}
_TELESCOPE_DAYS = 60


def _interviewers(rng, n: int) -> pd.DataFrame:
    """Interviewer ids with a probing factor (minor-injury reporting) and a speed factor."""
    probing = np.exp(rng.normal(0.0, 0.08, size=n))
    if n >= 8:
        probing[int(rng.integers(n))] = 0.55  # one interviewer who hardly probes
    return pd.DataFrame(
        {
            "interviewer_id": [f"I{i + 1:02d}" for i in range(n)],
            "probing": probing,
            "speed": np.exp(rng.normal(0.0, 0.15, size=n)),
        }
    )


def _fake_name(rng) -> str:
    given = "".join(rng.choice(list(_GIVEN), size=int(rng.integers(1, 3))))
    return str(rng.choice(list(_SURNAMES))) + given


def _fake_phone(rng) -> str:
    return "10" + "".join(str(d) for d in rng.integers(0, 10, size=9))


def field_survey(
    population: Population,
    sample: pd.DataFrame,
    *,
    seed: int,
    interview_start: str = "2026-04-07",
    wave: str = "baseline",
    weeks: int = 6,
    n_interviewers: int | None = None,
    measurement_error: bool = True,
) -> dict[str, pd.DataFrame]:
    """Households, persons and episodes as the field team would hand them over for ``sample``.

    Parameters
    ----------
    population
        The town (:func:`~injury_survey.simulate.simulate_population`).
    sample
        The households to visit, in the ``sample.csv`` format (``hh_id``, ``psu_id`` and
        ``listing_position``, the dwelling's position in its PSU's list, are used).
    seed
        Seed of the fieldwork's randomness (non-response, proxies, recall, dates).
    interview_start
        First day of fieldwork; interviews spread over ``weeks`` weeks, each interviewer working
        through the PSUs assigned to them one after the other.
    wave
        Label only (the household ids come from ``sample``).
    n_interviewers
        Default: one per ten PSUs, 10–15, but at most half the PSUs (at least 1).
    measurement_error
        False gives a perfect field team: every in-window episode is reported with its exact date,
        nothing outside the window, no "don't know" screening answers. Non-response stays. Use it
        to check estimators against :meth:`Population.truth` without recall bias.

    Returns
    -------
    dict
        ``households``, ``persons``, ``episodes`` (docs/input-tables.md columns; codes as nullable
        integers, ids as strings, dates as ISO strings).
    """
    for column in ("hh_id", "psu_id", "listing_position"):
        if column not in sample.columns:
            raise ValueError(
                f"The sample lacks column '{column}'; it has {list(sample.columns)}. "
                "Pass the sample list as draw_sample returns it (sample.csv format)."
            )
    rng = np.random.default_rng([int(seed), 7])
    start = pd.Timestamp(interview_start)
    days = 7 * weeks
    visits = sample[["hh_id", "psu_id", "listing_position"]].astype(
        {"hh_id": "str", "psu_id": "str"}
    )
    visits["listing_position"] = visits["listing_position"].astype(int)
    dwellings = population.dwellings.astype({"psu_id": "str"})
    visits = visits.merge(dwellings, on=["psu_id", "listing_position"], how="left", validate="1:1")
    unknown = visits["status"].isna()
    if unknown.any():
        first = visits.loc[unknown].iloc[0]
        raise ValueError(
            f"{int(unknown.sum())} sampled households are not in the town's dwelling lists, e.g. "
            f"hh_id {first['hh_id']!r} (PSU {first['psu_id']!r}, position "
            f"{first['listing_position']}); draw the sample from this population's frame."
        )

    # Interviewers: contiguous blocks of PSUs (so each works mostly in one community).
    psus = sorted(visits["psu_id"].unique(), key=lambda p: (p.split("-")[0], p))
    n_psu = len(psus)
    if n_interviewers is None:
        n_interviewers = max(1, min(int(np.clip(round(n_psu / 10), 10, 15)), n_psu // 2))
    team = _interviewers(rng, n_interviewers)
    psu_interviewer = {p: j * n_interviewers // n_psu for j, p in enumerate(psus)}
    psu_start, psu_span = {}, {}
    for i in range(n_interviewers):
        own = [p for p in psus if psu_interviewer[p] == i]
        for k, p in enumerate(own):
            psu_start[p] = k * days // len(own)
            psu_span[p] = max(1, days // len(own) - 1)

    visits["interviewer"] = visits["psu_id"].map(psu_interviewer)
    first_day = np.array(
        [psu_start[p] + int(rng.integers(0, psu_span[p])) for p in visits["psu_id"]]
    )

    n_visits_all = rng.choice([1, 2, 3], size=len(visits), p=[0.65, 0.25, 0.10])
    revisit_gap = rng.integers(1, 4, size=len(visits))
    day_all = np.minimum(first_day + (n_visits_all - 1) * revisit_gap, days - 1)
    visits["date"] = start + pd.to_timedelta(day_all, unit="D")

    # Everyone a roster of a sampled household would list on its interview date.
    residents = population.residents
    occupied_keys = visits.loc[visits["status"] == "occupied", ["hh_key", "date"]]
    residents = residents.loc[residents["hh_key"].isin(occupied_keys["hh_key"])]
    on_date = residents["hh_key"].map(occupied_keys.set_index("hh_key")["date"])
    rosters = roster_on(residents, on_date).sort_values(["hh_key", "line"], kind="stable")
    # Plain records: the loop below runs once per household and person.
    members_of: dict[int, list[dict]] = {}
    for person in rosters.to_dict("records"):
        members_of.setdefault(int(person["hh_key"]), []).append(person)
    injuries = population.injuries
    injuries = injuries.loc[injuries["person_key"].isin(rosters["person_key"])]
    injuries_of: dict[int, list[dict]] = {}
    for episode in injuries.to_dict("records"):
        injuries_of.setdefault(int(episode["person_key"]), []).append(episode)
    team_records = team.to_dict("records")

    household_rows, person_rows, episode_rows = [], [], []
    for row, n_visits in zip(visits.itertuples(index=False), n_visits_all, strict=True):
        interviewer = team_records[int(row.interviewer)]
        status = row.status
        n_visits = int(n_visits)
        date = row.date
        roster = None
        if status == "occupied":
            roster = members_of.get(int(row.hh_key), [])
            ages = [m["age_years"] for m in roster if m["residence_status"] != 3]
            probs = _RESULT_PROBS.copy()
            if ages and max(ages) < 60:
                probs[3] *= 1.6  # working households are more often away
                probs[4] *= 1.4
            if len(ages) == 1 and ages[0] >= 75:
                probs[2] *= 3.0  # frail elderly living alone
            result = int(rng.choice(_RESULT_CODES, p=probs / probs.sum())) if ages else 6
        else:
            result = _INELIGIBLE[status]
        household = {
            "hh_id": row.hh_id,
            "psu_id": row.psu_id,
            "interviewer_id": interviewer["interviewer_id"],
            "interview_date": None,
            "result_code": result,
            "respondent_line": None,
            "hh_size_reported": None,
            "n_visits": n_visits,
            "interview_minutes": None,
            "dwelling_type": int(row.dwelling_type) if status in ("occupied", "vacant") else None,
            "respondent_name": None,
            "phone": None,
        }
        if result not in (1, 2):
            household["n_visits"] = 1 if result in (6, 7, 8) else (n_visits if result == 5 else 3)
            household_rows.append(household)
            continue

        roster = [dict(member, line=line) for line, member in enumerate(roster, 1)]
        respondent = _main_respondent(rng, roster)
        n_episodes_hh = 0
        broken_from = (
            int(rng.integers(2, len(roster) + 1)) if result == 2 and len(roster) > 1 else 99
        )
        if result == 2 and len(roster) == 1:
            result = household["result_code"] = 1
        for person in roster:
            person_id = f"{row.hh_id}-{person['line']:02d}"
            age = int(person["age_years"])
            proxy = _is_proxy(rng, person, age, respondent)
            screened = person["line"] < broken_from
            reported = []
            if screened:
                reported = _recalled_episodes(
                    rng,
                    injuries_of.get(int(person["person_key"]), []),
                    date,
                    proxy,
                    interviewer["probing"],
                    measurement_error,
                )
            if not screened:
                injured = 8
            elif reported:
                injured = 1
            elif measurement_error and proxy and rng.random() < 0.008:
                injured = 8
            else:
                injured = 2
            person_rows.append(
                _person_record(
                    person, person_id, row.hh_id, age, proxy, injured, len(reported), date
                )
            )
            for k, episode in enumerate(reported, 1):
                episode_rows.append(
                    _episode_record(
                        rng,
                        episode,
                        f"{person_id}-E{k}",
                        person_id,
                        date,
                        proxy,
                        age,
                        measurement_error,
                    )
                )
            n_episodes_hh += len(reported)
        minutes = (10 + 4 * len(roster) + 8 * n_episodes_hh + rng.normal(0, 3)) * interviewer[
            "speed"
        ]
        household.update(
            interview_date=date.strftime("%Y-%m-%d"),
            respondent_line=respondent,
            hh_size_reported=len(roster),
            interview_minutes=int(max(5, round(minutes))),
            respondent_name=_fake_name(rng),
            phone=_fake_phone(rng),
        )
        household_rows.append(household)

    return {
        "households": _typed(
            pd.DataFrame(household_rows, columns=HOUSEHOLD_COLUMNS),
            [
                "result_code",
                "respondent_line",
                "hh_size_reported",
                "n_visits",
                "interview_minutes",
                "dwelling_type",
            ],
        ),  # fmt: skip
        "persons": _typed(
            pd.DataFrame(person_rows, columns=PERSON_COLUMNS),
            [
                "line",
                "relation",
                "sex",
                "age_years",
                "residence_status",
                "months_present_12m",
                "education",
                "occupation",
                "marital",
                "hukou",
                "respondent_type",
                "injured_12m",
                "n_episodes_12m",
            ],
        ),  # fmt: skip
        "episodes": _typed(
            pd.DataFrame(episode_rows, columns=EPISODE_COLUMNS),
            [
                "injury_hour",
                "cause",
                "intent",
                "place",
                "activity",
                "nature_1",
                "body_part",
                "care_level",
                "hospital_days",
                "outcome",
                "traffic_role",
                "traffic_vehicle",
                "traffic_counterpart",
                "safety_device",
                "fall_type",
                "fall_reason",
                "alcohol",
            ],
        ),  # fmt: skip
    }


def _typed(frame: pd.DataFrame, integer_columns: list[str]) -> pd.DataFrame:
    for column in frame.columns:
        if column in integer_columns:
            frame[column] = pd.array(frame[column].astype("Float64"), dtype="Int64")
        elif frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    return frame


def _main_respondent(rng, roster: list[dict]) -> int:
    """Line of the member who answers: an adult aged 16–70 at home (Wang 2009 practice)."""
    present = [m for m in roster if m["residence_status"] != 3]
    candidates = [m for m in present if 16 <= m["age_years"] <= 70]
    candidates = candidates or [m for m in present if m["age_years"] >= 16] or present
    return int(candidates[int(rng.integers(len(candidates)))]["line"])


def _is_proxy(rng, person: dict, age: int, respondent: int) -> bool:
    """Proxy answers: children always; working adults and students often (they are out)."""
    if person["line"] == respondent:
        return False
    if age < 15 or person["residence_status"] == 3:
        return True
    occupation = int(person["occupation"])
    if 6 <= occupation <= 11 or occupation == 2:
        return rng.random() < 0.55
    if age >= 60:
        return rng.random() < 0.25
    return rng.random() < 0.40


def _recalled_episodes(rng, episodes, date, proxy, probing, measurement_error) -> list:
    """The person's true episodes that the interview records, oldest first."""
    out = []
    window_start = date - pd.Timedelta(days=365)
    for episode in episodes:
        when = episode["injury_date"]
        if when > date or when < window_start - pd.Timedelta(days=_TELESCOPE_DAYS):
            continue
        in_window = when >= window_start
        if not measurement_error:
            if in_window:
                out.append(episode)
            continue
        severe = episode["care_level"] == 3 or episode["days_off"] >= 30
        moderate = episode["care_level"] == 2 or episode["days_off"] >= 1
        if in_window:
            months = (date - when).days / 30.44
            if severe:
                p = 1.0
            elif moderate:
                p = (0.98 - 0.18 * months / 12) * (0.92 if proxy else 1.0) * probing
            else:
                p = (0.95 - 0.50 * months / 12) * (0.80 if proxy else 1.0) * probing**2
        else:
            before = (window_start - when).days
            p = (0.30 if (severe or moderate) else 0.05) * np.exp(-before / 25)
        if rng.random() < min(p, 1.0):
            out.append(episode)
    return out


def _person_record(person: dict, person_id, hh_id, age, proxy, injured, n_reported, date) -> dict:
    legal = 20 if person["sex"] == 2 else 22
    marital = person["marital"]
    if age < 15:
        marital = None
    elif pd.isna(marital) or age < legal:
        marital = 1
    education, occupation = person["education"], person["occupation"]
    if age < 6:
        education, occupation = 1, 1
    elif occupation == 1:
        occupation = 2  # started school since the town was built
        education = 3
    return {
        "person_id": person_id,
        "hh_id": hh_id,
        "line": int(person["line"]),
        "relation": int(person["relation"]),
        "sex": int(person["sex"]),
        "age_years": age,
        "birth_date": person["birth_date"].strftime("%Y-%m"),
        "residence_status": int(person["residence_status"]),
        "months_present_12m": int(person["months_present_12m"]),
        "education": None if pd.isna(education) else int(education),
        "occupation": int(occupation),
        "marital": None if marital is None or pd.isna(marital) else int(marital),
        "hukou": int(person["hukou"]),
        "respondent_type": 2 if proxy else 1,
        "injured_12m": injured,
        "n_episodes_12m": None if injured == 8 else n_reported,
    }


def _episode_record(
    rng, episode, episode_id, person_id, date, proxy, age, measurement_error
) -> dict:
    when = episode["injury_date"]
    months = (date - when).days / 30.44
    month_only = measurement_error and rng.random() < 0.02 + 0.04 * (months > 6) + 0.03 * proxy
    hour = episode["injury_hour"]
    if measurement_error and rng.random() < 0.06 + 0.10 * proxy:
        hour = None
    cost = episode["cost_medical"]
    if measurement_error and episode["care_level"] <= 1 and proxy and rng.random() < 0.15:
        cost = None
    since = (date - when).days
    if episode["disability"] and since > 60:
        outcome = 3
    else:
        outcome = 2 if since < episode["recovery_days"] else 1
    record = {
        "episode_id": episode_id,
        "person_id": person_id,
        "injury_date": when.strftime("%Y-%m" if month_only else "%Y-%m-%d"),
        "injury_hour": None if hour is None or pd.isna(hour) else int(hour),
        "cost_medical": None if cost is None or pd.isna(cost) else float(cost),
        "outcome": outcome,
    }
    for column in EPISODE_COLUMNS:
        if column not in record:
            value = episode.get(column)
            record[column] = (
                None if value is None or (not isinstance(value, str) and pd.isna(value)) else value
            )
    record["cause_other_text"] = episode["cause_other_text"] if episode["cause"] == 13 else None
    return record


def pilot_sample(population: Population, seed: int, households_per_psu: int = 10) -> pd.DataFrame:
    """The pilot's households: one PSU per community chosen purposively, ten dwellings in each.

    The PSU is the community's median-sized block (a "typical" block, the usual purposive choice
    for a pre-survey); its occupied dwellings are taken systematically from a random start. Pilot ids are
    ``pilot-{psu_id}-{listing_position:04d}``; no inclusion probabilities (docs/methods.md §6.1.5).
    """
    rng = np.random.default_rng([int(seed), 11])
    rows = []
    for stratum_id, block in population.frame.groupby("stratum_id", sort=True):
        ordered = block.sort_values(["households", "psu_id"])
        psu = ordered.iloc[(len(ordered) - 1) // 2]
        # The community office leads the team to occupied homes: non-response remains, vacancy not.
        dwellings = population.dwellings
        occupied = dwellings.loc[
            (dwellings["psu_id"] == psu["psu_id"]) & (dwellings["status"] == "occupied"),
            "listing_position",
        ].to_numpy()
        take = min(households_per_psu, len(occupied))
        step = len(occupied) / take
        picks = np.floor(rng.uniform(0, step) + step * np.arange(take)).astype(int)
        positions = occupied[picks.clip(max=len(occupied) - 1)]
        for seq, position in enumerate(positions, 1):
            rows.append(
                {
                    "hh_id": f"pilot-{psu['psu_id']}-{position:04d}",
                    "stratum_id": stratum_id,
                    "psu_id": psu["psu_id"],
                    "hh_seq": seq,
                    "listing_position": int(position),
                }
            )
    return pd.DataFrame(rows)


def make_pilot(
    population: Population, seed: int, *, interview_start: str = "2026-03-09"
) -> dict[str, pd.DataFrame]:
    """The pre-survey (预调查): 50 households, 10 in one purposive PSU of each community.

    Fieldwork by five trainee interviewers over two weeks with the draft questionnaire, whose
    weaknesses the pilot's QC is meant to find (docs/methods.md §5.2): the draft's cause list has
    no clear home for e-bike and other riding falls, so interviewers code about a quarter of the
    episodes as "other" (13) with a text; and respondents balk at the alcohol question, so it is
    answered "don't know" (3) for about half of the adults' episodes.
    """
    sample = pilot_sample(population, seed)
    tables = field_survey(
        population, sample, seed=seed, interview_start=interview_start, wave="pilot", weeks=2,
        n_interviewers=5,
    )  # fmt: skip
    rng = np.random.default_rng([int(seed), 13])
    episodes = tables["episodes"]
    if len(episodes):
        preferred = episodes["cause"].isin([2, 3]).to_numpy()
        order = np.argsort(~preferred + rng.random(len(episodes)) * 0.5, kind="stable")
        n_other = max(1, int(np.ceil(0.25 * len(episodes))))
        texts = ["骑电动车自己摔倒", "走路时扭到脚", "干活时弄伤", "说不清怎么伤的"]
        for index in order[:n_other]:
            position = episodes.index[index]
            was_traffic = episodes.at[position, "cause"] in (1, 2)
            episodes.loc[position, ["cause"]] = 13
            episodes.loc[position, "cause_other_text"] = (
                texts[0] if was_traffic else str(rng.choice(texts[1:]))
            )
            for column in ("traffic_role", "traffic_vehicle", "traffic_counterpart", "safety_device",
                           "fall_type", "fall_reason"):  # fmt: skip
                episodes.loc[position, column] = pd.NA
        adult = episodes.index[episodes["alcohol"].notna()]
        n_dk = int(np.ceil(0.5 * len(adult)))
        episodes.loc[rng.permutation(adult)[:n_dk], "alcohol"] = 3
    return tables
