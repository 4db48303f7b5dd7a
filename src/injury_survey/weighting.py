"""Survey weights: base weights, household non-response adjustment, calibration to the census.

The steps follow docs/methods.md §6.1 (and Kish 1965; Valliant, Dever & Kreuter 2018, ch. 13-14):

1. **Base weight** ``w0 = 1 / (π_psu · π_hh)``: the inverse of the household's probability of
   selection (PSU drawn, then household drawn within it). Every member of a household is
   interviewed, so a person's base weight is the household's.
2. **Non-response adjustment** within weighting classes (PSU, or stratum): the weight of eligible
   households that did not respond is moved to the respondents of the same class,
   ``w1 = w0 · Σ_eligible w0 / Σ_responding w0``. Eligible = result codes 1-5 and 96; ineligible
   dwellings (6 vacant, 7 demolished, 8 not found) are out of scope and take no weight.
3. **Person-level non-response adjustment** (``weights.person_nonresponse``): a member of a
   responding household whose screening question has no answer (``injured_12m`` missing, or 8
   "don't know" when ``screening_dont_know`` is ``exclude``) is left out, and the weight of the
   members of each class (stratum × sex × report age group, sparse classes merged with the
   neighbouring age group) is carried by its screened members,
   ``w2 = w1 · Σ_members w1 / Σ_screened w1``.
4. **Calibration** of the person weights to the census residents by stratum × sex × report age
   group: post-stratification (each cell's weights scaled to its census total) or raking to the
   three margins. Sparse cells are collapsed with the neighbouring age group. Calibration runs in
   svy (:mod:`injury_survey.survey_design`) so that later standard errors account for it. The
   census counts the people living there now, so members who left or died in the recall window
   (``residence_status`` 3) are not calibrated to it: they keep their weight before calibration
   times the calibration factor of the residents of their stratum × sex × age group.
5. Optional **trimming** of weights above ``trim_ratio_to_median`` × median, alternating with
   re-calibration. Reported: Kish's weighting effect ``1 + CV²(w) = n·Σw² / (Σw)²``, min, max.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from injury_survey.census_coverage import census_gaps_for_weights, merge_cells_for_census_gaps
from injury_survey.design_spec import CalibrationSpec
from injury_survey.issues import SOURCE_FILE, SOURCE_ROW
from injury_survey.standardize import age_group_labels, assign_age_group
from injury_survey.survey_design import calibrate_weights, trim_weights
from injury_survey.variance_design import certainty_from_probabilities
from injury_survey.vectors import isin
from injury_survey.weighting_classes import (
    WeightingError,
    collapse_cells,
    person_nonresponse_adjust,
    person_nonresponse_notes,
)

RESPONDED = (1, 2)
ELIGIBLE = (1, 2, 3, 4, 5, 96)
INELIGIBLE = (6, 7, 8)
LEFT_IN_WINDOW = 3
"""``residence_status`` of a member who left or died in the recall window."""

WEIGHT_COLUMNS = [
    "person_id",
    "hh_id",
    "stratum_id",
    "psu_id",
    "weight_base",
    "weight_nr",
    "weight_pnr",
    "weight",
    "weight_hh",
    "sex",
    "age_years",
    "age_group",
]
HOUSEHOLD_WEIGHTS = ("person_mean", "nonresponse")


@dataclass
class WeightsResult:
    """Weighted persons and the diagnostics the weighting notebook shows.

    Attributes
    ----------
    persons
        One row per interviewed person: the columns of :data:`WEIGHT_COLUMNS`, the calibration cell
        columns, and every other column of the persons table passed through.
    nonresponse_classes
        One row per non-response class: eligible and responding households, their base-weight
        sums, the adjustment factor and whether the class is a collapsed one.
    person_classes
        One row per person-level non-response class: members, screened members, "don't know"
        and unanswered screening questions, their weight sums and the adjustment factor.
    calibration_cells
        One row per stratum × sex × age group: respondents, census population, the calibration
        cell it belongs to after collapsing (``collapsed`` true when merged).
    totals_check
        Weighted totals against the census margins (stratum, sex, age group): they agree after
        calibration; the difference shows what calibration did not pin.
    summary
        Kish weighting effect, min/max weights and their ratio, before and after calibration.
    calibration
        How ``weight`` was calibrated (for :class:`~injury_survey.survey_design.SurveyDesign`), or
        None.
    notes
        Plain-language notes: persons excluded, cells collapsed, census rows unused.
    census_collapsed
        Census cells missing for strata with respondents, taken as counted in a neighbouring
        age group under ``weights.census_missing: collapse`` (see
        :func:`injury_survey.census_coverage.resolve_census_gaps`); empty when none.
    """

    persons: pd.DataFrame
    nonresponse_classes: pd.DataFrame
    person_classes: pd.DataFrame
    calibration_cells: pd.DataFrame
    totals_check: pd.DataFrame
    summary: pd.DataFrame
    calibration: CalibrationSpec | None
    notes: list[str] = field(default_factory=list)
    census_collapsed: pd.DataFrame | None = None


# ---------------------------------------------------------------------- 1. base weights


def base_weights(households: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Households with ``stratum_id``, ``psu_id``, ``pi_psu``, ``pi_hh`` from the frozen sample
    list and ``weight_base = 1 / (pi_psu · pi_hh)`` (docs/methods.md §6.1.1).

    A household absent from the sample list has no known selection probability: that stops the
    weighting with the file and row of the household.
    """
    _require(sample, ["hh_id", "stratum_id", "psu_id", "pi_psu", "pi_hh"], "sample.csv")
    _require(households, ["hh_id"], "households.csv")

    def probability(column: str) -> pd.Series:
        # A blank π must count as bad: between() on <NA> gives <NA>, which a filter reads as False.
        value = pd.to_numeric(sample[column], errors="coerce").astype("Float64")
        return value.between(0, 1, inclusive="right").fillna(False).astype(bool)

    bad = sample[~probability("pi_psu") | ~probability("pi_hh")]
    if not bad.empty:
        raise WeightingError(
            f"sample.csv: {len(bad)} household(s) have pi_psu or pi_hh outside (0, 1], e.g. "
            f"{_where(bad.iloc[0], 'hh_id')}. Inclusion probabilities must be in (0, 1]: fix "
            "the sample list (it is written by the plan step)."
        )
    known = isin(households["hh_id"].astype(str), sample["hh_id"].astype(str))
    if not known.all():
        first = households.loc[~known].iloc[0]
        raise WeightingError(
            f"{int((~known).sum())} household(s) in households.csv are not in the sample list, "
            f"e.g. {_where(first, 'hh_id')}. Every interviewed household must appear in "
            "sample.csv with its inclusion probabilities: correct the hh_id or add the "
            "household to the sample list."
        )
    design = sample[["hh_id", "stratum_id", "psu_id", "pi_psu", "pi_hh"]].copy()
    design["hh_id"] = design["hh_id"].astype(str)
    out = households.drop(columns=["stratum_id", "psu_id"], errors="ignore").copy()
    out["hh_id"] = out["hh_id"].astype(str)
    out = out.merge(design, on="hh_id", how="left", validate="many_to_one")
    out["weight_base"] = 1.0 / (out["pi_psu"].astype(float) * out["pi_hh"].astype(float))
    return out


