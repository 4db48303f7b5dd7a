"""A synthetic town: its sampling frame, its residents and every resident's true injuries.

The town (示范镇) has a handful of communities (社区居委会, the strata), each made of residential
blocks (小区/楼栋, the PSUs) of 80–600 listed dwellings. Dwellings hold households built from
household types typical of an ageing Chinese town (single elderly, elderly couples, nuclear,
three-generation and skipped-generation households); head ages follow the China 2010 census age
structure (docs/methods.md §7) shifted six years older. Socio-demographic codes follow the code
lists of docs/methods.md §2.3 and are drawn so that the age rules A1–A5 (§4.4) hold.

Injuries are a Poisson process per person whose rate depends on age and sex (children, young
working men and the oldest old are at higher risk), on occupation, on the community, on a PSU
random effect and a household random effect on the log scale (clustering, so the intra-PSU
correlation of being injured is about 0.01–0.02), and on a gamma-distributed personal frailty
(negative-binomial counts, so that injured persons have 1.1–1.4 episodes on average, as the
1.39 of the Guangdong survey, docs/methods.md §6.4 I4). Each episode is then described coherently
(:mod:`injury_survey.simulate.injuries`).

:meth:`Population.truth` gives the finite-population values the survey estimates: incidence and
episode rates under each case definition of §1, over the nominal 12-month window that ends on
the population's reference date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from injury_survey.simulate.injuries import describe_injuries

CASE_DEFINITIONS = ("case_cn_halfday", "case_1day", "case_medical")

AGE_GROUPS_5Y = [f"{lo}-{lo + 4}" for lo in range(0, 85, 5)] + ["85+"]

# Communities of the demo town (stratum id, Chinese name, English name).
COMMUNITIES = [
    ("S1", "东城社区", "Dongcheng"),
    ("S2", "西城社区", "Xicheng"),
    ("S3", "南湖社区", "Nanhu"),
    ("S4", "北苑社区", "Beiyuan"),
    ("S5", "新村社区", "Xincun"),
]

# Block names are a prefix and a suffix; unique within a community.
_BLOCK_PREFIXES = [
    "桂花",
    "翠竹",
    "和平",
    "阳光",
    "建设",
    "幸福",
    "锦绣",
    "丽景",
    "滨河",
    "文化",
    "南湖",
    "紫荆",
    "梧桐",
    "春晖",
    "百合",
    "向阳",
    "红旗",
    "工人",
    "电厂",
    "粮站",
    "金桥",
    "银杏",
    "玉兰",
    "东方",
    "华府",
    "康乐",
    "怡和",
    "新华",
    "人民",
    "长青",
]
_BLOCK_SUFFIXES = ["苑", "园", "小区", "家园", "新村", "花园", "里", "楼"]

# China 2010 census, both sexes, 5-year groups 0-4 … 95-99, 100+ (docs/methods.md §7).
_CHINA_2010 = np.array(
    [
        75532610, 70881549, 74908462, 99889114, 127412518, 101013852, 97138203, 118025959,
        124753964, 105594553, 78753171, 81312474, 58667282, 41113282, 32972397, 23852133,
        13373198, 5631928, 1578307, 369979, 35934,
    ],
    dtype=float,
)  # fmt: skip

# Community differences: apartment share, vacancy, injury-rate factor, rural-ness (agriculture).
_COMMUNITY_TRAITS = {
    "S1": {"apartment": 0.93, "vacant": 0.055, "rate": 0.95, "rural": 0.00},
    "S2": {"apartment": 0.90, "vacant": 0.045, "rate": 1.00, "rural": 0.02},
    "S3": {"apartment": 0.82, "vacant": 0.040, "rate": 1.00, "rural": 0.05},
    "S4": {"apartment": 0.86, "vacant": 0.040, "rate": 1.05, "rural": 0.03},
    "S5": {"apartment": 0.55, "vacant": 0.025, "rate": 1.15, "rural": 0.25},
}
_DEFAULT_TRAITS = {"apartment": 0.85, "vacant": 0.04, "rate": 1.0, "rural": 0.05}

# Household types: probability, and the head's age range.
_HOUSEHOLD_TYPES = {
    "single_elder": (0.09, 62, 95),
    "single_adult": (0.07, 22, 61),
    "couple_elder": (0.20, 60, 90),
    "couple_middle": (0.10, 23, 64),
    "nuclear": (0.30, 26, 56),
    "single_parent": (0.04, 28, 55),
    "three_generation": (0.10, 28, 55),
    "skipped_generation": (0.04, 52, 75),
    "couple_adult_child": (0.06, 45, 68),
}

# Annual rate of injury episodes of any severity (before frailty and random effects), by age band
# lower bound and sex (1 male, 2 female). Shape from Chinese community surveys: peaks in boys,
# young working men and the oldest old (docs/methods.md §5.1, §6.4 T4).
_RATE_BANDS = np.array([0, 5, 15, 25, 45, 65, 75])
_RATE_BY_SEX = {
    1: np.array([0.062, 0.090, 0.078, 0.083, 0.064, 0.066, 0.095]),
    2: np.array([0.047, 0.060, 0.047, 0.047, 0.057, 0.072, 0.106]),
}
_FRAILTY_SHAPE = 0.28  # gamma shape k of the personal frailty (variance 1/k)
_PSU_SD = 0.55  # SD of the PSU random effect on the log rate
_HOUSEHOLD_SD = 0.30  # SD of the household random effect on the log rate
_WINDOW_DAYS = 365


@dataclass(frozen=True, eq=False)
class Population:
    """A simulated town and its true injury histories.

    Attributes
    ----------
    seed
        The seed the town was built from.
    reference_date
        End of the nominal 12-month recall window of :meth:`truth` (mid-fieldwork).
    strata
        ``stratum_id``, ``name_zh``, ``name_en``.
    frame
        The sampling frame in the docs/input-tables.md format: ``stratum_id``, ``psu_id``, ``psu_name``,
        ``households`` (dwellings listed, the measure of size), ``population`` (residents).
    census
        Residents by ``stratum_id`` × ``sex`` × ``age_group`` (5-year, "0-4" … "85+"), aggregated
        from the roster, so it sums to the frame's population in every stratum.
    dwellings
        One row per listed dwelling: ``stratum_id``, ``psu_id``, ``listing_position``,
        ``status`` (occupied, vacant, demolished, not_found), ``dwelling_type``, ``hh_key``
        (-1 if not occupied), ``hukou_hh``.
    residents
        The full roster: one row per person who lived in the town at some time of the simulated
        span, with ``person_key``, ``hh_key``, ``line``, ``relation``, ``sex``, ``birth_date``,
        ``join_date`` / ``leave_date`` (NaT when resident throughout), ``education``,
        ``occupation``, ``marital``, ``hukou``, ``stratum_id``, ``psu_id``.
    injuries
        Every true injury episode of the simulated span (``person_key``, ``injury_date`` and the
        episode fields of docs/methods.md §2.4, plus ``recovery_days``, ``disability`` and the
        three case-definition flags).
    """

    seed: int
    reference_date: pd.Timestamp
    strata: pd.DataFrame
    frame: pd.DataFrame
    census: pd.DataFrame
    dwellings: pd.DataFrame
    residents: pd.DataFrame
    injuries: pd.DataFrame

    @property
    def window_start(self) -> pd.Timestamp:
        return self.reference_date - pd.Timedelta(days=_WINDOW_DAYS)

    def listed_residents(self, interview_date: pd.Timestamp | None = None) -> pd.DataFrame:
        """Residents a household roster lists on ``interview_date`` (default: the reference date).

        Listed are those who had joined by that date and had not left before its 12-month window
        opened (usual residents, newcomers and leavers, docs/methods.md §1 eligibility), with
        their ``age_years``, ``residence_status`` and ``months_present_12m`` on that date.
        """
        date = self.reference_date if interview_date is None else pd.Timestamp(interview_date)
        return roster_on(self.residents, date)

    def truth(
        self, case_definition: str = "case_cn_halfday", age_groups=(0, 15, 45, 65)
    ) -> pd.DataFrame:
        """True incidence and episode rates of the town over the nominal 12-month window.

        Persons are the residents listed on the reference date (:meth:`listed_residents`);
        an episode counts if it meets ``case_definition`` (docs/methods.md §1) and its date is
        in ``[reference_date − 365 d, reference_date]``. Incidence = injured persons / persons
        (I1); episode rates per 100 persons and per 1000 person-years (I2), person-years =
        ``months_present_12m / 12`` (§4.5).

        Returns
        -------
        pandas.DataFrame
            ``by`` (all, sex, age_group, age_group_5y), ``level``, ``persons``,
            ``person_years``, ``injured``, ``episodes``, ``incidence``, ``episodes_per_100``,
            ``episodes_per_1000py``, ``episodes_per_injured``.
        """
        if case_definition not in CASE_DEFINITIONS:
            raise ValueError(
                f"case_definition must be one of {CASE_DEFINITIONS}, got {case_definition!r}"
            )
        persons = self.listed_residents()
        episodes = self.injuries
        in_window = (
            (episodes["injury_date"] >= self.window_start)
            & (episodes["injury_date"] <= self.reference_date)
            & episodes[case_definition]
        )
        counts = episodes.loc[in_window].groupby("person_key").size()
        persons = persons.assign(
            episodes=persons["person_key"].map(counts).fillna(0).astype(int),
            person_years=persons["months_present_12m"] / 12,
            age_group=age_group_labels(persons["age_years"], age_groups),
            age_group_5y=age_group_labels(persons["age_years"], range(0, 90, 5)),
            all="all",
        )
        persons["injured"] = (persons["episodes"] > 0).astype(int)
        rows = []
        for by in ("all", "sex", "age_group", "age_group_5y"):
            grouped = persons.groupby(by, sort=True).agg(
                persons=("person_key", "size"),
                person_years=("person_years", "sum"),
                injured=("injured", "sum"),
                episodes=("episodes", "sum"),
            )
            for level, row in grouped.iterrows():
                rows.append({"by": by, "level": str(level), **row.to_dict()})
        out = pd.DataFrame(rows)
        out["incidence"] = out["injured"] / out["persons"]
        out["episodes_per_100"] = 100 * out["episodes"] / out["persons"]
        out["episodes_per_1000py"] = 1000 * out["episodes"] / out["person_years"]
        out["episodes_per_injured"] = out["episodes"] / out["injured"].where(out["injured"] > 0)
        return out

    def icc(self, case_definition: str = "case_cn_halfday") -> float:
        """ANOVA intra-PSU correlation of being injured, over the whole town (docs/methods.md §5.2).

        ``ρ = (MSB − MSW) / (MSB + (m₀ − 1)·MSW)`` with ``m₀ = (N − Σ mᵢ²/N) / (k − 1)`` for
        unequal cluster sizes (Donner 1986).
        """
        persons = self.listed_residents()
        window = (
            (self.injuries["injury_date"] >= self.window_start)
            & (self.injuries["injury_date"] <= self.reference_date)
            & self.injuries[case_definition]
        )
        injured_keys = set(self.injuries.loc[window, "person_key"])
        y = persons["person_key"].isin(injured_keys).astype(float)
        return anova_icc(y, persons["psu_id"])


def anova_icc(y: pd.Series, cluster: pd.Series) -> float:
    """One-way ANOVA estimator of the intra-cluster correlation for unequal cluster sizes."""
    frame = pd.DataFrame({"y": np.asarray(y, dtype=float), "c": np.asarray(cluster)})
    groups = frame.groupby("c")["y"].agg(["size", "mean"])
    n, k = len(frame), len(groups)
    grand = frame["y"].mean()
    ssb = float((groups["size"] * (groups["mean"] - grand) ** 2).sum())
    ssw = float(((frame["y"] - frame["c"].map(groups["mean"])) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    m0 = (n - (groups["size"] ** 2).sum() / n) / (k - 1)
    return (msb - msw) / (msb + (m0 - 1) * msw)


def age_group_labels(age: pd.Series, lower_bounds) -> pd.Series:
    """Labels "lo-hi" for each age, the last group open ("65+"); bounds start at 0."""
    bounds = list(lower_bounds)
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
    labels.append(f"{bounds[-1]}+")
    index = np.searchsorted(np.asarray(bounds), np.asarray(age, dtype=int), side="right") - 1
    return pd.Series(np.asarray(labels, dtype=object)[index], index=age.index, dtype="str")


def completed_years(birth: pd.Series, on: pd.Series | pd.Timestamp) -> pd.Series:
    """Age in completed years on a date (birthday counted on the day itself)."""
    on = on if isinstance(on, pd.Series) else pd.Series(on, index=birth.index)
    years = on.dt.year - birth.dt.year
    before_birthday = (on.dt.month < birth.dt.month) | (
        (on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day)
    )
    return (years - before_birthday.astype(int)).astype(int)


def roster_on(residents: pd.DataFrame, interview_date) -> pd.DataFrame:
    """The residents a roster taken on ``interview_date`` (a date, or one per resident) lists.

    Residence status and months present follow docs/methods.md §2.3: 2 if the person joined
    (birth or in-migration) within the 12 months before the interview, 3 if they left within them,
    else 1; months present are the whole months spent in the household in that window.
    """
    date = (
        interview_date
        if isinstance(interview_date, pd.Series)
        else pd.Series(pd.Timestamp(interview_date), index=residents.index)
    )
    start = date - pd.Timedelta(days=_WINDOW_DAYS)
    joined = residents["join_date"]
    left = residents["leave_date"]
    listed = (joined.isna() | (joined <= date)) & (left.isna() | (left >= start))
    out = residents.loc[listed].copy()
    date, start = date.loc[listed], start.loc[listed]
    joined_in = out["join_date"].notna() & (out["join_date"] > start)
    left_in = out["leave_date"].notna() & (out["leave_date"] <= date)
    present_from = out["join_date"].where(joined_in, start)
    present_to = out["leave_date"].where(left_in, date)
    days = (present_to - present_from).dt.days.clip(lower=0)
    months = np.floor(days / (365.25 / 12)).astype(int).clip(upper=12)
    out["residence_status"] = np.select([left_in, joined_in], [3, 2], default=1)
    out["months_present_12m"] = np.where(
        (~joined_in) & (~left_in), out["months_usual"], months
    ).astype(int)
    out["age_years"] = completed_years(out["birth_date"], date)
    return out


# ---------------------------------------------------------------------------- building the town


def _head_age_density(years_older: int = 6) -> np.ndarray:
    """Single-year age density 0–105 of a town ``years_older`` years older than China 2010 (§7)."""
    single = np.repeat(_CHINA_2010[:20] / 5, 5)
    single = np.append(single, np.full(6, _CHINA_2010[20] / 6))
    shifted = np.concatenate([np.full(years_older, single[0]), single[:-years_older]])
    ages = np.arange(len(shifted))
    # Survival: shifting the 2010 curve keeps everyone alive; thin the oldest old.
    shifted = shifted * np.where(ages > 75, 0.93 ** (ages - 75), 1.0)
    return shifted / shifted.sum()


def _draw_age(rng: np.random.Generator, density: np.ndarray, lo: int, hi: int) -> int:
    weights = density[lo : hi + 1]
    return lo + int(np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random()))


def _build_household(rng: np.random.Generator, kind: str, density: np.ndarray) -> list[tuple]:
    """Members of one household as (relation, sex, age, marital or 0 for "decide by age")."""
    _, lo, hi = _HOUSEHOLD_TYPES[kind]
    head_age = _draw_age(rng, density, lo, hi)

    def spouse_of(head_sex: int, age: int) -> tuple:
        gap = int(round(rng.normal(2.0, 3.0)))
        spouse_age = age - gap if head_sex == 1 else age + gap
        return (2, 3 - head_sex, int(np.clip(spouse_age, 20, 100)), 2)

    def children(mother_age: int, head_age: int, n: int, relation: int = 3) -> list[tuple]:
        out, age = [], mother_age - int(rng.integers(22, 37))
        for _ in range(n):
            if age < 0 or age >= head_age - 15:
                break
            out.append((relation, 1 if rng.random() < 0.515 else 2, age, 0))
            age -= int(rng.integers(2, 9))
        return out

    members: list[tuple]
    if kind in ("single_elder", "single_adult"):
        sex = 2 if rng.random() < (0.65 if kind == "single_elder" else 0.40) else 1
        if kind == "single_elder":
            marital = rng.choice([4, 3, 1, 2], p=[0.75, 0.08, 0.04, 0.13])
        else:
            marital = rng.choice([1, 3, 2], p=[0.55, 0.25, 0.20])
        if head_age < (20 if sex == 2 else 22):
            marital = 1
        members = [(1, sex, head_age, int(marital))]
    elif kind == "single_parent":
        sex = 2 if rng.random() < 0.75 else 1
        members = [(1, sex, head_age, int(rng.choice([3, 4, 2], p=[0.6, 0.25, 0.15])))]
        kids = children(head_age, head_age, 1 + int(rng.random() < 0.3))
        members += kids or [(3, 1 if rng.random() < 0.515 else 2, int(rng.integers(0, 4)), 0)]
    else:
        if kind == "couple_middle" and rng.random() < 0.35:
            head_age = int(rng.integers(23, 35))
        head_sex = 1 if rng.random() < 0.87 else 2
        head = (1, head_sex, head_age, 2)
        spouse = spouse_of(head_sex, head_age)
        members = [head, spouse]
        mother_age = spouse[2] if head_sex == 1 else head_age
        if kind == "skipped_generation" and rng.random() < 0.15:
            members = [(1, head_sex, head_age, int(rng.choice([4, 2], p=[0.8, 0.2])))]
        if kind in ("nuclear", "three_generation"):
            n_kids = int(rng.choice([1, 2, 3], p=[0.55, 0.40, 0.05]))
            kids = children(mother_age, head_age, n_kids)
            members += kids or [(3, 1 if rng.random() < 0.515 else 2, int(rng.integers(0, 3)), 0)]
        if kind == "three_generation":
            parent_age = min(head_age + int(rng.integers(24, 34)), 98)
            if rng.random() < 0.55:
                members += [(4, 1, parent_age, 2), (4, 2, max(parent_age - 2, 45), 2)]
            else:
                members.append((4, 2 if rng.random() < 0.7 else 1, parent_age, 4))
        if kind == "skipped_generation":
            n = 1 + int(rng.random() < 0.25)
            for _ in range(n):
                members.append((5, 1 if rng.random() < 0.515 else 2, int(rng.integers(0, 15)), 0))
        if kind == "couple_adult_child":
            age = min(int(rng.integers(18, 36)), mother_age - 20, head_age - 20)
            if age >= 18:
                marital = int(rng.choice([1, 2, 3], p=[0.88, 0.06, 0.06]))
                sex = 1 if rng.random() < 0.55 else 2
                if age < (20 if sex == 2 else 22):
                    marital = 1
                members.append((3, sex, age, marital))
    extra = rng.random()
    if extra < 0.02:
        members.append(
            (9, int(rng.integers(1, 3)), int(rng.integers(20, 56)), int(rng.choice([1, 2])))
        )
    elif extra < 0.035:
        members.append(
            (7, int(rng.integers(1, 3)), int(np.clip(head_age + rng.integers(-8, 9), 18, 95)), 0)
        )
    elif extra < 0.045:
        members.append((8, int(rng.integers(1, 3)), int(rng.integers(15, 80)), 0))
    return members


def _choose_by_mask(rng, out, mask, codes, probs) -> None:
    n = int(mask.sum())
    if n:
        out[mask] = rng.choice(np.asarray(codes), size=n, p=np.asarray(probs) / np.sum(probs))


def _socio_demographics(rng, people: pd.DataFrame, rural: np.ndarray) -> pd.DataFrame:
    """Education, occupation, marital status and hukou, consistent with age (rules A1–A5)."""
    age = people["age_ref"].to_numpy()
    sex = people["sex"].to_numpy()
    n = len(people)
    education = np.zeros(n, dtype=int)
    occupation = np.zeros(n, dtype=int)

    education[age < 6] = 1
    occupation[age < 6] = 1
    school = (age >= 6) & (age <= 15)
    occupation[school] = 2
    education[school & (age <= 11)] = 3
    education[school & (age >= 12)] = 4
    # 16–24: most study; the rest work or look for work.
    young = (age >= 16) & (age <= 24)
    p_student = np.select([age <= 17, age <= 19, age <= 22], [0.92, 0.65, 0.45], default=0.15)
    student = young & (rng.random(n) < p_student)
    occupation[student] = 2
    education[student & (age <= 18)] = 5
    _choose_by_mask(rng, education, student & (age >= 19), [6, 7], [0.45, 0.55])

    adult = (age >= 16) & ~student & ~school
    cohorts = [
        (age >= 75, [0.35, 0.35, 0.18, 0.08, 0.02, 0.02]),
        ((age >= 60) & (age < 75), [0.15, 0.35, 0.30, 0.15, 0.03, 0.02]),
        ((age >= 45) & (age < 60), [0.04, 0.20, 0.42, 0.24, 0.06, 0.04]),
        ((age >= 30) & (age < 45), [0.01, 0.08, 0.35, 0.28, 0.15, 0.13]),
        ((age >= 18) & (age < 30), [0.005, 0.03, 0.25, 0.30, 0.22, 0.195]),
        (age < 18, [0.0, 0.02, 0.60, 0.38, 0.0, 0.0]),
    ]
    for is_rural in (False, True):
        for mask, probs in cohorts:
            probs = np.asarray(probs)
            if is_rural:  # less schooling in the village-like community
                probs = probs * np.array([1.8, 1.5, 1.2, 0.8, 0.5, 0.4])
            _choose_by_mask(
                rng, education, adult & mask & (rural == is_rural), [2, 3, 4, 5, 6, 7], probs
            )

    work_codes = [6, 7, 8, 9, 10, 11, 12, 3, 4]
    male_work = [0.15, 0.12, 0.30, 0.05, 0.28, 0.005, 0.035, 0.01, 0.05]
    female_work = [0.17, 0.15, 0.33, 0.04, 0.12, 0.0, 0.02, 0.12, 0.05]
    for is_rural in (False, True):
        sel_rural = rural == is_rural
        boost = np.array([1, 1, 1, 6 if is_rural else 1, 1, 1, 1, 1, 1])
        working_age = adult & (age < 50) & sel_rural
        _choose_by_mask(
            rng, occupation, working_age & (sex == 1), work_codes, np.array(male_work) * boost
        )
        _choose_by_mask(
            rng, occupation, working_age & (sex == 2), work_codes, np.array(female_work) * boost
        )
        codes50 = [*work_codes, 5]
        boost50 = np.append(boost, 1)
        male50 = np.array([0.08, 0.08, 0.22, 0.05, 0.22, 0.0, 0.03, 0.02, 0.10, 0.20])
        female50 = np.array([0.05, 0.05, 0.12, 0.02, 0.04, 0.0, 0.01, 0.12, 0.04, 0.55])
        in50s = adult & (age >= 50) & (age < 60) & sel_rural
        _choose_by_mask(rng, occupation, in50s & (sex == 1), codes50, male50 * boost50)
        _choose_by_mask(rng, occupation, in50s & (sex == 2), codes50, female50 * boost50)
        old = adult & (age >= 60) & sel_rural
        _choose_by_mask(
            rng,
            occupation,
            old,
            [5, 9, 3, 8, 12],
            [0.80, 0.08 * (4 if is_rural else 1), 0.07, 0.03, 0.02],
        )
    # Nobody under 16 works (A3) and nobody under 45 is retired (A4).
    occupation[(age < 16) & (occupation >= 6)] = 2

    marital = people["marital_hint"].to_numpy().copy()
    undecided = (marital == 0) & (age >= 15)
    young_legal = age < np.where(sex == 2, 20, 22)
    marital[undecided & young_legal] = 1
    rest = undecided & ~young_legal
    _choose_by_mask(rng, marital, rest & (age < 35), [1, 2, 3], [0.85, 0.08, 0.07])
    _choose_by_mask(
        rng, marital, rest & (age >= 35) & (age < 65), [1, 2, 3, 4], [0.15, 0.60, 0.15, 0.10]
    )
    _choose_by_mask(rng, marital, rest & (age >= 65), [2, 4, 3, 1], [0.45, 0.45, 0.05, 0.05])
    marital[age < 15] = 0

    hukou_hh = people["hukou_hh"].to_numpy()
    hukou = np.where(
        rng.random(n) < 0.88, hukou_hh, rng.choice([1, 2, 3], size=n, p=[0.6, 0.25, 0.15])
    )

    return people.assign(
        education=pd.array(education, dtype="Int64"),
        occupation=pd.array(occupation, dtype="Int64"),
        marital=pd.Series(marital, index=people.index, dtype="Int64").where(marital > 0),
        hukou=pd.array(hukou, dtype="Int64"),
    )


def simulate_population(
    seed: int,
    *,
    n_communities: int = 5,
    psus_per_community: tuple[int, int] = (25, 40),
    scale: float = 1.0,
    reference_date: str = "2026-04-28",
    years_older: int = 6,
    communities: Sequence[tuple[str, str, str]] | None = None,
    cause_rate_factors: Sequence[CauseRateFactor] = (),
) -> Population:
    """Build a synthetic town from ``seed``: frame, census, residents and true injuries.

    Parameters
    ----------
    seed
        Non-negative integer; the same seed and settings give the same town, row for row.
    n_communities
        Strata (社区居委会); the first five carry the demo town's names.
    psus_per_community
        Inclusive range of residential blocks (PSUs) per community.
    scale
        Multiplies every block's dwelling count (at least 8 dwellings are kept), to build small
        towns for tests.
    reference_date
        End of the nominal 12-month window of :meth:`Population.truth`: put it mid-fieldwork.
        True injuries are simulated from 16 months before it to 2 months after it, enough for a
        pilot a few weeks earlier, six weeks of fieldwork and some telescoping.
    years_older
        How much older than China 2010 the household heads' age structure is (6 for the demo
        baseline; 8 for the same town two years later).
    communities
        (stratum id, Chinese name, English name) of each community; default the demo town's.
    cause_rate_factors
        Multiply the rate of one cause in one age range (a programme's effect or a secular
        change): episodes of that cause at those ages are kept with probability ``factor``
        (thinning a Poisson process scales its rate exactly). The thinning has its own random
        stream, so the town is otherwise the one the same seed builds without factors.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    lo, hi = psus_per_community
    if not 2 <= lo <= hi:
        raise ValueError(
            f"psus_per_community must be (low, high) with 2 <= low <= high, got {psus_per_community!r}"
        )
    rng = np.random.default_rng(seed)
    reference = pd.Timestamp(reference_date)
    density = _head_age_density(years_older)
    names = list(communities) if communities is not None else COMMUNITIES

    strata = pd.DataFrame(
        [
            names[i] if i < len(names) else (f"S{i + 1}", f"第{i + 1}社区", f"Community {i + 1}")
            for i in range(n_communities)
        ],
        columns=["stratum_id", "name_zh", "name_en"],
    )

    # Frame and dwellings.
    psu_rows, dwelling_parts = [], []
    for stratum_id, name_zh in zip(strata["stratum_id"], strata["name_zh"], strict=True):
        traits = _COMMUNITY_TRAITS.get(stratum_id, _DEFAULT_TRAITS)
        n_psu = int(rng.integers(lo, hi + 1))
        names = rng.choice(len(_BLOCK_PREFIXES) * len(_BLOCK_SUFFIXES), size=n_psu, replace=False)
        psu_numbers = np.sort(rng.choice(np.arange(1, 3 * n_psu + 1), size=n_psu, replace=False))
        for number, name in zip(psu_numbers, names, strict=True):
            size = float(np.clip(rng.lognormal(np.log(220), 0.45), 80, 600))
            households = max(8, int(round(size * scale)))
            psu_id = f"{stratum_id}-P{number:03d}"
            block = (
                _BLOCK_PREFIXES[name // len(_BLOCK_SUFFIXES)]
                + _BLOCK_SUFFIXES[name % len(_BLOCK_SUFFIXES)]
            )
            psu_rows.append(
                {"stratum_id": stratum_id, "psu_id": psu_id, "psu_name": f"{name_zh}{block}"}
            )
            u = rng.random(households)
            status = np.select(
                [u < traits["vacant"], u < traits["vacant"] + 0.006, u < traits["vacant"] + 0.010],
                ["vacant", "demolished", "not_found"],
                default="occupied",
            )
            v = rng.random(households)
            dwelling_type = np.where(v < traits["apartment"], 1, np.where(v < 0.985, 2, 3))
            dwelling_parts.append(
                pd.DataFrame(
                    {
                        "stratum_id": stratum_id,
                        "psu_id": psu_id,
                        "listing_position": np.arange(1, households + 1),
                        "status": status,
                        "dwelling_type": dwelling_type,
                    }
                )
            )
    frame = pd.DataFrame(psu_rows)
    dwellings = pd.concat(dwelling_parts, ignore_index=True)
    occupied = dwellings["status"].to_numpy() == "occupied"
    hh_key = np.full(len(dwellings), -1)
    hh_key[occupied] = np.arange(int(occupied.sum()))
    dwellings["hh_key"] = hh_key
    dwellings["hukou_hh"] = rng.choice([1, 2, 3], size=len(dwellings), p=[0.78, 0.14, 0.08])

    # Households and their members.
    kinds = list(_HOUSEHOLD_TYPES)
    kind_probs = np.array([_HOUSEHOLD_TYPES[k][0] for k in kinds])
    occupied_rows = dwellings.loc[occupied]
    rows = []
    for key, stratum_id, hukou_hh in zip(
        occupied_rows["hh_key"], occupied_rows["stratum_id"], occupied_rows["hukou_hh"], strict=True
    ):
        probs = kind_probs.copy()
        if _COMMUNITY_TRAITS.get(stratum_id, _DEFAULT_TRAITS)["rural"] > 0.1:
            probs[kinds.index("three_generation")] *= 1.8
            probs[kinds.index("skipped_generation")] *= 2.0
        kind = kinds[int(rng.choice(len(kinds), p=probs / probs.sum()))]
        for line, (relation, sex, age, marital) in enumerate(
            _build_household(rng, kind, density), 1
        ):
            rows.append((key, line, relation, sex, age, marital, hukou_hh))
    people = pd.DataFrame(
        rows, columns=["hh_key", "line", "relation", "sex", "age_ref", "marital_hint", "hukou_hh"]
    )
    people["person_key"] = np.arange(len(people))
    where = dwellings.loc[occupied, ["hh_key", "stratum_id", "psu_id"]].set_index("hh_key")
    people["stratum_id"] = people["hh_key"].map(where["stratum_id"]).astype("str")
    people["psu_id"] = people["hh_key"].map(where["psu_id"]).astype("str")
    rural = (
        people["stratum_id"]
        .map(lambda s: _COMMUNITY_TRAITS.get(s, _DEFAULT_TRAITS)["rural"])
        .to_numpy()
    )
    rural = rng.random(len(people)) < rural * 2
    people = _socio_demographics(rng, people, rural)

    # Birth dates consistent with the age on the reference date; newborns, joiners, leavers.
    n = len(people)
    age = people["age_ref"].to_numpy()
    days_into_year = rng.integers(0, 365, size=n)
    birth = reference - pd.to_timedelta(age * 365.25 + days_into_year, unit="D")
    birth = pd.Series(birth.normalize(), index=people.index)
    window_start = reference - pd.Timedelta(days=_WINDOW_DAYS)
    fieldwork_guard = reference - pd.Timedelta(days=30)  # before any interview, pilot excepted
    span_days = (fieldwork_guard - window_start).days - 30
    newborn = age == 0
    birth[newborn] = window_start + pd.to_timedelta(
        rng.integers(1, span_days + 30, size=int(newborn.sum())), unit="D"
    )
    u = rng.random(n)
    not_head = people["relation"].to_numpy() != 1
    joiner = (~newborn) & not_head & (u < 0.020)
    leaver = (~newborn) & not_head & (u >= 0.020) & (u < 0.032)
    join = pd.Series(pd.NaT, index=people.index, dtype="datetime64[us]")
    leave = pd.Series(pd.NaT, index=people.index, dtype="datetime64[us]")
    join[newborn] = birth[newborn]
    join[joiner] = window_start + pd.to_timedelta(
        rng.integers(30, span_days, size=int(joiner.sum())), unit="D"
    )
    leave[leaver] = window_start + pd.to_timedelta(
        rng.integers(30, span_days, size=int(leaver.sum())), unit="D"
    )
    # Registered residents away for part of the year (still usual residents, status 1).
    away = (~newborn) & (~joiner) & (~leaver) & (age >= 18) & (age < 60) & (rng.random(n) < 0.04)
    months_usual = np.where(away, rng.integers(7, 12, size=n), 12)
    people = people.assign(
        birth_date=birth, join_date=join, leave_date=leave, months_usual=months_usual
    )

    # True injuries over the simulated span.
    span_start = window_start - pd.Timedelta(days=120)
    span_end = reference + pd.Timedelta(days=60)
    at_risk_from = people["join_date"].where(people["join_date"] > span_start, span_start)
    at_risk_to = people["leave_date"].where(people["leave_date"] < span_end, span_end)
    exposure_days = (at_risk_to - at_risk_from).dt.days.clip(lower=0).to_numpy()
    band = np.searchsorted(_RATE_BANDS, age, side="right") - 1
    sex = people["sex"].to_numpy()
    rate = np.where(sex == 1, _RATE_BY_SEX[1][band], _RATE_BY_SEX[2][band])
    occupation = people["occupation"].to_numpy(dtype=int)
    rate = rate * np.where(np.isin(occupation, [9, 10]), 1.35, 1.0)
    psu_ids = frame["psu_id"].to_numpy()
    psu_effect = pd.Series(rng.normal(-(_PSU_SD**2) / 2, _PSU_SD, size=len(psu_ids)), index=psu_ids)
    hh_effect = rng.normal(-(_HOUSEHOLD_SD**2) / 2, _HOUSEHOLD_SD, size=int(occupied.sum()))
    community = (
        people["stratum_id"]
        .map(lambda s: _COMMUNITY_TRAITS.get(s, _DEFAULT_TRAITS)["rate"])
        .to_numpy()
    )
    log_effect = (
        people["psu_id"].map(psu_effect).to_numpy() + hh_effect[people["hh_key"].to_numpy()]
    )
    frailty = rng.gamma(_FRAILTY_SHAPE, 1 / _FRAILTY_SHAPE, size=n)
    expected = rate * community * np.exp(log_effect) * frailty * exposure_days / 365.25
    counts = rng.poisson(expected)
    owner = np.repeat(np.arange(n), counts)
    offsets = rng.random(len(owner)) * exposure_days[owner]
    injury_date = (
        at_risk_from.to_numpy()[owner] + pd.to_timedelta(np.floor(offsets), unit="D").to_numpy()
    )
    injury_date = pd.Series(injury_date).dt.normalize()
    injury_age = completed_years(pd.Series(people["birth_date"].to_numpy()[owner]), injury_date)
    injuries = describe_injuries(
        rng,
        person_key=owner,
        injury_date=injury_date,
        age=injury_age.to_numpy(),
        sex=sex[owner],
        occupation=occupation[owner],
    )
    injuries = injuries.sort_values(["person_key", "injury_date"], kind="stable", ignore_index=True)
    if cause_rate_factors:
        injuries = _thin_causes(injuries, people, cause_rate_factors, seed)
    residents = people.drop(columns=["marital_hint", "age_ref"])

    # Frame population and census from the roster on the reference date.
    listed = roster_on(residents, reference)
    frame["households"] = frame["psu_id"].map(dwellings.groupby("psu_id").size()).astype(int)
    frame["population"] = frame["psu_id"].map(listed.groupby("psu_id").size()).fillna(0).astype(int)
    census = _census(listed, strata["stratum_id"])
    return Population(
        seed=int(seed),
        reference_date=reference,
        strata=strata,
        frame=frame,
        census=census,
        dwellings=dwellings,
        residents=residents,
        injuries=injuries,
    )


@dataclass(frozen=True)
class CauseRateFactor:
    """The rate of ``cause`` (a cause code) at ages ``age_low``–``age_high`` (inclusive, age at
    the injury) is multiplied by ``factor`` (0 < factor ≤ 1)."""

    cause: int
    age_low: int
    age_high: int
    factor: float


def _thin_causes(
    injuries: pd.DataFrame,
    people: pd.DataFrame,
    factors: Sequence[CauseRateFactor],
    seed: int,
) -> pd.DataFrame:
    """Drop each episode matched by a factor with probability ``1 − factor``."""
    rng = np.random.default_rng([seed, 7])
    birth = people.set_index("person_key")["birth_date"]
    age = completed_years(
        pd.Series(injuries["person_key"].map(birth).to_numpy()),
        pd.Series(injuries["injury_date"].to_numpy()),
    ).to_numpy()
    cause = pd.to_numeric(injuries["cause"], errors="coerce").to_numpy()
    keep_probability = np.ones(len(injuries))
    for rule in factors:
        if not 0 < rule.factor <= 1:
            raise ValueError(f"cause rate factor must be in (0, 1], got {rule.factor!r}")
        hit = (cause == rule.cause) & (age >= rule.age_low) & (age <= rule.age_high)
        keep_probability[hit] *= rule.factor
    keep = rng.random(len(injuries)) < keep_probability
    return injuries.loc[keep].reset_index(drop=True)


def _census(listed: pd.DataFrame, strata: pd.Series) -> pd.DataFrame:
    """Residents by stratum × sex × 5-year age group, every cell present (zeros included)."""
    groups = age_group_labels(listed["age_years"], range(0, 90, 5))
    counts = listed.assign(age_group=groups).groupby(["stratum_id", "sex", "age_group"]).size()
    cells = pd.MultiIndex.from_product(
        [list(strata), [1, 2], AGE_GROUPS_5Y], names=["stratum_id", "sex", "age_group"]
    )
    census = counts.reindex(cells, fill_value=0).rename("population").reset_index()
    census["population"] = census["population"].astype(int)
    return census
