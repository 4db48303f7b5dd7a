"""The pooled district estimate: several towns' surveys as one stratified design (docs/methods.md
§6.9).

Each town drew its own sample, so its strata are strata of the district design and nothing is
shared between towns: the stacked persons get ``stratum_id := town/stratum`` and ``psu_id`` and
``hh_id`` likewise prefixed, and the Taylor-linearised variance of any pooled ratio is then the sum
of the towns' between-PSU variances, each under the town's own declaration (certainty PSUs, fpc:
:mod:`injury_survey.variance_design`), which the towns share (:data:`injury_survey.district.MUST_AGREE`).
Calibration is credited per town: a post-stratification cell (or raking margin) becomes
town × cell, which reproduces each town's own calibration since its weights already meet its
totals. This is R's ``svydesign`` on the stacked data with ``strata = ~interaction(town,
stratum)`` (``tests/reference/district/``).

The indicators are the headline ratios of notebook 05 (:mod:`injury_survey.estimation`):
injury incidence (I1) and the episode rate per 1 000 person-years (I2), for the district and by
the domains of the district config (town, sex, broad age group), each domain on the full design.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from injury_survey.estimation import ESTIMATE_COLUMNS, _formatted, _rows, stability_flag
from injury_survey.reproducible import reproducible_xlsx
from injury_survey.survey_design import CalibrationSpec, SurveyDesign
from injury_survey.variance_design import VarianceDeclaration
from injury_survey.weighting import calibration_spec

# Columns of weights.parquet the pooled estimate reads (no personal data: ids are codes).
POOLED_COLUMNS = [
    "hh_id",
    "stratum_id",
    "psu_id",
    "weight",
    "weight_pnr",
    "sex",
    "age_group",
    "calibration_cell",
    "calibration_age_group",
    "injured",
    "n_episodes",
    "person_years",
    "certainty",
    "households_listed",
    "psus_in_frame",
]
_TOWN_CODED = ("stratum_id", "psu_id", "hh_id")


def stack_towns(persons: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The towns' weighted persons (town id -> ``weights.parquet``) in one frame with a ``town``
    column and town-prefixed ``stratum_id``, ``psu_id`` and ``hh_id`` (``town_a/S1``)."""
    pieces = []
    for town, frame in persons.items():
        missing = [c for c in POOLED_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(
                f"Town {town}: its weights.parquet lacks {missing}; rerun the town's weighting "
                f"step (notebook 04). / 镇 {town} 的权重文件缺少 {missing} 列，请重新运行加权步骤。"
            )
        piece = frame[[c for c in POOLED_COLUMNS if c in frame.columns]].copy()
        for column in _TOWN_CODED:
            piece[column] = f"{town}/" + piece[column].astype(str)
        piece.insert(0, "town", town)
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)


def pooled_calibration(
    stacked: pd.DataFrame, method: str | None
) -> tuple[pd.DataFrame, CalibrationSpec | None]:
    """The calibration record of the stacked towns: each town's cells (or raking margins)
    crossed with the town, in new columns so the domain columns stay as they are."""
    spec = calibration_spec(method) if method and method != "none" else None
    if spec is None:
        return stacked, None
    out = stacked.copy()
    cells = []
    for column in spec.cells:
        name = f"_town_{column}"
        out[name] = out["town"] + "|" + out[column].astype(str)
        cells.append(name)
    return out, CalibrationSpec(spec.method, spec.weight_before, tuple(cells))


def pooled_design(stacked: pd.DataFrame, settings: Mapping) -> SurveyDesign:
    """The district design over :func:`stack_towns`' frame under the towns' agreed settings
    (:func:`injury_survey.district.agreed_settings`: dotted keys to values)."""
    data, calibration = pooled_calibration(stacked, settings["weights.calibration"])
    return SurveyDesign(
        data,
        strata="stratum_id",
        psu="psu_id",
        weight="weight",
        lonely_psu=settings["estimation.lonely_psu"],
        calibration=calibration,
        variance=VarianceDeclaration(
            certainty_psus=settings["estimation.certainty_psus"],
            fpc=settings["estimation.fpc"],
        ),
    )


