"""The formal survey's plan, built from the pilot and the config (domain-reference §5.3–§5.4).

Every planning input records where it came from (config prior, pilot estimate or default), so the
plan notebook and ``plan.yaml`` show why the formal survey has the size it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from injury_survey import sample_size as ss
from injury_survey.figures.style import figure_caption
from injury_survey.reproducible import reproducible_xlsx
from injury_survey.sampling import draw_sample

# Used only when the pilot cannot give a response rate (e.g. no eligible household).
DEFAULT_RESPONSE_RATE = 0.9


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


def planning_inputs(settings: dict, pilot: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """The numbers the sample size rests on: parameter, value, source.

    Response rate and household size come from the pilot (§5.2: RR = RR_hh·RR_ind, m̄); incidence,
    precision and design effect from the config, with the pilot's own estimates beside them.
    """
    rr_hh, rr_ind = pilot["response_rate_household"], pilot["response_rate_person"]
    if rr_hh and rr_ind:
        response = (rr_hh * rr_ind, f"pilot: RR_hh {rr_hh:.3f} × RR_ind {rr_ind:.3f}")
    else:
        response = (DEFAULT_RESPONSE_RATE, "default (the pilot gave no response rate)")
    primary = pilot["incidence"].get("case_cn_halfday", next(iter(pilot["incidence"].values())))
    rows = [
        (
            "incidence_prior",
            settings["incidence_prior"],
            f"config plan.incidence_prior (pilot estimate {_fmt(primary['estimate'], '.3f')}, "
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


def plan_survey(settings: dict, pilot: dict, frame: pd.DataFrame, *, wave: str) -> SurveyPlan:
    """Sample size, PSU allocation and the drawn sample of the formal survey."""
    inputs = planning_inputs(settings, pilot, frame)
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
    n_by_stratum = ss.allocate_psus(frame, size.psus)
    sample = draw_sample(
        frame, n_by_stratum, settings["households_per_psu"], settings["seed"], wave=wave
    )
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
    # The chosen setting is always a point of the grid, so the figure can highlight it.
    incidences = sorted({*settings["incidence_grid"], settings["incidence_prior"]})
    precisions = sorted({*settings["precision_grid"], settings["precision"]})
    sensitivity = ss.sensitivity_grid(incidences, precisions, **common).rename(
        columns={"incidence": "incidence_prior"}
    )
    responding_persons = size.households * value["household_size"] * value["response_rate"]
    p1 = settings["incidence_prior"]
    try:
        p2 = ss.minimum_detectable_change(
            responding_persons, p1, settings["deff"], power=settings["power"]
        )
    except ValueError:  # even a fall to zero would go undetected at this size
        p2 = None
    detectable = {
        "persons_per_survey": responding_persons,
        "baseline_incidence": p1,
        "detectable_followup_incidence": p2,
        "detectable_relative_fall": None if p2 is None else (p1 - p2) / p1,
        "alpha": 0.05,
        "power": settings["power"],
        "deff": settings["deff"],
    }
    return SurveyPlan(inputs, size, allocation, sample, sensitivity, detectable, settings["seed"])


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
        "psu_id": "居委会/小区编码 PSU",
        "psu_name": "名称 Name",
        "hh_seq": "序号 No.",
        "listing_position": "户在名单中的位置 List position",
        "hh_id": "户编码 Household ID",
    }
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
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
    if hasattr(value, "item"):
        return value.item()
    return value


def sensitivity_caption(settings: dict, lang: str) -> str:
    """Caption of the plan's sensitivity figure: what is shown, then the settings held fixed."""
    per_psu = settings["households_per_psu"]
    fixed = (
        f"其余参数固定：设计效应 {settings['deff']:g}，每个PSU {per_psu} 户；应答率和户均人数取自预调查。"
        if lang == "zh"
        else f"Other settings fixed: design effect {settings['deff']:g}, {per_psu} households per "
        "PSU; response rate and household size from the pilot."
    )
    return figure_caption("plan", lang, method=fixed)