def variance_design_columns(sample: pd.DataFrame, frame: pd.DataFrame | None) -> pd.DataFrame:
    """Per sampled household, what the variance needs to know about how it was drawn
    (docs/methods.md, "Variance estimation"): ``certainty`` (sample.csv's column where given,
    else π_psu = 1), ``households_listed`` M_i = households sampled in the PSU / π_hh (the
    listing the households were drawn from) and ``psus_in_frame`` N_h, the frame PSUs of the
    stratum (NaN without a frame)."""
    out = sample[["hh_id", "stratum_id", "psu_id"]].copy()
    out["hh_id"] = out["hh_id"].astype(str)
    derived = certainty_from_probabilities(sample["pi_psu"])
    if "certainty" in sample.columns:
        given = sample["certainty"].notna()
        flags = pd.to_numeric(sample["certainty"], errors="coerce").where(given, derived)
        if not flags.isin([0, 1]).all():
            first = sample.loc[~flags.isin([0, 1])].iloc[0]
            raise WeightingError(
                f"sample.csv: certainty must be 0 or 1 (1 = PSU taken with certainty), "
                f"{_where(first, 'hh_id')} has {first['certainty']!r}. Fix it, or delete the "
                "column so certainty is read from pi_psu = 1. / 样本清单certainty列只能为0或1。"
            )
        drawn = (flags == 1) & (derived == 0)
        if drawn.any():
            first = sample.loc[drawn].iloc[0]
            raise WeightingError(
                f"sample.csv: {_where(first, 'hh_id')} is in a PSU marked certainty = 1 but has "
                f"pi_psu = {first['pi_psu']}; a certainty PSU has pi_psu = 1. Correct one of the "
                "two. / 样本清单中确定入样的居委会，其入样概率pi_psu应为1。"
            )
        out["certainty"] = flags.astype("int64").to_numpy()
    else:
        out["certainty"] = derived.to_numpy()
    taken = out.groupby(["stratum_id", "psu_id"])["hh_id"].transform("size")
    out["households_listed"] = np.round(taken / pd.to_numeric(sample["pi_hh"]).to_numpy())
    out["psus_in_frame"] = np.nan
    if frame is not None:
        counts = frame.groupby(frame["stratum_id"].astype(str))["psu_id"].nunique()
        out["psus_in_frame"] = out["stratum_id"].astype(str).map(counts).astype(float)
    return out[["hh_id", "certainty", "households_listed", "psus_in_frame"]]


