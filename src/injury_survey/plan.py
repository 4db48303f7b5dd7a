"""The formal survey's plan, built from the pilot and the config (docs/methods.md §5.3–§5.4).

Every planning input records where it came from (config prior, pilot estimate or default), so the
plan notebook and ``plan.yaml`` show why the formal survey has the size it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from scipy.special import ndtri

from injury_survey import sample_size as ss
from injury_survey.figures.style import figure_caption
from injury_survey.reproducible import reproducible_xlsx
from injury_survey.sampling import SAMPLE_COLUMNS, draw_sample

# Used only when the pilot cannot give a response rate (e.g. no eligible household).
DEFAULT_RESPONSE_RATE = 0.9


class PlanError(ValueError):
    """The plan cannot be drawn from the frame and no sample has been fielded yet."""


@dataclass(frozen=True)
class SurveyPlan:
    """The plan: inputs with sources, the sample-size chain, allocation, the drawn sample."""

    inputs: pd.DataFrame
    sample_size: ss.SampleSizePlan
    allocation: pd.DataFrame
    sample: pd.DataFrame
    sensitivity: pd.DataFrame
    detectable_change: dict
    seed: int
    # Set once a frozen sample exists: the plan is then advisory (see plan_survey).
    fielded: pd.DataFrame | None = None
    not_drawn: str | None = None


def planning_inputs(
    settings: dict, pilot: dict, frame: pd.DataFrame, *, case_definition: str = "case_cn_halfday"
) -> pd.DataFrame:
    """The numbers the sample size rests on: parameter, value, source.

    Response rate and household size come from the pilot (§5.2: RR = RR_hh·RR_ind, m̄); incidence,
    precision and design effect from the config, with the pilot's own estimates beside them (the
    pilot incidence under the configured ``case_definition``).
    """
    rr_hh, rr_ind = pilot["response_rate_household"], pilot["response_rate_person"]
    if rr_hh and rr_ind:
        response = (rr_hh * rr_ind, f"pilot: RR_hh {rr_hh:.3f} × RR_ind {rr_ind:.3f}")
    else:
        response = (DEFAULT_RESPONSE_RATE, "default (the pilot gave no response rate)")
    if case_definition not in pilot["incidence"]:
        raise ValueError(
            f"The pilot summary has no incidence under case_definition {case_definition!r} "
            f"(it has {sorted(pilot['incidence'])}): rerun 01_clean_pilot with this config. / "
            f"试点汇总中没有病例定义{case_definition}下的发生率，请用当前配置重新运行试点清理。"
        )
    primary = pilot["incidence"][case_definition]
    rows = [
        (
            "incidence_prior",
            settings["incidence_prior"],
            f"config plan.incidence_prior (pilot estimate under {case_definition} "
            f"{_fmt(primary['estimate'], '.3f')}, "
            f"exact CI {_fmt(primary['ci_lower'], '.3f')}–{_fmt(primary['ci_upper'], '.3f')}: "
            "too wide to plan with)",
        ),
        (
            "precision",
            settings["precision"],
            f"config plan.precision ({settings['precision_type']})",
        ),
        ("confidence", settings["confidence"], "config plan.confidence"),
        (
            "deff",
            settings["deff"],
            f"config plan.deff (pilot ICC {_fmt(pilot['icc']['estimate'], '.4f')} from "
            f"{pilot['icc']['clusters']} clusters, shown only)",
        ),
        ("response_rate", response[0], response[1]),
        (
            "household_size",
            pilot["mean_household_size"],
            f"pilot: {pilot['persons_listed']} persons / {pilot['households_responded']} households",
        ),
        ("households_per_psu", settings["households_per_psu"], "config plan.households_per_psu"),
        (
            "population",
            float(pd.to_numeric(frame["population"]).sum())
            if settings["fpc"] and "population" in frame
            else None,
            "frame population (finite population correction)" if settings["fpc"] else "no fpc",
        ),
        ("strata", int(frame["stratum_id"].nunique()), "frame"),
        ("seed", settings["seed"], "config plan.seed"),
    ]
    # dtype object keeps a missing population as None (a float column would make it NaN).
    return pd.DataFrame(rows, columns=["parameter", "value", "source"], dtype=object)


def plan_survey(
    settings: dict,
    pilot: dict,
    frame: pd.DataFrame,
    *,
    wave: str,
    fielded: pd.DataFrame | None = None,
    case_definition: str = "case_cn_halfday",
) -> SurveyPlan:
    """Sample size, PSU allocation and the drawn sample of the formal survey.

    ``fielded`` is the first wave's frozen sample list when one exists. The survey is then already
    in the field and the plan is advisory: a plan the frame cannot hold is reported (``not_drawn``)
    instead of stopping the analysis, and the plan is compared per stratum with the sample actually
    drawn (``fielded``). Without a frozen sample an impossible plan raises :class:`PlanError`
    naming the setting to change. The detectable change is tested two-sided at
    α = 1 − ``plan.confidence``.
    """
    inputs = planning_inputs(settings, pilot, frame, case_definition=case_definition)
    value = dict(zip(inputs["parameter"], inputs["value"], strict=True))
    common = {
        "precision_type": settings["precision_type"],
        "confidence": settings["confidence"],
        "deff": settings["deff"],
        "response_rate": value["response_rate"],
        "hh_size": value["household_size"],
        "households_per_psu": settings["households_per_psu"],
        "population": value["population"],
        "n_strata": value["strata"],
    }
    size = ss.plan_sample_size(
        p=settings["incidence_prior"], precision=settings["precision"], **common
    )
    not_drawn = None
    try:
        n_by_stratum = ss.allocate_psus(frame, size.psus)
        sample = draw_sample(
            frame, n_by_stratum, settings["households_per_psu"], settings["seed"], wave=wave
        )
    except ValueError as exc:
        not_drawn = impossible_plan_message(exc, settings, size, frame)
        if fielded is None:
            raise PlanError(not_drawn) from None
        n_by_stratum = pd.Series(dtype="Int64")
        sample = pd.DataFrame({c: pd.Series(dtype="object") for c in SAMPLE_COLUMNS})
    grouped = frame.groupby("stratum_id", sort=False)
    allocation = (
        pd.DataFrame(
            {
                "psus_in_frame": grouped.size(),
                "households_in_frame": grouped["households"].sum(),
                "psus_sampled": n_by_stratum,
                "households_sampled": sample.groupby("stratum_id").size(),
            }
        )
        .rename_axis("stratum_id")
        .reset_index()
    )
    counts = ["psus_sampled", "households_sampled"]
    allocation[counts] = allocation[counts].astype("Int64")
    # The chosen setting is always a point of the grid, so the figure can highlight it.
    incidences = sorted({*settings["incidence_grid"], settings["incidence_prior"]})
    precisions = sorted({*settings["precision_grid"], settings["precision"]})
    sensitivity = ss.sensitivity_grid(incidences, precisions, **common).rename(
        columns={"incidence": "incidence_prior"}
    )
    # A fielded survey's follow-up will match the sample actually drawn, not the plan.
    households = size.households if fielded is None else len(fielded)
    responding_persons = households * value["household_size"] * value["response_rate"]
    p1 = settings["incidence_prior"]
    alpha = 1 - float(settings["confidence"])
    try:
        p2 = ss.minimum_detectable_change(
            responding_persons, p1, settings["deff"], alpha=alpha, power=settings["power"]
        )
    except ValueError:  # even a fall to zero would go undetected at this size
        p2 = None
    detectable = {
        "households_per_survey": households,
        "households_from": "plan" if fielded is None else "fielded sample list",
        "persons_per_survey": responding_persons,
        "baseline_incidence": p1,
        "detectable_followup_incidence": p2,
        "detectable_relative_fall": None if p2 is None else (p1 - p2) / p1,
        "alpha": alpha,
        "power": settings["power"],
        "deff": settings["deff"],
    }
    comparison = None if fielded is None else compare_with_fielded(allocation, fielded)
    return SurveyPlan(
        inputs,
        size,
        allocation,
        sample,
        sensitivity,
        detectable,
        settings["seed"],
        fielded=comparison,
        not_drawn=not_drawn,
    )


def impossible_plan_message(
    error: ValueError, settings: dict, size: ss.SampleSizePlan, frame: pd.DataFrame
) -> str:
    """Why the plan cannot be drawn, naming the settings to change and their current values."""
    per_psu = settings["households_per_psu"]
    in_frame = int(frame["psu_id"].nunique())
    dwellings = int(pd.to_numeric(frame["households"]).sum())
    precision = f"plan.precision (now {settings['precision']}, {settings['precision_type']})"
    if size.households > dwellings:
        return (
            f"The plan needs {size.households} households but the frame lists only {dwellings} "
            "in all: not even interviewing every household would reach the precision asked. "
            f"Ask for less precision with a larger {precision}, or set plan.fpc (now "
            f"{str(settings['fpc']).lower()}) to true when the sample is a large share of the "
            f"population. / 方案需要 {size.households} 户，而抽样框共有 {dwellings} 户，"
            f"全部调查也达不到设定的精度：请增大 plan.precision（当前 {settings['precision']}），"
            "或在样本占人口比例较大时将 plan.fpc 设为 true。"
        )
    if size.psus > in_frame:
        needed = math.ceil(size.households / in_frame)
        return (
            f"The plan needs {size.households} households, i.e. {size.psus} PSUs at "
            f"plan.households_per_psu = {per_psu}, but the frame lists only {in_frame} PSUs. "
            f"Raise plan.households_per_psu (now {per_psu}) to at least {needed}, or ask for less "
            f"precision with a larger {precision}. / "
            f"方案需要 {size.households} 户，即每个PSU {per_psu} 户时 {size.psus} 个PSU，"
            f"但抽样框只有 {in_frame} 个PSU。请将 plan.households_per_psu（当前 {per_psu}）"
            f"提高到至少 {needed}，或增大 plan.precision（当前 {settings['precision']}）以降低精度要求。"
        )
    return (
        f"The plan ({size.psus} PSUs at plan.households_per_psu = {per_psu}) cannot be drawn from "
        f"the frame: {error} / 按当前方案（每个PSU {per_psu} 户，共 {size.psus} 个PSU）"
        "无法从抽样框抽样，原因见英文说明。"
    )


def compare_with_fielded(allocation: pd.DataFrame, fielded: pd.DataFrame) -> pd.DataFrame:
    """PSUs and households per stratum: in the frame, in the plan, in the fielded sample.

    The last row (``stratum_id`` "all") holds the totals.
    """
    sample = fielded.assign(
        stratum_id=fielded["stratum_id"].astype(str), psu_id=fielded["psu_id"].astype(str)
    )
    grouped = sample.groupby("stratum_id")
    actual = pd.DataFrame(
        {"psus_fielded": grouped["psu_id"].nunique(), "households_fielded": grouped.size()}
    )
    planned = allocation.assign(stratum_id=allocation["stratum_id"].astype(str)).set_index(
        "stratum_id"
    )
    table = (
        planned[["psus_in_frame", "households_in_frame", "psus_sampled", "households_sampled"]]
        .rename(
            columns={"psus_sampled": "psus_planned", "households_sampled": "households_planned"}
        )
        .join(actual, how="outer")
        .astype("Int64")
    )
    table.loc["all"] = table.sum(min_count=1)
    per_psu = table["households_fielded"].astype("Float64") / table["psus_fielded"]
    table["households_per_psu_fielded"] = per_psu.round(1)
    return table.rename_axis("stratum_id").reset_index()


def fielded_differences(plan: SurveyPlan, settings: dict) -> list[str]:
    """Sentences that explain how the fielded sample differs from the plan, and what it implies."""
    if plan.fielded is None:
        return []
    total = plan.fielded.set_index("stratum_id").loc["all"]
    size = plan.sample_size
    households = int(total["households_fielded"])
    per_psu = float(total["households_per_psu_fielded"])
    lines = []
    if plan.not_drawn:
        lines.append(f"The plan could not be drawn: {plan.not_drawn}")
    lines.append(
        f"Fielded: {households} households in {int(total['psus_fielded'])} PSUs ({per_psu:g} per "
        f"PSU); the plan asks for {size.households} households in {size.psus} PSUs "
        f"({settings['households_per_psu']} per PSU, plan.households_per_psu)."
    )
    if abs(per_psu - settings["households_per_psu"]) >= 0.5:
        lines.append(
            f"The fielded sample takes {per_psu:g} households per PSU instead of "
            f"{settings['households_per_psu']}: more households per PSU make the design effect "
            "larger for the same number of households (deff ≈ 1 + (persons per PSU − 1)·ICC), so "
            f"the achieved design effect (in the estimates) may differ from plan.deff "
            f"({settings['deff']})."
        )
    # The planned half-width d = z·sqrt(deff·p(1−p)/n) at the fielded number of persons.
    persons = households * size.hh_size * size.response_rate
    z = ndtri(0.5 + settings["confidence"] / 2)
    half_width = z * math.sqrt(settings["deff"] * size.p * (1 - size.p) / persons)
    lines.append(
        f"At the planning values (incidence {size.p:g}, deff {settings['deff']:g}, response rate "
        f"{size.response_rate:.3f}, {size.hh_size:.2f} persons per household) the fielded sample "
        f"gives an expected CI half-width of ±{half_width:.4f} ({half_width / size.p:.0%} of the "
        f"incidence); the plan aimed at ±{size.d:.4f}."
    )
    strata = plan.fielded[plan.fielded["stratum_id"] != "all"]
    missing = strata.loc[strata["psus_fielded"].isna(), "stratum_id"]
    if len(missing):
        lines.append(
            f"Strata of the frame with no fielded PSU: {', '.join(missing)}; the estimates cover "
            "the sampled strata only."
        )
    lines.append("The weights and every estimate use the frozen sample list; the plan is advisory.")
    return lines


def achieved_design_effect(
    estimates: pd.DataFrame | None, settings: dict, *, wave: str
) -> pd.DataFrame:
    """``plan.deff`` beside the design effect the first wave's headline incidence achieved.

    The achieved one is the ``deff`` of ``injury_incidence`` (all persons) in the wave's
    ``estimates.csv``: the design-based variance under the declared design (certainty PSUs,
    fpc, calibration; its ``method`` says which) over that of simple random sampling of as many
    persons (R ``deff = TRUE``). It is what the next survey's ``plan.deff`` should start from.
    Without estimates (no wave fielded yet) only the planning value is shown.
    """
    rows = [
        {
            "design_effect": "planning (config plan.deff) · 设计效应（规划值）",
            "deff": float(settings["deff"]),
            "source": "plan.deff",
        }
    ]
    if estimates is not None:
        headline = estimates[
            (estimates["indicator"] == "injury_incidence") & (estimates["by"] == "all")
        ]
        if not headline.empty:
            row = headline.iloc[0]
            variance = str(row["method"]).split("; ratio")[0]
            rows.append(
                {
                    "design_effect": f"achieved, {wave} injury incidence · {wave}伤害发生率的实际设计效应",
                    "deff": float(row["deff"]),
                    "source": f"results/{wave}/estimates.csv: {variance}",
                }
            )
    return pd.DataFrame(rows)


def plan_record(plan: SurveyPlan) -> dict:
    """``plan.yaml``: every number with its source, plain types only."""
    return {
        "inputs": [
            {"parameter": r.parameter, "value": _plain(r.value), "source": r.source}
            for r in plan.inputs.itertuples()
        ],
        "sample_size": {k: _plain(v) for k, v in plan.sample_size.as_dict().items()},
        "allocation": [
            {k: _plain(v) for k, v in row.items()} for row in plan.allocation.to_dict("records")
        ],
        "minimum_detectable_change": {k: _plain(v) for k, v in plan.detectable_change.items()},
        "not_drawn": plan.not_drawn,
        "fielded": None
        if plan.fielded is None
        else [{k: _plain(v) for k, v in row.items()} for row in plan.fielded.to_dict("records")],
        "sample": {
            "households": len(plan.sample),
            "psus": int(plan.sample["psu_id"].nunique()),
            "seed": plan.seed,
            "method": "PSUs PPS systematic within strata (certainty PSUs taken with pi 1); "
            "households systematic within PSU",
        },
    }


def write_plan_yaml(plan: SurveyPlan, path: str | Path) -> None:
    Path(path).write_text(
        yaml.safe_dump(plan_record(plan), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def write_fieldwork_workbook(sample: pd.DataFrame, frame: pd.DataFrame, path: str | Path) -> None:
    """A printable fieldwork list: one sheet per community, households in visiting order.

    Blank columns are left for the interviewer to fill in (date, result code).
    """
    names = frame[["psu_id", *[c for c in ("psu_name",) if c in frame]]].drop_duplicates("psu_id")
    listing = sample.merge(names, on="psu_id", how="left")
    columns = {
        "psu_id": "居委会/村编码 PSU",
        "psu_name": "名称 Name",
        "hh_seq": "序号 No.",
        "listing_position": "户在名单中的位置 List position",
        "hh_id": "户编码 Household ID",
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        if listing.empty:
            note = (
                "No sample drawn: the plan cannot be drawn from the frame (see plan.yaml). / "
                "未抽样：方案无法从抽样框抽取（见 plan.yaml）。"
            )
            pd.DataFrame({"说明 Note": [note]}).to_excel(writer, sheet_name="Note", index=False)
        for stratum, block in listing.groupby("stratum_id", sort=True):
            sheet = block[[c for c in columns if c in block]].rename(columns=columns)
            sheet["调查员 Interviewer"] = ""
            sheet["调查日期 Date"] = ""
            sheet["结果代码 Result code"] = ""
            sheet.to_excel(writer, sheet_name=str(stratum)[:31], index=False)
            worksheet = writer.sheets[str(stratum)[:31]]
            for column_cells in worksheet.columns:
                worksheet.column_dimensions[column_cells[0].column_letter].width = 18
    reproducible_xlsx(path)


def _fmt(value, spec: str) -> str:
    return "not estimable" if value is None else format(value, spec)


def _plain(value):
    if value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def sensitivity_caption(settings: dict, lang: str) -> str:
    """Caption of the plan's sensitivity figure: what is shown, then the settings held fixed."""
    per_psu = settings["households_per_psu"]
    fixed = (
        f"其余参数固定：设计效应 {settings['deff']:g}，每个居委会/村 {per_psu} 户；应答率和户均人数取自预调查。"
        if lang == "zh"
        else f"Other settings fixed: design effect {settings['deff']:g}, {per_psu} households per "
        "PSU; response rate and household size from the pilot."
    )
    return figure_caption("plan", lang, method=fixed)
