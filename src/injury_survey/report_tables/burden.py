"""Burden tables: how often (T3–T5), how severe and how costly (T14–T18), the injury pyramid and
the recall-decay diagnostic (docs/methods.md §6.4 I1–I14, §6.5).

Person-level indicators are ratio estimators on the full person design (domains estimated with
``by``/``where``, never by subsetting); episode-level shares and means are on the episode design
(weights fixed). Deaths are unweighted counts with exact Poisson CIs (§2.5). Data conventions
are those of :mod:`.core`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from injury_survey.estimation import estimate_indicators
from injury_survey.report_tables.core import (
    Table,
    Words,
    finish,
    label_columns,
    make_table,
    notes,
    order_columns,
)
from injury_survey.report_tables.designs import (
    ReportData,
    _design_frame,
)
from injury_survey.report_tables.estimators import (
    composition,
    garwood_ci,
    person_proportion,
    person_rates,
    weighted_median,
)
from injury_survey.vectors import isin

ALL = 0
"""Code used for "all causes" / "all levels" rows (labelled 合计 / All)."""

# Indicators of estimates.csv that make T3, and the unit each is stored in.
T3_INDICATORS = {
    "injury_incidence": "proportion",
    "injury_incidence_std": "proportion",
    "episode_rate_per_1000py": "per_1000_py",
    "episode_rate_per_1000py_std": "per_1000_py",
}
# Socio-demographic variables of T5 (I15), in table order.
T5_VARIABLES = ("education", "occupation", "marital", "hukou")
# Injury pyramid tiers from the base up, and the care levels each holds (codebook care_level).
PYRAMID_CARE = {"not_treated": (0, 1), "outpatient": (2,), "inpatient": (3,), "death": (4,)}


# ------------------------------------------------------------------------------- T3–T5


def incidence_by_sex(data: ReportData, words: Words) -> Table:
    """T3: incidence (I1) and episode rate per 1 000 person-years (I2), crude and age-standardised
    (I3), overall and by sex — the ``all``/``sex`` rows of the estimates table
    (:func:`injury_survey.estimation.estimate_indicators`), with their case counts and flags.
    """
    settings = data.settings
    frame = _design_frame(data.persons, data._calibration_columns)
    estimates = estimate_indicators(
        frame,
        settings={
            "confidence": settings.confidence,
            "ci_method": settings.ci_method,
            "lonely_psu": settings.lonely_psu,
            "certainty_psus": settings.certainty_psus,
            "fpc": settings.fpc,
            "standard_population": settings.standard_population,
            "standardization_top_age": settings.standardization_top_age,
            "unstable_min_n": settings.unstable_min_n,
            "unstable_max_rse": settings.unstable_max_rse,
            "domains": ["sex"],
        },
        age_groups=list(settings.age_groups),
        calibration=data.calibration.method if data.calibration is not None else None,
        # the notebook's person design (the frame above, the same declaration): not built again
        design=data.base_person_design,
        per_injured=False,
    )
    rows = estimates[estimates["indicator"].isin(T3_INDICATORS)].copy()
    rows["sex"] = [ALL if level == "all" else int(float(level)) for level in rows["level"]]
    persons = data.persons
    counts = {}
    for sex in (ALL, 1, 2):
        part = persons if sex == ALL else persons[persons["sex"] == sex]
        counts[("injured", sex)] = int(part["injured"].sum())
        counts[("episodes", sex)] = int(round(part["n_episodes"].sum()))
    rows["n_cases"] = [
        counts[("injured" if "incidence" in ind else "episodes", sex)]
        for ind, sex in zip(rows["indicator"], rows["sex"], strict=True)
    ]
    rows["unit"] = rows["indicator"].map(T3_INDICATORS)
    rows = finish(rows.drop(columns=["by", "level", "flag"]), settings)
    rows = _label_with_total(rows, "sex", words)
    rows = order_columns(rows, ["sex"])
    note = notes(
        words,
        settings,
        [
            "rates",
            (
                "standard",
                {
                    lang: {
                        "standard": words.text(
                            "standard_populations", settings.standard_population, lang
                        ),
                        "top": settings.standardization_top_age,
                    }
                    for lang in ("zh", "en")
                },
            ),
        ],
        df=data.base_person_design.degrees_of_freedom,
    )
    return make_table("T3", words, rows, note, row_keys=["sex"])


def incidence_by_age_sex(data: ReportData, words: Words) -> Table:
    """T4: injury incidence (I1) by report age group × sex, domains of the full person design.

    The shape of figure F3 (``age_group``, ``sex`` 1/2, ``estimate`` as a fraction).
    """
    table = person_proportion(data, "injured", by=["age_group", "sex"])
    table["age_group"] = table["age_group"].astype(str)
    table["sex"] = table["sex"].astype(int)
    table = finish(table, data.settings, indicator="injury_incidence", unit="proportion")
    table["_age"] = [_age_lower(a) for a in table["age_group"]]
    table = table.sort_values(["_age", "sex"]).drop(columns="_age")
    table = label_columns(table, {"sex": "sex"}, words)
    table = order_columns(table, ["age_group", "sex"])
    note = notes(words, data.settings, ["rates"], df=data.base_person_design.degrees_of_freedom)
    return make_table("T4", words, table, note, row_keys=["age_group"], column_keys=["sex"])


def incidence_by_group(
    data: ReportData, words: Words, variables: Sequence[str] = T5_VARIABLES
) -> Table:
    """T5: incidence (I1) by education, occupation, marital status and household registration.

    Each is a domain estimate on the full person design; persons not asked (education under 6,
    marital status under 15: the field is empty) are their own domain, not shown.
    """
    present = [v for v in variables if v in data.persons.columns]
    groups = {
        v: pd.to_numeric(data.persons[v], errors="coerce").fillna(-1).astype(int) for v in present
    }
    design = data.person_design({f"_group_{v}": codes for v, codes in groups.items()})
    injured = data.persons["injured"].to_numpy() == 1
    parts = []
    for variable, codes in groups.items():
        table = design.proportion(
            "injured",
            by=f"_group_{variable}",
            ci_method=data.settings.ci_method,
            confidence=data.settings.confidence,
        ).rename(columns={f"_group_{variable}": "level"})
        table["level"] = table["level"].astype(int)
        cases = pd.Series(codes.to_numpy()[injured]).value_counts()
        table["n_cases"] = [int(cases.get(code, 0)) for code in table["level"]]
        table = table[table["level"] >= 0].sort_values("level")
        table.insert(0, "by", variable)
        parts.append(table)
    frame = pd.concat(parts, ignore_index=True)
    frame = finish(frame, data.settings, indicator="injury_incidence", unit="proportion")
    frame = label_columns(frame, {"level": "@by"}, words)
    frame = order_columns(frame, ["by", "level"])
    note = notes(words, data.settings, ["rates"], df=data.base_person_design.degrees_of_freedom)
    return make_table("T5", words, frame, note, row_keys=["by", "level"])


# ------------------------------------------------------------------------------- T14–T17


def care_by_cause(data: ReportData, words: Words) -> Table:
    """T14: level of care (I9) by cause: care-ladder shares within each cause (episode level),
    the share medically treated (就诊率, care levels of codebook group ``care_level.medical``),
    and hospitalisations per 1 000 persons (person level; inpatient = group ``inpatient``).
    ``cause`` = 0 rows are all causes.
    """
    settings = data.settings
    episodes = data.episodes
    codebook = words.codebook
    care_codes = codebook.codes("care_level")
    medical = codebook.group("care_level", "medical")
    inpatient = codebook.group("care_level", "inpatient")
    cause = pd.to_numeric(episodes["cause"], errors="coerce")
    care = pd.to_numeric(episodes["care_level"], errors="coerce")
    by_cause = composition(data, "care_level", codes=care_codes, by="cause")
    overall = composition(data, "care_level", codes=care_codes)
    shares = pd.concat([overall.assign(cause=ALL), by_cause], ignore_index=True)
    shares = shares.rename(columns={"level": "care_level"}).drop(columns="by")
    shares = finish(shares, settings, indicator="care_share", unit="proportion")

    treated = composition(
        data.with_episode_column("_medical", care.isin(medical).astype(int)),
        "_medical",
        codes=[1],
        by="cause",
    )
    treated_all = composition(
        data.with_episode_column("_medical", care.isin(medical).astype(int)), "_medical", codes=[1]
    )
    treated = pd.concat([treated_all.assign(cause=ALL), treated], ignore_index=True)
    treated = finish(
        treated.drop(columns=["by", "level"]),
        settings,
        indicator="medical_care_share",
        unit="proportion",
    )

    observed = sorted(cause.dropna().astype(int).unique())
    ones = pd.Series(1.0, index=episodes.index)
    hospital = person_rates(
        data,
        {
            code: data.per_person(
                ones, care.isin(inpatient) & (True if code == ALL else (cause == code))
            )
            for code in [ALL, *observed]
        },
        key="cause",
    )
    hospital = finish(
        hospital,
        settings,
        indicator="hospitalization_rate",
        unit="per_1000",
    )
    frame = pd.concat([shares, treated, hospital], ignore_index=True)
    frame["cause"] = frame["cause"].astype(int)
    frame = frame[frame["cause"].isin([ALL, *observed])]
    frame = _label_with_total(frame, "cause", words)
    frame = label_columns(frame, {"care_level": "care_level"}, words)
    frame = order_columns(frame, ["cause", "care_level"])
    note = notes(
        words, settings, ["composition", "rates"], df=data.base_person_design.degrees_of_freedom
    )
    return make_table(
        "T14",
        words,
        frame,
        note,
        row_keys=["cause"],
        column_keys=["indicator", "care_level"],
        margins=[["indicator", "cause"], ["indicator", "care_level"]],
    )


def days_off_by_cause(data: ReportData, words: Words) -> Table:
    """T15: days off work/school/usual activities (I11) by cause.

    ``days_off_mean``: design-based mean per case episode (episode design); ``days_off_median``:
    weighted median (no CI); ``person_days_lost_per_1000``: ``Σw·days_off / Σw·person_years ×
    1000`` over all persons (person design; each person's days summed over their case
    episodes). ``cause`` = 0 rows are all causes.
    """
    return _episode_amount_by_cause(
        data,
        words,
        "T15",
        value="days_off",
        mean_indicator="days_off_mean",
        median_indicator="days_off_median",
        rate_indicator="person_days_lost_per_1000",
        unit="days",
        note_parts=["days_off", "rates"],
    )


def costs_by_cause(data: ReportData, words: Words) -> Table:
    """T16: direct medical cost per episode (I12) by cause and by level of care, and the
    community total ``Σw·cost`` (person-design total with CI).

    Means and medians use the episodes with a known cost (missing costs are a domain left out);
    the total counts a missing cost as 0, so it is a lower bound. When the episodes carry
    ``cost_medical_imputed`` (hot-deck flag, docs/methods.md §4.6) the table also gives each
    figure without the imputed values (``imputed = "excluded"``).
    """
    settings = data.settings
    episodes = data.episodes
    if "cost_medical" not in episodes.columns:
        return None
    variants = [("included", pd.Series(True, index=episodes.index))]
    if "cost_medical_imputed" in episodes.columns:
        imputed = episodes["cost_medical_imputed"].astype("boolean").fillna(False).astype(bool)
        variants.append(("excluded", ~imputed))
    parts = []
    for name, keep in variants:
        cost = pd.to_numeric(episodes["cost_medical"], errors="coerce").where(keep)
        for by in ("cause", "care_level"):
            part = _amount_rows(
                data,
                cost,
                by=by,
                mean_indicator="cost_medical_mean",
                median_indicator="cost_medical_median",
                unit="yuan",
            )
            if by != "cause":  # the all-episodes rows are given once, in the cause block
                part = part[part[by] != ALL]
            part["by"] = by
            part = part.rename(columns={by: "level"})
            parts.append(part.assign(imputed=name))
        total = _community_total(data, cost.fillna(0.0), cases=cost.notna())
        parts.append(total.assign(by="cause", level=ALL, imputed=name))
    frame = pd.concat(parts, ignore_index=True)
    frame["level"] = frame["level"].astype(int)
    frame = label_columns(frame, {"level": "@by"}, words)
    total_label = {lang: words.text("headings", "all", lang) for lang in ("zh", "en")}
    for lang in ("zh", "en"):
        frame.loc[(frame["level"] == ALL) & (frame["by"] == "cause"), f"level_{lang}"] = (
            total_label[lang]
        )
    frame = order_columns(frame, ["imputed", "by", "level"])
    known = int(pd.to_numeric(episodes["cost_medical"], errors="coerce").notna().sum())
    missing = len(episodes) - known
    parts_note: list = ["composition", ("costs", {"known": known, "missing": missing})]
    if len(variants) > 1:
        parts_note.append("costs_imputed")
    note = notes(words, settings, parts_note, df=data.base_person_design.degrees_of_freedom)
    return make_table("T16", words, frame, note, row_keys=["imputed", "by", "level"])


def outcome_table(data: ReportData, words: Words) -> Table:
    """T17: outcome of case episodes (recovered, still recovering, residual disability, died);
    the share with residual disability is I13."""
    frame = composition(data, "outcome", codes=words.codebook.codes("outcome"))
    frame = finish(frame, data.settings, indicator="share", unit="proportion")
    frame = label_columns(frame, {"level": "outcome"}, words)
    frame = order_columns(frame, ["by", "level"])
    note = notes(words, data.settings, ["composition"], df=data.episode_design().degrees_of_freedom)
    return make_table("T17", words, frame, note, row_keys=["level"], margins=[["indicator"]])


def _episode_amount_by_cause(
    data: ReportData,
    words: Words,
    table_id: str,
    *,
    value: str,
    mean_indicator: str,
    median_indicator: str,
    rate_indicator: str,
    unit: str,
    note_parts: Sequence,
) -> Table:
    settings = data.settings
    episodes = data.episodes
    amount = pd.to_numeric(episodes[value], errors="coerce")
    frame = _amount_rows(
        data,
        amount,
        by="cause",
        mean_indicator=mean_indicator,
        median_indicator=median_indicator,
        unit=unit,
    )
    cause = pd.to_numeric(episodes["cause"], errors="coerce")
    ones = pd.Series(1.0, index=episodes.index)
    masks = {
        code: amount.notna() & (True if code == ALL else (cause == code))
        for code in [ALL, *sorted(cause.dropna().astype(int).unique())]
    }
    rates = person_rates(
        data,
        {code: data.per_person(amount.fillna(0.0), mask) for code, mask in masks.items()},
        cases={code: data.per_person(ones, mask) for code, mask in masks.items()},
        x="person_years",
        key="cause",
    )
    rates = finish(
        rates,
        settings,
        indicator=rate_indicator,
        unit="per_1000_py",
    )
    frame = pd.concat([frame, rates], ignore_index=True)
    frame["cause"] = frame["cause"].astype(int)
    frame = _label_with_total(frame, "cause", words)
    frame = order_columns(frame, ["cause"])
    note = notes(words, settings, note_parts, df=data.base_person_design.degrees_of_freedom)
    return make_table(table_id, words, frame, note, row_keys=["cause"])


def _amount_rows(
    data: ReportData,
    amount: pd.Series,
    *,
    by: str,
    mean_indicator: str,
    median_indicator: str,
    unit: str,
) -> pd.DataFrame:
    """Mean (design-based, episodes with a known amount) and weighted median, overall and by
    ``by``; ``by`` = 0 rows are all episodes."""
    settings = data.settings
    episodes = data.episodes
    known = amount.notna()
    if not known.any():
        return pd.DataFrame(columns=[by])
    group = pd.to_numeric(episodes[by], errors="coerce").fillna(-1).astype(int)
    design = data.episode_design(
        {"_amount": amount.fillna(0.0), "_known": known.astype(int), "_group": group}
    )
    means = []
    overall = design.mean("_amount", where=("_known", 1), confidence=settings.confidence)
    means.append(overall.assign(_group=ALL))
    by_group = design.mean(
        "_amount", by="_group", where=("_known", 1), confidence=settings.confidence
    )
    by_group["_group"] = by_group["_group"].astype(int)
    means.append(by_group[by_group["_group"] >= 0])
    mean_frame = pd.concat(means, ignore_index=True)
    mean_frame["n_cases"] = mean_frame["n"]
    mean_frame = finish(mean_frame, settings, indicator=mean_indicator, unit=unit)
    medians = []
    weight = episodes["weight"]
    for code in mean_frame["_group"]:
        rows = known & (True if code == ALL else (group == code))
        medians.append(
            {
                "_group": code,
                "estimate": weighted_median(amount[rows], weight[rows]),
                "n": int(rows.sum()),
            }
        )
    median_frame = finish(pd.DataFrame(medians), settings, indicator=median_indicator, unit=unit)
    # A median has no SE here: only the n rule decides instability.
    median_frame["flag"] = [
        ";".join(
            w for w, on in (("unstable", n < settings.unstable_min_n), ("suppressed", s)) if on
        )
        for n, s in zip(median_frame["n"], median_frame["suppressed"], strict=True)
    ]
    frame = pd.concat([mean_frame, median_frame], ignore_index=True)
    return frame.rename(columns={"_group": by})


def _community_total(data: ReportData, amount: pd.Series, *, cases: pd.Series) -> pd.DataFrame:
    """``Σw·amount`` over the whole population (person-design total, t interval)."""
    per_person = data.per_person(amount)
    counted = data.per_person(pd.Series(1.0, index=data.episodes.index), cases)
    design = data.person_design({"_amount": per_person})
    total = design.total("_amount", confidence=data.settings.confidence)
    total["n_cases"] = int(round(counted.sum()))
    return finish(total, data.settings, indicator="community_cost_total", unit="yuan")


# ------------------------------------------------------------------------------- T18


def deaths_table(data: ReportData, words: Words) -> Table | None:
    """T18: injury deaths in the households (§2.5): unweighted counts and deaths per 100 000
    person-years with exact Poisson (Garwood) 95 % CIs, overall, by sex and by cause.

    Person-years = the analysed members' person-years plus, for each death, the months the
    deceased lived in the household in the window / 12 (half a year when not recorded). Returns
    None when the survey has no deaths table.
    """
    deaths = data.deaths
    if deaths is None:
        return None
    settings = data.settings
    persons = data.persons
    death_years = (
        pd.to_numeric(deaths["months_present_12m"], errors="coerce").fillna(6.0) / 12
        if "months_present_12m" in deaths.columns
        else pd.Series(0.5, index=deaths.index)
    )
    rows = []
    sexes = pd.to_numeric(deaths.get("sex"), errors="coerce")
    for sex in (ALL, 1, 2):
        in_sex = pd.Series(True, index=deaths.index) if sex == ALL else (sexes == sex)
        person_years = float(
            (persons if sex == ALL else persons[persons["sex"] == sex])["person_years"].sum()
            + death_years[in_sex].sum()
        )
        count = int(in_sex.sum())
        rows.append(_death_row("sex", sex, count, person_years, settings.confidence))
        if sex == ALL:
            total_years = person_years
    causes = pd.to_numeric(deaths.get("cause"), errors="coerce")
    for code in sorted(causes.dropna().astype(int).unique()):
        count = int((causes == code).sum())
        rows.append(_death_row("cause", code, count, total_years, settings.confidence))
    frame = pd.DataFrame(rows)
    frame["n_cases"] = frame["deaths"]
    frame = finish(frame, settings, indicator="injury_mortality", unit="per_100000_py")
    frame["flag"] = ""  # exact intervals: no RSE rule; suppression still applies
    frame.loc[frame["suppressed"], "flag"] = "suppressed"
    frame = label_columns(frame, {"level": "@by"}, words)
    for lang in ("zh", "en"):
        frame.loc[frame["level"] == ALL, f"level_{lang}"] = words.text("headings", "all", lang)
    frame = order_columns(frame, ["by", "level"])
    note = notes(words, settings, ["deaths"])
    return make_table("T18", words, frame, note, row_keys=["by", "level"])


def _death_row(by: str, level: int, count: int, person_years: float, confidence: float) -> dict:
    lower, upper = garwood_ci(count, confidence)
    scale = 100_000 / person_years if person_years > 0 else math.nan
    return {
        "by": by,
        "level": level,
        "deaths": count,
        "person_years": person_years,
        "estimate": count * scale,
        "ci_lower": lower * scale,
        "ci_upper": upper * scale,
        "n": count,
    }


# ------------------------------------------------------------------------------- pyramid, recall


def injury_pyramid(data: ReportData, words: Words) -> Table:
    """The injury pyramid (I10): every **reported** injury episode in the recall window per 1 000
    persons by highest level of care — not medically treated, outpatient/emergency, inpatient —
    and deaths.

    The case definition is not applied here: it removes exactly the minor injuries that form the
    pyramid's base, which would then be narrower than the tier above it (docs/methods.md §6.4).
    Tiers are person-level ratios (each person's reported episodes at that care level / persons).
    Deaths come from the deaths table when the survey collected one (unweighted count per 1 000
    persons, Garwood CI, §2.5), else from reported episodes whose care level is death; with
    neither there is no death tier and the note says so. Shape of figure F6 (``tier``,
    ``estimate`` per 1 000, ``ci_lower``, ``ci_upper``).
    """
    settings = data.settings
    reported = _reported_episodes(data)
    care = pd.to_numeric(reported["care_level"], errors="coerce")
    person_ids = reported["person_id"].astype(str)
    episode_deaths = int(care.isin(PYRAMID_CARE["death"]).sum())
    tiers = {}
    for tier, levels in PYRAMID_CARE.items():
        if tier == "death" and (data.deaths is not None or episode_deaths == 0):
            continue
        counts = person_ids[care.isin(levels).to_numpy()].value_counts()
        tiers[tier] = data.persons["person_id"].astype(str).map(counts).fillna(0.0).astype(float)
        tiers[tier] = tiers[tier].reset_index(drop=True)
    rows = [person_rates(data, tiers, key="tier")]
    if data.deaths is not None:
        count = len(data.deaths)
        persons = float(len(data.persons) + count)
        lower, upper = garwood_ci(count, settings.confidence)
        rows.append(
            pd.DataFrame(
                [
                    {
                        "estimate": count / persons * 1000,
                        "ci_lower": lower / persons * 1000,
                        "ci_upper": upper / persons * 1000,
                        "n": int(persons),
                        "n_cases": count,
                    }
                ]
            ).assign(tier="death")
        )
    frame = finish(
        pd.concat(rows, ignore_index=True), settings, indicator="injury_pyramid", unit="per_1000"
    )
    frame["tier_zh"] = [words.text("terms", t, "zh") for t in frame["tier"]]
    frame["tier_en"] = [words.text("terms", t, "en") for t in frame["tier"]]
    frame = order_columns(frame, ["tier"])
    if data.deaths is not None:
        source = "pyramid_deaths_file"
    elif episode_deaths:
        source = "pyramid_deaths_episodes"
    else:
        source = "pyramid_no_deaths"
    fields = {lang: {"death_source": words.text("notes", source, lang)} for lang in ("zh", "en")}
    note = notes(
        words,
        settings,
        [("pyramid", fields), "rates"],
        df=data.base_person_design.degrees_of_freedom,
    )
    return make_table("pyramid", words, frame, note, row_keys=["tier"], title_key="pyramid")


def _reported_episodes(data: ReportData) -> pd.DataFrame:
    """Every reported episode in the recall window of a person in the analysis, case or not."""
    episodes = data.all_episodes
    in_window = (
        episodes["in_window"].fillna(False).astype(bool)
        if "in_window" in episodes.columns
        else pd.Series(True, index=episodes.index)
    )
    known = isin(episodes["person_id"].astype(str), data.persons["person_id"].astype(str))
    return episodes[in_window & known]


def recall_decay(data: ReportData, words: Words, months: int = 12) -> Table:
    """Recall-decay diagnostic (F10): case episodes by whole months between injury and interview.

    ``episodes`` (= ``estimate``) is the weighted count Σw of case episodes in that month, ``n``
    the unweighted count; months 0 … ``months``−1 (episodes with an unknown date are left out).
    With no recall loss the counts would be about flat (docs/methods.md §1).
    """
    episodes = data.episodes
    month = pd.to_numeric(episodes.get("months_before_interview"), errors="coerce")
    rows = []
    for m in range(months):
        in_month = (month == m).fillna(False)
        rows.append(
            {
                "months_before": m,
                "episodes": float(episodes.loc[in_month, "weight"].sum()),
                "n": int(in_month.sum()),
            }
        )
    frame = pd.DataFrame(rows)
    frame["estimate"] = frame["episodes"]
    frame["n_cases"] = frame["n"]
    frame = finish(frame, data.settings, indicator="episodes_weighted", unit="count")
    frame["flag"] = ""
    frame = order_columns(frame, ["months_before"])
    note = notes(words, data.settings, ["recall_decay"])
    return make_table(
        "recall_decay", words, frame, note, row_keys=["months_before"], title_key="recall_decay"
    )


# ------------------------------------------------------------------------------- helpers


def _label_with_total(frame: pd.DataFrame, column: str, words: Words) -> pd.DataFrame:
    """Codebook labels of ``column``; the code 0 (all) reads 合计 / All."""
    out = label_columns(frame, {column: column}, words)
    for lang in ("zh", "en"):
        out.loc[out[column] == ALL, f"{column}_{lang}"] = words.text("headings", "all", lang)
    return out


def _age_lower(label: str) -> float:
    digits = "".join(ch if ch.isdigit() else " " for ch in str(label)).split()
    return float(digits[0]) if digits else float("inf")


def build_burden(data: ReportData, words: Words) -> dict[str, Table]:
    """T3–T5, T14–T18, the injury pyramid and the recall-decay diagnostic (burden notebook)."""
    tables = [
        incidence_by_sex(data, words),
        incidence_by_age_sex(data, words),
        incidence_by_group(data, words),
        care_by_cause(data, words),
        days_off_by_cause(data, words),
        costs_by_cause(data, words),
        outcome_table(data, words),
        deaths_table(data, words),
        injury_pyramid(data, words),
        recall_decay(data, words),
    ]
    return {table.id: table for table in tables if table is not None}


__all__ = [
    "ALL",
    "build_burden",
    "care_by_cause",
    "costs_by_cause",
    "days_off_by_cause",
    "deaths_table",
    "incidence_by_age_sex",
    "incidence_by_group",
    "incidence_by_sex",
    "injury_pyramid",
    "outcome_table",
    "recall_decay",
]