def pooled_indicators(
    design: SurveyDesign,
    settings: Mapping,
    *,
    domains: Sequence[str] = ("town", "sex", "age_group"),
) -> pd.DataFrame:
    """Incidence and episode rate per 1 000 person-years for the district and by each domain,
    on :func:`pooled_design`, in the columns of ``estimates.csv``
    (:data:`injury_survey.estimation.ESTIMATE_COLUMNS`)."""
    confidence = float(settings["estimation.confidence"])
    ci_method = settings["estimation.ci_method"]
    towns = ", ".join(dict.fromkeys(design.data["town"]))
    base = (
        f"pooled design of towns {towns} (strata = town x stratum); {design.describe_variance()}; "
        f"calibration {settings['weights.calibration']} within each town"
    )
    level = f"{confidence * 100:g} %"
    pieces = []
    for by in [None, *domains]:
        incidence = design.proportion("injured", by=by, ci_method=ci_method, confidence=confidence)
        pieces.append(_rows(incidence, "injury_incidence", by, f"{base}; {level} CI {ci_method}"))
        rate = design.ratio(
            "n_episodes", "person_years", by=by, scale=1000.0, confidence=confidence
        )
        pieces.append(_rows(rate, "episode_rate_per_1000py", by, f"{base}; {level} CI log scale"))
    table = pd.concat(pieces, ignore_index=True)
    flags = {key: settings[f"estimation.{key}"] for key in ("unstable_min_n", "unstable_max_rse")}
    table["flag"] = [
        stability_flag(n, est, se, flags)
        for n, est, se in zip(table["n"], table["estimate"], table["se"], strict=True)
    ]
    return table[ESTIMATE_COLUMNS]


def read_towns(district) -> pd.DataFrame:
    """The stacked weighted persons of a :class:`injury_survey.district.District`: each town's
    ``results/<wave>/weights.parquet`` (the file notebook 05 estimates from)."""
    return stack_towns(
        {
            town.id: pd.read_parquet(town.weights_file, columns=POOLED_COLUMNS)
            for town in district.towns
        }
    )


def town_summary(stacked: pd.DataFrame) -> pd.DataFrame:
    """Persons, households, PSUs and strata of each town and of the district."""

    def counts(frame: pd.DataFrame) -> dict:
        return {
            "persons": len(frame),
            "households": frame["hh_id"].nunique(),
            "psus": frame["psu_id"].nunique(),
            "strata": frame["stratum_id"].nunique(),
        }

    rows = {town: counts(frame) for town, frame in stacked.groupby("town", sort=False)}
    rows["district"] = counts(stacked)
    return pd.DataFrame.from_dict(rows, orient="index")


def display_table(
    estimates: pd.DataFrame,
    codebook,
    *,
    lang: str,
    town_labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per group (district, towns, sexes, age groups): incidence in % and the episode
    rate per 1 000 person-years, each "estimate (CI)", with the unweighted n and flags. Towns are
    named by ``town_labels`` (town id -> name in ``lang``); a design effect that cannot be
    computed (no case in the group) reads "—"."""
    town_labels = town_labels or {}
    rows = estimates.copy()
    rows["value"] = rows.apply(_formatted, axis=1)
    rows["key"] = rows["by"] + "=" + rows["level"].astype(str)
    wide = rows.pivot(index="key", columns="indicator", values="value")
    incidence = rows[rows["indicator"] == "injury_incidence"].set_index("key")
    order = list(dict.fromkeys(rows["key"]))
    by = incidence.loc[order, "by"]
    level = incidence.loc[order, "level"].astype(str)
    return pd.DataFrame(
        {
            codebook.text("domain", lang): [
                codebook.text("total" if b == "all" else b, lang) for b in by
            ],
            codebook.text("level", lang): [
                ""
                if b == "all"
                else codebook.label("sex", int(v), lang)
                if b == "sex"
                else town_labels.get(v, v)
                if b == "town"
                else v
                for b, v in zip(by, level, strict=True)
            ],
            codebook.text("injury_incidence", lang) + " (%)": wide.loc[order, "injury_incidence"],
            codebook.text("episode_rate_per_1000py", lang): wide.loc[
                order, "episode_rate_per_1000py"
            ],
            codebook.text("n_unweighted", lang): incidence.loc[order, "n"],
            codebook.text("deff", lang): [
                "—" if pd.isna(deff) else f"{deff:.2f}" for deff in incidence.loc[order, "deff"]
            ],
            codebook.text("unstable", lang): [
                codebook.text(flag, lang) if flag else "" for flag in incidence.loc[order, "flag"]
            ],
        }
    ).reset_index(drop=True)


def write_workbook(
    estimates: pd.DataFrame,
    codebook,
    path,
    *,
    town_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """The pooled indicators as an XLSX table: a sheet in Chinese, one in English, and the tidy
    rows with every column (``pooled_indicators.csv``). ``town_labels``: lang -> town id -> name."""
    with pd.ExcelWriter(path) as writer:
        for lang, sheet in (("zh", "合并估计"), ("en", "pooled")):
            labels = (town_labels or {}).get(lang)
            display_table(estimates, codebook, lang=lang, town_labels=labels).to_excel(
                writer, sheet_name=sheet, index=False
            )
        estimates.to_excel(writer, sheet_name="estimates", index=False)
    reproducible_xlsx(path)