# ---------------------------------------------------------------------- 2. non-response


def nonresponse_adjust(
    households: pd.DataFrame, *, by: str = "psu", min_respondents: int = 5
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Household non-response adjustment within weighting classes (docs/methods.md §6.1.2).

    ``households`` carries ``weight_base``, ``result_code``, ``stratum_id`` and ``psu_id``, and
    optionally ``interview_set_aside`` (cleaning): such interviews count as eligible
    non-respondents.
    Classes are PSUs (``by="psu"``) or strata. A PSU with fewer than ``min_respondents``
    responding households is pooled with the other small PSUs of its stratum; if the pool is
    still too small, the whole stratum becomes one class. Returns the households with
    ``nr_class`` and ``weight_nr`` (NaN for non-respondents and ineligible dwellings) and the
    classes table.
    """
    if by not in ("psu", "stratum"):
        raise WeightingError(f"nonresponse class must be 'psu' or 'stratum', got {by!r}.")
    _require(households, ["weight_base", "result_code", "stratum_id", "psu_id"], "households")
    frame = households.copy()
    code = pd.to_numeric(frame["result_code"], errors="coerce")
    unknown = ~code.isin(ELIGIBLE + INELIGIBLE)
    if unknown.any():
        first = frame.loc[unknown].iloc[0]
        raise WeightingError(
            f"result_code {first['result_code']!r} is not a household result code "
            f"({_where(first, 'hh_id')}); allowed: 1-8 and 96 (docs/methods.md §2.2)."
        )
    frame["_eligible"] = code.isin(ELIGIBLE)
    # An interview the cleaning set aside (a member's record failed a blocking rule, or the
    # household's own row did) is an eligible non-response: its weight goes to the others.
    set_aside = (
        frame["interview_set_aside"].fillna(False).astype(bool)
        if "interview_set_aside" in frame
        else False
    )
    frame["_responded"] = code.isin(RESPONDED) & ~set_aside
    frame["nr_class"] = _nonresponse_classes(frame, by, min_respondents)
    eligible = frame[frame["_eligible"]]
    # Built-in aggregations only: a Python function per class costs minutes at 10 000 PSUs.
    classes = eligible.groupby("nr_class").agg(
        stratum_id=("stratum_id", "first"),
        eligible=("_eligible", "size"),
        respondents=("_responded", "sum"),
        weight_eligible=("weight_base", "sum"),
    )
    classes["weight_respondents"] = (
        eligible["weight_base"]
        .where(eligible["_responded"], 0.0)
        .groupby(eligible["nr_class"])
        .sum()
    )
    psus = (
        pd.DataFrame({"nr_class": eligible["nr_class"], "psu_id": eligible["psu_id"].astype(str)})
        .drop_duplicates()
        .sort_values(["nr_class", "psu_id"])
        .groupby("nr_class")["psu_id"]
        .agg(", ".join)
    )
    classes.insert(1, "psus", psus)
    classes = classes.reset_index()
    empty = classes[classes["respondents"] == 0]
    if not empty.empty:
        raise WeightingError(
            f"Stratum {empty['stratum_id'].iloc[0]!r} has no responding household at all, so "
            "its weight cannot be carried by anyone. Check the household result codes of that "
            "stratum, or drop the stratum from the analysis and say so in the report."
        )
    classes["factor"] = classes["weight_eligible"] / classes["weight_respondents"]
    classes["collapsed"] = classes["nr_class"].str.contains(" pooled| all PSUs", regex=True)
    factor = frame["nr_class"].map(classes.set_index("nr_class")["factor"])
    frame["weight_nr"] = np.where(frame["_responded"], frame["weight_base"] * factor, np.nan)
    return frame.drop(columns=["_eligible", "_responded"]), classes


def _nonresponse_classes(frame: pd.DataFrame, by: str, min_respondents: int) -> pd.Series:
    stratum = frame["stratum_id"].astype(str)
    if by == "stratum":
        return "stratum " + stratum
    psu = frame["psu_id"].astype(str)
    classes = "PSU " + stratum + "/" + psu
    respondents = frame.groupby([stratum, psu])["_responded"].sum()
    for stratum_id, group in respondents.groupby(level=0):
        small = group[group < min_respondents].index.get_level_values(1).tolist()
        if not small:
            continue
        in_small = (stratum == stratum_id) & psu.isin(small)
        if group[group < min_respondents].sum() >= min_respondents:
            classes[in_small] = f"stratum {stratum_id} pooled PSUs " + ",".join(sorted(small))
        else:
            classes[stratum == stratum_id] = f"stratum {stratum_id} all PSUs"
    return classes


# ---------------------------------------------------------------------- 4. calibration


def census_by_report_age(census: pd.DataFrame, age_groups: Sequence[int]) -> pd.DataFrame:
    """The census table (``stratum_id, sex, age_group`` 5-year, ``population``) summed into the
    report age groups; 5-year labels are ``"0-4"`` … ``"80-84"``, ``"85+"``."""
    _require(census, ["stratum_id", "sex", "age_group", "population"], "census/population.csv")
    frame = census.copy()
    lower = frame["age_group"].astype(str).str.extract(r"^\s*(\d+)")[0]
    if lower.isna().any():
        bad = frame.loc[lower.isna()].iloc[0]
        raise WeightingError(
            f"census age_group {bad['age_group']!r} is not a 5-year group like '0-4' or '85+' "
            f"({_where(bad, 'stratum_id')})."
        )
    lower = lower.astype(int)
    bad_bounds = [b for b in age_groups if b not in set(lower)]
    if bad_bounds:
        raise WeightingError(
            f"Report age-group bounds {bad_bounds} do not start a census age group "
            f"(census groups start at {sorted(set(lower))}): use multiples of 5 in age_groups."
        )
    labels = age_group_labels(age_groups)
    index = np.searchsorted(np.asarray(age_groups), lower.to_numpy(), side="right") - 1
    frame["age_group"] = pd.Categorical.from_codes(index, categories=labels, ordered=True)
    frame["stratum_id"] = frame["stratum_id"].astype(str)
    frame["sex"] = pd.to_numeric(frame["sex"]).astype("int64")
    return (
        frame.groupby(["stratum_id", "sex", "age_group"], observed=False)["population"]
        .sum()
        .reset_index()
    )


def calibration_spec(method: str) -> CalibrationSpec | None:
    """The :class:`CalibrationSpec` of weights made by :func:`compute_weights` with ``method``
    (``weights.calibration``): the columns it writes into ``weights.parquet``."""
    if method == "poststratify":
        return CalibrationSpec("poststratify", "weight_pnr", ("calibration_cell",))
    if method == "rake":
        return CalibrationSpec("rake", "weight_pnr", ("stratum_id", "sex", "calibration_age_group"))
    return None


def kish_weighting_effect(weights: pd.Series) -> float:
    """Kish (1965) design effect due to unequal weights, ``1 + CV² = n·Σw² / (Σw)²``."""
    w = pd.Series(weights, dtype=float)
    return float(len(w) * (w**2).sum() / w.sum() ** 2)


def compute_weights(
    households: pd.DataFrame,
    persons: pd.DataFrame,
    sample: pd.DataFrame,
    census: pd.DataFrame,
    *,
    settings: dict,
    age_groups: Sequence[int],
    rejected_households: pd.DataFrame | None = None,
    screening_dont_know: str = "exclude",
    frame: pd.DataFrame | None = None,
) -> WeightsResult:
    """All weighting steps of docs/methods.md §6.1, from the clean tables to ``weights.parquet``.

    ``settings`` is the config's ``weights:`` section (``nonresponse_class``,
    ``min_class_respondents``, ``person_nonresponse``, ``min_person_class_respondents``,
    ``calibration``, ``min_cell_respondents``, ``trim_ratio_to_median``); ``screening_dont_know``
    is the config's top-level setting of that name (:func:`screened_persons`). ``persons`` needs ``person_id, hh_id, sex, age_years``; its
    other columns (``injured``, ``n_episodes``, ``person_years``, …) are passed through.
    Persons of households that did not respond (result code 3-5, 96) are left out and counted
    in the notes. ``rejected_households`` (the cleaning's rejected household rows, with
    ``hh_id`` and ``result_code``) are weighted as eligible non-respondents when their result
    code is an eligible one, rather than vanishing from the non-response adjustment. ``frame``
    (frame/psus.csv) gives the PSUs per stratum for the finite population correction
    (:func:`variance_design_columns`).
    """
    notes: list[str] = []
    if rejected_households is not None and not rejected_households.empty:
        # Rows rejected whole by cleaning: sampled and contacted, but no usable interview.
        rejected = rejected_households.assign(hh_id=rejected_households["hh_id"].astype(str))
        usable = isin(rejected["hh_id"], sample["hh_id"].astype(str)) & ~isin(
            rejected["hh_id"], households["hh_id"].astype(str)
        )
        kept = (
            rejected.loc[usable, ["hh_id", "result_code"]]
            .drop_duplicates("hh_id")
            .assign(interview_set_aside=True)
        )
        households = pd.concat([households, kept], ignore_index=True)
        notes.append(
            f"{len(kept)} household(s) rejected by the cleaning rules are weighted as eligible "
            "non-respondents."
        )
    weighted_hh = base_weights(households, sample)
    weighted_hh, classes = nonresponse_adjust(
        weighted_hh,
        by=settings.get("nonresponse_class", "psu"),
        min_respondents=int(settings.get("min_class_respondents", 5)),
    )
    _require(persons, ["person_id", "hh_id", "sex", "age_years"], "persons.csv")
    people = persons.drop(
        columns=[c for c in ("stratum_id", "psu_id", "weight", "weight_base") if c in persons],
    ).copy()
    people["hh_id"] = people["hh_id"].astype(str)
    unknown = ~isin(people["hh_id"], weighted_hh["hh_id"])
    if unknown.any():
        first = people.loc[unknown].iloc[0]
        raise WeightingError(
            f"{int(unknown.sum())} person(s) belong to no household in households.csv, e.g. "
            f"{_where(first, 'person_id')}. Fix hh_id in persons.csv."
        )
    hh_columns = ["hh_id", "stratum_id", "psu_id", "weight_base", "weight_nr"]
    people = people.merge(weighted_hh[hh_columns], on="hh_id", how="left")
    people = people.drop(
        columns=["certainty", "households_listed", "psus_in_frame"], errors="ignore"
    ).merge(variance_design_columns(sample, frame), on="hh_id", how="left")
    not_responding = people["weight_nr"].isna()
    if not_responding.any():
        notes.append(
            f"{int(not_responding.sum())} listed person(s) belong to households without a "
            "completed interview (result code not 1 or 2) and are not weighted."
        )
        people = people.loc[~not_responding].copy()
    people["sex"] = pd.to_numeric(people["sex"]).astype("int64")
    if "age_group" not in people:
        people["age_group"] = assign_age_group(people["age_years"], age_groups)
    if people["age_group"].isna().any():
        first = people.loc[people["age_group"].isna()].iloc[0]
        raise WeightingError(
            f"Person {first['person_id']} has no usable age_years ({first['age_years']!r}); "
            "every weighted person needs an age for the calibration cells."
        )
    people["age_group"] = people["age_group"].astype(str)
    person_method = settings.get("person_nonresponse", "class")
    people, person_classes = person_nonresponse_adjust(
        people,
        by=person_method,
        min_respondents=int(settings.get("min_person_class_respondents", 20)),
        dont_know=screening_dont_know,
    )
    notes.extend(person_nonresponse_notes(person_classes, person_method, screening_dont_know))

    method = settings.get("calibration", "poststratify")
    trim = settings.get("trim_ratio_to_median")
    min_cell = int(settings.get("min_cell_respondents", 20))
    gaps = census_gaps_for_weights(census, people, settings, method, age_groups)
    totals = census_by_report_age(census, age_groups)
    residents = _residents(people)
    if not residents.all() and method != "none":
        notes.append(
            f"{int((~residents).sum())} member(s) who left or died in the recall window "
            "(residence_status 3) are not calibrated to the census, which counts present "
            "residents: they take the calibration factor of their stratum × sex × age group."
        )
    counts = _cell_counts(people[residents], totals)
    missing = counts[(counts["respondents"] > 0) & (counts["population"].isna())]
    if not missing.empty:
        row = missing.iloc[0]
        raise WeightingError(
            f"Respondents in stratum {row['stratum_id']}, sex {row['sex']}, age {row['age_group']} "
            "have no census population: census/population.csv must cover every stratum, sex "
            "and age group of the sample."
        )
    unused = set(totals["stratum_id"]) - set(people["stratum_id"].astype(str))
    if unused:
        notes.append(f"Census strata without sampled persons are not used: {sorted(unused)}.")
    counts = counts[counts["stratum_id"].isin(set(people["stratum_id"].astype(str)))]
    counts["population"] = counts["population"].fillna(0)
    counts["calibration_cell"] = collapse_cells(counts, min_cell)
    counts["calibration_cell"] = merge_cells_for_census_gaps(counts, gaps)
    # More than one age group in the cell (not a "+" in its label: "65+" has one too).
    counts["collapsed"] = counts.groupby("calibration_cell")["age_group"].transform("size") > 1
    collapsed = counts.loc[counts["collapsed"], "calibration_cell"].unique().tolist()
    if collapsed and method != "none":
        notes.append(
            f"Calibration cells with fewer than {min_cell} respondents were merged with the "
            f"neighbouring age group within stratum × sex: {collapsed}."
        )
    people = people.merge(
        counts[["stratum_id", "sex", "age_group", "calibration_cell"]],
        on=["stratum_id", "sex", "age_group"],
        how="left",
    )
    residents = _residents(people)  # the merge renumbered the rows
    people["calibration_age_group"] = _rake_age_groups(people[residents], min_cell).reindex(
        people.index
    )
    people["calibration_age_group"] = people["calibration_age_group"].fillna(
        people["age_group"].map(
            people.loc[residents]
            .drop_duplicates("age_group")
            .set_index("age_group")["calibration_age_group"]
        )
    )
    if method == "none" or residents.all():
        people["weight"] = _calibrate(people, counts, method, trim)
    else:
        people.loc[residents, "weight"] = _calibrate(people[residents], counts, method, trim)
        people["weight"] = _carry_calibration(people, residents)
    people["weight_hh"] = household_weight(people, settings.get("household_weight", "person_mean"))
    spec = calibration_spec(method)
    check = _totals_check(
        people[residents], totals[totals["stratum_id"].isin(counts["stratum_id"])]
    )
    summary = pd.DataFrame(
        [
            _weight_summary("base", people["weight_base"]),
            _weight_summary("non-response adjusted", people["weight_nr"]),
            _weight_summary("person non-response adjusted", people["weight_pnr"]),
            _weight_summary(f"final ({method})", people["weight"]),
        ]
    )
    ordered = WEIGHT_COLUMNS + ["calibration_cell", "calibration_age_group"]
    persons_out = people[ordered + [c for c in people.columns if c not in ordered]]
    return WeightsResult(
        persons=persons_out.reset_index(drop=True),
        nonresponse_classes=classes,
        person_classes=person_classes,
        calibration_cells=counts.reset_index(drop=True),
        totals_check=check,
        summary=summary,
        calibration=spec,
        notes=notes,
        census_collapsed=gaps,
    )


def household_weight(people: pd.DataFrame, method: str = "person_mean") -> pd.Series:
    """The household weight of each person's household (config ``weights.household_weight``),
    for household-level items such as the home-safety measures (docs/methods.md §6.1).

    ``person_mean`` (default): the mean of the final person weights ``weight`` of the
    household's weighted members, the integrated household weight. Every member of a household
    then has the same weight, and the households' weights times their weighted members sum to
    the calibrated person total, so household estimates inherit the census calibration.
    ``nonresponse``: the non-response-adjusted base weight ``weight_nr`` (not calibrated).
    """
    if method == "person_mean":
        return people.groupby("hh_id", sort=False)["weight"].transform("mean")
    if method == "nonresponse":
        return people["weight_nr"].copy()
    raise WeightingError(
        f"weights.household_weight must be one of {list(HOUSEHOLD_WEIGHTS)}, not {method!r}."
    )


def _residents(people: pd.DataFrame) -> pd.Series:
    """Members living in the household at the interview (the census population): all but those
    who left or died in the recall window (docs/methods.md "Who is counted")."""
    if "residence_status" not in people.columns:
        return pd.Series(True, index=people.index)
    status = pd.to_numeric(people["residence_status"], errors="coerce")
    return ~status.eq(LEFT_IN_WINDOW).fillna(False).astype(bool)


def _carry_calibration(people: pd.DataFrame, residents: pd.Series) -> pd.Series:
    """Final weights of the members who left: ``weight_pnr`` × the ratio Σweight / Σweight_pnr of
    the residents of the same stratum × sex × age group (else calibration cell, else stratum)."""
    weight = people["weight"].copy()
    leavers = ~residents
    factor = pd.Series(np.nan, index=people.index)
    for keys in (["stratum_id", "sex", "age_group"], ["calibration_cell"], ["stratum_id"]):
        sums = people[residents].groupby(keys)[["weight", "weight_pnr"]].sum()
        ratio = (sums["weight"] / sums["weight_pnr"]).rename("_ratio")
        found = people[keys].merge(ratio, left_on=keys, right_index=True, how="left")["_ratio"]
        factor = factor.fillna(pd.Series(found.to_numpy(), index=people.index))
    weight[leavers] = people.loc[leavers, "weight_pnr"] * factor[leavers]
    return weight


def _cell_counts(people: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    counts = (
        people.groupby(["stratum_id", "sex", "age_group"])
        .size()
        .rename("respondents")
        .reset_index()
    )
    table = totals.assign(age_group=totals["age_group"].astype(str)).merge(
        counts, on=["stratum_id", "sex", "age_group"], how="outer"
    )
    table["respondents"] = table["respondents"].fillna(0).astype(int)
    order = {label: i for i, label in enumerate(totals["age_group"].cat.categories)}
    table["_order"] = table["age_group"].map(order)
    table = table.sort_values(["stratum_id", "sex", "_order"]).drop(columns="_order")
    table["age_group"] = pd.Categorical(table["age_group"], categories=list(order), ordered=True)
    return table.reset_index(drop=True)


def _rake_age_groups(people: pd.DataFrame, min_respondents: int) -> pd.Series:
    """Age margin for raking: neighbouring age groups merged while one has too few respondents."""
    overall = people.groupby("age_group").size().rename("respondents").reset_index()
    overall["stratum_id"], overall["sex"] = "all", 0
    labels = collapse_cells(overall, min_respondents).str.split("|").str[-1]
    return people["age_group"].map(dict(zip(overall["age_group"], labels, strict=True)))


def _calibrate(
    people: pd.DataFrame, counts: pd.DataFrame, method: str, trim: float | None
) -> pd.Series:
    if method == "none":
        if trim is None:
            return people["weight_pnr"].astype(float)
        return trim_weights(people, weight="weight_pnr", ratio_to_median=trim)
    if method == "poststratify":
        population = counts.groupby("calibration_cell", as_index=False)["population"].sum()
        cells = ["calibration_cell"]
    elif method == "rake":
        age_map = people.drop_duplicates("age_group").set_index("age_group")[
            "calibration_age_group"
        ]
        population = counts.assign(
            calibration_age_group=counts["age_group"].astype(str).map(age_map)
        )
        cells = ["stratum_id", "sex", "calibration_age_group"]
    else:
        raise WeightingError(f"weights.calibration must be poststratify, rake or none: {method!r}")
    return calibrate_weights(
        people,
        weight="weight_pnr",
        method=method,
        cells=cells,
        population=population,
        strata="stratum_id",
        psu="psu_id",
        trim_ratio_to_median=trim,
    )


def _totals_check(people: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for margin in ("stratum_id", "sex", "age_group"):
        census = (
            totals.assign(age_group=totals["age_group"].astype(str))
            .groupby(margin)["population"]
            .sum()
        )
        weighted = people.groupby(margin)["weight"].sum()
        for level, target in census.items():
            got = float(weighted.get(level, 0.0))
            rows.append(
                {
                    "margin": margin,
                    "level": str(level),
                    "census": float(target),
                    "weighted": got,
                    "difference": got - float(target),
                }
            )
    return pd.DataFrame(rows)


def _weight_summary(step: str, weights: pd.Series) -> dict:
    w = weights.astype(float)
    return {
        "step": step,
        "n": len(w),
        "sum": float(w.sum()),
        "min": float(w.min()),
        "median": float(w.median()),
        "max": float(w.max()),
        "max_to_min": float(w.max() / w.min()),
        "kish_weighting_effect": kish_weighting_effect(w),
    }


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WeightingError(
            f"{what} lacks required column(s) {missing} (data contract); found {list(frame.columns)}."
        )


def _where(row: pd.Series, id_column: str) -> str:
    """'hh_id X (file F, row R)' when the provenance columns are present."""
    text = f"{id_column} {row.get(id_column)!s}"
    if SOURCE_FILE in row.index and SOURCE_ROW in row.index:
        text += f" ({row[SOURCE_FILE]}, row {row[SOURCE_ROW]})"
    return text


def age_sex_structure(
    persons: pd.DataFrame, census: pd.DataFrame, *, weight: str = "weight"
) -> pd.DataFrame:
    """Census vs sample age–sex structure by 5-year age group (figure F2, table T2).

    Tidy rows ``age_group, sex, source, share`` with ``source`` ∈ {census, sample_unweighted,
    sample_weighted}; each source's shares sum to 1. ``persons`` needs ``age_group_5y``, ``sex``
    and the ``weight`` column (e.g. ``weight_nr`` to see the structure before calibration); ``census`` the contract's ``sex, age_group, population``. After calibration to
    report age groups the weighted shares match the census within each report group, not
    necessarily within every 5-year group.
    """
    _require(persons, ["age_group_5y", "sex", weight], "weights")
    people = persons.assign(age_group=persons["age_group_5y"].astype(str), one=1.0)
    frames = [
        census.assign(age_group=census["age_group"].astype(str), value=census["population"])
        .groupby(["age_group", "sex"], as_index=False)["value"]
        .sum()
        .assign(source="census"),
        people.groupby(["age_group", "sex"], as_index=False)["one"]
        .sum()
        .rename(columns={"one": "value"})
        .assign(source="sample_unweighted"),
        people.groupby(["age_group", "sex"], as_index=False)[weight]
        .sum()
        .rename(columns={weight: "value"})
        .assign(source="sample_weighted"),
    ]
    table = pd.concat(frames, ignore_index=True)
    table["sex"] = table["sex"].astype(int)
    table["share"] = table["value"] / table.groupby("source")["value"].transform("sum")
    return table[["age_group", "sex", "source", "share"]]
